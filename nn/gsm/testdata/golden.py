#!/usr/bin/env python3
"""Golden outputs of the GSM for nn/gsm's tests, computed with PyTorch (run by hand, not in CI).

    /usr/bin/python3 nn/gsm/testdata/golden.py   # from the repo root; torch >= 1.13 (Debian python3-torch), no numpy

A minimal re-statement of the modules as the released model defines them:
TencentARC/DSR_Suite, model/qwen-vl-finetune/qwenvl/train/qwen_vl_spatial.py
(Qwen2RMSNorm, Qwen2_5_VLCrossAttention, Qwen2_5_VLMLP, Qwen2_5_QFormer, the rotary helpers
obtain_rotary_pos_id_*, apply_multimodal_rotary_pos_emb, Qwen2_5_VLRotaryEmbedding_Mine, and
the spatial part of Qwen2_5_VisionTransformerPretrainedModel_Spatial.forward), with
Qwen2_5_VLPatchMerger and the default rope inv_freq from transformers 4.51
(models/qwen2_5_vl/modeling_qwen2_5_vl.py, modeling_rope_utils._compute_default_rope_parameters).

Writes, next to this script:
  tiny.safetensors  the weights (float32) under the released names, prefix "visual."
  text.npy (L, D), features.npy (2T, gh*gw, C)   the inputs; grid and second_per_grid_t below
  merged.npy, merger.npy, qformer1.npy, out.npy   intermediate and final outputs
"""
import json, math, os, struct
import torch
import torch.nn as nn

torch.manual_seed(1234)
HERE = os.path.dirname(os.path.abspath(__file__))

# Tiny config (nn/gsm.Tiny).
D, HEADS, KV, MLP, Q, C = 64, 4, 2, 96, 32, 16
HD = D // HEADS
SECTIONS = [2, 3, 3]
THETA = 1e6
GRID = (3, 4, 6)        # Qwen grid_thw: T, gh, gw
SPGT = 0.7              # second_per_grid_t
L = 9                   # text tokens


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_mrope(q, cos, sin, mrope_section, unsqueeze_dim=0):
    mrope_section = mrope_section * 2
    cos = torch.cat([m[i % 3] for i, m in enumerate(cos.split(mrope_section, dim=-1))], dim=-1).unsqueeze(unsqueeze_dim)
    sin = torch.cat([m[i % 3] for i, m in enumerate(sin.split(mrope_section, dim=-1))], dim=-1).unsqueeze(unsqueeze_dim)
    return (q * cos) + (rotate_half(q) * sin)


class Rotary(nn.Module):
    def __init__(self):
        super().__init__()
        self.inv_freq = 1.0 / (THETA ** (torch.arange(0, HD, 2, dtype=torch.int64).float() / HD))

    def forward(self, position_ids):
        inv = self.inv_freq[None, :, None].float().expand(3, -1, 1)
        pos = position_ids[:, None, :].float()
        freqs = (inv @ pos).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos(), emb.sin()


