#!/usr/bin/python3
"""PyTorch side of nn/qwen2's BenchmarkVsTorch: prefill and decode tokens/s of a Qwen2.5 decoder.

Builds the same model as the Go side (a reduced-depth Qwen2.5-7B: --layers layers of width 3584,
28 heads / 4 KV heads, SwiGLU 18944, vocabulary --vocab) with random bfloat16 weights and runs
it in bfloat16: on CPUs with AVX-512 BF16 Debian's torch 1.13 sends bf16 F.linear to oneDNN (its
float32 F.linear goes to a reference BLAS, ~60x slower at 64 rows). Prefill: one causal pass over
--prompt tokens (logits of the last); decode: --decode steps of one token through a KV cache.
Prints `prefill_tok_s decode_tok_s`, each the best of --reps runs.
Run with Debian's /usr/bin/python3 (apt-get install -y python3-torch).
"""
import argparse
import os
import time

import torch
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=152064)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--decode", type=int, default=16)
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    H, I, NH, NKV, HD, dt = 3584, 18944, 28, 4, 128, torch.bfloat16

    def w(*shape):
        return (torch.randn(*shape) * shape[-1] ** -0.5).to(dt)

    embed, head = torch.randn(a.vocab, H).to(dt), w(a.vocab, H)
    layers = [dict(ln1=torch.ones(H, dtype=dt), ln2=torch.ones(H, dtype=dt), q=w(NH * HD, H), qb=torch.zeros(NH * HD, dtype=dt),
                   k=w(NKV * HD, H), kb=torch.zeros(NKV * HD, dtype=dt), v=w(NKV * HD, H), vb=torch.zeros(NKV * HD, dtype=dt),
                   o=w(H, NH * HD), g=w(I, H), u=w(I, H), d=w(H, I)) for _ in range(a.layers)]
    norm = torch.ones(H, dtype=dt)
    inv = 1.0 / (1e6 ** (torch.arange(0, HD, 2).float() / HD))

    def rms(x, wt):
        x32 = x.float()
        return wt * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-6)).to(dt)

    def rot(x, pos):
        f = pos[:, None].float() * inv[None, :]
        e = torch.cat((f, f), -1)
        cos, sin = e.cos().to(dt)[None], e.sin().to(dt)[None]
        x1, x2 = x[..., :HD // 2], x[..., HD // 2:]
        return x * cos + torch.cat((-x2, x1), -1) * sin

    def forward(ids, start, cache):
        n = len(ids)
        pos = torch.arange(start, start + n)
        x = embed[ids]
        for i, l in enumerate(layers):
            h = rms(x, l["ln1"])
            q = F.linear(h, l["q"], l["qb"]).view(n, NH, HD).transpose(0, 1)
            k = F.linear(h, l["k"], l["kb"]).view(n, NKV, HD).transpose(0, 1)
            v = F.linear(h, l["v"], l["vb"]).view(n, NKV, HD).transpose(0, 1)
            q, k = rot(q, pos), rot(k, pos)
            if cache[i] is not None:
                k, v = torch.cat((cache[i][0], k), 1), torch.cat((cache[i][1], v), 1)
            cache[i] = (k, v)
            kk, vv = k.repeat_interleave(NH // NKV, 0), v.repeat_interleave(NH // NKV, 0)
            s = (q @ kk.transpose(1, 2)).float() / HD ** 0.5
            if n > 1:
                s = s + torch.full((n, k.shape[1]), float("-inf")).triu(k.shape[1] - n + 1)
            o = (torch.softmax(s, -1).to(dt) @ vv).transpose(0, 1).reshape(n, NH * HD)
            x = x + F.linear(o, l["o"])
            h = rms(x, l["ln2"])
            x = x + F.linear(F.silu(F.linear(h, l["g"])) * F.linear(h, l["u"]), l["d"])
        return F.linear(rms(x[-1:], norm), head)

    best_p = best_d = 0.0
    with torch.no_grad():
        cache = [None] * a.layers  # warm-up: oneDNN primitives for both shapes
        forward(forward(torch.arange(8), 0, cache).argmax(-1), 8, cache)
        for _ in range(a.reps):
            cache = [None] * a.layers
            ids = torch.randint(0, a.vocab, (a.prompt,))
            t = time.perf_counter()
            logits = forward(ids, 0, cache)
            best_p = max(best_p, a.prompt / (time.perf_counter() - t))
            t = time.perf_counter()
            for s in range(a.decode):
                nxt = logits.argmax(-1)
                logits = forward(nxt, a.prompt + s, cache)
            best_d = max(best_d, a.decode / (time.perf_counter() - t))
    print(f"{best_p:.3f} {best_d:.3f}")


if __name__ == "__main__":
    main()
