package export

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"regexp"
)

// PLYEncoder writes a [Cloud] as binary little-endian PLY: vertex properties float x, y, z,
// uchar red, green, blue and, when the cloud has one, float <ScalarName>. The zero value is
// ready to use.
type PLYEncoder struct {
	Comment string // optional comment line in the header
}

var plyName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Encode writes c to w.
func (e PLYEncoder) Encode(w io.Writer, c *Cloud) error {
	if err := c.check(); err != nil {
		return err
	}
	if c.ScalarName != "" && !plyName.MatchString(c.ScalarName) {
		return fmt.Errorf("export: PLY property name %q, want letters, digits and _", c.ScalarName)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprint(bw, "ply\nformat binary_little_endian 1.0\n")
	if e.Comment != "" {
		fmt.Fprintf(bw, "comment %s\n", e.Comment)
	}
	fmt.Fprintf(bw, "element vertex %d\n", c.Len())
	fmt.Fprint(bw, "property float x\nproperty float y\nproperty float z\n")
	fmt.Fprint(bw, "property uchar red\nproperty uchar green\nproperty uchar blue\n")
	if c.ScalarName != "" {
		fmt.Fprintf(bw, "property float %s\n", c.ScalarName)
	}
	fmt.Fprint(bw, "end_header\n")
	var rec [19]byte
	for i := range c.Len() {
		le := binary.LittleEndian
		le.PutUint32(rec[0:], math.Float32bits(c.XYZ[3*i]))
		le.PutUint32(rec[4:], math.Float32bits(c.XYZ[3*i+1]))
		le.PutUint32(rec[8:], math.Float32bits(c.XYZ[3*i+2]))
		copy(rec[12:15], c.RGB[3*i:3*i+3])
		n := 15
		if c.ScalarName != "" {
			le.PutUint32(rec[15:], math.Float32bits(c.Scalar[i]))
			n = 19
		}
		if _, err := bw.Write(rec[:n]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// EncodePLY writes c to w with the zero PLYEncoder.
func EncodePLY(w io.Writer, c *Cloud) error { return PLYEncoder{}.Encode(w, c) }
