#!/usr/bin/python3
"""Golden vectors for nn/orient (Orient Anything) and nn/torchfile, run by hand, not in CI:

    /usr/bin/python3 scripts/golden_orient.py CHECKOUT

CHECKOUT is a checkout of the DSR Suite (Tiamat-Tech/DSR_Suite or TencentARC/DSR_Suite): its
data/pi3/models/dinov2 is the DINOv2 hub code, the architecture reference of the Hugging Face
Dinov2Model (transformers 4.38, the suite's pin), which is not installable here. Nothing of the
checkout is committed. Debian's python3-torch 1.13, python3-pil 9.4 and python3-numpy suffice
(scripts/golden_pi3.py's shims are reused).

What is re-stated here, line for line from the reference:
  * data/qa_utils.py extract_orient + mask2bbox: the crop with the ≤10-pixel margin rule and its
    exclusive slice end; the RGBA crop whose background-removal line has no effect.
  * transformers 4.38 BitImageProcessor (the DINOv2 processor config): convert("RGB"), resize of
    the shortest edge to 256 with PIL BICUBIC (long side int(256·long/short)), centre crop 224
    (top = (h−224)//2), uint8 · (1/255) in float64 cast to float32, (x − mean)/std in float32.
  * data/vision_tower.py DINOv2_MLP: Dinov2Model's last_hidden_state[:, 0] (after the final
    layernorm) → MLP_dim (Linear, BatchNorm1d, ReLU, Linear, BatchNorm1d), eval mode. The
    encoder is the hub DinoVisionTransformer without registers (same computation as HF's
    Dinov2Model at a square input: HF 4.38 interpolates the position table with
    scale_factor (h₀+0.1)/√N as the hub does); its weights are saved under HF's names.
  * data/inference.py get_3angle: argmax over 0:360, 360:540, 540:720; polar −90, rotation −90;
    confidence softmax(logits[-2:])[0].

Writes nn/orient/testdata/: frame_K.png, mask_K.npy (bool), cases.json (crop boxes, processed
sizes), proc_K.png (the 224×224 uint8 image fed to rescale/normalise), pixel_values_0.npy,
tiny.pt (state dict under the released names: dinov2.* and down_sampler.*),
tiny_logits.npy (the logits of the five processed crops), tiny_angles.json; nn/torchfile/testdata/: mixed.pt, nested.pt, list.pt.
"""
import json, os, sys, math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import golden_pi3  # noqa: E402  (shim, import_reference, randomise)

OUT = os.path.join(HERE, "..", "nn", "orient", "testdata")
TF = os.path.join(HERE, "..", "nn", "torchfile", "testdata")

TINY = dict(dim=32, depth=2, heads=2, grid=37, out=360 + 180 + 180 + 2)
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def mask2bbox(mask):
    nonzero_indices = np.nonzero(mask)
    min_y, min_x = np.min(nonzero_indices, axis=1)
    max_y, max_x = np.max(nonzero_indices, axis=1)
    return [min_x, min_y, max_x, max_y]


def crop(origin_image, mask):
    """extract_orient's lines after cv2.imread(...)[:,:,::-1] (our frames are RGB PNGs)."""
    h, w, _ = origin_image.shape
    alpha_channel = np.ones((h, w), dtype=origin_image.dtype) * 255
    origin_image = np.dstack([origin_image[:, :, 0], origin_image[:, :, 1], origin_image[:, :, 2], alpha_channel])
    rm_bkg_img = origin_image
    rm_bkg_img[mask == 0][:, -1] = 0  # no effect: assigns into a copy
    bbox = mask2bbox(mask)
    min_y = min(min(10, bbox[1]), min(10, h - bbox[3]))
    min_x = min(min(10, bbox[0]), min(10, w - bbox[2]))
    box = [int(bbox[1] - min_y), int(bbox[3] + min_y), int(bbox[0] - min_x), int(bbox[2] + min_x)]
    return Image.fromarray(rm_bkg_img[box[0]:box[1], box[2]:box[3]]), box


