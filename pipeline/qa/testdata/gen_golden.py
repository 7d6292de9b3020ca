#!/usr/bin/env python3
"""Regenerate golden.json by running the DSR Suite reference functions on seeded inputs.

The reference is TencentARC/DSR_Suite (copy: Tiamat-Tech/DSR_Suite). This script copies none of
its code: it reads the sources out of a fetched snapshot (a bare git directory read with
`git show`, or a checkout) and executes them:
  - data/template.py whole (it imports only numpy): describe_dist_runs, describe_dir,
    describe_spd_comp;
  - from data/qa_utils.py (whose module imports need torch, cv2, ...), the function definitions
    picked out with `ast`: cal_dis, camera_mutual_coordinate_transform, camera_self_coord_trans,
    rotation_matrix_x/y/z, rotate_point_cloud, camera_agent_coord_trans, agent_camera_coord_trans;
  - from data/pi3/utils/geometry.py, depth_edge, with a minimal numpy stand-in for the three torch
    calls it makes (F.max_pool2d with -inf padding, torch.zeros_like, Tensor.nan_to_num_).
qa_temp.py turns numpy RuntimeWarnings into errors (warnings.filterwarnings("error")), so every
describe_* case runs the same way and records "error" where the reference would raise.

Usage (numpy from Debian's python3-numpy; not run in CI):
    /usr/bin/python3 gen_golden.py --ref /work/.mirror/Tiamat-Tech+DSR_Suite/repo > golden.json
"""
import argparse, ast, json, os, subprocess, sys, warnings
import numpy as np


def source(ref, path):
    if os.path.isdir(os.path.join(ref, "data")):
        return open(os.path.join(ref, path)).read()
    return subprocess.run(["git", "--git-dir", ref, "show", "HEAD:" + path], check=True,
                          capture_output=True, text=True).stdout


def pick(src, names, ns):
    tree = ast.parse(src)
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    found = {n.name for n in body}
    if found != set(names):
        sys.exit(f"missing functions: {set(names) - found}")
    exec(compile(ast.Module(body=body, type_ignores=[]), "<ref>", "exec"), ns)


class _T:  # the torch calls depth_edge makes, on numpy arrays
    inf = np.inf
    Tensor = np.ndarray
    BoolTensor = np.ndarray
    bool = bool

    @staticmethod
    def zeros_like(x, dtype=None):
        return Arr(np.zeros(x.shape, dtype=bool))


class Arr(np.ndarray):
    def __new__(cls, a):
        return np.asarray(a).view(cls)

    def nan_to_num_(self):
        np.nan_to_num(self, copy=False, posinf=np.finfo(self.dtype).max if self.dtype.kind == "f" else None)
        return self


class _F:
    @staticmethod
    def max_pool2d(x, k, stride=1, padding=0):
        n, c, h, w = x.shape
        p = np.full((n, c, h + 2 * padding, w + 2 * padding), -np.inf, dtype=x.dtype)
        p[:, :, padding:padding + h, padding:padding + w] = x
        out = np.full(x.shape, -np.inf, dtype=x.dtype)
        for dy in range(k):
            for dx in range(k):
                out = np.maximum(out, p[:, :, dy:dy + h, dx:dx + w])
        return Arr(out)


def run(fn, *args):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=RuntimeWarning)
        try:
            return {"output": fn(*args)}
        except RuntimeWarning as e:
            return {"error": str(e)}


