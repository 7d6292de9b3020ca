package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/vk"
)

// deviceFlags are the flags of every command that computes: --device auto|cpu|vulkan and
// --validate (also DSR4D_VALIDATE=1).
type deviceFlags struct {
	device   string
	validate bool
}

func (d *deviceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.device, "device", "auto", "compute on: auto (Vulkan when a device exists, else the CPU), cpu or vulkan")
	fs.BoolVar(&d.validate, "validate", false, "enable the Khronos validation layer (also DSR4D_VALIDATE=1); messages are counted, an error under CI")
}

func (d *deviceFlags) check() error {
	switch d.device {
	case "auto", "cpu", "vulkan":
		return nil
	}
	return fmt.Errorf("--device: %q, want auto, cpu or vulkan", d.device)
}

// open opens the Vulkan device --device asks for command cmd (a name in computeCommands): nil for
// cpu; for auto, nil when no device exists (with a warning naming what runs instead) and, for a
// compute-heavy command, when the best device is a CPU driver (vk.PreferCPUBackend), as
// `dsr4d devices` lists. close reports the device's validation messages.
func (d *deviceFlags) open(cmd, fallback string) (dev *vk.Device, close func(), err error) {
	if d.device == "cpu" {
		return nil, func() {}, nil
	}
	dev, err = vk.Open(vk.Options{Validate: d.validate})
	if errors.Is(err, vk.ErrNoDevice) && d.device == "auto" {
		slog.Warn("no Vulkan device; "+fallback, "err", err)
		return nil, func() {}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if d.device == "auto" && heavy(cmd) && vk.PreferCPUBackend(dev.Info()) {
		slog.Info("the Vulkan device is a CPU driver; "+fallback+" (--device vulkan to use it)", "device", dev.Info().Name)
		addMessages(dev)
		dev.Close()
		return nil, func() {}, nil
	}
	return dev, func() {
		addMessages(dev)
		dev.Close()
	}, nil
}

// backend opens the nn backend --device asks for command cmd (see open): the native CPU backend,
// or Vulkan on the opened device. name is "cpu" or "vulkan: <device>", for logs and provenance;
// close releases the backend, then the device.
func (d *deviceFlags) backend(cmd, fallback string) (be nn.Backend, name string, close func(), err error) {
	dev, closeDev, err := d.open(cmd, fallback)
	if err != nil {
		return nil, "", nil, err
	}
	if dev == nil {
		c := nn.NewCPU()
		return c, "cpu", func() { c.Close(); closeDev() }, nil
	}
	g, err := nn.NewVulkan(dev)
	if err != nil {
		closeDev()
		return nil, "", nil, err
	}
	return g, "vulkan: " + dev.Info().Name, func() { g.Close(); closeDev() }, nil
}

// validation totals the validation messages of the devices a command opened.
var validation struct {
	sync.Mutex
	on    bool // a device validated
	total int
	first string
}

func addMessages(dev *vk.Device) {
	if !dev.Validating() {
		return
	}
	m := dev.Messages()
	validation.Lock()
	defer validation.Unlock()
	validation.on = true
	validation.total += m.Total()
	if validation.first == "" && len(m.Texts) > 0 {
		validation.first = m.Texts[0]
	}
}

// reportValidation reports the validation messages of the command's devices (when one
// validated) and, under CI, makes a non-zero count an error.
func reportValidation(cmd string, stderr io.Writer, err error) error {
	validation.Lock()
	on, n, first := validation.on, validation.total, validation.first
	validation.on, validation.total, validation.first = false, 0, ""
	validation.Unlock()
	if !on {
		return err
	}
	if n == 0 {
		fmt.Fprintf(stderr, "dsr4d %s: 0 Vulkan validation messages\n", cmd)
		return err
	}
	fmt.Fprintf(stderr, "dsr4d %s: %d Vulkan validation messages, first: %s\n", cmd, n, first)
	if err == nil && os.Getenv("CI") != "" {
		return fmt.Errorf("%d Vulkan validation messages (an error under CI)", n)
	}
	return err
}
