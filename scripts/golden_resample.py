#!/usr/bin/python3
"""Golden vectors for internal/resample: Pillow's own Image.resize on seeded images.

Run with Debian's python3-pil (9.4.0): /usr/bin/python3 scripts/golden_resample.py
Writes internal/resample/testdata/*.png: each input image and PIL's output for
every (filter, size) case listed in cases.txt.
"""
import os
import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "internal", "resample", "testdata")
FILTERS = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC,
           "lanczos": Image.Resampling.LANCZOS}


def make(seed, w, h, mode):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)),
                     ((xx + yy) * 7) % 256], axis=-1).astype(np.int32)
    noise = rng.integers(-60, 61, size=base.shape)
    spikes = rng.random(base.shape[:2]) < 0.05  # hard edges: exercise clipping of negative lobes
    img = np.clip(base + noise, 0, 255)
    img[spikes] = rng.choice([0, 255], size=(int(spikes.sum()), 3))
    img = img.astype(np.uint8)
    if mode == "L":
        return Image.fromarray(img[..., 0], "L")
    return Image.fromarray(img, "RGB")


def main():
    os.makedirs(OUT, exist_ok=True)
    inputs = [("a", 1, 37, 23, "RGB"), ("b", 2, 64, 48, "RGB"), ("c", 3, 17, 61, "L"),
              ("d", 4, 160, 90, "RGB")]
    sizes = {"a": [(14, 14), (74, 46), (36, 23), (37, 50), (5, 3)],
             "b": [(28, 14), (224, 168), (63, 47), (13, 97)],
             "c": [(9, 30), (34, 122), (17, 60)],
             "d": [(168, 98), (56, 28), (98, 56), (150, 84)]}
    lines = []
    for name, seed, w, h, mode in inputs:
        img = make(seed, w, h, mode)
        img.save(os.path.join(OUT, f"{name}.png"))
        for fname, f in FILTERS.items():
            for ow, oh in sizes[name]:
                out = img.resize((ow, oh), f)
                fn = f"{name}_{fname}_{ow}x{oh}.png"
                out.save(os.path.join(OUT, fn))
                lines.append(f"{name}.png {fname} {ow} {oh} {fn}")
    with open(os.path.join(OUT, "cases.txt"), "w") as fh:
        fh.write("# input filter width height pil-output (Pillow %s)\n" % Image.__version__)
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
