package qwenvl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dsr4d/dsr4d/internal/atomicfile"
	"github.com/dsr4d/dsr4d/nn/dinov2"
	"github.com/dsr4d/dsr4d/nn/gsm"
	"github.com/dsr4d/dsr4d/nn/qwen2"
	"github.com/dsr4d/dsr4d/nn/qwenvit"
	"github.com/dsr4d/dsr4d/nn/safetensors"
)

// VisualShard is the file WriteCheckpoint puts the tower's weights in.
const VisualShard = "model-visual.safetensors"

// TinyVision is the vision config of the tiny random checkpoints: qwenvit.Tiny writing tokens
// of the language model's width.
func TinyVision(lm qwen2.Config) qwenvit.Config {
	c := qwenvit.Tiny()
	c.OutHidden = lm.Hidden
	c.MergeSize = lm.SpatialMerge
	return c
}

// TinySpatial is the spatial encoder of the tiny random DSR checkpoints: DSRSpatial's
// structure at width 16 (2 heads), depth 2, a 6×6 position table.
func TinySpatial() dinov2.Config {
	c := dinov2.DSRSpatial()
	c.Dim, c.Depth, c.Heads, c.Grid = 16, 2, 2, 6
	return c
}

// WriteCheckpoint writes a random Qwen2.5-VL of configs lm and vc to dir: qwen2.WriteCheckpoint's
// language model and tokenizer, the tower's visual.* weights (qwen2.RandomModule's values;
// patch_embed.proj.weight 5-D as the Conv3d stores it) in VisualShard, an index naming every
// tensor's file, and config.json with the full vision_config. With spatial set it is the DSR
// model: the spatial encoder (visual.spatial_encoder.*) of that config and the GSM
// (gsm.Random's values) are written too.
func WriteCheckpoint(dir string, lm qwen2.Config, vc qwenvit.Config, spatial *dinov2.Config, seed uint64, dtype string) error {
	if vc.OutHidden != lm.Hidden {
		return fmt.Errorf("qwenvl: vision out_hidden_size %d differs from hidden_size %d", vc.OutHidden, lm.Hidden)
	}
	if spatial != nil {
		if err := checkSpatial(vc, *spatial); err != nil {
			return fmt.Errorf("qwenvl: %w", err)
		}
	}
	vm, err := qwenvit.New(vc)
	if err != nil {
		return err
	}
	if err := qwen2.WriteCheckpoint(dir, lm, seed, dtype); err != nil {
		return err
	}
	// The weight map: the language model's index, or its one file's names.
	weightMap := map[string]string{}
	idxPath := filepath.Join(dir, safetensors.IndexName)
	if b, err := os.ReadFile(idxPath); err == nil {
		var idx struct {
			WeightMap map[string]string `json:"weight_map"`
		}
		if err := json.Unmarshal(b, &idx); err != nil {
			return fmt.Errorf("qwenvl: %s: %w", idxPath, err)
		}
		weightMap = idx.WeightMap
	} else {
		set, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
		if err != nil {
			return err
		}
		for _, n := range set.Names() {
			weightMap[n] = "model.safetensors"
		}
		set.Close()
	}
	var ts []safetensors.Tensor
	conv := qwenvit.Prefix + "patch_embed.proj.weight"
	err = qwen2.RandomModule(vm, qwenvit.Prefix, seed+1, func(t safetensors.Tensor) error {
		if t.Name == conv {
			t.Shape = []int{vc.Hidden, vc.InChans, vc.TemporalPatchSize, vc.PatchSize, vc.PatchSize}
		}
		t.DType = dtype
		weightMap[t.Name] = VisualShard
		ts = append(ts, t)
		return nil
	})
	if err != nil {
		return err
	}
	if spatial != nil {
		err = qwen2.RandomModule(dinov2.New(*spatial), SpatialPrefix, seed+2, func(t safetensors.Tensor) error {
			t.DType = dtype
			weightMap[t.Name] = VisualShard
			ts = append(ts, t)
			return nil
		})
		if err != nil {
			return err
		}
		for _, t := range gsm.Random(gsmConfig(lm, *spatial), seed+3) {
			t.Name, t.DType = qwenvit.Prefix+t.Name, dtype
			weightMap[t.Name] = VisualShard
			ts = append(ts, t)
		}
	}
	if err := safetensors.Write(filepath.Join(dir, VisualShard), ts, map[string]string{"format": "pt"}); err != nil {
		return err
	}
	idx, _ := json.MarshalIndent(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap}, "", "  ")
	if err := atomicfile.Write(idxPath, idx); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "config.json"), ConfigJSON(lm, vc, spatial))
}

// ConfigJSON is lm's config.json with vc as its vision_config; with spatial set, the DSR
// model's (its architecture, spatial_patch_size, and spatial_encoder when it is not the
// reference's fixed ViT-L).
func ConfigJSON(lm qwen2.Config, vc qwenvit.Config, spatial *dinov2.Config) []byte {
	var m map[string]any
	_ = json.Unmarshal(lm.JSON(), &m)
	vb, _ := json.Marshal(vc)
	var v map[string]any
	_ = json.Unmarshal(vb, &v)
	if spatial != nil {
		m["architectures"] = []string{"Qwen2_5_VLForConditionalGeneration_Spatial"}
		v["spatial_patch_size"] = spatial.Patch
		if *spatial != dinov2.DSRSpatial() {
			v["spatial_encoder"] = spatialExt{Dim: spatial.Dim, Depth: spatial.Depth, Heads: spatial.Heads, Registers: spatial.Registers, Grid: spatial.Grid}
		}
	}
	m["vision_config"] = v
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}
