package vk

import (
	"encoding/binary"
	"fmt"

	vulkan "github.com/vulkan-go/vulkan"

	"github.com/dsr4d/dsr4d/shaders"
)

// kernelKey identifies a pipeline: the shader and every constant's value.
type kernelKey struct {
	name   string
	values string
}

func keyOf(v shaders.Variant) kernelKey {
	return kernelKey{v.Name(), fmt.Sprint(v.Values())}
}

// kernelEntry is a cached pipeline, or one being built: done closes when k or err is set.
type kernelEntry struct {
	done chan struct{}
	k    *Kernel
	err  error
}

// Kernel is a compute pipeline built from an embedded shader with fixed specialization constants.
// Kernels are cached by the Device and released by Close.
type Kernel struct {
	d        *Device
	name     string
	mod      shaders.Module
	values   map[string]uint32 // every constant, defaults overridden
	dsl      vulkan.DescriptorSetLayout
	layout   vulkan.PipelineLayout
	pipeline vulkan.Pipeline
}

// Name is the shader's name.
func (k *Kernel) Name() string { return k.name }

// Value returns the effective value of specialization constant name (0 if it has none).
func (k *Kernel) Value(name string) uint32 { return k.values[name] }

// PushSize is the size in bytes of the push constants Dispatch must be given.
func (k *Kernel) PushSize() int { return int(k.mod.PushSize) }

// Bindings is the number of storage buffers Dispatch must be given.
func (k *Kernel) Bindings() int { return len(k.mod.Bindings) }

// KernelOf returns the compute pipeline of v (a typed handle of package shaders, e.g.
// shaders.Fill(shaders.FillSpec{LocalSizeX: 64})), building it on first use. Different pipelines
// build concurrently, outside the device lock (the VkPipelineCache is shared: drivers
// synchronise it); callers asking for one being built wait for it.
func (d *Device) KernelOf(v shaders.Variant) (*Kernel, error) {
	key := keyOf(v)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, prefixed(ErrClosed)
	}
	if e, ok := d.kernels[key]; ok {
		d.mu.Unlock()
		<-e.done
		return e.k, e.err
	}
	e := &kernelEntry{done: make(chan struct{})}
	d.kernels[key] = e
	d.building.Add(1)
	d.mu.Unlock()

	e.k, e.err = d.newKernel(v)
	e.err = prefixed(e.err)
	d.mu.Lock()
	if e.err != nil {
		delete(d.kernels, key) // a later call tries again
	}
	d.mu.Unlock()
	close(e.done)
	d.building.Done()
	return e.k, e.err
}

// buildHook, when set (by tests), runs at the start of every pipeline build.
var buildHook func(name string)

// newKernel checks v against the device's limits and builds its pipeline; d.mu is not held.
func (d *Device) newKernel(v shaders.Variant) (*Kernel, error) {
	name := v.Name()
	if buildHook != nil {
		buildHook(name)
	}
	mod, err := v.Module()
	if err != nil {
		return nil, err
	}
	if mod.PushSize > d.info.MaxPushConstantsSize {
		return nil, fmt.Errorf("kernel %s: %d bytes of push constants, device allows %d", name, mod.PushSize, d.info.MaxPushConstantsSize)
	}
	values := map[string]uint32{}
	for i, s := range mod.Spec {
		values[s.Name] = v.Values()[i]
	}
	wg := [3]uint32{max(values["local_size_x"], 1), max(values["local_size_y"], 1), max(values["local_size_z"], 1)}
	for i, lim := range d.info.MaxWorkgroupSize {
		if wg[i] > lim {
			return nil, fmt.Errorf("kernel %s: workgroup size %v exceeds the device's %v", name, wg, d.info.MaxWorkgroupSize)
		}
	}
	if n := wg[0] * wg[1] * wg[2]; n > d.info.MaxWorkgroupInvocations {
		return nil, fmt.Errorf("kernel %s: %d invocations per workgroup, device allows %d", name, n, d.info.MaxWorkgroupInvocations)
	}
	k := &Kernel{d: d, name: name, mod: mod, values: values}
	if err := k.build(v.Values()); err != nil {
		k.destroy()
		return nil, fmt.Errorf("kernel %s: %w", name, err)
	}
	return k, nil
}

// shaderModule returns the cached VkShaderModule of mod; d.mu is held (creating a module is
// quick: the driver compiles at pipeline creation).
func (d *Device) shaderModule(mod shaders.Module) (vulkan.ShaderModule, error) {
	if m, ok := d.modules[mod.Name]; ok {
		return m, nil
	}
	code := make([]uint32, len(mod.SPIRV)/4)
	for i := range code {
		code[i] = binary.LittleEndian.Uint32(mod.SPIRV[4*i:])
	}
	m, r := createShaderModule(d.dev, code)
	if err := check("vkCreateShaderModule", r); err != nil {
		return nil, err
	}
	d.live.add("shader_module", 1)
	d.modules[mod.Name] = m
	return m, nil
}

func (k *Kernel) build(values []uint32) error {
	d := k.d
	bindings := make([]uint32, len(k.mod.Bindings))
	types := make([]uint32, len(k.mod.Bindings))
	for i, b := range k.mod.Bindings {
		bindings[i], types[i] = b.Binding, uint32(descriptorType(b.Kind))
	}
	dsl, r := createDescriptorSetLayout(d.dev, bindings, types, vulkan.ShaderStageComputeBit)
	if err := check("vkCreateDescriptorSetLayout", r); err != nil {
		return err
	}
	d.live.add("descriptor_set_layout", 1)
	k.dsl = dsl

	layout, r := createPipelineLayout(d.dev, dsl, k.mod.PushSize, vulkan.ShaderStageComputeBit)
	if err := check("vkCreatePipelineLayout", r); err != nil {
		return err
	}
	d.live.add("pipeline_layout", 1)
	k.layout = layout

	d.mu.Lock()
	mod, err := d.shaderModule(k.mod)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	ids := make([]uint32, len(k.mod.Spec))
	for i, s := range k.mod.Spec {
		ids[i] = s.ID
	}
	pipe, r := createComputePipeline(d.dev, d.pcache.handle(), mod, layout, ids, values)
	if err := check("vkCreateComputePipelines", r); err != nil {
		return err
	}
	d.live.add("pipeline", 1)
	k.pipeline = pipe
	return nil
}

func descriptorType(k shaders.Kind) vulkan.DescriptorType {
	if k == shaders.UniformTexelBuffer {
		return vulkan.DescriptorTypeUniformTexelBuffer
	}
	return vulkan.DescriptorTypeStorageBuffer
}

func (k *Kernel) destroy() {
	d := k.d
	if k.pipeline != vulkan.NullPipeline {
		vulkan.DestroyPipeline(d.dev, k.pipeline, nil)
		d.live.add("pipeline", -1)
	}
	if k.layout != vulkan.NullPipelineLayout {
		vulkan.DestroyPipelineLayout(d.dev, k.layout, nil)
		d.live.add("pipeline_layout", -1)
	}
	if k.dsl != vulkan.NullDescriptorSetLayout {
		vulkan.DestroyDescriptorSetLayout(d.dev, k.dsl, nil)
		d.live.add("descriptor_set_layout", -1)
	}
	*k = Kernel{d: d}
}
