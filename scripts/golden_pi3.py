#!/usr/bin/env python3
"""Golden vectors of π³ (and its DINOv2 ViT-L/14-reg encoder) for nn/pi3 and nn/dinov2, computed
by the reference's own PyTorch modules (run by hand, not in CI):

    /usr/bin/python3 scripts/golden_pi3.py CHECKOUT [--names]
    /usr/bin/python3 scripts/golden_pi3.py CHECKOUT --bench [--time]   # BenchmarkForward*'s goldens [and PyTorch's time]

CHECKOUT is a checkout of the DSR Suite (its data/pi3 is the π³ the suite runs: github
TencentARC/DSR_Suite or Tiamat-Tech/DSR_Suite) or of yyfz/Pi3 (its pi3/); nothing of it is
committed. Debian's python3-torch 1.13 suffices: the script shims what 1.13 lacks
(F.scaled_dot_product_attention, torch.nn.attention.sdpa_kernel/SDPBackend) and what the model
files import but the forward never uses (huggingface_hub's mixin).

The tiny model is Pi3 with the same structure and the same parameter names as the released one,
smaller: DINOv2 encoder (width 32, 2 heads, 2 blocks, 4 registers, pos_embed for a 4×4 grid so
that every input size interpolates), decoder of 4 BlockRope (width 32, qk-norm, LayerScale),
TransformerDecoder heads of 2 blocks, CameraHead(16). Pi3.decode and Pi3.forward are the
reference's own methods, run unchanged in float32 (Pi3.forward casts the heads' inputs to
float32 itself, so float64 is not an option without editing it). Seeded random weights.

Writes nn/pi3/testdata/:
  tiny.safetensors        the state dict under the released names (F32), plus the tiny config
                          in the header's __metadata__
  imgs.npy                (N,3,H,W) input in [0,1] (before π³'s ImageNet normalisation)
  enc_tokens.npy          encoder x_norm_patchtokens (N, h·w, 32)
  local_points.npy, conf.npy, camera_poses.npy, points.npy   Pi3.forward's outputs (batch 1 dropped)
  enc2_imgs.npy, enc2_tokens.npy   the encoder alone at another size (upsampled pos_embed)
  qwen_patches.npy, qwen_images.npy   the DSR Suite's spatial-encoder input from Qwen patches
                          (Qwen2_5_VisionTransformerPretrainedModel_Spatial.forward's first lines,
                          restated: that file needs transformers), grid (1, 4, 6), merge 2
  load_imgs.npy           the reference's load_images_as_tensor on load/ (3 PNG frames named
                          1.png, 2.png, 10.png: numeric order) with PIXEL_LIMIT 5000
  target_sizes.json       its target size for first frames of several sizes at PIXEL_LIMIT 255000
                          (cv2, torchvision and plyfile are shimmed: only ToTensor is used)
With --names also nn/pi3/testdata/pi3_names.txt: "name shape dtype" of the full-size Pi3() state
dict, the names our loader's walk must produce (weights not initialised: only names matter).
"""
import json, os, struct, sys, types, contextlib, math
from functools import partial

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "nn", "pi3", "testdata")

TINY = dict(enc_dim=32, enc_heads=2, enc_depth=2, enc_grid=4, registers=4,
            dec_dim=32, dec_heads=2, dec_depth=4, head_dim=32, head_heads=2, head_depth=2,
            cam_dim=16, frames=3, height=42, width=56)


