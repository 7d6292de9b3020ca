// Package atomicfile writes files that readers see whole or not at all, and the advisory locks
// that let several processes share one output directory.
//
// A file is written to a temporary file in the same directory (".<name>.tmp-<random>", same file
// system, so the final rename is atomic), synced, made mode 0644 and renamed over the path; the
// directory is then synced so the rename survives a crash. On any error the temporary file is
// removed and the path keeps its old content; errors name the path, never the temporary file.
//
// A writer holds an exclusive flock on its temporary file (or directory, see [TempDir]) while it
// writes, so a writer killed with kill -9 leaves a temporary whose lock is free: [CleanStale]
// removes exactly those, and never the temporary of a writer still running (in this or another
// process). On systems without flock, CleanStale removes temporaries older than an hour.
//
// [Lock] takes an exclusive advisory lock on a lock file: the read-merge-write cycles of
// concurrent `dsr4d qa` runs into one --out serialise on it. Locks are released when the process
// dies. Over NFS they depend on the server's lock support (Linux maps flock to POSIX locks there).
package atomicfile
