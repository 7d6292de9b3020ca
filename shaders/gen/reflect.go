package main

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// The generator cannot import package shaders (it writes part of it), so it mirrors its types.
type access int

const (
	readWrite access = iota
	readOnly
	writeOnly
)

func (a access) String() string { return [...]string{"ReadWrite", "ReadOnly", "WriteOnly"}[a] }

type kind int

const (
	storageBuffer kind = iota
	uniformTexelBuffer
)

func (k kind) String() string { return [...]string{"StorageBuffer", "UniformTexelBuffer"}[k] }

type binding struct {
	binding uint32
	access  access
	kind    kind
}

type specConstant struct {
	id    uint32
	name  string
	value uint32
	typ   string // the Go type of its field: "bool", "float32" or "uint32"
}

// SPIR-V opcodes, decorations and storage classes used by the reflection below (SPIR-V spec §3).
const (
	opName                         = 5
	opTypeBool                     = 20
	opTypeInt                      = 21
	opTypeFloat                    = 22
	opTypeVector                   = 23
	opTypeMatrix                   = 24
	opTypeArray                    = 28
	opTypeStruct                   = 30
	opTypePointer                  = 32
	opTypeImage                    = 25
	opTypeSampledImage             = 27
	dimBuffer                      = 5
	storageUniformConstant         = 0
	opConstant                     = 43
	opSpecConstantTrue             = 48
	opSpecConstantFalse            = 49
	opSpecConstant                 = 50
	opSpecConstantComposite        = 51
	opVariable                     = 59
	opDecorate                     = 71
	opMemberDecorate               = 72
	decSpecID                      = 1
	decArrayStride                 = 6
	decMatrixStride                = 7
	decBuiltIn                     = 11
	decNonWritable                 = 24
	decNonReadable                 = 25
	decBinding                     = 33
	decDescriptorSet               = 34
	decOffset                      = 35
	builtInWorkgroupSize           = 25
	storageUniform                 = 2
	storagePushConstant            = 9
	storageStorageBuffer           = 12
	spirvMagic              uint32 = 0x07230203
)

type typeInfo struct {
	op      uint32
	width   uint32   // int/float bits
	elem    uint32   // vector/matrix/array/pointer element type
	count   uint32   // vector/matrix count; array length constant id
	members []uint32 // struct member types
	storage uint32   // pointer storage class
}

type reflection struct {
	bindings []binding
	push     uint32
	spec     []specConstant
}