def shim():
    """What torch 1.13 and this machine lack, for the imports and the forward."""
    if not hasattr(F, "scaled_dot_product_attention"):
        def sdpa(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False):
            assert attn_mask is None and not is_causal
            s = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
            return s.softmax(dim=-1) @ v
        F.scaled_dot_product_attention = sdpa
    for mod in ("cv2", "plyfile", "torchvision"):
        if mod not in sys.modules:
            sys.modules[mod] = types.ModuleType(mod)
    sys.modules["plyfile"].PlyData = sys.modules["plyfile"].PlyElement = None
    tv = types.ModuleType("torchvision.transforms")
    # torchvision's ToTensor on an RGB PIL image: HWC uint8 → CHW float32 / 255.
    tv.ToTensor = lambda: (lambda img: torch.from_numpy(np.array(img)).permute(2, 0, 1).contiguous().float().div(255))
    sys.modules["torchvision"].transforms = tv
    sys.modules["torchvision.transforms"] = tv
    if "torch.nn.attention" not in sys.modules:
        m = types.ModuleType("torch.nn.attention")

        class SDPBackend:
            MATH, EFFICIENT_ATTENTION, FLASH_ATTENTION = "math", "efficient", "flash"
        m.SDPBackend = SDPBackend
        m.sdpa_kernel = lambda *a, **k: contextlib.nullcontext()
        sys.modules["torch.nn.attention"] = m
        nn.attention = m
    # autocast('cuda') on a CPU-only build only warns; make it a no-op to keep float64.
    torch.amp.autocast = lambda *a, **k: contextlib.nullcontext()
    if "huggingface_hub" not in sys.modules:
        h = types.ModuleType("huggingface_hub")

        class PyTorchModelHubMixin:
            pass
        h.PyTorchModelHubMixin = PyTorchModelHubMixin
        sys.modules["huggingface_hub"] = h
    os.environ["XFORMERS_DISABLED"] = "1"


def import_reference(checkout):
    for sub in ("data", "."):
        if os.path.isdir(os.path.join(checkout, sub, "pi3", "models")):
            sys.path.insert(0, os.path.abspath(os.path.join(checkout, sub)))
            break
    else:
        sys.exit(f"{checkout}: no pi3/models (want a DSR Suite or yyfz/Pi3 checkout)")
    import pi3.models.pi3 as P
    from pi3.models.dinov2.models import vision_transformer as vits
    from pi3.models.dinov2.layers import MemEffAttention, NestedTensorBlock
    return P, vits, partial(NestedTensorBlock, attn_class=MemEffAttention)


