#!/usr/bin/python3
"""Golden vectors for nn/qwenvit: the Qwen2.5-VL vision tower and its preprocessing.

Run with Debian's python3-torch (1.13), python3-pil, python3-numpy:
    /usr/bin/python3 scripts/golden_qwenvit.py            # writes nn/qwenvit/testdata/
    /usr/bin/python3 scripts/golden_qwenvit.py --bench N  # times the float32 tower (see bench_test.go)

transformers cannot be installed here, so this is an independent float64 re-statement of
transformers' Qwen2_5_VisionTransformerPretrainedModel (patch embed as a Conv3d, rot_pos_emb,
get_window_index by padding with -100 as the reference does, cu_seqlens per frame for the blocks of
fullatt_block_indexes, RMSNorm, qkv with bias, SwiGLU, PatchMerger, the reverse permutation),
with attention as explicit block-diagonal masks, and of qwen-vl-utils (the DSR Suite's copy:
smart_resize, smart_nframes, fetch_video's pixel budget, frames as images resized by PIL's
bicubic) and Qwen2VLImageProcessor's normalise + patchify (numpy reshape/transpose).
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torch.utils.mkldnn
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn", "qwenvit", "testdata")

CFG = dict(depth=4, hidden_size=32, intermediate_size=48, num_heads=4, in_chans=3, out_hidden_size=40,
           patch_size=14, spatial_merge_size=2, temporal_patch_size=2, window_size=56,
           fullatt_block_indexes=[2], hidden_act="silu", tokens_per_second=2)

MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]

# ---- qwen-vl-utils (vision_process.py) ----
IMAGE_FACTOR, MIN_PIXELS, MAX_PIXELS, MAX_RATIO = 28, 4 * 28 * 28, 16384 * 28 * 28, 200
VIDEO_MIN_PIXELS, VIDEO_MAX_PIXELS, FRAME_FACTOR = 128 * 28 * 28, 768 * 28 * 28, 2
FPS, FPS_MIN_FRAMES, FPS_MAX_FRAMES = 2.0, 4, 768
VIDEO_TOTAL_PIXELS = int(float(128000 * 28 * 28 * 0.9))


def round_by_factor(n, f): return round(n / f) * f
def ceil_by_factor(n, f): return math.ceil(n / f) * f
def floor_by_factor(n, f): return math.floor(n / f) * f


def smart_resize(height, width, factor=IMAGE_FACTOR, min_pixels=MIN_PIXELS, max_pixels=MAX_PIXELS):
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError("ratio")
    h_bar = max(factor, round_by_factor(height, factor))
    w_bar = max(factor, round_by_factor(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, floor_by_factor(height / beta, factor))
        w_bar = max(factor, floor_by_factor(width / beta, factor))
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = ceil_by_factor(height * beta, factor)
        w_bar = ceil_by_factor(width * beta, factor)
    return h_bar, w_bar


def smart_nframes(ele, total_frames, video_fps):
    if "nframes" in ele:
        nframes = round_by_factor(ele["nframes"], FRAME_FACTOR)
    else:
        fps = ele.get("fps", FPS)
        min_frames = ceil_by_factor(ele.get("min_frames", FPS_MIN_FRAMES), FRAME_FACTOR)
        max_frames = floor_by_factor(ele.get("max_frames", min(FPS_MAX_FRAMES, total_frames)), FRAME_FACTOR)
        nframes = total_frames / video_fps * fps
        nframes = min(min(max(nframes, min_frames), max_frames), total_frames)
        nframes = floor_by_factor(nframes, FRAME_FACTOR)
    if not (FRAME_FACTOR <= nframes and nframes <= total_frames):
        raise ValueError("nframes")
    return nframes


def video_size(ele, nframes, height, width):
    min_pixels = ele.get("min_pixels", VIDEO_MIN_PIXELS)
    total_pixels = ele.get("total_pixels", VIDEO_TOTAL_PIXELS)
    max_pixels = max(min(VIDEO_MAX_PIXELS, total_pixels / nframes * FRAME_FACTOR), int(min_pixels * 1.05))
    max_pixels = min(ele.get("max_pixels", max_pixels), max_pixels)
    return smart_resize(height, width, factor=IMAGE_FACTOR, min_pixels=min_pixels, max_pixels=max_pixels)


def tables():
    sizes = []
    for h, w, f, lo, hi in [(480, 640, 28, MIN_PIXELS, MAX_PIXELS), (1080, 1920, 28, MIN_PIXELS, MAX_PIXELS),
                            (1080, 1920, 28, VIDEO_MIN_PIXELS, VIDEO_MAX_PIXELS), (10, 10, 28, MIN_PIXELS, MAX_PIXELS),
                            (42, 70, 28, 4 * 28 * 28, 100000), (14, 2000, 28, MIN_PIXELS, MAX_PIXELS),
                            (5, 1001, 28, MIN_PIXELS, MAX_PIXELS), (1001, 5, 28, MIN_PIXELS, MAX_PIXELS),
                            (4000, 3000, 28, MIN_PIXELS, MAX_PIXELS), (98, 154, 28, 3136, 12845056),
                            (70, 98, 28, 3136, 12845056), (126, 126, 28, 3136, 12845056), (375, 500, 14, 3136, 50000),
                            (720, 1280, 28, 256 * 28 * 28, 256 * 28 * 28), (97, 3, 28, MIN_PIXELS, MAX_PIXELS),
                            (1, 300, 28, MIN_PIXELS, MAX_PIXELS)]:
        try:
            r = list(smart_resize(h, w, f, lo, hi))
        except ValueError:
            r = None
        sizes.append(dict(h=h, w=w, factor=f, min=lo, max=hi, out=r))
    frames = []
    for total, vfps, ele in [(300, 30.0, {}), (300, 30.0, {"fps": 1.0}), (25, 25.0, {}), (9, 30.0, {}), (3, 30.0, {}),
                             (1, 30.0, {}), (100000, 30.0, {}), (61, 29.97, {"fps": 4.0}), (300, 30.0, {"nframes": 15}),
                             (300, 30.0, {"nframes": 17}), (300, 30.0, {"nframes": 1}), (300, 30.0, {"nframes": 400}),
                             (120, 24.0, {"min_frames": 7, "max_frames": 13}), (50, 10.0, {"fps": 0.5, "min_frames": 3})]:
        try:
            n = smart_nframes(ele, total, vfps)
            idx = torch.linspace(0, total - 1, n).round().long().tolist()
        except ValueError:
            n, idx = None, None
        frames.append(dict(total=total, video_fps=vfps, opts=ele, n=n, idx=idx))
    vsizes = []
    for n, h, w, ele in [(16, 480, 640, {}), (768, 1080, 1920, {}), (300, 720, 1280, {}), (2, 1080, 1920, {}),
                         (64, 720, 1280, {"max_pixels": 200000}), (64, 720, 1280, {"min_pixels": 50000}),
                         (32, 240, 320, {"total_pixels": 3000000}), (500, 100, 100, {})]:
        vsizes.append(dict(n=n, h=h, w=w, opts=ele, out=list(video_size(ele, n, h, w))))
    # torch's float32 linspace (the frame indices), on long videos where it parts from exact rationals.
    g = np.random.default_rng(3)
    linspace = []
    for _ in range(60):
        total = int(g.integers(1000, 200000))
        n = int(g.integers(1, 32)) * 2 + 16
        linspace.append(dict(total=total, n=n, idx=torch.linspace(0, total - 1, n).round().long().tolist()))
    return dict(smart_resize=sizes, nframes=frames, video_size=vsizes, linspace=linspace)


# ---- Qwen2_5_VLModel.get_rope_index (transformers 4.51, the DSR Suite's pin), one sequence ----
VISION_START, IMAGE_PAD, VIDEO_PAD = 151652, 151655, 151656


def get_rope_index(ids, image_grid_thw, video_grid_thw, second_per_grid_ts, m=2, tokens_per_second=2):
    input_ids = torch.tensor(ids)
    vs = torch.argwhere(input_ids == VISION_START).squeeze(1)
    vision_tokens = input_ids[vs + 1]
    image_nums, video_nums = (vision_tokens == IMAGE_PAD).sum().item(), (vision_tokens == VIDEO_PAD).sum().item()
    input_tokens = input_ids.tolist()
    llm_pos_ids_list, st, image_index, video_index = [], 0, 0, 0
    remain_images, remain_videos = image_nums, video_nums
    for _ in range(image_nums + video_nums):
        ed_image = input_tokens.index(IMAGE_PAD, st) if IMAGE_PAD in input_tokens and remain_images > 0 else len(input_tokens) + 1
        ed_video = input_tokens.index(VIDEO_PAD, st) if VIDEO_PAD in input_tokens and remain_videos > 0 else len(input_tokens) + 1
        if ed_image < ed_video:
            t, h, w = image_grid_thw[image_index]
            second_per_grid_t = 0
            image_index += 1
            remain_images -= 1
            ed = ed_image
        else:
            t, h, w = video_grid_thw[video_index]
            second_per_grid_t = second_per_grid_ts[video_index]
            video_index += 1
            remain_videos -= 1
            ed = ed_video
        lt, lh, lw = t, h // m, w // m
        text_len = ed - st
        st_idx = llm_pos_ids_list[-1].max() + 1 if len(llm_pos_ids_list) > 0 else 0
        llm_pos_ids_list.append(torch.arange(text_len).view(1, -1).expand(3, -1) + st_idx)
        range_tensor = torch.arange(lt).view(-1, 1)
        expanded_range = range_tensor.expand(-1, lh * lw)
        second_per_grid_t = torch.as_tensor(second_per_grid_t, dtype=range_tensor.dtype)
        t_index = (expanded_range * second_per_grid_t * tokens_per_second).long().flatten()
        h_index = torch.arange(lh).view(1, -1, 1).expand(lt, -1, lw).flatten()
        w_index = torch.arange(lw).view(1, 1, -1).expand(lt, lh, -1).flatten()
        llm_pos_ids_list.append(torch.stack([t_index, h_index, w_index]) + text_len + st_idx)
        st = ed + lt * lh * lw
    if st < len(input_tokens):
        st_idx = llm_pos_ids_list[-1].max() + 1 if len(llm_pos_ids_list) > 0 else 0
        llm_pos_ids_list.append(torch.arange(len(input_tokens) - st).view(1, -1).expand(3, -1) + st_idx)
    pos = torch.cat(llm_pos_ids_list, dim=1).reshape(3, -1)
    return pos.T.tolist(), int(pos.max() + 1 - len(input_tokens))


def rope_cases():
    out = []
    g = np.random.default_rng(5)
    for case in range(6):
        ids, visions, images, videos, spgts = [], [], [], [], []
        for _ in range(int(g.integers(1, 4))):
            ids += [int(x) for x in g.integers(0, 151000, size=int(g.integers(0, 6)))]
            video = bool(g.integers(0, 2)) or case == 0
            grid = (int(g.integers(1, 4)) if video else 1, 2 * int(g.integers(1, 5)), 2 * int(g.integers(1, 5)))
            spgt = float([1.0, 2.0, 0.5, 2.5, 1.5, 4.0][int(g.integers(0, 6))]) if video else 0.0
            ids += [VISION_START] + [VIDEO_PAD if video else IMAGE_PAD] * (grid[0] * grid[1] * grid[2] // 4) + [151653]
            (videos if video else images).append(grid)
            if video:
                spgts.append(spgt)
            visions.append(dict(grid=list(grid), video=video, second_per_grid_t=spgt))
        ids += [int(x) for x in g.integers(0, 151000, size=int(g.integers(0, 5)))]
        pos, delta = get_rope_index(ids, images, videos, spgts)
        out.append(dict(ids=ids, visions=visions, pos=pos, delta=delta))
    return out


# ---- Qwen2VLImageProcessor: rescale, normalise, patchify ----
def patchify(frames_u8, tp=2, p=14, m=2):
    """frames_u8: (T, H, W, C) uint8 after resizing. Returns (rows, C*tp*p*p) float64 and grid,
    plus the same layout of the raw bytes."""
    x = frames_u8.astype(np.float64) * (1 / 255)
    x = (x - np.array(MEAN)) / np.array(STD)
    out = []
    for arr in (x, frames_u8):
        a = arr.transpose(0, 3, 1, 2)  # (T, C, H, W)
        if a.shape[0] % tp != 0:
            a = np.concatenate([a, np.repeat(a[-1:], tp - a.shape[0] % tp, axis=0)])
        T, C, H, W = a.shape
        gt, gh, gw = T // tp, H // p, W // p
        a = a.reshape(gt, tp, C, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
        out.append(a.reshape(gt * gh * gw, C * tp * p * p))
    return out[0], out[1], (gt, gh, gw)


# ---- the tower ----
def rms(x, w, eps=1e-6):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def rot_pos_emb(grids, head_dim, m):
    pos = []
    for t, h, w in grids:
        hp = torch.arange(h).unsqueeze(1).expand(-1, w).reshape(h // m, m, w // m, m).permute(0, 2, 1, 3).flatten()
        wp = torch.arange(w).unsqueeze(0).expand(h, -1).reshape(h // m, m, w // m, m).permute(0, 2, 1, 3).flatten()
        pos.append(torch.stack([hp, wp], -1).repeat(t, 1))
    pos = torch.cat(pos)
    dim = head_dim // 2
    inv = 1.0 / (10000.0 ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    freqs = torch.outer(torch.arange(max(max(g[1], g[2]) for g in grids), dtype=torch.float64), inv)
    return freqs[pos].flatten(1)


def window_index(grids, c):
    m, vms = c["spatial_merge_size"], c["window_size"] // c["spatial_merge_size"] // c["patch_size"]
    index, cu, base = [], [0], 0
    for t, h, w in grids:
        lh, lw = h // m, w // m
        idx = torch.arange(t * lh * lw).reshape(t, lh, lw)
        ph, pw = vms - lh % vms, vms - lw % vms
        nh, nw = (lh + ph) // vms, (lw + pw) // vms
        pad = F.pad(idx, (0, pw, 0, ph), "constant", -100)
        pad = pad.reshape(t, nh, vms, nw, vms).permute(0, 1, 3, 2, 4).reshape(t, nh * nw, vms, vms)
        seqlens = (pad != -100).sum([2, 3]).reshape(-1)
        pad = pad.reshape(-1)
        index.append(pad[pad != -100] + base)
        cu.extend((seqlens.cumsum(0) * m * m + cu[-1]).tolist())
        base += t * lh * lw
    cu = torch.unique_consecutive(torch.tensor(cu))
    return torch.cat(index), cu


def block_mask(cu, n, dtype=torch.float64):
    mask = torch.full((n, n), float("-inf"), dtype=dtype)
    for a, b in zip(cu[:-1].tolist(), cu[1:].tolist()):
        mask[a:b, a:b] = 0
    return mask


def attend(q, k, v, cu, masked):
    """softmax(q·kᵀ/√d)·v within the segments cu: one masked n×n product (the golden) or one
    product per segment (the benchmark)."""
    n, H, hd = q.shape
    if masked:
        s = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd) + block_mask(cu, n, q.dtype)
        return torch.einsum("hqk,khd->qhd", torch.softmax(s, -1), v)
    out = torch.empty_like(q)
    for a, b in zip(cu[:-1].tolist(), cu[1:].tolist()):
        qs, ks, vs = q[a:b].transpose(0, 1), k[a:b].transpose(0, 1), v[a:b].transpose(0, 1)
        p = torch.softmax(qs @ ks.transpose(1, 2) / math.sqrt(hd), -1)
        out[a:b] = (p @ vs).transpose(0, 1)
    return out


MKLDNN = {}  # bench: name prefix → torch.utils.mkldnn Linear (oneDNN; Debian's BLAS is generic)


def lin(x, W, pre):
    if pre in MKLDNN:
        return MKLDNN[pre](x)
    return x @ W[pre + "weight"].T + W[pre + "bias"]


def tower(W, patches, grids, c, masked=True):
    D, H, m = c["hidden_size"], c["num_heads"], c["spatial_merge_size"]
    hd, unit = D // H, m * m
    tp, p = c["temporal_patch_size"], c["patch_size"]
    x = F.conv3d(patches.view(-1, c["in_chans"], tp, p, p), W["visual.patch_embed.proj.weight"], stride=(tp, p, p)).view(-1, D)
    rpe = rot_pos_emb(grids, hd, m).to(x.dtype)
    widx, cu_win = window_index(grids, c)
    n = x.shape[0]
    x = x.reshape(n // unit, unit, -1)[widx].reshape(n, -1)
    rpe = rpe.reshape(n // unit, unit, -1)[widx].reshape(n, -1)
    emb = torch.cat([rpe, rpe], -1)
    cos, sin = emb.cos(), emb.sin()
    cu_full = F.pad(torch.tensor([g[1] * g[2] for g in grids for _ in range(g[0])]).cumsum(0), (1, 0))
    for i in range(c["depth"]):
        pre = f"visual.blocks.{i}."
        h = rms(x, W[pre + "norm1.weight"])
        qkv = lin(h, W, pre + "attn.qkv.").reshape(n, 3, H, hd).permute(1, 0, 2, 3)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (n, H, hd)
        q = q * cos.unsqueeze(1) + rotate_half(q) * sin.unsqueeze(1)
        k = k * cos.unsqueeze(1) + rotate_half(k) * sin.unsqueeze(1)
        o = attend(q, k, v, cu_full if i in c["fullatt_block_indexes"] else cu_win, masked).reshape(n, D)
        x = x + lin(o, W, pre + "attn.proj.")
        h = rms(x, W[pre + "norm2.weight"])
        g = F.silu(lin(h, W, pre + "mlp.gate_proj."))
        u = lin(h, W, pre + "mlp.up_proj.")
        x = x + lin(g * u, W, pre + "mlp.down_proj.")
    y = rms(x, W["visual.merger.ln_q.weight"]).view(-1, D * unit)
    y = F.gelu(lin(y, W, "visual.merger.mlp.0."))
    y = lin(y, W, "visual.merger.mlp.2.")
    return y[torch.argsort(widx)], widx, cu_win


def weights(c, gen, dtype=torch.float64):
    D, I, m = c["hidden_size"], c["intermediate_size"], c["spatial_merge_size"]
    G = D * m * m
    shapes = {"visual.patch_embed.proj.weight": (D, c["in_chans"], c["temporal_patch_size"], c["patch_size"], c["patch_size"])}
    for i in range(c["depth"]):
        pre = f"visual.blocks.{i}."
        shapes.update({pre + "norm1.weight": (D,), pre + "norm2.weight": (D,), pre + "attn.qkv.weight": (3 * D, D),
                       pre + "attn.qkv.bias": (3 * D,), pre + "attn.proj.weight": (D, D), pre + "attn.proj.bias": (D,),
                       pre + "mlp.gate_proj.weight": (I, D), pre + "mlp.gate_proj.bias": (I,),
                       pre + "mlp.up_proj.weight": (I, D), pre + "mlp.up_proj.bias": (I,),
                       pre + "mlp.down_proj.weight": (D, I), pre + "mlp.down_proj.bias": (D,)})
    shapes.update({"visual.merger.ln_q.weight": (D,), "visual.merger.mlp.0.weight": (G, G), "visual.merger.mlp.0.bias": (G,),
                   "visual.merger.mlp.2.weight": (c["out_hidden_size"], G), "visual.merger.mlp.2.bias": (c["out_hidden_size"],)})
    W = {}
    for name, shape in shapes.items():
        if len(shape) == 1 and "norm" in name or "ln_q" in name:
            t = 1 + 0.1 * torch.randn(shape, generator=gen, dtype=dtype)
        elif len(shape) == 1:
            t = 0.1 * torch.randn(shape, generator=gen, dtype=dtype)
        else:
            t = torch.randn(shape, generator=gen, dtype=dtype) / math.sqrt(np.prod(shape[1:]))
        W[name] = t
    return W


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def frames(rng, n, h, w):
    """Smooth random RGB frames with some noise (PNG-friendly but not trivial)."""
    yy, xx = np.mgrid[0:h, 0:w]
    out = []
    for i in range(n):
        a = rng.uniform(0.02, 0.08, size=6)
        img = np.stack([128 + 100 * np.sin(a[0] * yy + a[1] * xx + i), 128 + 100 * np.cos(a[2] * yy - a[3] * xx),
                        128 + 90 * np.sin(a[4] * (xx + yy) + a[5] * i)], -1) + rng.normal(0, 12, size=(h, w, 3))
        out.append(np.clip(np.rint(img), 0, 255).astype(np.uint8))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    rng = np.random.default_rng(7)
    c = CFG
    W = weights(c, gen)
    # Videos given as frames (DSR's --frames): fetch_image resizes each with PIL's bicubic.
    videos = [dict(name="a", n=2, h=100, w=170), dict(name="b", n=3, h=150, w=80)]
    all_patches, all_bytes, grids, meta = [], [], [], []
    for v in videos:
        rh, rw = smart_resize(v["h"], v["w"], 28, MIN_PIXELS, 20000)
        resized = []
        for i, f in enumerate(frames(rng, v["n"], v["h"], v["w"])):
            Image.fromarray(f).save(os.path.join(OUT, f"{v['name']}{i}.png"))
            resized.append(np.asarray(Image.fromarray(f).resize((rw, rh), Image.BICUBIC)))
        pf, pb, g = patchify(np.stack(resized))
        all_patches.append(pf)
        all_bytes.append(pb)
        grids.append(g)
        meta.append(dict(name=v["name"], frames=v["n"], resized=[rh, rw], grid=list(g)))
    patches = torch.tensor(np.concatenate(all_patches))
    y, widx, cu = tower(W, patches, grids, c)
    write_safetensors(os.path.join(OUT, "tiny.safetensors"), {**W, "model.norm.weight": torch.ones(4)})
    np.concatenate(all_bytes).astype(np.uint8).tofile(os.path.join(OUT, "patch_bytes.u8"))
    y.to(torch.float32).numpy().astype("<f4").tofile(os.path.join(OUT, "tokens.f32"))
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(dict(config=c, videos=meta, window_index=widx.tolist(), cu_window_seqlens=cu.tolist(),
                       tokens_shape=list(y.shape), rope_index=rope_cases(), **tables()), f, indent=1)
    print("grids", grids, "tokens", tuple(y.shape), "windows", cu.tolist())


def bench(reps):
    """Milliseconds per float32 forward of bench_test.go's BenchmarkTower size: official widths
    (1280, 16 heads, SwiGLU 3420, out 3584), depth 2 with full attention at 1, one 2-frame
    224×448 clip (grid 1×16×32: 512 patches, 8 windows of 64). THREADS sets torch's threads."""
    import time
    c = dict(CFG, depth=2, hidden_size=1280, intermediate_size=3420, num_heads=16, out_hidden_size=3584,
             window_size=112, fullatt_block_indexes=[1])
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    W = weights(c, torch.Generator().manual_seed(1), torch.float32)
    grids = [(1, 16, 32)]
    patches = torch.randn(512, 1176)

    for name in W:
        if name.endswith(".weight") and W[name].dim() == 2:
            pre = name[:-len("weight")]
            l = torch.nn.Linear(W[name].shape[1], W[name].shape[0])
            l.weight.data, l.bias.data = W[name], W[pre + "bias"]
            MKLDNN[pre] = torch.utils.mkldnn.to_mkldnn(l.eval())
    with torch.no_grad():
        tower(W, patches, grids, c, masked=False)
        t0 = time.perf_counter()
        for _ in range(reps):
            tower(W, patches, grids, c, masked=False)
        dt = (time.perf_counter() - t0) / reps
    print(json.dumps(dict(torch_ms=dt * 1e3, threads=torch.get_num_threads())))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--bench":
        bench(int(sys.argv[2]))
    else:
        main()
