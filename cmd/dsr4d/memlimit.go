package main

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// setMemoryLimit gives the Go collector a soft limit of 90% of the memory this process may use
// (the machine's, or its cgroup's when smaller), unless GOMEMLIMIT sets one. A model's weights are
// live heap: with only GOGC=100 a 15 GB model may grow the heap towards 30 GB of garbage before a
// collection, and a 7B checkpoint loaded on a 24 GB machine was killed that way.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if n := availableMemory(); n > 0 {
		debug.SetMemoryLimit(n / 10 * 9)
	}
}

// availableMemory is MemTotal from /proc/meminfo, or the cgroup v2 limit when it is smaller; 0
// when neither can be read.
func availableMemory() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				total = kb * 1024
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n // "max" (no limit) does not parse
		}
	}
	return total
}
