#!/usr/bin/python3
"""Generate reference_golden.json from the DSR Suite reference functions.

Usage: /usr/bin/python3 gen_golden.py PATH/TO/DSR_Suite > reference_golden.json

Needs only numpy (Debian python3-numpy). The reference module data/qa_utils.py imports torch,
cv2 and others, so instead of importing it this script parses it with ast, takes the named
pure-numpy functions from the reference checkout, and runs them. No reference code is copied
here.
"""
import ast
import json
import sys

import numpy as np

NAMES = [
    "rotation_matrix_x", "rotation_matrix_y", "rotation_matrix_z",
    "rotate_point_cloud", "camera_agent_coord_trans", "agent_camera_coord_trans",
    "camera_mutual_coordinate_transform", "camera_self_coord_trans",
]


def load(path):
    src = open(path + "/data/qa_utils.py", encoding="utf-8").read()
    tree = ast.parse(src)
    mod = ast.Module(body=[n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in NAMES],
                     type_ignores=[])
    ns = {"np": np}
    exec(compile(mod, "qa_utils.py", "exec"), ns)
    missing = [n for n in NAMES if n not in ns]
    if missing:
        sys.exit("missing functions: %s" % missing)
    return ns


def rand_pose(rng):
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    r = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = rng.uniform(-5, 5, size=3)
    return m


def main():
    ns = load(sys.argv[1])
    rng = np.random.default_rng(20251224)
    out = {"elementary": [], "agent": [], "mutual": [], "self": []}
    for a in [0.0, 30.0, 90.0, 135.5, 180.0, 270.0, -45.0, 359.0]:
        out["elementary"].append({
            "angle": a,
            "rx": ns["rotation_matrix_x"](a).tolist(),
            "ry": ns["rotation_matrix_y"](a).tolist(),
            "rz": ns["rotation_matrix_z"](a).tolist(),
        })
    for _ in range(16):
        az = float(rng.integers(0, 360))
        po = float(rng.integers(-90, 90))
        ro = float(rng.integers(-90, 90))
        c = rng.uniform(-3, 3, size=3)
        p = rng.uniform(-3, 3, size=(4, 3))
        fwd = ns["camera_agent_coord_trans"](p.copy(), po, az, ro, c.copy())
        back = ns["agent_camera_coord_trans"](p.copy(), po, az, ro, c.copy())
        v = np.array([[0, 0, 0], [1, 0, 0]], dtype=np.float64)
        f = ns["agent_camera_coord_trans"](v, po, az, ro, c.copy())
        out["agent"].append({
            "azimuth": az, "polar": po, "rotation": ro, "centre": c.tolist(),
            "points": p.tolist(), "to_agent": fwd.tolist(), "from_agent": back.tolist(),
            "facing": (f[1] - f[0]).tolist(),
        })
    for _ in range(8):
        m1, m2 = rand_pose(rng), rand_pose(rng)
        p = rng.uniform(-3, 3, size=(3, 3))
        out["mutual"].append({
            "pose_i": m1.tolist(), "pose_r": m2.tolist(), "points": p.tolist(),
            "moved": ns["camera_mutual_coordinate_transform"](p, m1, m2).tolist(),
        })
    p = rng.uniform(-3, 3, size=(5, 3))
    out["self"] = {"points": p.tolist(), "viewer": ns["camera_self_coord_trans"](p).tolist()}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
