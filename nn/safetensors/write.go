package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/internal/float16"
)

// Tensor is one tensor to write.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	// DType is the stored type: "F32" (the default), "BF16" or "F16".
	DType string
}

// Write writes tensors and metadata to path as one safetensors file, in the order given. It
// writes a temporary file in the same directory and renames it, so a failure leaves no partial
// file.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("safetensors: write %s: %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
		if _, dup := header[t.Name]; dup || t.Name == "" {
			return fmt.Errorf("safetensors: write: duplicate or empty tensor name %q", t.Name)
		}
		dt := t.DType
		if dt == "" {
			dt = "F32"
		}
		size, ok := map[string]int64{"F32": 4, "BF16": 2, "F16": 2}[dt]
		if !ok {
			return fmt.Errorf("safetensors: write %s: dtype %s, want F32, BF16 or F16", t.Name, dt)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = headerEntry{DType: dt, Shape: shape, Offsets: []int64{off, off + size*int64(n)}}
		off += size * int64(n)
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	for len(hb)%8 != 0 { // align the data to 8 bytes, as the reference writer does
		hb = append(hb, ' ')
	}
	w, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	defer w.Abort() // a no-op after Commit
	var b8 [8]byte
	binary.LittleEndian.PutUint64(b8[:], uint64(len(hb)))
	w.Write(b8[:])
	w.Write(hb)
	for _, t := range tensors {
		for _, v := range t.Data {
			switch t.DType {
			case "BF16":
				binary.LittleEndian.PutUint16(b8[:], float16.BF16FromFloat32(v))
				w.Write(b8[:2])
			case "F16":
				binary.LittleEndian.PutUint16(b8[:], float16.FromFloat32(v))
				w.Write(b8[:2])
			default:
				binary.LittleEndian.PutUint32(b8[:], math.Float32bits(v))
				w.Write(b8[:4])
			}
		}
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	return nil
}
