package export

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// GLBEncoder writes a [Cloud] as a glTF 2.0 binary (.glb) holding one mesh with one POINTS
// primitive: POSITION (float32 VEC3, with min and max) and COLOR_0 (normalised unsigned byte
// VEC4, alpha 255). The scalar, if any, is kept as the custom attribute _<NAME> (float32).
// The zero value is ready to use.
type GLBEncoder struct {
	// KeepAxes writes coordinates unchanged; by default (x, y, z) becomes (x, −y, −z), turning
	// OpenCV's y-down, z-forward world into glTF's y-up convention.
	KeepAxes bool
}

type gltfDoc struct {
	Asset       map[string]string `json:"asset"`
	Scene       int               `json:"scene"`
	Scenes      []map[string]any  `json:"scenes"`
	Nodes       []map[string]any  `json:"nodes"`
	Meshes      []map[string]any  `json:"meshes"`
	Accessors   []map[string]any  `json:"accessors"`
	BufferViews []map[string]any  `json:"bufferViews"`
	Buffers     []map[string]any  `json:"buffers"`
}

// glTF component types and targets.
const (
	glFloat        = 5126
	glUnsignedByte = 5121
	glArrayBuffer  = 34962
	glPoints       = 0
)

// Encode writes c to w.
func (e GLBEncoder) Encode(w io.Writer, c *Cloud) error {
	if err := c.check(); err != nil {
		return err
	}
	n := c.Len()
	xyz := c.XYZ
	if !e.KeepAxes {
		xyz = make([]float32, len(c.XYZ))
		for k := 0; k < len(xyz); k += 3 {
			xyz[k], xyz[k+1], xyz[k+2] = c.XYZ[k], -c.XYZ[k+1], -c.XYZ[k+2]
		}
	}
	var bin bytes.Buffer
	le := binary.LittleEndian
	put32 := func(v float32) { _ = binary.Write(&bin, le, math.Float32bits(v)) }
	for _, v := range xyz {
		put32(v)
	}
	posLen := bin.Len()
	for i := range n {
		bin.Write(c.RGB[3*i : 3*i+3])
		bin.WriteByte(255)
	}
	colLen := bin.Len() - posLen
	for _, v := range c.Scalar {
		put32(v)
	}
	scalarLen := bin.Len() - posLen - colLen
	lo, hi := bounds(xyz)
	if n == 0 {
		lo, hi = r3.Vec{}, r3.Vec{}
	}
	doc := gltfDoc{
		Asset:  map[string]string{"version": "2.0", "generator": "dsr4d"},
		Scenes: []map[string]any{{"nodes": []int{0}}},
		Nodes:  []map[string]any{{"mesh": 0, "name": "points"}},
		BufferViews: []map[string]any{
			{"buffer": 0, "byteOffset": 0, "byteLength": posLen, "target": glArrayBuffer},
			{"buffer": 0, "byteOffset": posLen, "byteLength": colLen, "target": glArrayBuffer},
		},
		Accessors: []map[string]any{
			{"bufferView": 0, "componentType": glFloat, "count": n, "type": "VEC3",
				"min": []float64{lo.X, lo.Y, lo.Z}, "max": []float64{hi.X, hi.Y, hi.Z}},
			{"bufferView": 1, "componentType": glUnsignedByte, "normalized": true, "count": n, "type": "VEC4"},
		},
	}
	attrs := map[string]int{"POSITION": 0, "COLOR_0": 1}
	if c.ScalarName != "" {
		doc.BufferViews = append(doc.BufferViews, map[string]any{"buffer": 0, "byteOffset": posLen + colLen, "byteLength": scalarLen, "target": glArrayBuffer})
		doc.Accessors = append(doc.Accessors, map[string]any{"bufferView": 2, "componentType": glFloat, "count": n, "type": "SCALAR"})
		attrs["_"+toUpperASCII(c.ScalarName)] = 2
	}
	doc.Meshes = []map[string]any{{"primitives": []map[string]any{{"attributes": attrs, "mode": glPoints}}}}
	doc.Buffers = []map[string]any{{"byteLength": bin.Len()}}
	js, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	for len(js)%4 != 0 {
		js = append(js, ' ')
	}
	for bin.Len()%4 != 0 {
		bin.WriteByte(0)
	}
	total := 12 + 8 + len(js) + 8 + bin.Len()
	var hdr []byte
	hdr = append(hdr, "glTF"...)
	hdr = le.AppendUint32(hdr, 2)
	hdr = le.AppendUint32(hdr, uint32(total))
	hdr = le.AppendUint32(hdr, uint32(len(js)))
	hdr = append(hdr, "JSON"...)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	var bh []byte
	bh = le.AppendUint32(bh, uint32(bin.Len()))
	bh = append(bh, "BIN\x00"...)
	if _, err := w.Write(bh); err != nil {
		return err
	}
	_, err = w.Write(bin.Bytes())
	return err
}

// EncodeGLB writes c to w with the zero GLBEncoder.
func EncodeGLB(w io.Writer, c *Cloud) error { return GLBEncoder{}.Encode(w, c) }

func toUpperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
