package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/internal/float16"
	"github.com/dsr4d/dsr4d/vk"
	"github.com/dsr4d/dsr4d/vk/ops"
	"github.com/dsr4d/dsr4d/vk/vktest"
)

// Tolerances from DESIGN.md (NMSE).
const (
	tolElementwise = 1e-6
	tolMatMul      = 5e-4
)

// offset puts every test array at a non-zero, binding-aligned offset inside its buffer.
const offset = 256

type env struct {
	t   *testing.T
	d   *vk.Device
	ops *ops.Ops
	rng *rand.Rand
}

func newEnv(t *testing.T) *env {
	d := vktest.Open(t)
	return &env{t: t, d: d, ops: ops.New(d), rng: rand.New(rand.NewPCG(1, 2))}
}

func (e *env) random(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(e.rng.NormFloat64())
	}
	return x
}

// view allocates room for n float32 at a non-zero offset, filled with data when given.
func (e *env) view(n int, data []float32) vk.View {
	e.t.Helper()
	b, err := e.d.NewBuffer(vk.DeviceLocal, offset+4*int64(n)+64)
	require.NoError(e.t, err)
	e.t.Cleanup(b.Release)
	v := b.View(offset, 4*int64(n))
	if data != nil {
		require.NoError(e.t, vk.Upload(v, data))
	}
	return v
}

func (e *env) download(v vk.View, n int) []float32 {
	e.t.Helper()
	out := make([]float32, n)
	require.NoError(e.t, vk.Download(v, out))
	return out
}

func (e *env) check(name string, got []float32, want []float64, tol float64) {
	e.t.Helper()
	if nmse := ops.NMSE(got, want); !(nmse <= tol) {
		e.t.Errorf("%s: NMSE %.3g > %.0g (got[0]=%v want[0]=%v)", name, nmse, tol, got[0], want[0])
	}
}

var shapes = [][2]int{{1, 1}, {7, 33}, {33, 7}, {65, 127}, {127, 65}, {257, 1}, {1, 257}, {1024, 7}, {3, 1024}}

func TestElementwiseAndReductions(t *testing.T) {
	e := newEnv(t)
	r, err := e.d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()

	type result struct {
		name string
		out  vk.View
		n    int
		want []float64
	}
	var results []result
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		n := rows * cols
		a, b, row := e.random(n), e.random(n), e.random(cols)
		va, vb, vrow := e.view(n, a), e.view(n, b), e.view(cols, row)
		add := func(name string, out vk.View, m int, want []float64, err error) {
			require.NoError(t, err, name)
			results = append(results, result{fmt.Sprintf("%s %dx%d", name, rows, cols), out, m, want})
		}
		o := e.view(n, nil)
		add("add", o, n, ops.AddRef(a, b, cols, false), e.ops.Add(r, o, va, vb, rows, cols, false))
		o = e.view(n, nil)
		add("add-row", o, n, ops.AddRef(a, row, cols, true), e.ops.Add(r, o, va, vrow, rows, cols, true))
		o = e.view(n, nil)
		add("mul", o, n, ops.MulRef(a, b, cols, false), e.ops.Mul(r, o, va, vb, rows, cols, false))
		o = e.view(n, nil)
		add("mul-row", o, n, ops.MulRef(a, row, cols, true), e.ops.Mul(r, o, va, vrow, rows, cols, true))
		o = e.view(n, nil)
		add("scale", o, n, ops.ScaleRef(a, -1.5), e.ops.Scale(r, o, va, n, -1.5))
		o = e.view(rows, nil)
		add("rowsum", o, rows, ops.RowSumRef(a, rows, cols), e.ops.RowSum(r, o, va, rows, cols))
		o = e.view(rows, nil)
		add("rowmax", o, rows, ops.RowMaxRef(a, rows, cols), e.ops.RowMax(r, o, va, rows, cols))
		// The other device class's reduction: a workgroup per row (GPUs) or an invocation (CPUs).
		saved := e.ops.RowThreads
		e.ops.RowThreads = map[uint32]uint32{1: 64, 256: 1}[saved]
		o = e.view(rows, nil)
		add("rowsum-other", o, rows, ops.RowSumRef(a, rows, cols), e.ops.RowSum(r, o, va, rows, cols))
		o = e.view(rows, nil)
		add("rowmax-other", o, rows, ops.RowMaxRef(a, rows, cols), e.ops.RowMax(r, o, va, rows, cols))
		e.ops.RowThreads = saved
		o = e.view(n, nil)
		add("transpose", o, n, ops.TransposeRef(a, rows, cols), e.ops.Transpose(r, o, va, rows, cols))
		o = e.view(n, nil)
		add("copy", o, n, ops.ScaleRef(a, 1), e.ops.Copy(r, o, va, n))
		o = e.view(n, nil)
		fill := make([]float32, n)
		for i := range fill {
			fill[i] = 0.25
		}
		add("fill", o, n, ops.ScaleRef(fill, 1), e.ops.Fill(r, o, n, 0.25))
	}
	require.NoError(t, r.Submit())
	for _, res := range results {
		e.check(res.name, e.download(res.out, res.n), res.want, tolElementwise)
	}
}

