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

The DSR model (testdata/dsr/, dsr_golden.safetensors): the same model with the DSR Suite's
spatial branch (qwen_vl_spatial.py: Qwen2_5_VisionTransformerPretrainedModel_Spatial and
Qwen2_5_VLForConditionalGeneration_Spatial). The clip's patches are put back into frames,
CLIP's normalisation undone and ImageNet's applied, encoded by a float64 re-statement of the
DSR Suite's DINOv2 copy (dinov2_vitl14_reg's structure: registers, LayerScale, position table
resized by size with antialiasing) at a tiny width, merged 2×2×2 and passed through the GSM
(nn/gsm/testdata/golden.py's re-statement, sized by the language model's config as
Qwen2_5_QFormer(config_all) is) with the prompt's text embeddings (non_text_tokens removed);
its 32 geometry tokens follow the tower's in the prompt's pads (32 more after the first run,
as the DSR Suite's evaluation scripts insert them), which get_rope_index gives text positions.
The geometry is computed once from the prompt, as generation with a KV cache does.
"""
import importlib.util
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
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


GSM_PATH = os.path.join(os.path.dirname(OUT), "..", "gsm", "testdata", "golden.py")
SPATIAL = dict(dim=16, depth=2, heads=2, registers=4, grid=6)  # qwenvl.TinySpatial
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
BEFORE_MEAN, BEFORE_STD = [0.48145466, 0.4576275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]  # the reference's


def spatial_images(pf, grid, tp=2, p=14, m=2):
    """Qwen's patches back to frames (2T, 3, H*14, W*14) as the spatial branch's forward does."""
    T, H, W = grid
    x = torch.tensor(pf).view(T, H // m, W // m, m, m, 3, tp, p, p).permute(0, 6, 5, 1, 3, 7, 2, 4, 8)
    x = x.reshape(T * tp, 3, H * p, W * p)
    v = lambda a: torch.tensor(a, dtype=torch.float64).view(1, 3, 1, 1)
    x = x * v(BEFORE_STD) + v(BEFORE_MEAN)
    return (x - v(IMAGENET_MEAN)) / v(IMAGENET_STD)


def dino_weights(g):
    c, pre = SPATIAL, "visual.spatial_encoder."
    D, G, R = c["dim"], c["grid"], c["registers"]
    E = {}

    def t(name, *shape, mean=0.0, std=1.0):
        E[pre + name] = mean + std * torch.randn(*shape, generator=g, dtype=torch.float64)

    t("cls_token", 1, 1, D, std=0.5)
    t("pos_embed", 1, 1 + G * G, D, std=0.5)
    t("register_tokens", 1, R, D, std=0.5)
    t("patch_embed.proj.weight", D, 3, 14, 14, std=(3 * 14 * 14) ** -0.5)
    t("patch_embed.proj.bias", D, std=0.1)
    for i in range(c["depth"]):
        b = f"blocks.{i}."
        for n in ("norm1", "norm2"):
            t(b + n + ".weight", D, mean=1, std=0.1)
            t(b + n + ".bias", D, std=0.1)
        t(b + "attn.qkv.weight", 3 * D, D, std=D ** -0.5)
        t(b + "attn.qkv.bias", 3 * D, std=0.1)
        t(b + "attn.proj.weight", D, D, std=D ** -0.5)
        t(b + "attn.proj.bias", D, std=0.1)
        t(b + "ls1.gamma", D, mean=0.5, std=0.1)
        t(b + "mlp.fc1.weight", 4 * D, D, std=D ** -0.5)
        t(b + "mlp.fc1.bias", 4 * D, std=0.1)
        t(b + "mlp.fc2.weight", D, 4 * D, std=(4 * D) ** -0.5)
        t(b + "mlp.fc2.bias", D, std=0.1)
        t(b + "ls2.gamma", D, mean=0.5, std=0.1)
    t("norm.weight", D, mean=1, std=0.1)
    t("norm.bias", D, std=0.1)
    return E


def dino(E, x):
    """DINOv2 (the DSR Suite's copy, forward_features' x_norm_patchtokens) on x (n, 3, h, w)."""
    c, pre, P = SPATIAL, "visual.spatial_encoder.", 14
    D, G, R, heads = c["dim"], c["grid"], c["registers"], c["heads"]
    n, _, h, w = x.shape
    t = F.conv2d(x, E[pre + "patch_embed.proj.weight"], E[pre + "patch_embed.proj.bias"], stride=P).flatten(2).transpose(1, 2)
    t = torch.cat([E[pre + "cls_token"].expand(n, -1, -1), t], 1)
    # interpolate_pos_encoding (its "w" is x.shape[2], the height), on pos_embed.float():
    # interpolate_antialias=True, interpolate_offset=0.0 → F.interpolate by size.
    pos = E[pre + "pos_embed"]
    if t.shape[1] - 1 == G * G and h == w:
        pe = pos
    else:
        pe32 = pos.float()
        patch = F.interpolate(pe32[:, 1:].reshape(1, G, G, D).permute(0, 3, 1, 2), size=(h // P, w // P), mode="bicubic", antialias=True)
        pe = torch.cat([pe32[:, :1], patch.permute(0, 2, 3, 1).reshape(1, -1, D)], 1).to(x.dtype)
    t = t + pe
    t = torch.cat([t[:, :1], E[pre + "register_tokens"].expand(n, -1, -1), t[:, 1:]], 1)
    hd = D // heads
    for i in range(c["depth"]):
        b = f"{pre}blocks.{i}."
        y = F.layer_norm(t, (D,), E[b + "norm1.weight"], E[b + "norm1.bias"], 1e-6)
        qkv = (y @ E[b + "attn.qkv.weight"].T + E[b + "attn.qkv.bias"]).reshape(n, -1, 3, heads, hd).permute(2, 0, 3, 1, 4)
        a = torch.softmax((qkv[0] * hd ** -0.5) @ qkv[1].transpose(-2, -1), -1) @ qkv[2]
        a = a.transpose(1, 2).reshape(n, -1, D)
        t = t + E[b + "ls1.gamma"] * (a @ E[b + "attn.proj.weight"].T + E[b + "attn.proj.bias"])
        y = F.layer_norm(t, (D,), E[b + "norm2.weight"], E[b + "norm2.bias"], 1e-6)
        y = F.gelu(y @ E[b + "mlp.fc1.weight"].T + E[b + "mlp.fc1.bias"]) @ E[b + "mlp.fc2.weight"].T + E[b + "mlp.fc2.bias"]
        t = t + E[b + "ls2.gamma"] * y
    t = F.layer_norm(t, (D,), E[pre + "norm.weight"], E[pre + "norm.bias"], 1e-6)
    return t[:, 1 + R:]


def gsm_module():
    """nn/gsm's re-statement sized as the reference builds it here: Q-Formers from the language
    model's config (width, heads, KV heads, intermediate size), the merger from the encoder width."""
    spec = importlib.util.spec_from_file_location("gsm_golden", GSM_PATH)
    G = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(G)
    assert (G.D, G.HEADS, G.KV, G.SECTIONS, G.THETA) == (LM.H, LM.NH, LM.NKV, LM.CFG["rope_scaling"]["mrope_section"], LM.CFG["rope_theta"])
    G.MLP, G.C = LM.I, SPATIAL["dim"]
    torch.manual_seed(77)
    m = G.GSM()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "norm" in name or "ln_q" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.copy_(0.02 * torch.randn_like(p))
    return G, m.double()


def geometry(G, m, text, feats, grid, spg):
    """The spatial branch's tail for one video (batch 1: every query sees all text and 3D tokens)."""
    T, gh, gw = grid
    C = SPATIAL["dim"]
    with torch.no_grad():
        s = feats.reshape(2 * T, gh * gw, C).view(T, 2, gh // 2, 2, gw // 2, 2, C).permute(0, 2, 4, 1, 3, 5, 6)
        spatial = m.spatial_merger(s.reshape(-1, 8 * C))
        Q, L = m.q_former_queries.shape[0], text.shape[0]
        tpe, qpe = m.rotary_emb(G.pos_text(L)), m.rotary_emb(G.pos_text(Q))
        q1 = m.q_former_1(m.q_former_queries, text, torch.zeros(Q, L, dtype=torch.float64), qpe, tpe)
        vpe = m.rotary_emb(G.pos_vision(grid, spg))
        q2 = m.q_former_2(q1, spatial, torch.zeros(Q, spatial.shape[0], dtype=torch.float64), qpe, vpe)
        return m.q_former_norm(q2)


def dsr(w, W, pf, grid, spg, tokens):
    """The DSR model's golden (see the module doc)."""
    E = dino_weights(torch.Generator().manual_seed(99))
    G, m = gsm_module()
    feats = dino(E, spatial_images(pf, grid))
    n = tokens.shape[0]
    g = torch.Generator().manual_seed(6)
    ids = ([LM.BASE + 1] + torch.randint(0, 256, (7,), generator=g).tolist() + [LM.BASE + 2, LM.BASE + 1]
           + torch.randint(0, 256, (3,), generator=g).tolist() + [VS] + [VP] * (n + 32) + [VE]
           + torch.randint(0, 256, (5,), generator=g).tolist() + [LM.BASE + 2])
    non_text = [LM.BASE + k for k in (9, 10, 11, 12, 13, 0, 1, 2)]  # non_text_tokens, at this vocabulary's ids
    text_ids = [i for i in ids if i not in non_text]
    text = w["model.embed_tokens.weight"].double()[torch.tensor(text_ids)]
    geo = geometry(G, m, text, feats, grid, spg)
    rows = torch.cat([tokens, geo])
    pos, nxt = LM.rope_index(ids, [grid], [spg])
    logits = LM.forward(w, ids, pos, embed(w, ids, rows))

    d = os.path.join(OUT, "dsr")
    os.makedirs(d, exist_ok=True)
    cfg = dict(CFG, architectures=["Qwen2_5_VLForConditionalGeneration_Spatial"],
               vision_config=dict(VC, spatial_patch_size=14, spatial_encoder=SPATIAL))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    gw_ = {"visual." + k: v for k, v in m.state_dict().items()}
    LM.save(os.path.join(d, "model.safetensors"), {**w, **W, **E, **gw_})
    LM.save(os.path.join(OUT, "dsr_golden.safetensors"), {
        "ids": torch.tensor(ids, dtype=torch.float32),
        "features": feats.reshape(-1, SPATIAL["dim"]),
        "geometry": geo,
        "logits": logits,
        "greedy": torch.tensor(greedy(w, ids, pos, nxt, rows), dtype=torch.float32),
    })
    print("dsr: prompt", len(ids), "text states", len(text_ids), "geometry", tuple(geo.shape))


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
    dsr(w, W, pf, grid, spg, tokens)


if __name__ == "__main__":
    main()
