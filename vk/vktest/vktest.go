package vktest

import (
	"errors"
	"os"
	"testing"

	"github.com/dsr4d/dsr4d/vk"
)

// Open returns a device for t and registers its checks and Close with t.Cleanup.
func Open(t testing.TB) *vk.Device {
	t.Helper()
	ci := os.Getenv("CI") != ""
	opts := vk.Options{Validate: true, CacheDir: os.Getenv("DSR4D_TEST_CACHE")}
	d, err := vk.Open(opts)
	if err != nil && !ci && !errors.Is(err, vk.ErrNoDevice) {
		// No validation layer here: run without it rather than not at all.
		opts.Validate = false
		d, err = vk.Open(opts)
	}
	if err != nil {
		if ci {
			t.Fatalf("CI is set and no Vulkan device opened: %v", err)
		}
		t.Skipf("no Vulkan device: %v", err)
	}
	t.Cleanup(func() {
		msgs := d.Messages()
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		for kind, n := range d.Live() {
			if n != 0 {
				t.Errorf("after Close %d live %s object(s)", n, kind)
			}
		}
		if msgs.Total() > 0 {
			t.Errorf("%d validation message(s): %v", msgs.Total(), msgs.Texts)
		}
	})
	return d
}
