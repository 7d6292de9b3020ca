package qwen2

import (
	"encoding/json"
	"github.com/dsr4d/dsr4d/nn/nntest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dsr4d/dsr4d/nn"
	"github.com/dsr4d/dsr4d/nn/safetensors"
	"github.com/dsr4d/dsr4d/nn/tokenizer"
)

func ints(t *testing.T, set *safetensors.Set, name string) []int {
	v, err := set.Float32(name)
	require.NoError(t, err)
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

type golden struct {
	textIDs, textGreedy, videoIDs, videoGreedy []int
	textLogits, videoLogits, videoPos, grid    []float32
}

func loadGolden(t *testing.T) golden {
	set, err := safetensors.Open("testdata/golden.safetensors")
	require.NoError(t, err)
	defer set.Close()
	var g golden
	g.textIDs, g.textGreedy = ints(t, set, "text.ids"), ints(t, set, "text.greedy")
	g.videoIDs, g.videoGreedy = ints(t, set, "video.ids"), ints(t, set, "video.greedy")
	for _, f := range []struct {
		name string
		dst  *[]float32
	}{{"text.logits", &g.textLogits}, {"video.logits", &g.videoLogits}, {"video.pos", &g.videoPos}, {"video.grid", &g.grid}} {
		*f.dst, err = set.Float32(f.name)
		require.NoError(t, err)
	}
	return g
}

// TestGolden holds the decoder to the float64 PyTorch re-statement (scripts/golden_qwen2.py)
// on every backend: the logits of a text prompt and of a prompt with a video's M-RoPE
// positions (get_rope_index), greedy tokens equal to the reference's, and decoding through
// the KV cache equal to recomputing the whole sequence.
func TestGolden(t *testing.T) {
	g := loadGolden(t)
	cfg, err := LoadConfig("testdata/tiny/config.json")
	require.NoError(t, err)
	tiny, _ := Named("tiny")
	require.Equal(t, tiny, cfg, "Named(tiny) and the golden's config.json differ")

	// get_rope_index: positions of the video prompt.
	pos, next, err := cfg.RopeIndex(g.videoIDs, []VisionInput{{Video: true, T: int(g.grid[0]), H: int(g.grid[1]), W: int(g.grid[2]), SecondPerGrid: float64(g.grid[3])}})
	require.NoError(t, err)
	n := len(g.videoIDs)
	for i, p := range pos {
		for r := range 3 {
			require.Equal(t, g.videoPos[r*n+i], p[r], "position row %d of token %d", r, i)
		}
	}
	require.Equal(t, 14, next)

	for _, be := range nntest.Backends(t) {
		m, err := Load(be, "testdata/tiny")
		require.NoError(t, err)
		got, err := m.Logits(g.textIDs, nil)
		require.NoError(t, err)
		e := nntest.NMSE(got, g.textLogits)
		t.Logf("%s: text logits NMSE %.3g", be.Name(), e)
		require.LessOrEqual(t, e, 1e-6, be.Name())
		got, err = m.Logits(g.videoIDs, pos)
		require.NoError(t, err)
		e = nntest.NMSE(got, g.videoLogits)
		t.Logf("%s: video-position logits NMSE %.3g", be.Name(), e)
		require.LessOrEqual(t, e, 1e-6, be.Name())

		res, err := m.Generate(g.textIDs, nil, GenOptions{MaxTokens: len(g.textGreedy)})
		require.NoError(t, err)
		require.Equal(t, g.textGreedy, res.IDs, "%s: greedy tokens of the text prompt", be.Name())
		require.Equal(t, "length", res.Finish)
		res, err = m.Generate(g.videoIDs, pos, GenOptions{MaxTokens: len(g.videoGreedy)})
		require.NoError(t, err)
		require.Equal(t, g.videoGreedy, res.IDs, "%s: greedy tokens after the video prompt", be.Name())

		// KV-cache decoding (prefill, then one token at a time, the cache growing past its
		// first 16 rows) equals one pass over the whole sequence.
		seq := append(append([]int{}, g.textIDs...), g.textGreedy...)
		seq = append(seq, seq...)
		full, err := m.Logits(seq, nil)
		require.NoError(t, err)
		s := m.NewSession()
		last, err := s.Append(seq[:5], nil)
		require.NoError(t, err)
		require.Less(t, nntest.NMSE(last, full[4*cfg.Vocab:5*cfg.Vocab]), 1e-9)
		for i := 5; i < len(seq); i++ {
			last, err = s.Append(seq[i:i+1], nil)
			require.NoError(t, err)
			e := nntest.NMSE(last, full[i*cfg.Vocab:(i+1)*cfg.Vocab])
			require.Less(t, e, 1e-9, "%s: step %d", be.Name(), i)
		}
		s.Close()
		m.Free()
		require.NoError(t, be.Sync())
	}
}

// TestStopsAndSampling: stop tokens end the reply, sampling is reproducible by seed, top-k 1
// is greedy, and the context bound is an error naming it.
func TestStopsAndSampling(t *testing.T) {
	g := loadGolden(t)
	m, err := Load(nn.NewCPU(), "testdata/tiny")
	require.NoError(t, err)
	res, err := m.Generate(g.textIDs, nil, GenOptions{MaxTokens: 8, Stop: []int{g.textGreedy[2]}})
	require.NoError(t, err)
	require.Equal(t, g.textGreedy[:2], res.IDs)
	require.Equal(t, "stop", res.Finish)

	sample := func(seed uint64, k int) []int {
		r, err := m.Generate(g.textIDs, nil, GenOptions{MaxTokens: 6, Sampling: Sampling{Temperature: 1, TopK: k, TopP: 0.9, Seed: seed}})
		require.NoError(t, err)
		return r.IDs
	}
	a, b, c := sample(1, 0), sample(1, 0), sample(2, 0)
	require.Equal(t, a, b, "same seed")
	require.NotEqual(t, a, c, "another seed")
	require.Equal(t, g.textGreedy[:6], sample(3, 1), "top-k 1 is greedy")

	long := make([]int, 600)
	_, err = m.Generate(long, nil, GenOptions{MaxTokens: 1})
	require.ErrorContains(t, err, "600 tokens")
	require.ErrorContains(t, err, "max_position_embeddings")
	_, err = m.Generate([]int{1, 2, 400}, nil, GenOptions{MaxTokens: 1})
	require.ErrorContains(t, err, "token 400")
	_, err = m.Generate([]int{1}, nil, GenOptions{MaxTokens: 1, Sampling: Sampling{TopP: 2}})
	require.ErrorContains(t, err, "top_p")
}

// TestBadCheckpoints: unsupported config values name their field; a missing shard, a missing
// tensor and a tensor of the wrong shape name it.
func TestBadCheckpoints(t *testing.T) {
	base, err := os.ReadFile("testdata/tiny/config.json")
	require.NoError(t, err)
	for field, val := range map[string]any{"hidden_act": "gelu", "tie_word_embeddings": true, "num_key_value_heads": 3,
		"rope_scaling": map[string]any{"type": "yarn"}, "use_sliding_window": true, "num_attention_heads": 5} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(base, &m))
		m[field] = val
		b, _ := json.Marshal(m)
		_, err := ParseConfig(b)
		require.ErrorContains(t, err, strings.Split(field, ".")[0], field)
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(base, &m))
	m["rope_scaling"] = map[string]any{"type": "mrope", "mrope_section": []int{4, 4, 4}}
	b, _ := json.Marshal(m)
	_, err = ParseConfig(b)
	require.ErrorContains(t, err, "mrope_section")

	// A random checkpoint loads, sharded too; then break it.
	tiny, _ := Named("tiny")
	dir := t.TempDir()
	require.NoError(t, WriteCheckpoint(dir, tiny, 1, "BF16"))
	_, err = Load(nn.NewCPU(), dir)
	require.NoError(t, err)
	shardAbove = 1000
	sdir := t.TempDir()
	err = WriteCheckpoint(sdir, tiny, 1, "BF16")
	shardAbove = 1 << 30
	require.NoError(t, err)
	shards, _ := filepath.Glob(filepath.Join(sdir, "*.safetensors"))
	require.Len(t, shards, tiny.Layers+2)
	m1, err := Load(nn.NewCPU(), dir)
	require.NoError(t, err)
	m2, err := Load(nn.NewCPU(), sdir)
	require.NoError(t, err)
	l1, err := m1.Logits([]int{1, 2, 3}, nil)
	require.NoError(t, err)
	l2, err := m2.Logits([]int{1, 2, 3}, nil)
	require.NoError(t, err)
	require.Equal(t, l1, l2, "sharded and single-file checkpoints of one seed")
	set, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	require.NoError(t, err)
	var ts []safetensors.Tensor
	for _, name := range set.Names() {
		info, _ := set.Info(name)
		v, err := set.Float32(name)
		require.NoError(t, err)
		ts = append(ts, safetensors.Tensor{Name: name, Shape: info.Shape, Data: v, DType: info.DType})
	}
	set.Close()
	write := func(dir string, ts []safetensors.Tensor) {
		var a, b []safetensors.Tensor
		wm := map[string]string{}
		for i, x := range ts {
			f := "a.safetensors"
			if i%2 == 1 {
				f = "b.safetensors"
			}
			wm[x.Name] = f
			if f == "a.safetensors" {
				a = append(a, x)
			} else {
				b = append(b, x)
			}
		}
		require.NoError(t, safetensors.Write(filepath.Join(dir, "a.safetensors"), a, nil))
		require.NoError(t, safetensors.Write(filepath.Join(dir, "b.safetensors"), b, nil))
		idx, _ := json.Marshal(map[string]any{"weight_map": wm})
		require.NoError(t, os.WriteFile(filepath.Join(dir, safetensors.IndexName), idx, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), tiny.JSON(), 0o644))
	}
	sharded := t.TempDir()
	write(sharded, ts)
	_, err = Load(nn.NewCPU(), sharded)
	require.NoError(t, err, "sharded")
	require.NoError(t, os.Remove(filepath.Join(sharded, "b.safetensors")))
	_, err = Load(nn.NewCPU(), sharded)
	require.ErrorContains(t, err, "b.safetensors")

	missing := t.TempDir()
	var drop []safetensors.Tensor
	for _, x := range ts {
		if x.Name != "model.layers.1.mlp.up_proj.weight" {
			drop = append(drop, x)
		}
	}
	write(missing, drop)
	_, err = Load(nn.NewCPU(), missing)
	require.ErrorContains(t, err, "model.layers.1.mlp.up_proj.weight")

	wrong := t.TempDir()
	for i := range ts {
		if ts[i].Name == "model.layers.0.self_attn.k_proj.bias" {
			ts[i].Shape, ts[i].Data = []int{64}, make([]float32, 64)
		}
	}
	write(wrong, ts)
	_, err = Load(nn.NewCPU(), wrong)
	require.ErrorContains(t, err, "model.layers.0.self_attn.k_proj.bias")
}