def process(img):
    """BitImageProcessor (transformers 4.38) with the DINOv2 config, one image."""
    img = img.convert("RGB")
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = 256, int(256 * long / short)
    nh, nw = (new_long, new_short) if w <= h else (new_short, new_long)
    a = np.array(img.resize((nw, nh), resample=Image.BICUBIC))
    top, left = (nh - 224) // 2, (nw - 224) // 2
    a = a[top:top + 224, left:left + 224]
    proc = a.copy()
    x = (a * 0.00392156862745098).astype(np.float32)
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return proc, x.transpose(2, 0, 1).astype(np.float32)


def frame(seed, w, h):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 255 // (w - 1), yy * 255 // (h - 1), ((xx * 3 + yy * 5) % 256)], -1)
    return np.clip(base + rng.integers(-40, 41, size=base.shape), 0, 255).astype(np.uint8)


def cases():
    """(frame w, h, mask box y0,y1,x0,x1 inclusive-exclusive, extra random pixels)."""
    return [
        (97, 61, (20, 41, 30, 71)),    # interior, margins 10 on every side
        (97, 61, (0, 17, 0, 23)),      # touches the top-left corner: margin 0, last row/col cut
        (83, 129, (100, 129, 60, 83)), # touches bottom and right: margin 0 there → 0 on both sides
        (301, 47, (5, 44, 3, 290)),    # wide, odd sizes, margins 3 and 5... min over both sides
        (64, 64, (31, 33, 7, 9)),      # a 2×2 blob (small crop upsampled)
    ]


def preprocessing():
    meta = []
    pixels = []
    for k, (w, h, (y0, y1, x0, x1)) in enumerate(cases()):
        img = frame(100 + k, w, h)
        rng = np.random.default_rng(200 + k)
        mask = np.zeros((h, w), dtype=bool)
        mask[y0:y1, x0:x1] = rng.random((y1 - y0, x1 - x0)) < 0.7
        mask[y0, x0] = mask[y1 - 1, x1 - 1] = True  # the box is the blob's box
        Image.fromarray(img).save(os.path.join(OUT, f"frame_{k}.png"))
        np.save(os.path.join(OUT, f"mask_{k}.npy"), mask)
        c, box = crop(img.copy(), mask)
        proc, x = process(c)
        Image.fromarray(proc).save(os.path.join(OUT, f"proc_{k}.png"))
        meta.append({"frame": [w, h], "crop": box, "crop_size": list(c.size), "crop_mode": c.mode})
        pixels.append(x)
    np.save(os.path.join(OUT, "pixel_values_0.npy"), pixels[0][None])
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return np.stack(pixels)


class MLP_dim(nn.Module):
    """data/vision_tower.py MLP_dim with relu."""
    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.net1 = nn.Sequential(nn.Linear(in_dim, out_dim), nn.BatchNorm1d(out_dim), nn.ReLU(inplace=True))
        self.net2 = nn.Sequential(nn.Linear(out_dim, out_dim), nn.BatchNorm1d(out_dim))

    def forward(self, x):
        return self.net2(self.net1(x))


def hf_names(enc, head, D):
    """The hub encoder's state dict under Dinov2Model's names (prefix dinov2.), the head's as is."""
    sd = OrderedDict()
    e = enc.state_dict()
    sd["dinov2.embeddings.cls_token"] = e["cls_token"]
    sd["dinov2.embeddings.mask_token"] = e["mask_token"].reshape(1, D)
    sd["dinov2.embeddings.position_embeddings"] = e["pos_embed"]
    sd["dinov2.embeddings.patch_embeddings.projection.weight"] = e["patch_embed.proj.weight"]
    sd["dinov2.embeddings.patch_embeddings.projection.bias"] = e["patch_embed.proj.bias"]
    for i in range(TINY["depth"]):
        b, o = f"blocks.{i}.", f"dinov2.encoder.layer.{i}."
        for n in ("norm1", "norm2", "mlp.fc1", "mlp.fc2"):
            for p in ("weight", "bias"):
                sd[o + n + "." + p] = e[b + n + "." + p]
        for j, q in enumerate(("query", "key", "value")):
            sd[o + f"attention.attention.{q}.weight"] = e[b + "attn.qkv.weight"][j * D:(j + 1) * D].clone()
            sd[o + f"attention.attention.{q}.bias"] = e[b + "attn.qkv.bias"][j * D:(j + 1) * D].clone()
        sd[o + "attention.output.dense.weight"] = e[b + "attn.proj.weight"]
        sd[o + "attention.output.dense.bias"] = e[b + "attn.proj.bias"]
        sd[o + "layer_scale1.lambda1"] = e[b + "ls1.gamma"]
        sd[o + "layer_scale2.lambda1"] = e[b + "ls2.gamma"]
    sd["dinov2.layernorm.weight"] = e["norm.weight"]
    sd["dinov2.layernorm.bias"] = e["norm.bias"]
    for k, v in head.state_dict().items():
        sd["down_sampler." + k] = v
    return sd


