#!/usr/bin/python3
"""PyTorch side of kern's GEMM benchmark (nn/internal/kern BenchmarkVsOneDNN).

Times y = x·Wᵀ for one m×n×k shape, float32, on `--threads` threads, with
  onednn: torch.utils.mkldnn.to_mkldnn(Linear) applied to x.to_mkldnn() — oneDNN's GEMM;
  mm:     torch.mm on dense tensors (Debian's torch 1.13 routes it to reference BLAS, not oneDNN).
Prints one line per implementation: `impl m n k wall_s gflops cpu_s gflops_per_cpu_s`, the
best of --reps calls by wall time and by process CPU time (all threads): on a machine shared with
other jobs the second is the steadier figure.
Run with Debian's /usr/bin/python3 (apt-get install -y python3-torch).
"""
import argparse
import os
import time

import torch
import torch.utils.mkldnn


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
    ap.add_argument("m", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("k", type=int)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: all CPUs)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--impl", default="onednn", help="comma list of onednn, mm")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    x = torch.randn(a.m, a.k)
    lin = torch.nn.Linear(a.k, a.n, bias=False)
    flops = 2.0 * a.m * a.n * a.k
    with torch.no_grad():
        for impl in a.impl.split(","):
            if impl == "onednn":
                ml = torch.utils.mkldnn.to_mkldnn(lin)
                xm = x.to_mkldnn()
                s = best(lambda: ml(xm), a.reps)
            elif impl == "mm":
                w = lin.weight.t().contiguous()
                s = best(lambda: torch.mm(x, w), a.reps)
            else:
                raise SystemExit(f"bench_torch.py: unknown --impl {impl!r}")
            w, c = s
            print(f"{impl} {a.m} {a.n} {a.k} {w:.6f} {flops / w / 1e9:.2f} {c:.6f} {flops / c / 1e9:.2f}", flush=True)


if __name__ == "__main__":
    main()