// reflect reads the descriptor bindings, push-constant size and specialization constants of a
// SPIR-V module.
func reflect(code []byte) (reflection, error) {
	if len(code)%4 != 0 || len(code) < 20 {
		return reflection{}, fmt.Errorf("spirv: %d bytes is not a module", len(code))
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	if words[0] != spirvMagic {
		return reflection{}, fmt.Errorf("spirv: bad magic 0x%08x", words[0])
	}
	names := map[uint32]string{}
	types := map[uint32]typeInfo{}
	consts := map[uint32]uint32{}
	decor := map[uint32]map[uint32]uint32{}                  // id -> decoration -> first literal
	memberDecor := map[uint32]map[uint32]map[uint32]uint32{} // struct -> member -> decoration -> literal
	type variable struct{ typ, storage uint32 }
	vars := map[uint32]variable{}
	type specConst struct {
		typ, value uint32
	}
	specs := map[uint32]specConst{}
	var composites [][]uint32 // [id, constituents...]

	for i := 5; i < len(words); {
		n := int(words[i] >> 16)
		op := words[i] & 0xffff
		if n == 0 || i+n > len(words) {
			return reflection{}, fmt.Errorf("spirv: malformed instruction at word %d", i)
		}
		a := words[i+1 : i+n]
		switch op {
		case opName:
			names[a[0]] = literalString(a[1:])
		case opTypeBool:
			types[a[0]] = typeInfo{op: op, width: 32}
		case opTypeInt, opTypeFloat:
			types[a[0]] = typeInfo{op: op, width: a[1]}
		case opTypeVector, opTypeMatrix, opTypeArray:
			types[a[0]] = typeInfo{op: op, elem: a[1], count: a[2]}
		case opTypeStruct:
			types[a[0]] = typeInfo{op: op, members: append([]uint32(nil), a[1:]...)}
		case opTypePointer:
			types[a[0]] = typeInfo{op: op, storage: a[1], elem: a[2]}
		case opTypeImage:
			types[a[0]] = typeInfo{op: op, count: a[2], width: a[6]} // count = Dim, width = Sampled
		case opTypeSampledImage:
			types[a[0]] = typeInfo{op: op, elem: a[1]}
		case opConstant:
			consts[a[1]] = a[2]
		case opSpecConstant:
			specs[a[1]] = specConst{typ: a[0], value: a[2]}
		case opSpecConstantTrue:
			specs[a[1]] = specConst{typ: a[0], value: 1}
		case opSpecConstantFalse:
			specs[a[1]] = specConst{typ: a[0], value: 0}
		case opSpecConstantComposite:
			composites = append(composites, append([]uint32(nil), a[1:]...))
		case opVariable:
			vars[a[1]] = variable{typ: a[0], storage: a[2]}
		case opDecorate:
			if decor[a[0]] == nil {
				decor[a[0]] = map[uint32]uint32{}
			}
			v := uint32(0)
			if len(a) > 2 {
				v = a[2]
			}
			decor[a[0]][a[1]] = v
		case opMemberDecorate:
			if memberDecor[a[0]] == nil {
				memberDecor[a[0]] = map[uint32]map[uint32]uint32{}
			}
			if memberDecor[a[0]][a[1]] == nil {
				memberDecor[a[0]][a[1]] = map[uint32]uint32{}
			}
			v := uint32(0)
			if len(a) > 3 {
				v = a[3]
			}
			memberDecor[a[0]][a[1]][a[2]] = v
		}
		i += n
	}

	var sizeOf func(t uint32) (uint32, error)
	sizeOf = func(t uint32) (uint32, error) {
		ti, ok := types[t]
		if !ok {
			return 0, fmt.Errorf("spirv: unknown type %%%d", t)
		}
		switch ti.op {
		case opTypeBool, opTypeInt, opTypeFloat:
			return ti.width / 8, nil
		case opTypeVector:
			s, err := sizeOf(ti.elem)
			return s * ti.count, err
		case opTypeArray:
			stride := decor[t][decArrayStride]
			return stride * consts[ti.count], nil
		case opTypeStruct:
			var end uint32
			for m, mt := range ti.members {
				s, err := sizeOf(mt)
				if err != nil {
					return 0, err
				}
				if e := memberDecor[t][uint32(m)][decOffset] + s; e > end {
					end = e
				}
			}
			return end, nil
		}
		return 0, fmt.Errorf("spirv: cannot size type op %d in a push-constant block", ti.op)
	}

	var r reflection
	for id, v := range vars {
		ptr := types[v.typ]
		switch v.storage {
		case storagePushConstant:
			s, err := sizeOf(ptr.elem)
			if err != nil {
				return r, err
			}
			r.push = s
		case storageUniformConstant:
			b, ok := decor[id][decBinding]
			if !ok {
				continue
			}
			st := types[ptr.elem]
			img := types[st.elem]
			if st.op != opTypeSampledImage || img.count != dimBuffer {
				return r, fmt.Errorf("spirv: %s: only samplerBuffer (uniform texel buffer) bindings are supported besides storage buffers", names[id])
			}
			r.bindings = append(r.bindings, binding{binding: b, access: readOnly, kind: uniformTexelBuffer})
		case storageUniform, storageStorageBuffer:
			b, ok := decor[id][decBinding]
			if !ok {
				continue
			}
			if set := decor[id][decDescriptorSet]; set != 0 {
				return r, fmt.Errorf("spirv: %s uses descriptor set %d; dsr4d kernels use set 0 only", names[id], set)
			}
			r.bindings = append(r.bindings, binding{binding: b, access: accessOf(id, ptr.elem, types, decor, memberDecor)})
		}
	}
	sort.Slice(r.bindings, func(i, j int) bool { return r.bindings[i].binding < r.bindings[j].binding })
	// Aliased declarations of one binding (a float and a vec4 view of the same buffer) merge;
	// their access is the union.
	merged := r.bindings[:0]
	for _, b := range r.bindings {
		if n := len(merged); n > 0 && merged[n-1].binding == b.binding {
			if merged[n-1].kind != b.kind {
				return r, fmt.Errorf("spirv: binding %d is declared both as a texel buffer and a storage buffer", b.binding)
			}
			if merged[n-1].access != b.access {
				merged[n-1].access = readWrite
			}
			continue
		}
		merged = append(merged, b)
	}
	r.bindings = merged
	for i, b := range r.bindings {
		if b.binding != uint32(i) {
			return r, fmt.Errorf("spirv: bindings must be 0..n-1, found %d at position %d", b.binding, i)
		}
	}

	// Workgroup-size constants have no OpName; name them after the builtin's components.
	for _, c := range composites {
		if d, ok := decor[c[0]][decBuiltIn]; ok && d == builtInWorkgroupSize {
			for k, id := range c[1:] {
				if _, isSpec := specs[id]; isSpec && names[id] == "" && k < 3 {
					names[id] = "local_size_" + string("xyz"[k])
				}
			}
		}
	}
	for id, s := range specs {
		sid, ok := decor[id][decSpecID]
		if !ok {
			continue
		}
		typ := "uint32"
		switch types[s.typ].op {
		case opTypeBool:
			typ = "bool"
		case opTypeFloat:
			typ = "float32"
		}
		r.spec = append(r.spec, specConstant{id: sid, name: names[id], value: s.value, typ: typ})
	}
	sort.Slice(r.spec, func(i, j int) bool { return r.spec[i].id < r.spec[j].id })
	return r, nil
}

// access derives a buffer binding's access from NonWritable/NonReadable on the variable or on
// every member of its block.
func accessOf(varID, blockType uint32, types map[uint32]typeInfo, decor map[uint32]map[uint32]uint32,
	memberDecor map[uint32]map[uint32]map[uint32]uint32) access {
	has := func(d uint32) bool {
		if _, ok := decor[varID][d]; ok {
			return true
		}
		t := types[blockType]
		if len(t.members) == 0 {
			return false
		}
		for m := range t.members {
			if _, ok := memberDecor[blockType][uint32(m)][d]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case has(decNonWritable):
		return readOnly
	case has(decNonReadable):
		return writeOnly
	}
	return readWrite
}

func literalString(w []uint32) string {
	b := make([]byte, 0, 4*len(w))
	for _, x := range w {
		for k := 0; k < 4; k++ {
			c := byte(x >> (8 * k))
			if c == 0 {
				return string(b)
			}
			b = append(b, c)
		}
	}
	return string(b)
}
