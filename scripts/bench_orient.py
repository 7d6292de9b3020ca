#!/usr/bin/python3
"""PyTorch side of nn/orient's benchmark (BenchmarkVsTorch): Orient Anything's forward —
DINOv2 without registers at 224 px (257 tokens), cls token, MLP head with BatchNorm — on random
weights, float32, eval mode, for one config. Not a golden: the model is re-stated compactly
(scripts/golden_orient.py checks the computation against the reference code).

    /usr/bin/python3 scripts/bench_orient.py DIM DEPTH HEADS BATCH [--reps 3] [--threads 0]

Prints `impl batch best_seconds crops_per_second` for
  onednn: every Linear (qkv, proj, fc1, fc2, the patch conv as a Linear, the head) through
          torch.utils.mkldnn's MkldnnLinear — oneDNN's GEMM (Debian's torch 1.13 routes dense
          matmuls to reference BLAS, not oneDNN); attention's two batched matmuls stay dense.
  dense:  the plain modules.
Run with Debian's /usr/bin/python3 (apt-get install -y python3-torch).
"""
import argparse, os, time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.mkldnn


class OneDNN(nn.Module):
    def __init__(self, lin):
        super().__init__()
        self.m = torch.utils.mkldnn.to_mkldnn(lin)

    def forward(self, x):
        sh = x.shape
        y = self.m(x.reshape(-1, sh[-1]).to_mkldnn()).to_dense()
        return y.reshape(*sh[:-1], y.shape[-1])


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-6), nn.LayerNorm(d, eps=1e-6)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.ls1, self.ls2 = nn.Parameter(torch.rand(d)), nn.Parameter(torch.rand(d))

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(B, N, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * (C // self.h) ** -0.5, qkv[1], qkv[2]
        a = (q @ k.transpose(-2, -1)).softmax(-1) @ v
        x = x + self.ls1 * self.proj(a.transpose(1, 2).reshape(B, N, C))
        return x + self.ls2 * self.fc2(F.gelu(self.fc1(self.norm2(x))))


class Model(nn.Module):
    def __init__(self, d, depth, h, out=722):
        super().__init__()
        self.patch = nn.Linear(3 * 14 * 14, d)
        self.cls, self.pos = nn.Parameter(torch.randn(1, 1, d)), nn.Parameter(torch.randn(1, 257, d))
        self.blocks = nn.ModuleList(Block(d, h) for _ in range(depth))
        self.norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Sequential(nn.Linear(d, out), nn.BatchNorm1d(out), nn.ReLU(), nn.Linear(out, out), nn.BatchNorm1d(out))

    def forward(self, img):
        B = img.shape[0]
        p = img.reshape(B, 3, 16, 14, 16, 14).permute(0, 2, 4, 1, 3, 5).reshape(B, 256, 3 * 14 * 14)
        x = torch.cat([self.cls.expand(B, -1, -1), self.patch(p)], 1) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x)[:, 0])


def onednn(m):
    for name, c in list(m.named_children()):
        if isinstance(c, nn.Linear):
            setattr(m, name, OneDNN(c))
        else:
            onednn(c)
    return m


def best(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for a in ("dim", "depth", "heads", "batch"):
        ap.add_argument(a, type=int)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--impl", default="onednn,dense")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    x = torch.randn(a.batch, 3, 224, 224)
    with torch.no_grad():
        for impl in a.impl.split(","):
            m = Model(a.dim, a.depth, a.heads).eval()
            if impl == "onednn":
                m = onednn(m)
            s = best(lambda: m(x), a.reps)
            print(impl, a.batch, "%.6f" % s, "%.3f" % (a.batch / s), flush=True)


if __name__ == "__main__":
    main()
