#!/usr/bin/python3
"""PyTorch side of nn/gsm's BenchmarkGSMVsTorch: the GSM forward pass at any size, float32, timed per stage.

The modules are nn/gsm/testdata/golden.py's re-statement of the released GSM (imported, its size
constants set from the arguments before the model is built), with random weights. Stages, as the Go
benchmark names them: merger (spatial merger on the 2×2×2-merged encoder tokens), qformer1 (queries
over the text), qformer2 (over the 3D tokens), forward (all three and the final norm). Rotary tables
and masks are made once, outside the timings, as the Go side's Prepare does.

--linear picks how each torch.nn.Linear runs:
  onednn: torch.utils.mkldnn.to_mkldnn(Linear) on x.to_mkldnn(), back with to_dense() — oneDNN's
          GEMM (the conversions are counted: they are what this PyTorch pays to use it);
  dense:  the plain module (Debian's torch 1.13 routes F.linear to reference BLAS, ~2.4 GFLOP/s).
Everything else (norms, rotary, attention's matmuls, softmax) runs as the golden script writes it.

Prints one line per stage: `stage wall_s cpu_s`, the best of --reps calls after one warm-up call, by
wall time and by process CPU time (all threads).
Run with Debian's /usr/bin/python3 (apt-get install -y python3-torch).
"""
import argparse
import importlib.util
import os
import time

import torch
import torch.utils.mkldnn

HERE = os.path.dirname(os.path.abspath(__file__))


def load_golden(a):
    spec = importlib.util.spec_from_file_location("gsm_golden", os.path.join(HERE, "..", "nn", "gsm", "testdata", "golden.py"))
    g = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(g)
    # golden.py's modules read these globals when built and when run.
    g.D, g.HEADS, g.KV, g.MLP, g.Q, g.C = a.hidden, a.heads, a.kv_heads, a.mlp, a.queries, a.spatial
    g.HD = a.hidden // a.heads
    g.SECTIONS = a.sections
    g.THETA = a.theta
    return g


class OneDNNLinear(torch.nn.Module):
    """A Linear run by oneDNN on any leading shape."""

    def __init__(self, lin):
        super().__init__()
        self.m = torch.utils.mkldnn.to_mkldnn(lin)
        self.n_in = lin.in_features

    def forward(self, x):
        lead = x.shape[:-1]
        y = self.m(x.reshape(-1, self.n_in).to_mkldnn()).to_dense()
        return y.reshape(*lead, -1)


def to_onednn(mod):
    for name, child in mod.named_children():
        if isinstance(child, torch.nn.Linear):
            setattr(mod, name, OneDNNLinear(child))
        else:
            to_onednn(child)


def best(f, reps):
    f()  # warm-up: oneDNN primitive creation, page faults
    wall, cpu = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hidden", type=int, default=3584)
    ap.add_argument("--heads", type=int, default=28)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--mlp", type=int, default=18944)
    ap.add_argument("--queries", type=int, default=32)
    ap.add_argument("--spatial", type=int, default=1024, help="encoder width (the merger reads 8×)")
    ap.add_argument("--sections", type=int, nargs=3, default=[16, 24, 24])
    ap.add_argument("--theta", type=float, default=1e6)
    ap.add_argument("--grid", type=int, nargs=3, default=[4, 32, 32], help="T gh gw (official8: 4 32 32)")
    ap.add_argument("--text", type=int, default=64, help="text tokens")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (0: all CPUs)")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--linear", default="onednn", choices=["onednn", "dense"])
    ap.add_argument("--stages", default="merger,qformer1,qformer2,forward")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    g = load_golden(a)
    torch.manual_seed(0)
    with torch.no_grad():
        m = g.GSM().eval()
        if a.linear == "onednn":
            to_onednn(m)
        t, gh, gw = a.grid
        n3 = t * (gh // 2) * (gw // 2)
        merged = torch.randn(n3, 8 * a.spatial)
        text = torch.randn(a.text, a.hidden)
        qpe, tpe = m.rotary_emb(g.pos_text(a.queries)), m.rotary_emb(g.pos_text(a.text))
        vpe = m.rotary_emb(g.pos_vision(tuple(a.grid), 0.5))
        mask1, mask2 = torch.zeros(a.queries, a.text), torch.zeros(a.queries, n3)
        spatial = m.spatial_merger(merged)
        q1 = m.q_former_1(m.q_former_queries, text, mask1, qpe, tpe)

        def forward():
            s = m.spatial_merger(merged)
            x = m.q_former_1(m.q_former_queries, text, mask1, qpe, tpe)
            return m.q_former_norm(m.q_former_2(x, s, mask2, qpe, vpe))

        stages = {
            "merger": lambda: m.spatial_merger(merged),
            "qformer1": lambda: m.q_former_1(m.q_former_queries, text, mask1, qpe, tpe),
            "qformer2": lambda: m.q_former_2(q1, spatial, mask2, qpe, vpe),
            "forward": forward,
        }
        for name in a.stages.split(","):
            if name not in stages:
                raise SystemExit(f"bench_gsm_torch.py: unknown stage {name!r}")
            w, c = best(stages[name], a.reps)
            print(f"{name} {w:.6f} {c:.6f}", flush=True)


if __name__ == "__main__":
    main()
