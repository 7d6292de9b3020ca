package npy

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var goldenShape = []int{2, 3, 4}

// goldenValue is element i (C order) of the arrays testdata/gen.py writes, as float64.
func goldenValue(dtype string, i int) float64 {
	switch dtype {
	case "bool":
		if i%3 == 0 {
			return 1
		}
		return 0
	case "uint8":
		return float64(i % 251)
	case "uint16":
		return float64((i * 257) % 65536)
	case "int32":
		return float64(i*1000 - 7)
	case "int64":
		return float64(int64(i)*10_000_000_000 - 3)
	case "float16":
		return float64(i)*0.25 - 3
	case "float32":
		return float64(i)*0.5 - 1.25
	case "float64":
		return float64(i) / 3
	}
	panic(dtype)
}

// asFloat64 returns an array's values in C order, bools as 0/1.
func asFloat64(t *testing.T, a *Array) []float64 {
	t.Helper()
	if a.Dtype() == Bool {
		b, err := a.Bool()
		if err != nil {
			t.Fatal(err)
		}
		return convert(b, func(v bool) float64 {
			if v {
				return 1
			}
			return 0
		})
	}
	v, err := a.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func checkGolden(t *testing.T, what, dtype string, a *Array) {
	t.Helper()
	if !a.HasShape(goldenShape...) {
		t.Fatalf("%s: shape %v, want %v", what, a.Shape, goldenShape)
	}
	if a.Dtype().String() != dtype {
		t.Fatalf("%s: dtype %v, want %s", what, a.Dtype(), dtype)
	}
	for i, v := range asFloat64(t, a) {
		if v != goldenValue(dtype, i) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, v, goldenValue(dtype, i))
		}
	}
}

var goldenDtypes = []string{"bool", "uint8", "uint16", "int32", "int64", "float16", "float32", "float64"}

func TestReadNumpyFiles(t *testing.T) {
	t.Parallel()
	for _, dt := range goldenDtypes {
		for _, order := range []string{"c", "f", "be"} {
			path := filepath.Join("testdata", dt+"_"+order+".npy")
			if _, err := os.Stat(path); err != nil {
				continue // one-byte types have no big-endian file
			}
			a, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if a.Fortran != (order == "f") {
				t.Errorf("%s: Fortran = %v", path, a.Fortran)
			}
			checkGolden(t, path, dt, a)
			// The same through an unsized stream.
			b, _ := os.ReadFile(path)
			a, err = Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, path+" (stream)", dt, a)
		}
	}
	a, err := ReadFile("testdata/scalar_f64.npy")
	if err != nil || len(a.Shape) != 0 || a.Data.([]float64)[0] != 2.5 {
		t.Fatalf("scalar: %+v %v", a, err)
	}
	a, err = ReadFile("testdata/empty_f32.npy")
	if err != nil || !a.HasShape(0, 3) || a.Len() != 0 {
		t.Fatalf("empty: %+v %v", a, err)
	}
	a, err = ReadFile("testdata/vector_i32.npy")
	if err != nil || !slices.Equal(a.Data.([]int32), []int32{0, 1, 2, 3, 4}) {
		t.Fatalf("vector: %+v %v", a, err)
	}
}

func TestReadNumpyNPZ(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"stored.npz", "deflated.npz"} {
		z, err := OpenNPZ(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(goldenDtypes), "fortran_f32")
		slices.Sort(want)
		if !slices.Equal(z.Keys(), want) {
			t.Fatalf("%s: keys %v, want %v", file, z.Keys(), want)
		}
		for _, dt := range goldenDtypes {
			a, err := z.Read(dt)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, file+":"+dt, dt, a)
		}
		a, err := z.Read("fortran_f32")
		if err != nil || !a.Fortran {
			t.Fatalf("fortran member: %v %v", a, err)
		}
		checkGolden(t, file+":fortran_f32", "float32", a)
		h, err := z.Header("int64")
		if err != nil || h.Dtype != Int64 || !slices.Equal(h.Shape, goldenShape) {
			t.Fatalf("Header: %+v %v", h, err)
		}
		if _, err := z.Read("nope"); !errors.Is(err, ErrNoMember) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("missing member: %v", err)
		}
		z.Close()
	}
}

