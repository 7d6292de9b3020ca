package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/ops"
)

func init() {
	commands["check"] = command{summary: "run a matmul on the Vulkan device and verify it against the CPU", run: runCheck}
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check [-n 512] [-validate]", stderr)
	n := fs.Int("n", 512, "matrix size: an n×n by n×n f32 product")
	validate := fs.Bool("validate", false, "enable the Khronos validation layer (also DSR4D_VALIDATE=1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > 4096 {
		fmt.Fprintf(stderr, "dsr4d check: -n %d: want 1..4096\n", *n)
		return errUsage
	}
	d, err := vk.Open(vk.Options{Validate: *validate})
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := verifiedMatMul(d, *n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "matmul %d×%d×%d on %s (%s): %.2f ms, %.1f GFLOP/s, NMSE %.2g vs float64 reference (tolerance %.0g): %s\n",
		*n, *n, *n, d.Info().Name, scheduleName(res.config), res.elapsed.Seconds()*1e3, res.gflops, res.nmse, matmulTolerance, res.verdict())
	if msgs := d.Messages(); msgs.Total() > 0 {
		return fmt.Errorf("%d validation messages: %v", msgs.Total(), msgs.Texts)
	}
	if !res.ok() {
		return fmt.Errorf("matmul result does not match the CPU reference")
	}
	return nil
}

// matmulTolerance is DESIGN.md's NMSE tolerance for f32 matmul.
const matmulTolerance = 5e-4

type matmulResult struct {
	config  ops.MatMulConfig
	elapsed time.Duration
	gflops  float64
	nmse    float64
}

func (r matmulResult) ok() bool { return r.nmse <= matmulTolerance }

func (r matmulResult) verdict() string {
	if r.ok() {
		return "verified"
	}
	return "MISMATCH"
}

func scheduleName(c ops.MatMulConfig) string {
	if c.Tiled {
		return fmt.Sprintf("shared-memory tiles %dx%d, %dx%d per invocation", c.WGY*c.TM, c.WGX*c.TN, c.TM, c.TN)
	}
	return fmt.Sprintf("register blocks %dx%d per invocation, no barriers", c.TM, c.TN)
}

// verifiedMatMul multiplies two seeded random n×n matrices on d, times the second of two runs
// (the first builds the pipeline), and compares with the float64 reference.
func verifiedMatMul(d *vk.Device, n int) (matmulResult, error) {
	rng := rand.New(rand.NewPCG(7, 11))
	a, b := make([]float32, n*n), make([]float32, n*n)
	for i := range a {
		a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	size := int64(4 * n * n)
	var bufs [3]*vk.Buffer
	for i := range bufs {
		buf, err := d.NewBuffer(vk.DeviceLocal, size)
		if err != nil {
			return matmulResult{}, err
		}
		defer buf.Release()
		bufs[i] = buf
	}
	if err := vk.Upload(bufs[0], a); err != nil {
		return matmulResult{}, err
	}
	if err := vk.Upload(bufs[1], b); err != nil {
		return matmulResult{}, err
	}
	o := ops.New(d)
	r, err := d.NewRecorder()
	if err != nil {
		return matmulResult{}, err
	}
	defer r.Release()
	var elapsed time.Duration
	for range 2 {
		start := time.Now()
		if err := o.MatMul(r, bufs[2], bufs[0], bufs[1], nil, n, n, n, false); err != nil {
			return matmulResult{}, err
		}
		if err := r.Submit(); err != nil {
			return matmulResult{}, err
		}
		elapsed = time.Since(start)
	}
	got := make([]float32, n*n)
	if err := vk.Download(bufs[2], got); err != nil {
		return matmulResult{}, err
	}
	return matmulResult{
		config:  o.MatMulConfig,
		elapsed: elapsed,
		gflops:  2 * float64(n) * float64(n) * float64(n) / elapsed.Seconds() / 1e9,
		nmse:    ops.NMSE(got, ops.MatMulRef(a, b, nil, n, n, n, false)),
	}, nil
}