// TestRandomCheckpointTokenizer: the tokenizer.json a random checkpoint carries loads, knows
// Qwen's structural tokens at the config's ids, and round-trips text through the chat template.
func TestRandomCheckpointTokenizer(t *testing.T) {
	tiny, _ := Named("tiny")
	dir := t.TempDir()
	require.NoError(t, WriteCheckpoint(dir, tiny, 1, "F32"))
	tok, err := tokenizer.LoadFile(filepath.Join(dir, "tokenizer.json"), tokenizer.Options{})
	require.NoError(t, err)
	q, err := tok.QwenIDs()
	require.NoError(t, err)
	require.Equal(t, tiny.VideoToken, q.VideoPad)
	require.Equal(t, tiny.ImageToken, q.ImagePad)
	require.Equal(t, tiny.VisionStart, q.VisionStart)
	require.Equal(t, tiny.EOS, []int{q.ImEnd, q.EndOfText})
	ids, err := tok.EncodeChat([]tokenizer.Message{tokenizer.Text("user", "héllo wörld")}, tokenizer.ChatOptions{AddGenerationPrompt: true}, nil, nil, 2)
	require.NoError(t, err)
	for _, id := range ids {
		require.Less(t, id, tiny.Vocab)
	}
	require.Contains(t, tok.Decode(ids, false), "<|im_start|>user\nhéllo wörld<|im_end|>")
}

