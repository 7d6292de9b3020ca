package main

import (
	"os"
	"strings"
	"testing"
)

// TestDevicesBackends checks that devices names a backend for every computing command.
func TestDevicesBackends(t *testing.T) {
	code, out, errOut := runCmd("devices")
	if code != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and dsr4d devices failed: %s", errOut)
		}
		t.Skipf("no Vulkan device: %s", errOut)
	}
	_, table, ok := strings.Cut(out, "backends under --device auto:")
	if !ok {
		t.Fatalf("no backends section in:\n%s", out)
	}
	for _, c := range computeCommands {
		if !strings.Contains(table, "  "+c.name+" ") {
			t.Errorf("no line for %s in:\n%s", c.name, table)
		}
	}
}
