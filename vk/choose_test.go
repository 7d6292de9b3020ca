package vk

import (
	"errors"
	"testing"

	vulkan "github.com/vulkan-go/vulkan"
)

func TestChoose(t *testing.T) {
	v11, v10 := vulkan.MakeVersion(1, 1, 0), vulkan.MakeVersion(1, 0, 0)
	dev := func(name string, typ DeviceType, api uint32) Info { return Info{Name: name, Type: typ, api: api} }
	lavapipe := dev("llvmpipe (LLVM 15.0.6, 256 bits)", TypeCPU, v11)
	igpu := dev("Intel(R) UHD Graphics 620", TypeIntegrated, v11)
	h100 := dev("NVIDIA H100 80GB HBM3", TypeDiscrete, v11)
	old := dev("Ancient discrete", TypeDiscrete, v10)
	virt := dev("virtio-gpu", TypeVirtual, v11)
	cases := []struct {
		name     string
		infos    []Info
		selector string
		want     int
		err      bool
	}{
		{"discrete beats the rest", []Info{lavapipe, igpu, h100}, "", 2, false},
		{"integrated beats CPU", []Info{lavapipe, igpu}, "", 1, false},
		{"virtual beats CPU", []Info{lavapipe, virt}, "", 1, false},
		{"CPU when alone", []Info{lavapipe}, "", 0, false},
		{"Vulkan 1.0 devices are skipped", []Info{old, lavapipe}, "", 1, false},
		{"only Vulkan 1.0", []Info{old}, "", 0, true},
		{"index", []Info{lavapipe, h100}, "0", 0, false},
		{"name substring, any case", []Info{h100, lavapipe}, "LLVMPIPE", 1, false},
		{"index out of range", []Info{lavapipe}, "3", 0, true},
		{"unknown name", []Info{lavapipe}, "radeon", 0, true},
		{"no devices", nil, "", 0, true},
		{"index means Info.Index, not position", []Info{{Name: "b", Type: TypeCPU, Index: 5, api: v11}}, "5", 0, false},
	}
	for _, c := range cases {
		if len(c.infos) > 1 { // as Devices numbers them
			for i := range c.infos {
				c.infos[i].Index = i
			}
		}
		got, err := choose(c.infos, c.selector)
		if c.err {
			if !errors.Is(err, ErrNoDevice) {
				t.Errorf("%s: err = %v, want ErrNoDevice", c.name, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: choose = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
}

func TestPreferCPUBackend(t *testing.T) {
	for typ, want := range map[DeviceType]bool{TypeDiscrete: false, TypeIntegrated: false, TypeVirtual: false, TypeCPU: true} {
		if got := PreferCPUBackend(Info{Type: typ}); got != want {
			t.Errorf("PreferCPUBackend(%s) = %v, want %v", typ, got, want)
		}
	}
}
