#!/usr/bin/env python3
"""GAE in numpy and torch (if installed) at the shapes of bench/bench_sequence.cpp.

The peers' way (Stable-Baselines3 RolloutBuffer, CleanRL ppo.py): a Python
loop backward over time, vectorised over the B environments, on float32
[T, B] C-contiguous arrays (row-major in rlvalue's terms). Same general-form
recursion as rlvalue::gae with a scalar lambda:
    delta_t = r_t + d_t * next_values_t - values_t
    A_t     = delta_t + d_t * lambda * A_{t+1},  A_T = 0
torch runs the same loop on CPU tensors, the way TorchRL's
generalized_advantage_estimate does, once on one thread and once on all.
Prints elements (T * B) per second, best of several runs; given the JSON of
bench_sequence.cpp (--bench-json FILE, as scripts/run_benchmarks.sh writes it),
also rlvalue's rate for the same layout (BM_GaeRow_rlvalue) and its speed-up
over each peer.

Usage: /usr/bin/python3 bench/peers/gae_peers.py [--quick] [--bench-json FILE]
"""
import json
import os
import sys
import time

import numpy as np

SHAPES = [(2048, 64), (1024, 1024), (4096, 4096), (100000, 1)]
GAMMA = np.float32(0.99)
LAMBDA = np.float32(0.95)
TERMINATION_RATE = 0.01
SEED = 20261125


def make_inputs(T, B, rng):
    rewards = (rng.random((T, B), dtype=np.float32) - np.float32(0.5))
    values = rng.random((T, B), dtype=np.float32)
    next_values = rng.random((T, B), dtype=np.float32)
    discounts = np.where(rng.random((T, B)) < TERMINATION_RATE, np.float32(0), GAMMA).astype(
        np.float32)
    return rewards, values, next_values, discounts


def gae_numpy(rewards, values, next_values, discounts, lam, out):
    """SB3/CleanRL style: loop over time, vectorised over envs."""
    T = rewards.shape[0]
    last = rewards[0] * 0  # zeros of the right type, numpy or torch
    for t in range(T - 1, -1, -1):
        d = discounts[t]
        delta = rewards[t] + d * next_values[t] - values[t]
        last = delta + d * lam * last
        out[t] = last
    return out


def gae_reference(rewards, values, next_values, discounts, lam):
    """Float64 scalar loop on a small slice, to check gae_numpy."""
    T, B = rewards.shape
    out = np.zeros((T, B))
    for b in range(B):
        carry = 0.0
        for t in range(T - 1, -1, -1):
            d = float(discounts[t, b])
            carry = (float(rewards[t, b]) + d * float(next_values[t, b]) - float(values[t, b])
                     + d * float(lam) * carry)
            out[t, b] = carry
    return out


def best_rate(fn, elements, min_time, max_runs=20):
    fn()  # warm-up
    best = float("inf")
    spent = 0.0
    runs = 0
    while runs < max_runs and (spent < min_time or runs < 2):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        runs += 1
    return elements / best, runs


def rlvalue_rates(path):
    """items/s of BM_GaeRow_rlvalue per (T, B) from Google Benchmark JSON
    (median aggregate when repetitions were run)."""
    rates = {}
    with open(path) as f:
        data = json.load(f)
    for bm in data.get("benchmarks", []):
        name = bm.get("run_name", bm["name"])
        if not name.startswith("BM_GaeRow_rlvalue/"):
            continue
        if bm.get("run_type") == "aggregate" and bm.get("aggregate_name") != "median":
            continue
        parts = name.split("/")
        rates[(int(parts[1]), int(parts[2]))] = bm["items_per_second"]
    return rates


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    bench_json = args[args.index("--bench-json") + 1] if "--bench-json" in args else None
    ours = rlvalue_rates(bench_json) if bench_json and os.path.exists(bench_json) else {}
    min_time = 0.2 if quick else 1.0
    rng = np.random.default_rng(SEED)

    # Correctness check on a small case.
    small = make_inputs(50, 3, rng)
    got = gae_numpy(*small, LAMBDA, np.empty((50, 3), dtype=np.float32))
    want = gae_reference(*small, LAMBDA)
    assert np.allclose(got, want, rtol=1e-4, atol=1e-4), "gae_numpy disagrees with reference"

    try:
        import torch
        have_torch = True
    except ImportError:
        have_torch = False

    threads = os.cpu_count() or 1
    print(f"numpy {np.__version__}" + (f", torch {torch.__version__}" if have_torch else "") +
          f"; float32, [T, B] C-contiguous (row-major), gamma={float(GAMMA):.2f}, "
          f"lambda={float(LAMBDA):.2f}, best of runs")
    print(f"{'peer':<18}{'T':>8}{'B':>6}{'elements/s':>14}{'runs':>6}{'rlvalue x':>11}")

    def report(peer, T, B, rate, runs):
        speedup = f"{ours[(T, B)] / rate:>11.0f}" if (T, B) in ours else f"{'-':>11}"
        print(f"{peer:<18}{T:>8}{B:>6}{rate:>14.4g}{runs:>6}{speedup}")

    for T, B in SHAPES:
        inputs = make_inputs(T, B, rng)
        if (T, B) in ours:
            print(f"{'rlvalue':<18}{T:>8}{B:>6}{ours[(T, B)]:>14.4g}{'':>6}{'':>11}")
        out = np.empty((T, B), dtype=np.float32)
        rate, runs = best_rate(lambda: gae_numpy(*inputs, LAMBDA, out), T * B, min_time)
        report("numpy_loop", T, B, rate, runs)
        if have_torch:
            tin = [torch.from_numpy(a) for a in inputs]
            tout = torch.empty((T, B), dtype=torch.float32)
            for n in sorted({1, threads}):
                torch.set_num_threads(n)
                with torch.no_grad():
                    rate, runs = best_rate(lambda: gae_numpy(*tin, float(LAMBDA), tout), T * B,
                                           min_time)
                report(f"torch_loop_{n}t", T, B, rate, runs)
        del inputs, out
    if not have_torch:
        print("note: torch is not installed (Debian package python3-torch); torch peer skipped")


if __name__ == "__main__":
    main()