def rot(rng):
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True)
    ap.add_argument("--seed", type=int, default=20251223)
    a = ap.parse_args()
    ns = {"np": np, "List": list, "Tuple": tuple}
    exec(compile(source(a.ref, "data/template.py"), "template.py", "exec"), ns)
    pick(source(a.ref, "data/qa_utils.py"), ["cal_dis", "camera_mutual_coordinate_transform",
         "camera_self_coord_trans", "rotation_matrix_x", "rotation_matrix_y", "rotation_matrix_z",
         "rotate_point_cloud", "camera_agent_coord_trans", "agent_camera_coord_trans"], ns)
    gns = {"torch": _T, "F": _F}
    pick(source(a.ref, "data/pi3/utils/geometry.py"), ["depth_edge"], gns)
    rng = np.random.default_rng(a.seed)
    out = {"seed": a.seed, "dist": [], "dir": [], "spd_comp": [], "mutual": [], "self": [],
           "agent": [], "agent_inv": [], "depth_edge": []}

    dist = [rng.uniform(0, 2, size=int(rng.integers(1, 14))) for _ in range(150)]
    dist += [rng.uniform(-1, 1, size=int(rng.integers(4, 14))) for _ in range(40)]  # rel_spd distractors
    dist += [rng.uniform(0, 0.15, size=int(rng.integers(2, 10))) for _ in range(30)]  # below 0.1
    dist += [np.array(x, dtype=float) for x in [
        [1, 1, 1, 1], [1, 1.2, 1.44, 1.728], [1, 0.8, 0.64, 0.512], [1, 1.2000001, 1], [1, 0.7999999, 1],
        [0.05, 0.09, 0.2, 0.2], [0.2, 0.09, 0.05, 0.5], [0.1, 0.1, 0.1], [0.0999, 0.05, 0.3],
        [2, 1, 0.5, 0.09, 0.05, 1], [1, 2, 4, 4, 4, 2, 1], [0, 1, 2], [1, 0, 1], [0, 0, 0], [0.05, 0, 0.05],
        [5], [], [1, 1.25, 1.5, 1.2, 0.9, 1.5, 3, 6, 12, 12.5], [3, 2, 1, 0.5, 0.25, 0.3, 0.35]]]
    for d in dist:
        r = run(ns["describe_dist_runs"], d)
        out["dist"].append({"in": d.tolist(), **r})

    vecs = [rng.uniform(-1, 1, size=(int(rng.integers(1, 14)), 3)) for _ in range(150)]
    vecs += [np.array(x, dtype=float) for x in [
        [[0.3, 0, 0.953939201416946]], [[1, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 0, 0]], [[1, 1, 1], [0, 0, 0]],
        [[0.3, -0.3, 0.9055385138137417]], [[-1, -1, -1], [-1, -1, -0.1]], [[1e-9, 0, 0]]]]
    for v in vecs:
        out["dir"].append({"in": v.tolist(), **run(ns["describe_dir"], v)})

    comps = []
    for _ in range(150):
        n = int(rng.integers(1, 14))
        comps.append((rng.uniform(0, 2, size=n), rng.uniform(0, 2, size=n)))
    for _ in range(30):
        n = int(rng.integers(2, 10))
        comps.append((rng.uniform(0, 0.2, size=n), rng.uniform(0, 0.2, size=n)))
    for s1, s2 in [([1, 1, 1], [1, 1, 1]), ([1.2, 1.21, 1], [1, 1, 1.2]), ([1, 1, 1], [2, 2, 2]),
                   ([2, 2, 2], [1, 1, 1]), ([0.05, 0.5], [0.05, 0]), ([0.5], [0]), ([0], [0]),
                   ([1, 1, 2, 2, 1], [1.5, 1.5, 1, 1, 1]), ([1, 2], [1.2, 1]), ([5, 1, 1], [1, 1, 5])]:
        comps.append((np.array(s1, dtype=float), np.array(s2, dtype=float)))
    for s1, s2 in comps:
        out["spd_comp"].append({"a": s1.tolist(), "b": s2.tolist(), **run(ns["describe_spd_comp"], s1, s2)})

    for _ in range(40):
        m1 = np.eye(4); m1[:3, :3] = rot(rng); m1[:3, 3] = rng.normal(size=3)
        m2 = np.eye(4); m2[:3, :3] = rot(rng); m2[:3, 3] = rng.normal(size=3)
        p = rng.normal(size=(int(rng.integers(1, 4)), 3))
        out["mutual"].append({"p": p.tolist(), "m1": m1.tolist(), "m2": m2.tolist(),
                              "output": ns["camera_mutual_coordinate_transform"](p, m1, m2).tolist()})
        out["self"].append({"p": p.tolist(), "output": ns["camera_self_coord_trans"](p).tolist()})
        az, po, ro = rng.uniform(0, 360), rng.uniform(-90, 90), rng.uniform(-90, 90)
        c = rng.normal(size=3)
        out["agent"].append({"p": p.tolist(), "azimuth": az, "polar": po, "rotation": ro, "trans": c.tolist(),
                             "output": ns["camera_agent_coord_trans"](p.copy(), po, az, ro, c).tolist()})
        out["agent_inv"].append({"p": p.tolist(), "azimuth": az, "polar": po, "rotation": ro, "trans": c.tolist(),
                                 "output": ns["agent_camera_coord_trans"](p.copy(), po, az, ro, c).tolist()})
    for az, po, ro in [(0, 0, 0), (90, 0, 0), (270, 45, -30), (359.9, -89.9, 89.9)]:
        p = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1]])
        c = np.zeros(3)
        out["agent"].append({"p": p.tolist(), "azimuth": az, "polar": po, "rotation": ro, "trans": c.tolist(),
                             "output": ns["camera_agent_coord_trans"](p.copy(), po, az, ro, c).tolist()})

    for h, w in [(1, 1), (2, 3), (5, 7), (9, 4), (12, 13)]:
        for kind in range(3):
            z = rng.uniform(1, 1.045, size=(h, w)).astype(np.float32)
            if kind == 1:
                z = np.round(z * 100).astype(np.float32) / np.float32(100)  # plateaus and exact steps
            if kind == 2:
                z[rng.uniform(size=(h, w)) < 0.2] = 0  # zeros: 0/0 and x/0
            with np.errstate(divide="ignore", invalid="ignore"):
                e = gns["depth_edge"](Arr(z), rtol=0.03)
            out["depth_edge"].append({"h": h, "w": w, "z": z.astype(float).tolist(),
                                      "edge": np.asarray(e).astype(bool).reshape(h, w).tolist()})
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
