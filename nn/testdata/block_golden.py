#!/usr/bin/env python3
"""Golden outputs of a π³ decoder block (BlockRope) for nn's layer tests, computed with PyTorch
(run by hand, not in CI):

    /usr/bin/python3 nn/testdata/block_golden.py   # from the repo root; torch >= 1.13, no numpy

A minimal re-statement of the modules as yyfz/Pi3 defines them: pi3/models/layers/block.py
(BlockRope: x += ls1(attn(norm1(x), xpos)); x += ls2(mlp(norm2(x)))), attention.py
(AttentionRope: fused qkv, per-head q_norm/k_norm LayerNorm(head_dim), RoPE on q and k, softmax
with scale head_dim^-0.5, proj), pos_embed.py (RoPE2D, freq 100: first half of a head rotated by
y, second by x), with DINOv2's LayerScale (x * gamma) and Mlp (fc1, exact GELU, fc2), LayerNorm
eps 1e-6 for norm1/norm2 as π³ builds its decoder.

Writes block.safetensors next to this script: the weights under "blk.", the input "in.x"
(F*N, C) and positions "in.pos" (F*N, 2: y, x), and the outputs "out.frame" (the block on each
frame alone, π³'s frame attention) and "out.global" (on all frames at once).
"""
import json, os, struct
import torch
import torch.nn as nn

torch.manual_seed(4321)
HERE = os.path.dirname(os.path.abspath(__file__))
C, HEADS, HIDDEN, F = 48, 4, 96, 2
HD = C // HEADS
GRID = (2, 3)  # patches per frame; one special token at (0, 0) first, patches at (y+1, x+1)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class RoPE2D(nn.Module):
    def __init__(self, freq=100.0):
        super().__init__()
        self.base = freq

    def rope1d(self, t, pos1d, D):
        inv_freq = 1.0 / (self.base ** (torch.arange(0, D, 2).float() / D))
        freqs = torch.einsum("i,j->ij", torch.arange(int(pos1d.max()) + 1).float(), inv_freq)
        freqs = torch.cat((freqs, freqs), dim=-1)
        cos = torch.nn.functional.embedding(pos1d, freqs.cos())[:, None, :, :]
        sin = torch.nn.functional.embedding(pos1d, freqs.sin())[:, None, :, :]
        return t * cos + rotate_half(t) * sin

    def forward(self, tokens, positions):  # tokens (B, heads, N, hd), positions (B, N, 2)
        D = tokens.size(3) // 2
        y, x = tokens.chunk(2, dim=-1)
        return torch.cat((self.rope1d(y, positions[:, :, 0], D), self.rope1d(x, positions[:, :, 1], D)), dim=-1)


class AttentionRope(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(C, 3 * C, bias=True)
        self.proj = nn.Linear(C, C, bias=True)
        self.q_norm = nn.LayerNorm(HD)
        self.k_norm = nn.LayerNorm(HD)
        self.rope = RoPE2D(100.0)

    def forward(self, x, xpos):
        B, N, _ = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, HEADS, HD).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q, k = self.q_norm(q), self.k_norm(k)
        q, k = self.rope(q, xpos), self.rope(k, xpos)
        attn = ((q * HD ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(B, N, C))


class LayerScale(nn.Module):
    def __init__(self):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(C))

    def forward(self, x):
        return x * self.gamma


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(C, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, C)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x)))


class BlockRope(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(C, eps=1e-6)
        self.attn = AttentionRope()
        self.ls1 = LayerScale()
        self.norm2 = nn.LayerNorm(C, eps=1e-6)
        self.mlp = Mlp()
        self.ls2 = LayerScale()

    def forward(self, x, xpos):
        x = x + self.ls1(self.attn(self.norm1(x), xpos))
        return x + self.ls2(self.mlp(self.norm2(x)))


def f32bytes(t):
    v = t.detach().contiguous().to(torch.float32).flatten().tolist()
    return struct.pack("<%df" % len(v), *v)


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
    blk = BlockRope()
    with torch.no_grad():
        for name, p in blk.named_parameters():
            if name.endswith("gamma"):
                p.copy_(0.5 + 0.1 * torch.randn_like(p))
            elif p.dim() == 2:
                p.copy_(torch.randn_like(p) / p.shape[1] ** 0.5)
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
        pos = [(0, 0)] + [(y + 1, x + 1) for y in range(GRID[0]) for x in range(GRID[1])]
        N = len(pos)
        xpos = torch.tensor(pos * F, dtype=torch.long).reshape(F, N, 2)
        x = torch.randn(F, N, C)
        frame = blk(x, xpos)
        glob = blk(x.reshape(1, F * N, C), xpos.reshape(1, F * N, 2))
        out = {"blk." + n: p for n, p in blk.named_parameters()}
        out["in.x"] = x.reshape(F * N, C)
        out["in.pos"] = xpos.reshape(F * N, 2).float()
        out["out.frame"] = frame.reshape(F * N, C)
        out["out.global"] = glob.reshape(F * N, C)
        write_safetensors(os.path.join(HERE, "block.safetensors"), out)


if __name__ == "__main__":
    main()
