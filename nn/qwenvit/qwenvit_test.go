package qwenvit_test

import (
	"encoding/binary"
	"encoding/json"
	"github.com/dsr4d/dsr4d/nn/nntest"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/internal/resample"
	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// golden is testdata/golden.json, written by scripts/golden_qwenvit.py.
type golden struct {
	Config json.RawMessage `json:"config"`
	Videos []struct {
		Name    string `json:"name"`
		Frames  int    `json:"frames"`
		Resized [2]int `json:"resized"`
		Grid    [3]int `json:"grid"`
	} `json:"videos"`
	WindowIndex []int  `json:"window_index"`
	CuWindow    []int  `json:"cu_window_seqlens"`
	TokensShape [2]int `json:"tokens_shape"`
	SmartResize []struct {
		H, W, Factor, Min, Max int
		Out                    []int
	} `json:"smart_resize"`
	NFrames []struct {
		Total    int                `json:"total"`
		VideoFPS float64            `json:"video_fps"`
		Opts     map[string]float64 `json:"opts"`
		N        *int               `json:"n"`
		Idx      []int              `json:"idx"`
	} `json:"nframes"`
	Linspace []struct {
		Total, N int
		Idx      []int
	} `json:"linspace"`
	VideoSize []struct {
		N, H, W int
		Opts    map[string]int `json:"opts"`
		Out     [2]int         `json:"out"`
	} `json:"video_size"`
}

func readGolden(t *testing.T) golden {
	b, err := os.ReadFile("testdata/golden.json")
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(b, &g))
	return g
}

