package npy_test

import (
	"bytes"
	"fmt"

	"github.com/dsr4d/dsr4d/pipeline/scene/npy"
)

func Example() {
	a := npy.Of([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	var buf bytes.Buffer
	if err := npy.Write(&buf, a); err != nil {
		panic(err)
	}
	b, err := npy.Read(&buf)
	if err != nil {
		panic(err)
	}
	v, _ := b.Float32()
	fmt.Println(b.Dtype(), npy.ShapeString(b.Shape), v)
	// Output:
	// float32 (2, 3) [1 2 3 4 5 6]
}

func ExampleNewNPZWriter() {
	var buf bytes.Buffer
	w := npy.NewNPZWriter(&buf)
	w.Compress = true
	w.Write("conf", npy.Of([]float32{0.5, 2}, 2))
	w.Write("mask", npy.Of([]bool{true, false}, 1, 2))
	if err := w.Close(); err != nil {
		panic(err)
	}
	z, _ := npy.NewNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	m, _ := z.Read("mask")
	fmt.Println(z.Keys(), npy.ShapeString(m.Shape), m.Data)
	// Output:
	// [conf mask] (1, 2) [true false]
}