// TestReleasedConfig reads Qwen2.5-VL-7B-Instruct's config.json as released (text fields at the
// top level) and as newer transformers save it (under text_config).
func TestReleasedConfig(t *testing.T) {
	const released = `{"architectures": ["Qwen2_5_VLForConditionalGeneration"], "attention_dropout": 0.0,
	"bos_token_id": 151643, "eos_token_id": 151645, "vision_start_token_id": 151652, "vision_end_token_id": 151653,
	"vision_token_id": 151654, "image_token_id": 151655, "video_token_id": 151656, "hidden_act": "silu",
	"hidden_size": 3584, "initializer_range": 0.02, "intermediate_size": 18944, "max_position_embeddings": 128000,
	"max_window_layers": 28, "model_type": "qwen2_5_vl", "num_attention_heads": 28, "num_hidden_layers": 28,
	"num_key_value_heads": 4, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
	"tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.41.2", "use_cache": true,
	"use_sliding_window": false, "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280,
	"intermediate_size": 3420, "num_heads": 16, "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14,
	"spatial_merge_size": 2, "spatial_patch_size": 14, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31],
	"tokens_per_second": 2, "temporal_patch_size": 2}, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
	"vocab_size": 152064}`
	c, err := ParseConfig([]byte(released))
	require.NoError(t, err)
	want, _ := Named("7b")
	want.EOS = []int{151645}
	require.Equal(t, want, c)

	const nested = `{"architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
	"image_token_id": 151655, "video_token_id": 151656, "vision_start_token_id": 151652, "eos_token_id": 151645,
	"vision_config": {"spatial_merge_size": 2, "tokens_per_second": 2},
	"text_config": {"model_type": "qwen2_5_vl_text", "hidden_act": "silu", "hidden_size": 3584, "intermediate_size": 18944,
	"max_position_embeddings": 128000, "num_attention_heads": 28, "num_hidden_layers": 28, "num_key_value_heads": 4,
	"rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "vocab_size": 152064, "torch_dtype": "bfloat16",
	"rope_scaling": {"type": "default", "rope_type": "default", "mrope_section": [16, 24, 24]}}}`
	c, err = ParseConfig([]byte(nested))
	require.NoError(t, err)
	require.Equal(t, want, c)
}