func readF32(t *testing.T, name string) []float32 {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func readPNG(t *testing.T, name string) resample.Image {
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return resample.FromImage(img)
}

// goldenInputs preprocesses the golden's PNG frames as the DSR Suite does for frames given as
// images and checks the patches against the reference's byte layout.
func goldenInputs(t *testing.T, g golden, c qwenvit.Config) (patches []float32, grids [][3]int) {
	bytes, err := os.ReadFile("testdata/patch_bytes.u8")
	require.NoError(t, err)
	row := 0
	for _, v := range g.Videos {
		var frames []resample.Image
		for i := range v.Frames {
			frames = append(frames, readPNG(t, v.Name+string(rune('0'+i))+".png"))
		}
		h, w, err := qwenvit.SmartResize(frames[0].H, frames[0].W, qwenvit.ImageFactor, qwenvit.MinPixels, 20000)
		require.NoError(t, err)
		require.Equal(t, v.Resized, [2]int{h, w})
		p, grid, err := c.Preprocess(frames, qwenvit.MinPixels, 20000)
		require.NoError(t, err)
		require.Equal(t, v.Grid, grid)
		// The patch layout, exactly: each value is the normalised byte at the same place.
		pd := c.PatchDim()
		n := grid[0] * grid[1] * grid[2]
		for r := range n {
			for j := range pd {
				ch := j / (pd / c.InChans)
				b := bytes[(row+r)*pd+j]
				want := float32((float64(b)/255 - qwenvit.ImageMean[ch]) / qwenvit.ImageStd[ch])
				if p[r*pd+j] != want {
					t.Fatalf("video %s patch %d value %d: %v, want %v (byte %d)", v.Name, r, j, p[r*pd+j], want, b)
				}
			}
		}
		row += n
		patches = append(patches, p...)
		grids = append(grids, grid)
	}
	require.Equal(t, len(bytes), row*c.PatchDim())
	return patches, grids
}

func TestGolden(t *testing.T) {
	g := readGolden(t)
	c, err := qwenvit.ParseConfig([]byte(`{"vision_config": `+string(g.Config)+`}`), "golden.json")
	require.NoError(t, err)
	require.Equal(t, qwenvit.Tiny(), c)
	patches, grids := goldenInputs(t, g, c)
	want := readF32(t, "tokens.f32")
	set, err := safetensors.Open("testdata/tiny.safetensors")
	require.NoError(t, err)
	defer set.Close()
	for _, be := range nntest.Backends(t) {
		t.Run(be.Name(), func(t *testing.T) {
			m, err := qwenvit.New(c)
			require.NoError(t, err)
			require.NoError(t, m.Load(be, set, qwenvit.Prefix))
			defer nn.Free(be, m)
			x := be.New(patches, len(patches)/c.PatchDim(), c.PatchDim())
			y, err := m.Forward(x, grids)
			require.NoError(t, err)
			require.Equal(t, g.TokensShape[:], y.Shape())
			got, err := be.Read(y)
			require.NoError(t, err)
			be.Release(x, y)
			e := nntest.NMSE(got, want)
			t.Logf("%s: NMSE %.3g", be.Name(), e)
			require.Less(t, e, 1e-6)
		})
	}
}

func TestWindowIndex(t *testing.T) {
	t.Parallel()
	g := readGolden(t)
	c := qwenvit.Tiny()
	var grids [][3]int
	for _, v := range g.Videos {
		grids = append(grids, v.Grid)
	}
	index, lens := c.WindowIndex(grids)
	require.Equal(t, g.WindowIndex, index)
	cu := []int{0}
	for _, l := range lens {
		cu = append(cu, cu[len(cu)-1]+l)
	}
	require.Equal(t, g.CuWindow, cu)
	// The official 112-px windows: a 2-frame 448×448 clip is 16×16 merged tokens, 4×4 windows
	// of 8×8 patches each, per frame... one temporal step here.
	idx, lens := qwenvit.Official().WindowIndex([][3]int{{1, 32, 32}})
	require.Len(t, lens, 16)
	for _, l := range lens {
		require.Equal(t, 64, l)
	}
	require.Equal(t, []int{0, 1, 2, 3, 16, 17, 18, 19}, idx[:8])
}

func TestSmartResize(t *testing.T) {
	t.Parallel()
	g := readGolden(t)
	require.NotEmpty(t, g.SmartResize)
	for _, r := range g.SmartResize {
		h, w, err := qwenvit.SmartResize(r.H, r.W, r.Factor, r.Min, r.Max)
		if r.Out == nil {
			require.Error(t, err, "%+v", r)
			continue
		}
		require.NoError(t, err, "%+v", r)
		require.Equal(t, r.Out, []int{h, w}, "%+v", r)
	}
	for _, r := range g.VideoSize {
		o := qwenvit.VideoOptions{MinPixels: r.Opts["min_pixels"], MaxPixels: r.Opts["max_pixels"], TotalPixels: r.Opts["total_pixels"]}
		h, w, err := o.Size(r.N, r.H, r.W)
		require.NoError(t, err)
		require.Equal(t, r.Out, [2]int{h, w}, "%+v", r)
	}
}

func TestFrames(t *testing.T) {
	t.Parallel()
	g := readGolden(t)
	require.NotEmpty(t, g.NFrames)
	for _, r := range g.NFrames {
		o := qwenvit.VideoOptions{NFrames: int(r.Opts["nframes"]), FPS: r.Opts["fps"],
			MinFrames: int(r.Opts["min_frames"]), MaxFrames: int(r.Opts["max_frames"])}
		n, err := o.Frames(r.Total, r.VideoFPS)
		if r.N == nil {
			require.Error(t, err, "%+v", r)
			continue
		}
		require.NoError(t, err, "%+v", r)
		require.Equal(t, *r.N, n, "%+v", r)
		require.Equal(t, r.Idx, qwenvit.FrameIndices(r.Total, n), "%+v", r)
	}
	require.NotEmpty(t, g.Linspace)
	for _, r := range g.Linspace {
		require.Equal(t, r.Idx, qwenvit.FrameIndices(r.Total, r.N), "total %d, n %d", r.Total, r.N)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	c, err := qwenvit.ParseConfig([]byte(`{"vision_config": {"depth": 32, "hidden_size": 1280, "intermediate_size": 3420,
		"num_heads": 16, "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2,
		"spatial_patch_size": 14, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31],
		"tokens_per_second": 2, "temporal_patch_size": 2, "hidden_act": "silu"}}`), "config.json")
	require.NoError(t, err)
	require.Equal(t, qwenvit.Official(), c)
	for _, tc := range []struct{ json, want string }{
		{`{}`, "no vision_config"},
		{`{"vision_config": {"num_heads": 7, "hidden_size": 64}}`, "vision_config.num_heads"},
		{`{"vision_config": {"depth": 0}}`, "vision_config.depth"},
		{`{"vision_config": {"depth": 4, "fullatt_block_indexes": [4]}}`, "vision_config.fullatt_block_indexes"},
		{`{"vision_config": {"window_size": 100}}`, "vision_config.window_size"},
		{`{"vision_config": {"hidden_act": "gelu"}}`, "vision_config.hidden_act"},
		{`{"vision_config": {"depth": "x"}}`, "vision_config"},
		{`{"vision_config": `, "config.json"},
	} {
		_, err := qwenvit.ParseConfig([]byte(tc.json), "config.json")
		require.ErrorContains(t, err, tc.want, tc.json)
		require.ErrorContains(t, err, "config.json")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	set, err := safetensors.Open("testdata/tiny.safetensors")
	require.NoError(t, err)
	defer set.Close()
	be := nn.NewCPU()
	c := qwenvit.Tiny()
	c.Intermediate = 50 // every mlp weight is now the wrong shape
	m, err := qwenvit.New(c)
	require.NoError(t, err)
	err = m.Load(be, set, qwenvit.Prefix)
	require.ErrorContains(t, err, "visual.blocks.0.mlp.gate_proj.weight")
	c = qwenvit.Tiny()
	c.Depth = 5
	m, err = qwenvit.New(c)
	require.NoError(t, err)
	require.ErrorContains(t, m.Load(be, set, qwenvit.Prefix), "visual.blocks.4.norm1.weight")
	c = qwenvit.Tiny()
	c.PatchSize = 7
	c.WindowSize = 28
	m, err = qwenvit.New(c)
	require.NoError(t, err)
	require.ErrorContains(t, m.Load(be, set, qwenvit.Prefix), "visual.patch_embed.proj.weight")
	// Forward rejects patches that do not fit the grids.
	m, err = qwenvit.New(qwenvit.Tiny())
	require.NoError(t, err)
	require.NoError(t, m.Load(be, set, qwenvit.Prefix))
	x := be.Zeros(16, qwenvit.Tiny().PatchDim()+1)
	_, err = m.Forward(x, [][3]int{{1, 4, 4}})
	require.Error(t, err)
	_, err = m.Forward(x, [][3]int{{1, 3, 4}})
	require.ErrorContains(t, err, "grid")
	require.False(t, strings.Contains(err.Error(), "panic"))
}

// TestEncode runs the frames → tokens path the LLM uses (FramesClip, Encode) against the golden.
func TestEncode(t *testing.T) {
	t.Parallel()
	g := readGolden(t)
	c := qwenvit.Tiny()
	var clips []qwenvit.Clip
	for _, v := range g.Videos {
		var frames []resample.Image
		for i := range v.Frames {
			frames = append(frames, readPNG(t, v.Name+string(rune('0'+i))+".png"))
		}
		clip, err := c.FramesClip(frames, 0, 0, 20000)
		require.NoError(t, err)
		require.Equal(t, v.Grid, clip.Grid)
		require.Equal(t, 1.0, clip.SecondPerGridT)
		clips = append(clips, clip)
	}
	set, err := safetensors.Open("testdata/tiny.safetensors")
	require.NoError(t, err)
	defer set.Close()
	be := nn.NewCPU()
	m, err := qwenvit.New(c)
	require.NoError(t, err)
	require.NoError(t, m.Load(be, set, qwenvit.Prefix))
	y, grids, err := m.Encode(be, clips...)
	require.NoError(t, err)
	require.Equal(t, [][3]int{g.Videos[0].Grid, g.Videos[1].Grid}, grids)
	got, err := be.Read(y)
	require.NoError(t, err)
	require.Less(t, nntest.NMSE(got, readF32(t, "tokens.f32")), 1e-6)
	_, _, err = m.Encode(be, qwenvit.Clip{Patches: clips[0].Patches[1:], Grid: clips[0].Grid})
	require.ErrorContains(t, err, "clip 0")
}

// TestBF16 loads the golden weights stored as BF16 (kept 16-bit) and holds CPU and Vulkan to
// the reference backend, which widens the same bits exactly.
func TestBF16(t *testing.T) {
	src, err := safetensors.Open("testdata/tiny.safetensors")
	require.NoError(t, err)
	defer src.Close()
	var ts []safetensors.Tensor
	for _, name := range src.Names() {
		info, err := src.Info(name)
		require.NoError(t, err)
		data, err := src.Float32(name, info.Shape...)
		require.NoError(t, err)
		ts = append(ts, safetensors.Tensor{Name: name, Shape: info.Shape, Data: data, DType: "BF16"})
	}
	path := filepath.Join(t.TempDir(), "bf16.safetensors")
	require.NoError(t, safetensors.Write(path, ts, nil))
	set, err := safetensors.Open(path)
	require.NoError(t, err)
	defer set.Close()
	g := readGolden(t)
	patches, grids := goldenInputs(t, g, qwenvit.Tiny())
	var want []float32
	for _, be := range nntest.Backends(t) {
		m, err := qwenvit.New(qwenvit.Tiny())
		require.NoError(t, err)
		require.NoError(t, m.Load(be, set, qwenvit.Prefix))
		require.Equal(t, nn.BF16, m.PatchEmbed.W.DType(), be.Name())
		x := be.New(patches, len(patches)/m.PatchDim(), m.PatchDim())
		y, err := m.Forward(x, grids)
		require.NoError(t, err)
		got, err := be.Read(y)
		require.NoError(t, err)
		be.Release(x, y)
		nn.Free(be, m)
		if want == nil {
			want = got                                                        // the reference backend
			require.Less(t, nntest.NMSE(got, readF32(t, "tokens.f32")), 1e-3) // BF16 rounding of the weights
			continue
		}
		e := nntest.NMSE(got, want)
		t.Logf("%s: NMSE vs ref %.3g", be.Name(), e)
		require.Less(t, e, 1e-6)
	}
}

// TestVideoClip checks the decoded-video path's sizes and timing, and Patchify's errors.
func TestVideoClip(t *testing.T) {
	t.Parallel()
	c := qwenvit.Tiny()
	o := qwenvit.VideoOptions{MaxPixels: 56 * 84}
	n, err := o.Frames(90, 30) // 3 s at 2 fps: 6 frames
	require.NoError(t, err)
	require.Equal(t, 6, n)
	frame := resample.Image{Pix: make([]uint8, 64*100*3), W: 100, H: 64, C: 3}
	for i := range frame.Pix {
		frame.Pix[i] = uint8(i * 7)
	}
	frames := make([]resample.Image, n)
	for i := range frames {
		frames[i] = frame
	}
	clip, err := c.VideoClip(frames, 90, 30, o)
	require.NoError(t, err)
	h, w, err := o.Size(n, 64, 100)
	require.NoError(t, err)
	require.Equal(t, [3]int{3, h / 14, w / 14}, clip.Grid)
	require.LessOrEqual(t, h*w, 56*84)
	require.InDelta(t, 1.0, clip.SecondPerGridT, 1e-12) // 2 / (6/90·30)
	require.Len(t, clip.Patches, 3*(h/14)*(w/14)*c.PatchDim())
	_, _, err = c.Patchify([]resample.Image{frame})
	require.ErrorContains(t, err, "multiples of 28")
	_, _, err = c.Patchify(nil)
	require.Error(t, err)
	small := resample.Image{Pix: make([]uint8, 28*28*3), W: 28, H: 28, C: 3}
	_, _, err = c.Patchify([]resample.Image{small, frame})
	require.ErrorContains(t, err, "frame 1")
	_, _, err = qwenvit.SmartResize(10, 2500, 28, qwenvit.MinPixels, qwenvit.MaxPixels)
	require.ErrorContains(t, err, "aspect ratio")
}
