"""Golden frame indices from the DSR Suite evaluation's own save_video_frames.

Usage: /usr/bin/python3 gen_golden.py REPO > golden_indices.json
REPO is a checkout of TencentARC/DSR_Suite (or Tiamat-Tech/DSR_Suite). The method is taken from
the reference file with ast and run on fake decord readers, so the indices are the reference's.
"""
import ast
import json
import os.path as osp
import sys
import types

import numpy as np

SRC = "model/qwen-vl-finetune/VLMEvalKit_mine/vlmeval/dataset/spatial_reasoning.py"

tree = ast.parse(open(osp.join(sys.argv[1], SRC)).read())
cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "SPATIAL_REASONING")
fn = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "save_video_frames")
mod = ast.Module(body=[fn], type_ignores=[])
ns = {"osp": osp, "np": np}
exec(compile(mod, SRC, "exec"), ns)
save_video_frames = ns["save_video_frames"]


class Reader:
    n = 0
    fps = 0.0

    def __init__(self, path):
        pass

    def __len__(self):
        return Reader.n

    def get_avg_fps(self):
        return Reader.fps


sys.modules["decord"] = types.SimpleNamespace(VideoReader=Reader)

out = []
for n in [1, 5, 31, 32, 33, 97, 100, 241, 300, 1000]:
    for fps in [24.0, 25.0, 30000 / 1001, 30.0, 60000 / 1001]:
        for nframe, sfps in [(1, -1), (8, -1), (16, -1), (32, -1), (64, -1), (0, 0.5), (0, 1), (32, 2), (0, 3)]:
            Reader.n, Reader.fps = n, fps
            self = types.SimpleNamespace(nframe=nframe, fps=sfps, data_root="/",
                                         frame_paths=lambda v: [], frame_paths_fps=lambda v, k: [])
            _, idx, _ = save_video_frames(self, "v")
            out.append({"n": n, "video_fps": fps, "nframe": nframe, "fps": sfps, "indices": idx})
print("[\n" + ",\n".join(json.dumps(c) for c in out) + "\n]")