func TestMatMul(t *testing.T) {
	e := newEnv(t)
	cases := [][3]int{ // m, n, k
		{1, 1, 1}, {7, 33, 65}, {33, 7, 127}, {65, 127, 33}, {127, 65, 257}, {257, 1, 7}, {1, 257, 65},
		{7, 1024, 33}, {64, 64, 64}, {128, 96, 1024},
	}
	configs := map[string]ops.MatMulConfig{
		"device":      e.ops.MatMulConfig,
		"registers":   {WGX: 8, WGY: 1, TM: 4, TN: 4},
		"registers-2": {WGX: 16, WGY: 1, TM: 2, TN: 3},
		"tiled":       {Tiled: true, WGX: 8, WGY: 8, TM: 2, TN: 2, BK: 8},
	}
	for cname, cfg := range configs {
		e.ops.MatMulConfig = cfg
		r, err := e.d.NewRecorder()
		require.NoError(t, err)
		type result struct {
			name string
			out  vk.View
			want []float64
		}
		var results []result
		for i, c := range cases {
			m, n, k := c[0], c[1], c[2]
			transB, withBias := i%2 == 1, i%3 != 0
			a, b := e.random(m*k), e.random(k*n)
			var bias []float32
			var vbias vk.Bindable
			if withBias {
				bias = e.random(n)
				vbias = e.view(n, bias)
			}
			out := e.view(m*n, nil)
			require.NoError(t, e.ops.MatMul(r, out, e.view(m*k, a), e.view(k*n, b), vbias, m, n, k, transB))
			results = append(results, result{fmt.Sprintf("%s %dx%dx%d transB=%v bias=%v", cname, m, n, k, transB, withBias),
				out, ops.MatMulRef(a, b, bias, m, n, k, transB)})
		}
		require.NoError(t, r.Submit())
		r.Release()
		for _, res := range results {
			e.check(res.name, e.download(res.out, len(res.want)), res.want, tolMatMul)
		}
	}
}

// TestMatMulHalf multiplies by B stored as binary16: the result must equal the f32 product with
// B rounded to half (the rounding is the only difference), for both fetch widths and transB.
func TestMatMulHalf(t *testing.T) {
	e := newEnv(t)
	r, err := e.d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()
	type result struct {
		name string
		out  vk.View
		want []float64
	}
	var results []result
	for i, c := range [][3]int{{7, 33, 65}, {33, 64, 128}, {65, 128, 32}, {1, 1, 1}} {
		m, n, k := c[0], c[1], c[2]
		for _, transB := range []bool{false, true} {
			a, b, bias := e.random(m*k), e.random(k*n), e.random(n)
			b16 := make([]uint16, len(b))
			rounded := make([]float32, len(b))
			for j, x := range b {
				b16[j] = float16.FromFloat32(x)
				rounded[j] = float16.ToFloat32(b16[j])
			}
			buf, err := e.d.NewBuffer(vk.DeviceLocal, offset+int64(2*len(b16))+64)
			require.NoError(t, err)
			t.Cleanup(buf.Release)
			vb := buf.View(offset, int64(2*len(b16)))
			require.NoError(t, vk.Upload(vb, b16))
			out := e.view(m*n, nil)
			require.NoError(t, e.ops.MatMulHalf(r, out, e.view(m*k, a), vb, e.view(n, bias), m, n, k, transB))
			results = append(results, result{fmt.Sprintf("case %d %dx%dx%d transB=%v", i, m, n, k, transB), out,
				ops.MatMulRef(a, rounded, bias, m, n, k, transB)})
		}
	}
	require.NoError(t, r.Submit())
	for _, res := range results {
		// Tighter than tolMatMul: against unrounded B the NMSE would be ~1e-7.
		e.check(res.name, e.download(res.out, len(res.want)), res.want, 1e-10)
	}
	small := e.view(4, nil)
	require.ErrorContains(t, e.ops.MatMulHalf(r, small, small, small, nil, 1, 4, 4, false), "MatMulHalf b: 16 bytes, shape needs 32")
}

func TestShapeErrors(t *testing.T) {
	e := newEnv(t)
	r, err := e.d.NewRecorder()
	require.NoError(t, err)
	defer r.Release()
	small := e.view(4, nil)
	require.ErrorContains(t, e.ops.MatMul(r, small, small, small, nil, 4, 4, 4, false), "MatMul a: 16 bytes, shape needs 64")
	require.ErrorContains(t, e.ops.Add(r, small, small, small, 0, 4, false), "must be positive")
	e.ops.MatMulConfig = ops.MatMulConfig{WGX: 8, WGY: 2, TM: 1, TN: 1}
	require.ErrorContains(t, e.ops.MatMul(r, small, small, small, nil, 1, 1, 1, false), "WGY = 1")
}