func randArray(rng *rand.Rand, d Dtype, shape []int) *Array {
	n := 1
	for _, s := range shape {
		n *= s
	}
	data := makeSlice(d, n)
	switch s := data.(type) {
	case []bool:
		for i := range s {
			s[i] = rng.IntN(2) == 1
		}
	case []uint8:
		for i := range s {
			s[i] = uint8(rng.Uint32())
		}
	case []uint16:
		for i := range s {
			s[i] = uint16(rng.Uint32())
		}
	case []int32:
		for i := range s {
			s[i] = int32(rng.Uint32())
		}
	case []int64:
		for i := range s {
			s[i] = int64(rng.Uint64())
		}
	case []Half:
		for i := range s {
			s[i] = HalfFrom(float32(rng.NormFloat64() * 100))
		}
	case []float32:
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
	case []float64:
		for i := range s {
			s[i] = rng.NormFloat64()
		}
	}
	return &Array{Shape: shape, Data: data}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][]int{{}, {0}, {7}, {3, 5}, {2, 3, 4}, {1, 7, 33, 3}, {0, 4}}
	dir := t.TempDir()
	for d := Bool; d <= Float64; d++ {
		for _, shape := range shapes {
			a := randArray(rng, d, shape)
			for _, fortran := range []bool{false, true} {
				src := a
				if fortran {
					src = a.ToFortran()
				}
				var buf bytes.Buffer
				if err := Write(&buf, src); err != nil {
					t.Fatal(err)
				}
				if hl := bytes.IndexByte(buf.Bytes(), '\n') + 1; hl%64 != 0 {
					t.Fatalf("header length %d not a multiple of 64", hl)
				}
				back, err := Read(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatalf("%v %v fortran=%v: %v", d, shape, fortran, err)
				}
				if !slices.Equal(back.Shape, shape) && !(len(shape) == 0 && len(back.Shape) == 0) {
					t.Fatalf("shape %v, want %v", back.Shape, shape)
				}
				if !bytes.Equal(bytesOf(back.ToC().Data), bytesOf(a.Data)) {
					t.Fatalf("%v %v fortran=%v: data differs after round trip", d, shape, fortran)
				}
			}
		}
	}
	// npz, stored and deflated, via the atomic file writer.
	for _, compress := range []bool{false, true} {
		arrays := map[string]*Array{}
		for d := Bool; d <= Float64; d++ {
			arrays[d.String()] = randArray(rng, d, []int{3, 5, 2})
		}
		arrays["fortran"] = randArray(rng, Float32, []int{4, 6}).ToFortran()
		path := filepath.Join(dir, "a.npz")
		if err := WriteNPZ(path, arrays, compress); err != nil {
			t.Fatal(err)
		}
		z, err := OpenNPZ(path)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range arrays {
			got, err := z.Read(name)
			if err != nil {
				t.Fatal(err)
			}
			if got.Fortran != want.Fortran || !bytes.Equal(bytesOf(got.Data), bytesOf(want.Data)) {
				t.Fatalf("npz compress=%v %s differs", compress, name)
			}
		}
		methods := map[uint16]bool{}
		for _, f := range z.zr.File {
			methods[f.Method] = true
		}
		if len(methods) != 1 || methods[8] != compress {
			t.Fatalf("compress=%v: member methods %v", compress, methods)
		}
		z.Close()
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
}

