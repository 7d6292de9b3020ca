#!/usr/bin/env python3
"""Goldens for nn/qwen2: Qwen2.5-VL's text decoder re-stated in float64 PyTorch.

transformers cannot be installed here (no PyPI), so this is an independent re-statement of
Qwen2_5_VLForConditionalGeneration's language model as transformers' modeling_qwen2_5_vl writes
it: RMSNorm (x * rsqrt(mean(x^2) + eps), weight multiplied after), q/k/v projections with bias
and o_proj without, multimodal rotary embedding (inv_freq and the angle tables in float32 as
Qwen2_5_VLRotaryEmbedding computes them, mrope_section * 2 chunks taken from rows t, h, w, t,
h, w; rotate_half), repeat_kv GQA, causal softmax attention scaled by 1/sqrt(head_dim), SwiGLU
MLP, final norm and an untied lm_head; get_rope_index for the 3-row position ids of a prompt
with a video. Everything after the float32 rotary tables runs in float64.

Writes nn/qwen2/testdata/tiny/{config.json,model.safetensors} (random float32 weights of the
tiny config, seed 0) and nn/qwen2/testdata/golden.safetensors:
  text.ids, text.logits, text.greedy       a text prompt, its logits, 8 greedy tokens
  video.ids, video.pos, video.logits, video.greedy
                                           a prompt with a 2x4x6-patch video, its positions (3, L)
Run with Debian's torch: /usr/bin/python3 scripts/golden_qwen2.py
"""
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "qwen2", "testdata")
BASE = 256  # id of <|endoftext|> in the tiny model's tokenizer (Qwen's added tokens follow it)
CFG = {
    "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl", "hidden_act": "silu",
    "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2, "num_attention_heads": 4,
    "num_key_value_heads": 2, "vocab_size": 320, "max_position_embeddings": 512, "rms_norm_eps": 1e-6,
    "rope_theta": 1000000.0, "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
    "tie_word_embeddings": False, "use_sliding_window": False,
    "image_token_id": BASE + 12, "video_token_id": BASE + 13, "vision_start_token_id": BASE + 9,
    "eos_token_id": [BASE + 2, BASE], "vision_config": {"spatial_merge_size": 2, "tokens_per_second": 2},
    "torch_dtype": "float32",
}
H, I, L = CFG["hidden_size"], CFG["intermediate_size"], CFG["num_hidden_layers"]
NH, NKV, V = CFG["num_attention_heads"], CFG["num_key_value_heads"], CFG["vocab_size"]
HD = H // NH


def weights(seed=0):
    g = torch.Generator().manual_seed(seed)
    w = {}

    def t(name, *shape, mean=0.0, std=1.0):
        w[name] = (mean + std * torch.randn(*shape, generator=g)).float()

    t("model.embed_tokens.weight", V, H)
    for i in range(L):
        p = f"model.layers.{i}."
        t(p + "input_layernorm.weight", H, mean=1, std=0.1)
        for n, o in (("q", NH * HD), ("k", NKV * HD), ("v", NKV * HD)):
            t(p + f"self_attn.{n}_proj.weight", o, H, std=H ** -0.5)
            t(p + f"self_attn.{n}_proj.bias", o, std=0.1)
        t(p + "self_attn.o_proj.weight", H, NH * HD, std=(NH * HD) ** -0.5)
        t(p + "post_attention_layernorm.weight", H, mean=1, std=0.1)
        t(p + "mlp.gate_proj.weight", I, H, std=H ** -0.5)
        t(p + "mlp.up_proj.weight", I, H, std=H ** -0.5)
        t(p + "mlp.down_proj.weight", H, I, std=I ** -0.5)
    t("model.norm.weight", H, mean=1, std=0.1)
    t("lm_head.weight", V, H, std=H ** -0.5)
    return w


def save(path, tensors):
    """Writes a safetensors file (F32 only; the format is a JSON header and raw bytes)."""
    header, blobs, off = {}, [], 0
    for name, x in tensors.items():
        b = x.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(x.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def rms_norm(x, w):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + CFG["rms_norm_eps"]))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_tables(pos):
    """pos (3, n) -> cos, sin (n, HD): Qwen2_5_VLRotaryEmbedding (float32) and the mrope
    section selection of apply_multimodal_rotary_pos_emb."""
    inv_freq = 1.0 / (CFG["rope_theta"] ** (torch.arange(0, HD, 2, dtype=torch.int64).float() / HD))
    freqs = (inv_freq[None, :, None].float() @ pos[:, None, :].float()).transpose(1, 2)  # (3, n, HD/2)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    sec = CFG["rope_scaling"]["mrope_section"] * 2
    cos = torch.cat([m[i % 3] for i, m in enumerate(cos.split(sec, dim=-1))], dim=-1)
    sin = torch.cat([m[i % 3] for i, m in enumerate(sin.split(sec, dim=-1))], dim=-1)
    return cos.double(), sin.double()