def get_3angle(dino_pred):
    ax = torch.argmax(dino_pred[:, 0:360], dim=-1)
    pl = torch.argmax(dino_pred[:, 360:360 + 180], dim=-1)
    ro = torch.argmax(dino_pred[:, 360 + 180:360 + 180 + 180], dim=-1)
    out = []
    for i in range(dino_pred.shape[0]):  # get_3angle takes [0] of a batch of one
        conf = F.softmax(dino_pred[i:i + 1, -2:], dim=-1)[0][0]
        a = torch.zeros(4)
        a[0], a[1], a[2], a[3] = ax[i], pl[i] - 90, ro[i] - 90, conf
        out.append([float(v) for v in a])
    return out


def model(pixels, checkout):
    golden_pi3.shim()
    _, vits, block_fn = golden_pi3.import_reference(checkout)
    c = TINY
    D = c["dim"]
    torch.manual_seed(20)
    enc = vits.DinoVisionTransformer(
        img_size=14 * c["grid"], patch_size=14, embed_dim=D, depth=c["depth"], num_heads=c["heads"],
        mlp_ratio=4, block_fn=block_fn, num_register_tokens=0, init_values=1.0, ffn_layer="mlp",
        block_chunks=0, interpolate_antialias=False, interpolate_offset=0.1)
    golden_pi3.randomise(enc)
    head = MLP_dim(D, c["out"])
    g = torch.Generator().manual_seed(21)
    with torch.no_grad():
        for bn in (head.net1[1], head.net2[1]):
            n = bn.num_features
            bn.weight.copy_(1 + 0.2 * torch.randn(n, generator=g))
            bn.bias.copy_(0.2 * torch.randn(n, generator=g))
            bn.running_mean.copy_(0.3 * torch.randn(n, generator=g))
            bn.running_var.copy_(0.5 + torch.rand(n, generator=g))
            bn.num_batches_tracked.fill_(1234)
    enc.eval(), head.eval()
    x = torch.from_numpy(pixels)
    with torch.no_grad():
        cls = enc.forward_features(x)["x_norm_clstoken"]
        logits = head(cls)
    torch.save(hf_names(enc, head, D), os.path.join(OUT, "tiny.pt"))
    np.save(os.path.join(OUT, "tiny_logits.npy"), logits.numpy())
    with open(os.path.join(OUT, "tiny_angles.json"), "w") as f:
        json.dump({"config": c, "angles": get_3angle(logits)}, f, indent=1)


def torchfiles():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    sd = OrderedDict()
    sd["plain"] = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 8
    sd["transposed"] = base.t()                # non-contiguous: strides (1, 6)
    sd["offset"] = base[1:3, 2:5]              # storage offset 8, strides (6, 1)
    sd["half"] = torch.tensor([0.5, -2.25, 65504.0], dtype=torch.float16)
    sd["bf16"] = torch.tensor([1.0e-30, 3.0e38, -7.5], dtype=torch.bfloat16)
    sd["double"] = torch.tensor([[1.0 / 3]], dtype=torch.float64)
    sd["count"] = torch.tensor(1234, dtype=torch.long)
    torch.save(sd, os.path.join(TF, "mixed.pt"))
    torch.save({"model": sd, "epoch": 3}, os.path.join(TF, "nested.pt"))
    torch.save([sd["plain"]], os.path.join(TF, "list.pt"))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(TF, exist_ok=True)
    torchfiles()
    pixels = preprocessing()
    model(pixels, sys.argv[1])


if __name__ == "__main__":
    main()