func TestFloat32NoCopy(t *testing.T) {
	t.Parallel()
	a := Of([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	v, err := a.Float32()
	if err != nil || &v[0] != &a.Data.([]float32)[0] {
		t.Fatal("Float32 of a C-order float32 array copied")
	}
	f := a.ToFortran()
	if !slices.Equal(f.Data.([]float32), []float32{1, 4, 2, 5, 3, 6}) {
		t.Fatalf("Fortran order %v", f.Data)
	}
	v, _ = f.Float32()
	if !slices.Equal(v, []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("Fortran to C %v", v)
	}
	if _, err := Values[int32](a); err == nil || err.Error() != "dtype float32, want int32" {
		t.Fatalf("Values type mismatch: %v", err)
	}
	if _, err := Of([]float32{1}, 1).Bool(); err == nil {
		t.Fatal("float array read as bool")
	}
	if _, err := New([]float32{1, 2}, 3); err == nil {
		t.Fatal("length mismatch accepted")
	}
	if _, err := New([]int{1}, 1); err == nil {
		t.Fatal("[]int accepted")
	}
}

func TestHalf(t *testing.T) {
	t.Parallel()
	// Every float16 converts to float32 and back exactly (NaNs stay NaN).
	for b := range 1 << 16 {
		h := Half(b)
		f := h.Float32()
		back := HalfFrom(f)
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(float64(back.Float32())) {
				t.Fatalf("NaN %#04x lost", b)
			}
			continue
		}
		if back != h {
			t.Fatalf("%#04x → %v → %#04x", b, f, uint16(back))
		}
	}
	tests := []struct {
		in   float32
		want Half
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {1e10, 0x7c00},
		{float32(math.Inf(-1)), 0xfc00}, {5.960464477539063e-08, 0x0001},
		{2.98023223876953125e-08, 0x0000}, // exactly half the smallest subnormal: ties to even
		{1 + 1.0/2048, 0x3c00},            // tie between 1 and 1+2⁻¹⁰: even is 1
		{1 + 3.0/2048, 0x3c02},            // tie: even is 1+2⁻⁹
		{0.1, 0x2e66},
	}
	for _, tt := range tests {
		if got := HalfFrom(tt.in); got != tt.want {
			t.Errorf("HalfFrom(%v) = %#04x, want %#04x", tt.in, uint16(got), uint16(tt.want))
		}
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	good, _ := os.ReadFile("testdata/float32_c.npy")
	hdr := func(dict string) []byte {
		b := append([]byte(magic), 1, 0, byte(len(dict)), byte(len(dict)>>8))
		return append(b, dict...)
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "truncated before the end of the magic"},
		{"magic", []byte("PK\x03\x04xxxxxxxx"), "not a .npy file"},
		{"version", append([]byte(magic), 4, 0, 0, 0), "unsupported format version 4.0"},
		{"truncated header", good[:40], "truncated header"},
		{"truncated data", good[:len(good)-1], "truncated data: float32 (2, 3, 4) needs 96 bytes"},
		{"trailing", append(slices.Clone(good), 0), "1 trailing bytes"},
		{"dtype", hdr("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), `dtype "<c8" is not supported`},
		{"structured", hdr("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }"), "structured dtype"},
		{"object", hdr("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), `dtype "|O"`},
		{"byte order", hdr("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }"), "byte order '|'"},
		{"missing key", hdr("{'descr': '<f4', 'shape': (1,), }"), `missing key "fortran_order"`},
		{"extra key", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"), `unexpected key "x"`},
		{"dup key", hdr("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), `duplicate key "descr"`},
		{"bad order", hdr("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }"), "want True or False"},
		{"bad shape", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), "want a non-negative integer"},
		{"not tuple", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }"), "(3) is not a tuple"},
		{"huge", hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"), "too large"},
		{"bool byte", append(hdr("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }"), 1, 7), "byte 7 at element 1"},
		{"no dict", hdr("[1, 2]"), "want a dictionary"},
		{"unterminated", hdr("{'descr"), "unterminated string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBytes(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err %v does not wrap ErrFormat", err)
			}
		})
	}
}

func TestMalformedNPZ(t *testing.T) {
	t.Parallel()
	if _, err := NewNPZ(bytes.NewReader([]byte("not a zip")), 9); err == nil || !strings.Contains(err.Error(), "not a zip archive") {
		t.Fatalf("err = %v", err)
	}
	good, _ := os.ReadFile("testdata/stored.npz")
	// Corrupt one data byte of a stored member: the CRC check must catch it.
	bad := slices.Clone(good)
	i := bytes.Index(bad, []byte("float64.npy"))
	i = bytes.Index(bad[i:], []byte("\n")) + i + 10
	bad[i] ^= 0xff
	z, err := NewNPZ(bytes.NewReader(bad), int64(len(bad)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.Read("float64"); err == nil || !strings.Contains(err.Error(), "float64: ") {
		t.Fatalf("corrupt member: err = %v", err)
	}
}

func TestAtomicWriteFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	os.WriteFile(path, []byte("old"), 0o644)
	err := WriteFile(path, &Array{Shape: []int{3}, Data: []float32{1}})
	if err == nil {
		t.Fatal("bad array written")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatal("failed write replaced the file")
	}
	w, _ := CreateNPZ(filepath.Join(dir, "y.npz"))
	w.Write("a", Of([]uint8{1}, 1))
	w.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("left behind: %v", ents)
	}
}
