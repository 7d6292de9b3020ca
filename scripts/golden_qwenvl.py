#!/usr/bin/python3
"""Golden vectors for nn/qwenvl: Qwen2.5-VL end to end (vision tower + language model).

Run with Debian's python3-torch (1.13), python3-pil, python3-numpy:
    /usr/bin/python3 scripts/golden_qwenvl.py     # writes nn/qwenvl/testdata/

It reuses the two float64 re-statements, golden_qwenvit.py's tower and golden_qwen2.py's
decoder, and joins them as Qwen2_5_VLModel.forward does: the prompt's embeddings with the
<|video_pad|> rows replaced (masked_scatter) by the tower's merged tokens in order, positions
from get_rope_index with the clip's grid and second_per_grid_ts. One video clip of 4 small PNG
frames (fetch_video on a list of frames: PIL bicubic to smart_resize's size, fps 2, so
second_per_grid_t = 1) in a prompt of a few random byte tokens; logits of every position and 8
greedy tokens (full recomputation, each new token at the next text position).
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import golden_qwen2 as LM  # noqa: E402
import golden_qwenvit as VT  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "qwenvl", "testdata")
VC = dict(VT.CFG, out_hidden_size=LM.H)
CFG = dict(LM.CFG, vision_config=VC)
VS, VP, VE = LM.CFG["vision_start_token_id"], LM.CFG["video_token_id"], LM.BASE + 10
FPS = 2.0


def embed(w, ids, tokens):
    x = w["model.embed_tokens.weight"].double()[torch.tensor(ids)]
    mask = torch.tensor(ids) == VP
    assert int(mask.sum()) == tokens.shape[0]
    x[mask] = tokens  # masked_scatter: the pads in order
    return x


def greedy(w, ids, pos, nxt, tokens, steps=8):
    ids, pos, out = list(ids), pos.clone(), []
    for _ in range(steps):
        tok = int(LM.forward(w, ids, pos, embed(w, ids, tokens))[-1].argmax())
        out.append(tok)
        ids.append(tok)
        pos = torch.cat([pos, torch.full((3, 1), nxt, dtype=pos.dtype)], dim=1)
        nxt += 1
    return out


def interp_aa():
    """nn/dinov2/testdata/interp_aa.json: the DSR Suite's DINOv2 position-table resize
    (interpolate_antialias=True, offset 0: F.interpolate by size, bicubic, antialiased)."""
    torch.manual_seed(0)
    m, dim = 8, 3
    pos = torch.randn(1, dim, m, m)
    out = {}
    for (h, w) in [(4, 8), (5, 11), (3, 6), (8, 8), (12, 5)]:
        r = torch.nn.functional.interpolate(pos, size=(h, w), mode="bicubic", antialias=True)
        out[f"{h}x{w}"] = r[0].permute(1, 2, 0).reshape(-1).tolist()
    path = os.path.join(os.path.dirname(OUT), "..", "dinov2", "testdata", "interp_aa.json")
    with open(path, "w") as f:
        json.dump({"pos": pos[0].permute(1, 2, 0).reshape(-1).tolist(), "out": out}, f)


def main():
    interp_aa()
    os.makedirs(os.path.join(OUT, "tiny"), exist_ok=True)
    w = LM.weights(seed=3)
    W = VT.weights(VC, torch.Generator().manual_seed(4321))
    rng = np.random.default_rng(11)
    h, wd = 56, 100
    rh, rw = VT.smart_resize(h, wd)
    resized = []
    for i, f in enumerate(VT.frames(rng, 4, h, wd)):
        Image.fromarray(f).save(os.path.join(OUT, f"f{i}.png"))
        resized.append(np.asarray(Image.fromarray(f).resize((rw, rh), Image.BICUBIC)))
    pf, _, grid = VT.patchify(np.stack(resized))
    tokens, _, _ = VT.tower(W, torch.tensor(pf), [grid], VC)
    n = tokens.shape[0]
    spg = VC["temporal_patch_size"] / FPS

    g = torch.Generator().manual_seed(5)
    ids = ([LM.BASE + 1] + torch.randint(0, 256, (5,), generator=g).tolist() + [VS] + [VP] * n + [VE]
           + torch.randint(0, 256, (6,), generator=g).tolist())
    pos, nxt = LM.rope_index(ids, [grid], [spg])
    logits = LM.forward(w, ids, pos, embed(w, ids, tokens))

    with open(os.path.join(OUT, "tiny", "config.json"), "w") as f:
        json.dump(CFG, f, indent=2)
    LM.save(os.path.join(OUT, "tiny", "model.safetensors"), {**w, **W})
    LM.save(os.path.join(OUT, "golden.safetensors"), {
        "ids": torch.tensor(ids, dtype=torch.float32),
        "grid": torch.tensor(list(grid) + [spg], dtype=torch.float32),
        "pos": pos.float(),
        "tokens": tokens,
        "logits": logits,
        "greedy": torch.tensor(greedy(w, ids, pos, nxt, tokens), dtype=torch.float32),
    })
    print("grid", grid, "tokens", tuple(tokens.shape), "prompt", len(ids), "next", nxt)


if __name__ == "__main__":
    main()
