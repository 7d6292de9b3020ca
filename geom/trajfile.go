package geom

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"
)

// Stamped is a camera-to-world pose with a timestamp in seconds.
type Stamped struct {
	Time float64
	Pose Rigid
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// WriteTUM writes poses in the TUM RGB-D format, one line per pose:
//
//	timestamp tx ty tz qx qy qz qw
//
// (translation of the camera centre in the world, scalar-last unit quaternion of the
// camera-to-world rotation), numbers in shortest exact decimal form, after a "#" header line.
func WriteTUM(w io.Writer, traj []Stamped) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# timestamp tx ty tz qx qy qz qw")
	for _, s := range traj {
		q := QuatToXYZW(QuatFromMat(s.Pose.R))
		fields := []float64{s.Time, s.Pose.T.X, s.Pose.T.Y, s.Pose.T.Z, q[0], q[1], q[2], q[3]}
		for i, v := range fields {
			if i > 0 {
				bw.WriteByte(' ')
			}
			bw.WriteString(ftoa(v))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ReadTUM reads a TUM trajectory (see [WriteTUM]); blank lines and lines starting with "#"
// are skipped, fields may be separated by spaces, tabs or commas. Errors name the line.
func ReadTUM(r io.Reader) ([]Stamped, error) {
	var out []Stamped
	err := readNumberLines(r, 8, func(line int, v []float64) error {
		q := QuatFromXYZW([4]float64{v[4], v[5], v[6], v[7]})
		n := math.Sqrt(q.Real*q.Real + q.Imag*q.Imag + q.Jmag*q.Jmag + q.Kmag*q.Kmag)
		if math.Abs(n-1) > 1e-3 {
			return fmt.Errorf("line %d: quaternion norm %.6g, want 1", line, n)
		}
		out = append(out, Stamped{Time: v[0], Pose: Rigid{R: MatFromQuat(q), T: r3.Vec{X: v[1], Y: v[2], Z: v[3]}}})
		return nil
	})
	return out, err
}

// WriteKITTI writes poses in the KITTI odometry format: one line per pose with the 12
// entries of the row-major 3×4 camera-to-world matrix [R | t].
func WriteKITTI(w io.Writer, poses []Rigid) error {
	bw := bufio.NewWriter(w)
	for _, p := range poses {
		m := p.Matrix34()
		for i, v := range m {
			if i > 0 {
				bw.WriteByte(' ')
			}
			bw.WriteString(ftoa(v))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ReadKITTI reads a KITTI odometry trajectory (see [WriteKITTI]). Each rotation block must
// be a rotation within 1e-3; errors name the line.
func ReadKITTI(r io.Reader) ([]Rigid, error) {
	var out []Rigid
	err := readNumberLines(r, 12, func(line int, v []float64) error {
		if err := CheckPose(v, 1e-3); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		g, _ := RigidFromMatrix(v)
		out = append(out, g)
		return nil
	})
	return out, err
}

func readNumberLines(r io.Reader, want int, f func(line int, v []float64) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	v := make([]float64, want)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
		if len(fields) != want {
			return fmt.Errorf("line %d: %d fields, want %d", line, len(fields), want)
		}
		for i, fs := range fields {
			x, err := strconv.ParseFloat(fs, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("line %d: field %d %q is not a finite number", line, i+1, fs)
			}
			v[i] = x
		}
		if err := f(line, v); err != nil {
			return err
		}
	}
	return sc.Err()
}
