package npy

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

func addFiles(f *testing.F, pattern string) {
	paths, _ := filepath.Glob(pattern)
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzReadNPY: any input either fails with an error or gives an array that writes back and
// reads again identically.
func FuzzReadNPY(f *testing.F) {
	addFiles(f, "testdata/*.npy")
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadBytes(b)
		if err != nil {
			return
		}
		if err := a.check(); err != nil {
			t.Fatalf("read an inconsistent array: %v", err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, a); err != nil {
			t.Fatalf("cannot write back: %v", err)
		}
		back, err := ReadBytes(buf.Bytes())
		if err != nil {
			t.Fatalf("cannot read back: %v", err)
		}
		if back.Fortran != a.Fortran || back.Dtype() != a.Dtype() || !bytes.Equal(bytesOf(back.Data), bytesOf(a.Data)) {
			t.Fatal("round trip changed the array")
		}
		_, _ = a.Float32()
		_, _ = a.Bool()
		_ = a.ToC()
		// The streaming reader agrees with the sized one.
		if s, err := Read(bytes.NewReader(b)); err != nil || !bytes.Equal(bytesOf(s.Data), bytesOf(a.Data)) {
			t.Fatalf("Read disagrees with ReadBytes: %v", err)
		}
	})
}

// FuzzReadNPZ feeds fuzzed member bytes through a well-formed zip whose directory may lie
// about the member's CRC-32 and uncompressed size, stored or deflated. (Fuzzing raw zip bytes
// instead mostly exercises archive/zip, whose coverage is not reproducible under the fuzzer:
// every new input is then minimised for the full -fuzzminimizetime and almost nothing runs.)
func FuzzReadNPZ(f *testing.F) {
	for _, name := range []string{"float16_f", "bool_c", "int64_be"} {
		if b, err := os.ReadFile("testdata/" + name + ".npy"); err == nil {
			f.Add(b, name == "bool_c", uint32(0), int64(0))
		}
	}
	for _, seed := range []struct {
		deflate bool
		crcXor  uint32
		delta   int64
	}{{false, 0, 0}, {true, 0, 0}, {false, 1, 0}, {true, 0, -1}, {false, 0, 1 << 40}} {
		var buf bytes.Buffer
		Write(&buf, Of([]Half{0x3c00, 0xc000}, 2, 1).ToFortran())
		f.Add(buf.Bytes(), seed.deflate, seed.crcXor, seed.delta)
	}
	f.Fuzz(func(t *testing.T, member []byte, deflate bool, crcXor uint32, delta int64) {
		archive, err := rawArchive(member, deflate, crcXor, delta)
		if err != nil {
			return
		}
		z, err := NewNPZ(bytes.NewReader(archive), int64(len(archive)))
		if err != nil {
			t.Fatalf("our own archive does not open: %v", err)
		}
		_, _ = z.Header("x")
		a, err := z.Read("x")
		if err != nil {
			return
		}
		if crcXor != 0 || delta != 0 {
			t.Fatalf("read a member whose CRC (xor %#x) or size (%+d) lies", crcXor, delta)
		}
		if err := a.check(); err != nil {
			t.Fatalf("member inconsistent: %v", err)
		}
		direct, err := ReadBytes(member)
		if err != nil || !bytes.Equal(bytesOf(direct.Data), bytesOf(a.Data)) {
			t.Fatalf("npz member and .npy disagree: %v", err)
		}
	})
}

// rawArchive writes member as x.npy with the given method and directory claims.
func rawArchive(member []byte, deflate bool, crcXor uint32, delta int64) ([]byte, error) {
	data := member
	method := zip.Store
	if deflate {
		method = zip.Deflate
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestSpeed)
		fw.Write(member)
		fw.Close()
		data = c.Bytes()
	}
	usize := int64(len(member)) + delta
	if usize < 0 {
		return nil, errors.New("negative size")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "x.npy", Method: method,
		CRC32:              crc32.ChecksumIEEE(member) ^ crcXor,
		CompressedSize64:   uint64(len(data)),
		UncompressedSize64: uint64(usize),
	})
	if err != nil {
		return nil, err
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