class RMSNorm(nn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        dt = x.dtype
        x = x.to(torch.float32)
        var = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(var + self.eps)
        return self.weight * x.to(dt)


def repeat_kv(x, n_rep):
    kvh, slen, hd = x.shape
    if n_rep == 1:
        return x
    return x[:, None, :, :].expand(kvh, n_rep, slen, hd).reshape(kvh * n_rep, slen, hd)


class CrossAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj = nn.Linear(D, HEADS * HD, bias=True)
        self.k_proj = nn.Linear(D, KV * HD, bias=True)
        self.v_proj = nn.Linear(D, KV * HD, bias=True)
        self.o_proj = nn.Linear(HEADS * HD, D, bias=False)

    def forward(self, query, target, mask, qpe, kpe):
        ql, kl = query.shape[0], target.shape[0]
        q = self.q_proj(query).view(ql, -1, HD).transpose(0, 1)
        k = self.k_proj(target).view(kl, -1, HD).transpose(0, 1)
        v = self.v_proj(target).view(kl, -1, HD).transpose(0, 1)
        q = apply_mrope(q, qpe[0], qpe[1], SECTIONS)
        k = apply_mrope(k, kpe[0], kpe[1], SECTIONS)
        k = repeat_kv(k, HEADS // KV)
        v = repeat_kv(v, HEADS // KV)
        w = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(HD)
        if mask is not None:
            w = w + mask.unsqueeze(0).repeat(HEADS, 1, 1)
        w = nn.functional.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        o = torch.matmul(w, v).transpose(0, 1).contiguous().reshape(ql, -1)
        return self.o_proj(o)


class MLPBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate_proj = nn.Linear(D, MLP, bias=True)
        self.up_proj = nn.Linear(D, MLP, bias=True)
        self.down_proj = nn.Linear(MLP, D, bias=True)

    def forward(self, x):
        return self.down_proj(nn.functional.silu(self.gate_proj(x)) * self.up_proj(x))


class QFormer(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = RMSNorm(D)
        self.norm2 = RMSNorm(D)
        self.attn = CrossAttention()
        self.mlp = MLPBlock()

    def forward(self, query, target, mask, qpe, kpe):
        query = query + self.attn(self.norm1(query), self.norm1(target), mask, qpe, kpe)
        return query + self.mlp(self.norm2(query))


class PatchMerger(nn.Module):  # Qwen2_5_VLPatchMerger(dim=D, context_dim=8C, spatial_merge_size=1)
    def __init__(self):
        super().__init__()
        self.ln_q = RMSNorm(8 * C)
        self.mlp = nn.Sequential(nn.Linear(8 * C, 8 * C), nn.GELU(), nn.Linear(8 * C, D))

    def forward(self, x):
        return self.mlp(self.ln_q(x).view(-1, 8 * C))


class GSM(nn.Module):
    def __init__(self):
        super().__init__()
        self.spatial_merger = PatchMerger()
        self.q_former_1 = QFormer()
        self.q_former_2 = QFormer()
        self.q_former_norm = RMSNorm(D)
        self.q_former_queries = nn.Parameter(torch.randn(Q, D))
        self.rotary_emb = Rotary()


def pos_vision(grid, spgt, merge=2):
    t, h, w = grid
    gt, gh, gw = t, h // merge, w // merge
    spgt = torch.Tensor([spgt])[0]
    er = torch.arange(gt).view(-1, 1).expand(-1, gh * gw).to(spgt.dtype)
    t_index = (er * spgt * 2).long().flatten()
    h_index = torch.arange(gh).view(1, -1, 1).expand(gt, -1, gw).flatten()
    w_index = torch.arange(gw).view(1, 1, -1).expand(gt, gh, -1).flatten()
    return torch.stack([t_index, h_index, w_index])


def pos_text(n):
    return torch.arange(n).view(1, -1).expand(3, -1)


def f32bytes(t):
    v = t.detach().contiguous().to(torch.float32).flatten().tolist()
    return struct.pack("<%df" % len(v), *v)


def save_npy(path, t):
    shape = tuple(t.shape)
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (str(shape) if len(shape) != 1 else "(%d,)" % shape[0])
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1"))
        f.write(f32bytes(t))


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = f32bytes(t)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    m = GSM()
    with torch.no_grad():
        for name, p in m.named_parameters():  # non-trivial norm weights and biases
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or "norm" in name or "ln_q" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.02 * torch.randn_like(p))
    T, gh, gw = GRID
    feats = torch.randn(2 * T, gh * gw, C)       # x_norm_patchtokens per frame
    text = torch.randn(L, D)

    with torch.no_grad():
        # as in Qwen2_5_VisionTransformerPretrainedModel_Spatial.forward
        s = feats.view(feats.shape[0] // 2, 2, gh // 2, 2, gw // 2, 2, C)
        s = s.permute(0, 2, 4, 1, 3, 5, 6)
        merged = s.reshape(s.shape[0] * s.shape[1] * s.shape[2], -1)
        spatial = m.spatial_merger(merged)
        mask1 = torch.zeros(Q, L)
        mask2 = torch.zeros(Q, spatial.shape[0])
        tpe = m.rotary_emb(pos_text(L))
        qpe = m.rotary_emb(pos_text(Q))
        q1 = m.q_former_1(m.q_former_queries, text, mask1, qpe, tpe)
        vpe = m.rotary_emb(pos_vision(GRID, SPGT))
        q2 = m.q_former_2(q1, spatial, mask2, qpe, vpe)
        out = m.q_former_norm(q2)

    named = {"visual." + k: v for k, v in m.named_parameters()}
    named["lm_head.weight"] = torch.zeros(2, 2)  # a tensor outside the prefix
    write_safetensors(os.path.join(HERE, "tiny.safetensors"), named)
    for name, a in [("text", text), ("features", feats), ("merged", merged), ("merger", spatial),
                    ("qformer1", q1), ("out", out)]:
        save_npy(os.path.join(HERE, name + ".npy"), a)
    print("torch", torch.__version__, "out[0,:4]", out[0, :4].tolist())


if __name__ == "__main__":
    main()
