package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: run parses args with its own FlagSet and does the work.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

// commands maps a subcommand name to its implementation; each file adds its own in init.
var commands = map[string]command{}

// errUsage marks a usage error (exit code 2); the FlagSet has already printed the reason.
var errUsage = errors.New("usage error")

func main() {
	setMemoryLimit()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line, `[--log-level LEVEL] <command> [flags]`, and returns the process
// exit code: 0 success, 1 failure, 2 usage error. Logs (log/slog, text) go to stderr.
func run(args []string, stdout, stderr io.Writer) int {
	level := slog.LevelInfo
	if len(args) > 0 && strings.TrimLeft(strings.SplitN(args[0], "=", 2)[0], "-") == "log-level" && strings.HasPrefix(args[0], "-") {
		_, v, ok := strings.Cut(args[0], "=")
		args = args[1:]
		if !ok && len(args) > 0 {
			v, args = args[0], args[1:]
		}
		if err := level.UnmarshalText([]byte(v)); err != nil {
			fmt.Fprintf(stderr, "dsr4d: --log-level %q: want debug, info, warn or error\n", v)
			return 2
		}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
	if len(args) == 0 {
		usage(stderr) // a bare dsr4d is a usage error: the text goes with the error
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "dsr4d: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := reportValidation(args[0], stderr, cmd.run(args[1:], stdout, stderr))
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "dsr4d %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dsr4d makes dynamic spatial reasoning (DSR) data and models run on any Vulkan device.")
	fmt.Fprintln(w, "\nUsage:\n\n  dsr4d [--log-level debug|info|warn|error] <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'dsr4d <command> -h' for a command's flags.")
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and prints a usage header.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("dsr4d "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: dsr4d %s\n\n", strings.TrimSpace(synopsis))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, flags before or after the positional arguments (which fs.Args then
// returns; "--" ends the flags), and maps a parse failure to errUsage (the FlagSet has printed
// why).
func parseFlags(fs *flag.FlagSet, args []string) error {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		rest := fs.Args()
		if used := args[:len(args)-len(rest)]; len(used) > 0 && used[len(used)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) > 0 {
			pos = append(pos, rest[0])
			rest = rest[1:]
		}
		args = rest
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

// parseInterleaved is parseFlags returning the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}
