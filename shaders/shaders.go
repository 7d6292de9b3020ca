package shaders

import (
	"fmt"
	"math"
	"sort"
)

// Access says how a shader uses a storage buffer binding.
type Access uint8

// Access modes, from the SPIR-V NonWritable / NonReadable decorations.
const (
	ReadWrite Access = iota
	ReadOnly
	WriteOnly
)

// Kind is the descriptor type of a binding.
type Kind uint8

// Binding kinds.
const (
	// StorageBuffer is a `buffer` block.
	StorageBuffer Kind = iota
	// UniformTexelBuffer is a `uniform samplerBuffer`, read with texelFetch. On lavapipe texel
	// fetches are vector gathers while storage-buffer loads run a loop over the lanes, so hot
	// read-only inputs are bound this way.
	UniformTexelBuffer
)

// Binding is one binding in descriptor set 0.
type Binding struct {
	Binding uint32
	Access  Access
	Kind    Kind
}

// SpecConstant is a specialization constant: its SpecId, GLSL name and default value
// (the bits of a 32-bit int, uint, float or bool).
type SpecConstant struct {
	ID      uint32
	Name    string
	Default uint32
}

// Module is one compiled shader with its reflection data.
type Module struct {
	Name         string // the source file name without extension, e.g. "matmul_rb"
	Source       string // the source file name, e.g. "matmul_rb.comp"
	SourceSHA256 string // hex sha256 of the source and its includes when the SPIR-V was built
	SPIRV        []byte
	Bindings     []Binding
	PushSize     uint32 // bytes of the push-constant block, 0 if none
	Spec         []SpecConstant
}

// modules holds every embedded shader; each generated z_*.go file registers one.
var modules = map[string]Module{}

func register(m Module) { modules[m.Name] = m }

// Lookup returns the embedded module called name.
func Lookup(name string) (Module, error) {
	m, ok := modules[name]
	if !ok {
		return Module{}, fmt.Errorf("shaders: no embedded shader %q (known: %v)", name, Names())
	}
	return m, nil
}

// Names lists the embedded modules in order.
func Names() []string {
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SpecByName returns the specialization constant called name.
func (m Module) SpecByName(name string) (SpecConstant, bool) {
	for _, s := range m.Spec {
		if s.Name == name {
			return s, true
		}
	}
	return SpecConstant{}, false
}

// Variant is a shader with every specialisation constant fixed, as the generated typed handles
// make it: shaders.Fill(shaders.FillSpec{LocalSizeX: 64}) or shaders.ViewColorFrag. A zero Spec
// field takes the shader's GLSL default.
type Variant struct {
	name   string
	values []uint32 // in the order of Module.Spec
}

// Name is the shader's name (the key of Lookup).
func (v Variant) Name() string { return v.name }

// Values are the constants' 32-bit values in the order of the module's Spec.
func (v Variant) Values() []uint32 { return v.values }

// Module returns the embedded module of v.
func (v Variant) Module() (Module, error) { return Lookup(v.name) }

func orDefault(v, def uint32) uint32 {
	if v == 0 {
		return def
	}
	return v
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func f2u(f float32) uint32 { return math.Float32bits(f) }