def forward(w, ids, pos, x=None):
    """Logits (n, V) of ids at positions pos (3, n), float64. x, if given, are the input
    embeddings (golden_qwenvl.py's, with the vision tokens in place of the pads)."""
    w = {k: v.double() for k, v in w.items()}
    n = len(ids)
    if x is None:
        x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    cos, sin = rope_tables(pos)
    mask = torch.full((n, n), float("-inf"), dtype=torch.float64).triu(1)
    for i in range(L):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"])
        q = h @ w[p + "self_attn.q_proj.weight"].T + w[p + "self_attn.q_proj.bias"]
        k = h @ w[p + "self_attn.k_proj.weight"].T + w[p + "self_attn.k_proj.bias"]
        v = h @ w[p + "self_attn.v_proj.weight"].T + w[p + "self_attn.v_proj.bias"]
        q = q.view(n, NH, HD).transpose(0, 1)
        k = k.view(n, NKV, HD).transpose(0, 1)
        v = v.view(n, NKV, HD).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(NH // NKV, dim=0)  # repeat_kv
        v = v.repeat_interleave(NH // NKV, dim=0)
        a = torch.softmax(q @ k.transpose(1, 2) / HD ** 0.5 + mask, dim=-1) @ v
        a = a.transpose(0, 1).reshape(n, NH * HD)
        x = x + a @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"])
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"])
    return x @ w["lm_head.weight"].T


def rope_index(ids, grids, second_per_grid):
    """get_rope_index for one sequence of videos: (3, n) positions and the next position."""
    merge, tps = CFG["vision_config"]["spatial_merge_size"], CFG["vision_config"]["tokens_per_second"]
    parts, st = [], 0
    for (t, h, w), spg in zip(grids, second_per_grid):
        ed = ids.index(CFG["video_token_id"], st)
        gh, gw = h // merge, w // merge
        text_len = ed - st
        st_idx = parts[-1].max() + 1 if parts else 0
        parts.append(torch.arange(text_len).view(1, -1).expand(3, -1) + st_idx)
        t_index = (torch.arange(t).view(-1, 1).expand(-1, gh * gw) * spg * tps).long().flatten()
        h_index = torch.arange(gh).view(1, -1, 1).expand(t, -1, gw).flatten()
        w_index = torch.arange(gw).view(1, 1, -1).expand(t, gh, -1).flatten()
        parts.append(torch.stack([t_index, h_index, w_index]) + text_len + st_idx)
        st = ed + t * gh * gw
    if st < len(ids):
        st_idx = parts[-1].max() + 1 if parts else 0
        parts.append(torch.arange(len(ids) - st).view(1, -1).expand(3, -1) + st_idx)
    pos = torch.cat(parts, dim=1)
    return pos, int(pos.max()) + 1


def greedy(w, ids, pos, nxt, steps=8):
    """Greedy tokens by full recomputation; each new token at the next text position."""
    ids, pos, out = list(ids), pos.clone(), []
    for _ in range(steps):
        tok = int(forward(w, ids, pos)[-1].argmax())
        out.append(tok)
        ids.append(tok)
        pos = torch.cat([pos, torch.full((3, 1), nxt, dtype=pos.dtype)], dim=1)
        nxt += 1
    return out


def main():
    w = weights()
    os.makedirs(os.path.join(OUT, "tiny"), exist_ok=True)
    with open(os.path.join(OUT, "tiny", "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
    save(os.path.join(OUT, "tiny", "model.safetensors"), w)

    g = torch.Generator().manual_seed(1)
    text = [BASE + 1] + torch.randint(0, 256, (12,), generator=g).tolist() + [BASE + 2]
    tpos = torch.arange(len(text)).view(1, -1).expand(3, -1)
    # A video of 2x4x6 patches (12 pads after the 2x2 merge), 1.5 s per temporal patch.
    grid, spg = (2, 4, 6), 1.5
    video = ([BASE + 1] + torch.randint(0, 256, (3,), generator=g).tolist() + [CFG["vision_start_token_id"]]
             + [CFG["video_token_id"]] * 12 + [BASE + 10] + torch.randint(0, 256, (4,), generator=g).tolist())
    vpos, vnext = rope_index(video, [grid], [spg])
    out = {
        "text.ids": torch.tensor(text, dtype=torch.float32),
        "text.logits": forward(w, text, tpos),
        "text.greedy": torch.tensor(greedy(w, text, tpos, len(text)), dtype=torch.float32),
        "video.ids": torch.tensor(video, dtype=torch.float32),
        "video.grid": torch.tensor(list(grid) + [spg], dtype=torch.float32),
        "video.pos": vpos.float(),
        "video.logits": forward(w, video, vpos),
        "video.greedy": torch.tensor(greedy(w, video, vpos, vnext), dtype=torch.float32),
    }
    save(os.path.join(OUT, "golden.safetensors"), out)
    print("text greedy", out["text.greedy"].tolist(), "video greedy", out["video.greedy"].tolist(), "video next", vnext)


if __name__ == "__main__":
    main()
