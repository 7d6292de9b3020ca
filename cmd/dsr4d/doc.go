// Command dsr4d makes dynamic spatial reasoning (DSR) data and models run on any Vulkan device.
//
// Usage:
//
//	dsr4d <command> [flags]
//
// Each command lives in its own file and registers itself in commands; run `dsr4d help` for the list
// and `dsr4d <command> -h` for a command's flags.
package main
