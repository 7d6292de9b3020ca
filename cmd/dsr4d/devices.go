package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/dsr4d/dsr4d/vk"
)

func init() {
	commands["devices"] = command{summary: "list Vulkan devices and their compute limits", run: runDevices}
}

func runDevices(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devices", "devices [-json]", stderr)
	asJSON := fs.Bool("json", false, "print the devices as a JSON array (for scripts)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: dsr4d devices [-json]

Lists every Vulkan device with the facts dsr4d tunes its kernels by. The device marked '*' is the
one other commands use: the best type (discrete > integrated > virtual > CPU) unless DSR4D_DEVICE
names one by index or by a substring of its name. Below the table, the backend each computing
command takes under --device auto: Vulkan on that device, except that compute-heavy commands (the
nn models) prefer the native CPU backend when the device is a CPU driver such as lavapipe
(vk.PreferCPUBackend).

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	infos, err := vk.Devices(vk.Options{})
	if err != nil && len(infos) == 0 {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if encErr := enc.Encode(infos); encErr != nil {
			return encErr
		}
		return err
	}
	writeDeviceTable(stdout, infos)
	writeBackends(stdout, infos)
	return err
}

// computeCommands are the commands that compute on a device, and whether their work is heavy
// enough that a CPU Vulkan driver loses to the native CPU backend.
var computeCommands = []struct {
	name, work string
	heavy      bool
}{
	{"answer", "Qwen2.5-VL's language model (nn)", true},
	{"gsm", "the GSM model (nn)", true},
	{"orient", "Orient Anything (nn)", true},
	{"qa", "object centres (fuse)", false},
	{"reconstruct", "π³ (nn)", true},
	{"serve", "Qwen2.5-VL's language model (nn)", true},
	{"synth", "ray casting", false},
	{"view", "drawing (graphics queue)", false},
}

// heavy reports whether command name is compute-heavy (see computeCommands).
func heavy(name string) bool {
	for _, c := range computeCommands {
		if c.name == name {
			return c.heavy
		}
	}
	panic("dsr4d: " + name + " is not in computeCommands")
}

// writeBackends says which backend each computing command takes under --device auto.
func writeBackends(w io.Writer, infos []vk.Info) {
	var best *vk.Info
	for i := range infos {
		if infos[i].Selected {
			best = &infos[i]
		}
	}
	fmt.Fprintln(w, "\nbackends under --device auto:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range computeCommands {
		switch {
		case best == nil:
			fmt.Fprintf(tw, "  %s\tcpu\t%s: no usable Vulkan device\n", c.name, c.work)
		case c.heavy && vk.PreferCPUBackend(*best):
			fmt.Fprintf(tw, "  %s\tcpu\t%s: the best Vulkan device, %s, is a CPU driver\n", c.name, c.work, best.Name)
		default:
			fmt.Fprintf(tw, "  %s\tvulkan\t%s on #%d %s\n", c.name, c.work, best.Index, best.Name)
		}
	}
	tw.Flush()
}

func writeDeviceTable(w io.Writer, infos []vk.Info) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\t#\tname\ttype\tvendor\tdriver\tapi\tsubgroup\tshared\tworkgroup\tinvocations\tpush\tstorage range\tmemory")
	for _, d := range infos {
		mark := ""
		if d.Selected {
			mark = "*"
		}
		var heaps string
		for i, h := range d.Heaps {
			if i > 0 {
				heaps += "+"
			}
			heaps += byteSize(h.Size)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%dx%dx%d\t%d\t%d\t%s\t%s\n", mark, d.Index, d.Name, d.Type, d.Vendor,
			d.Driver, d.APIVersion, d.SubgroupSize, byteSize(uint64(d.MaxSharedMemory)),
			d.MaxWorkgroupSize[0], d.MaxWorkgroupSize[1], d.MaxWorkgroupSize[2], d.MaxWorkgroupInvocations,
			d.MaxPushConstantsSize, byteSize(uint64(d.MaxStorageBufferRange)), heaps)
	}
	tw.Flush()
}

func byteSize(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