def tiny_pi3(P, vits, block_fn, c):
    """Pi3.__init__ with the tiny sizes: the same modules, in the same order, under the same names."""
    from pi3.models.dinov2.layers import Mlp
    m = P.Pi3.__new__(P.Pi3)
    nn.Module.__init__(m)
    m.encoder = vits.DinoVisionTransformer(
        img_size=14 * c["enc_grid"], patch_size=14, embed_dim=c["enc_dim"], depth=c["enc_depth"],
        num_heads=c["enc_heads"], mlp_ratio=4, block_fn=block_fn, num_register_tokens=c["registers"],
        init_values=1.0, ffn_layer="mlp", block_chunks=0, interpolate_antialias=False, interpolate_offset=0.1)
    m.patch_size = 14
    del m.encoder.mask_token
    m.pos_type = "rope100"
    m.rope = P.RoPE2D(freq=100.0)
    m.position_getter = P.PositionGetter()
    D = c["dec_dim"]
    m.decoder = nn.ModuleList([P.BlockRope(
        dim=D, num_heads=c["dec_heads"], mlp_ratio=4, qkv_bias=True, proj_bias=True, ffn_bias=True,
        drop_path=0.0, norm_layer=partial(nn.LayerNorm, eps=1e-6), act_layer=nn.GELU, ffn_layer=Mlp,
        init_values=0.01, qk_norm=True, attn_class=P.FlashAttentionRope, rope=m.rope) for _ in range(c["dec_depth"])])
    m.dec_embed_dim = D
    m.patch_start_idx = 5
    m.register_token = nn.Parameter(torch.randn(1, 1, 5, D))
    H = c["head_dim"]
    m.point_decoder = P.TransformerDecoder(in_dim=2 * D, dec_embed_dim=H, dec_num_heads=c["head_heads"],
                                           out_dim=H, depth=c["head_depth"], rope=m.rope)
    m.point_head = P.LinearPts3d(patch_size=14, dec_embed_dim=H, output_dim=3)
    m.conf_decoder = P.deepcopy(m.point_decoder)
    m.conf_head = P.LinearPts3d(patch_size=14, dec_embed_dim=H, output_dim=1)
    m.camera_decoder = P.TransformerDecoder(in_dim=2 * D, dec_embed_dim=H, dec_num_heads=c["head_heads"],
                                            out_dim=c["cam_dim"], depth=c["head_depth"], rope=m.rope, use_checkpoint=False)
    m.camera_head = P.CameraHead(dim=c["cam_dim"])
    m.register_buffer("image_mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
    m.register_buffer("image_std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
    return m


def randomise(m):
    g = torch.Generator().manual_seed(1515)
    with torch.no_grad():
        for name, p in m.named_parameters():
            r = torch.randn(p.shape, generator=g, dtype=torch.float64).to(p.dtype)
            if name.endswith("gamma"):
                p.copy_(0.5 + 0.1 * r)
            elif name.endswith(("token", "tokens", "pos_embed")):
                p.copy_(0.5 * r)
            elif p.dim() >= 2:
                p.copy_(r / math.sqrt(p[0].numel()))
            elif name.endswith("weight"):  # LayerNorms, q/k norms
                p.copy_(1 + 0.1 * r)
            else:
                p.copy_(0.1 * r)


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
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


def save(name, t):
    np.save(os.path.join(OUT, name), t.detach().to(torch.float32).numpy())


def names(P):
    """The full-size state dict's names, shapes and dtypes, without initialising weights."""
    noop = lambda t, *a, **k: t
    for f in ("normal_", "trunc_normal_", "uniform_", "zeros_", "ones_", "constant_", "kaiming_uniform_", "xavier_uniform_"):
        setattr(nn.init, f, noop)
    P.nn.init.normal_ = noop
    import pi3.models.dinov2.models.vision_transformer as vt
    vt.trunc_normal_ = noop
    vt.DinoVisionTransformer.init_weights = lambda self: None
    nn.Linear.reset_parameters = lambda self: None
    nn.Conv2d.reset_parameters = lambda self: None
    m = P.Pi3()
    with open(os.path.join(OUT, "pi3_names.txt"), "w") as f:
        for k, v in m.state_dict().items():
            f.write("%s %s %s\n" % (k, ",".join(map(str, v.shape)), str(v.dtype).replace("torch.", "")))


def qwen_spatial_input():
    """The lines of the DSR Suite's Qwen2_5_VisionTransformerPretrainedModel_Spatial.forward
    (model/qwen-vl-finetune/qwenvl/train/qwen_vl_spatial.py) that turn Qwen's patches into the
    spatial encoder's images, for one video."""
    t, h, w, merge, tps, ps = 1, 4, 6, 2, 2, 14
    g = torch.Generator().manual_seed(18)
    hidden_states = torch.randn(t * h * w, 3 * tps * ps * ps, generator=g)
    before_mean = torch.tensor([0.48145466, 0.4576275, 0.40821073]).view(1, 3, 1, 1)
    before_std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)
    image_mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    image_std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = hidden_states.view(t, h // merge, w // merge, merge, merge, 3, tps, ps, ps)
    x = x.permute(0, 6, 5, 1, 3, 7, 2, 4, 8)
    x = x.reshape(math.prod(x.shape[0:2]), x.shape[2], math.prod(x.shape[3:6]), -1)
    x = x * before_std + before_mean
    x = (x - image_mean) / image_std
    save("qwen_patches.npy", hidden_states)
    save("qwen_images.npy", x)


def preprocessing():
    from PIL import Image
    from pi3.utils.basic import load_images_as_tensor
    import tempfile
    g = np.random.default_rng(17)
    d = os.path.join(OUT, "load")
    os.makedirs(d, exist_ok=True)
    for name in ("1.png", "2.png", "10.png"):
        # smooth + noise, so that the LANCZOS taps matter
        yy, xx = np.mgrid[0:61, 0:97]
        base = np.stack([127 + 100 * np.sin(xx / 7.0 + k) * np.cos(yy / 5.0) for k in range(3)], -1)
        Image.fromarray(np.clip(base + g.normal(0, 20, base.shape), 0, 255).astype(np.uint8)).save(os.path.join(d, name))
    save("load_imgs.npy", load_images_as_tensor(d, interval=1, PIXEL_LIMIT=5000))
    sizes = {}
    with tempfile.TemporaryDirectory() as t:
        for w, h in ((1920, 1080), (1280, 720), (640, 480), (480, 640), (854, 480), (1000, 1000), (518, 518), (300, 200), (4000, 100), (13, 7)):
            Image.new("RGB", (w, h)).save(os.path.join(t, "0.png"))
            out = load_images_as_tensor(t, interval=1)
            sizes["%dx%d" % (w, h)] = [out.shape[3], out.shape[2]]
    with open(os.path.join(OUT, "target_sizes.json"), "w") as f:
        json.dump(sizes, f, indent=1)


BENCH = dict(enc_dim=1024, enc_heads=16, enc_depth=4, enc_grid=37, registers=4, dec_dim=1024, dec_heads=16,
             dec_depth=4, head_dim=1024, head_heads=16, head_depth=1, cam_dim=512)


def splitmix(name, n):
    """n uniform values in [-√3, √3) (unit variance) from splitmix64 seeded by FNV-1a of name:
    nn/pi3's bench_test.go draws the same numbers, so the weights need not be stored."""
    seed = 0xCBF29CE484222325
    for b in name.encode():
        seed = ((seed ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return (2 * u - 1) * math.sqrt(3)


def splitmix_weights(m):
    """The weights of bench_test.go's mixSource, by the rules of randomise."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            r = splitmix(name, p.numel()).reshape(p.shape)
            if name.endswith("gamma"):
                v = 0.5 + 0.1 * r
            elif name.endswith(("token", "tokens", "pos_embed")):
                v = 0.5 * r
            elif p.dim() >= 2:
                v = r / math.sqrt(p[0].numel())
            elif name.endswith("weight"):
                v = 1 + 0.1 * r
            else:
                v = 0.1 * r
            p.copy_(torch.from_numpy(v.astype(np.float32)))


def bench(P, vits, block_fn):
    """Pi3.forward at the official widths with 4 encoder, 4 decoder and 1 head blocks on 2 frames
    of 224×224 (the config of nn/pi3's BenchmarkForward*), float32, on all CPUs: its outputs at
    every 7th pixel row and column (testdata/bench_*.npy, which the Go benchmarks check), then the
    time with the Linears as they are (Debian's torch 1.13 routes them to reference BLAS) and
    converted by torch.utils.mkldnn.to_mkldnn (oneDNN's GEMM)."""
    import time
    import torch.utils.mkldnn
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    m = tiny_pi3(P, vits, block_fn, BENCH).eval()
    splitmix_weights(m)
    x = torch.from_numpy(((splitmix("imgs", 2 * 3 * 224 * 224) / math.sqrt(3) + 1) / 2).astype(np.float32)).reshape(1, 2, 3, 224, 224)
    with torch.no_grad():
        res = m(x)
        save("bench_local_points.npy", res["local_points"][0, :, ::7, ::7])
        save("bench_conf.npy", res["conf"][0, :, ::7, ::7, 0])
        save("bench_camera_poses.npy", res["camera_poses"][0])
        if "--time" not in sys.argv:
            return
        for name, model, reps in (("onednn", torch.utils.mkldnn.to_mkldnn(copy_model(m)), 3), ("mm", m, 1)):
            model(x)
            times = []
            for _ in range(reps):
                t = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t)
            print("torch %s %s threads %d: forward %.1f ms (best of %d)" % (torch.__version__, name, torch.get_num_threads(),
                  1000 * min(times), reps), flush=True)


def copy_model(m):
    import copy
    return copy.deepcopy(m)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    shim()
    P, vits, block_fn = import_reference(sys.argv[1])
    if "--bench" in sys.argv:
        return bench(P, vits, block_fn)
    os.makedirs(OUT, exist_ok=True)
    c = TINY
    torch.manual_seed(15)
    m = tiny_pi3(P, vits, block_fn, c)
    randomise(m)
    m = m.eval()
    sd = {k: v for k, v in m.state_dict().items()}
    write_safetensors(os.path.join(OUT, "tiny.safetensors"), sd, {k: str(v) for k, v in c.items()})
    g = torch.Generator().manual_seed(16)
    imgs = torch.rand(c["frames"], 3, c["height"], c["width"], generator=g).to(torch.float32)
    with torch.no_grad():
        x = imgs
        enc = m.encoder((x - m.image_mean) / m.image_std, is_training=True)["x_norm_patchtokens"]
        res = m(x[None])
        imgs2 = torch.rand(2, 3, 70, 84, generator=g).to(torch.float32)
        enc2 = m.encoder(imgs2, is_training=True)["x_norm_patchtokens"]
    save("imgs.npy", imgs)
    save("enc_tokens.npy", enc)
    for k in ("local_points", "conf", "camera_poses", "points"):
        save(k + ".npy", res[k][0])
    save("enc2_imgs.npy", imgs2)
    save("enc2_tokens.npy", enc2)
    preprocessing()
    qwen_spatial_input()
    if "--names" in sys.argv:
        names(P)


if __name__ == "__main__":
    main()
