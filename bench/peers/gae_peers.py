#!/usr/bin/env python3
"""GAE and lambda-returns in numpy and torch (if installed) at the shapes of
bench/bench_sequence.cpp, beside rlvalue's rate from the same run.

The peers' way (Stable-Baselines3 RolloutBuffer, CleanRL ppo.py): a Python
loop backward over time, vectorised over the B environments, on float32
[T, B] C-contiguous arrays (row-major in rlvalue's terms, so the rlvalue
families compared are GaeRow and LambdaReturnsRow). Same general-form
recursions as rlvalue::gae and rlvalue::lambda_returns with a scalar lambda:
    gae:            delta_t = r_t + d_t * nv_t - v_t
                    A_t = delta_t + d_t * lambda * A_{t+1},  A_T = 0
    lambda_returns: G_t = r_t + d_t * ((1 - lambda) * nv_t + lambda * G_{t+1}),
                    G_{T-1} = r_{T-1} + d_{T-1} * nv_{T-1}
(nv = next_values, d = discounts = gamma * (1 - terminated)). torch runs the
same loops on CPU tensors, the way TorchRL's generalized_advantage_estimate
and td_lambda_return_estimate do (their non-vectorised forms), once on one
thread and once on all. Prints elements (T * B) per second, best of several
runs; given the JSON of rlvalue_bench (--bench-json FILE, as
scripts/run_benchmarks.sh writes it) also rlvalue's rate (BM_GaeRow_rlvalue,
BM_LambdaReturnsRow_rlvalue) and its speed-up over each peer. --out FILE
writes the peers' results as JSON (read by bench/plot_bench.py --peers).
The shape (1048576, 1) of the C++ suite is left out: a Python loop of a
million steps per run would take minutes, and (100000, 1) already shows the
per-step cost.

Usage: /usr/bin/python3 bench/peers/gae_peers.py [--quick] [--bench-json FILE] [--out FILE]
"""
import os
import sys

import numpy as np

import common

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


def gae_loop(rewards, values, next_values, discounts, lam, out):
    """SB3/CleanRL style: loop over time, vectorised over envs (numpy or torch)."""
    T = rewards.shape[0]
    last = rewards[0] * 0  # zeros of the right type, numpy or torch
    for t in range(T - 1, -1, -1):
        d = discounts[t]
        delta = rewards[t] + d * next_values[t] - values[t]
        last = delta + d * lam * last
        out[t] = last
    return out


def lambda_returns_loop(rewards, discounts, next_values, lam, out):
    """SB3/CleanRL/TorchRL style: loop over time, vectorised over envs (numpy or torch)."""
    T = rewards.shape[0]
    last = rewards[T - 1] + discounts[T - 1] * next_values[T - 1]
    out[T - 1] = last
    for t in range(T - 2, -1, -1):
        last = rewards[t] + discounts[t] * ((1 - lam) * next_values[t] + lam * last)
        out[t] = last
    return out


def gae_reference(rewards, values, next_values, discounts, lam):
    """Float64 scalar loop on a small slice, to check gae_loop."""
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


def lambda_returns_reference(rewards, discounts, next_values, lam):
    """Float64 scalar loop on a small slice, to check lambda_returns_loop."""
    T, B = rewards.shape
    out = np.zeros((T, B))
    lam = float(lam)
    for b in range(B):
        g = float(rewards[T - 1, b]) + float(discounts[T - 1, b]) * float(next_values[T - 1, b])
        out[T - 1, b] = g
        for t in range(T - 2, -1, -1):
            g = float(rewards[t, b]) + float(discounts[t, b]) * (
                (1.0 - lam) * float(next_values[t, b]) + lam * g)
            out[t, b] = g
    return out


def check(torch):
    """Both loops against the float64 references, in numpy and torch."""
    rng = np.random.default_rng(SEED + 1)
    r, v, nv, d = make_inputs(50, 3, rng)
    d[10, 1] = 0  # at least one termination in the slice
    want_gae = gae_reference(r, v, nv, d, LAMBDA)
    want_lr = lambda_returns_reference(r, d, nv, LAMBDA)
    got_gae = gae_loop(r, v, nv, d, LAMBDA, np.empty((50, 3), np.float32))
    got_lr = lambda_returns_loop(r, d, nv, LAMBDA, np.empty((50, 3), np.float32))
    assert np.allclose(got_gae, want_gae, rtol=1e-4, atol=1e-4), "numpy gae disagrees"
    assert np.allclose(got_lr, want_lr, rtol=1e-4, atol=1e-4), "numpy lambda_returns disagrees"
    if torch is not None:
        tr, tv, tnv, td = (torch.from_numpy(a) for a in (r, v, nv, d))
        got_gae = gae_loop(tr, tv, tnv, td, float(LAMBDA), torch.empty((50, 3))).numpy()
        got_lr = lambda_returns_loop(tr, td, tnv, float(LAMBDA), torch.empty((50, 3))).numpy()
        assert np.allclose(got_gae, want_gae, rtol=1e-4, atol=1e-4), "torch gae disagrees"
        assert np.allclose(got_lr, want_lr, rtol=1e-4, atol=1e-4), \
            "torch lambda_returns disagrees"


def measure_shape(T, B, rng, torch, ours, report, min_time):
    """Both estimators, every peer, one shape (its arrays freed on return)."""
    r, v, nv, d = make_inputs(T, B, rng)
    out = np.empty((T, B), dtype=np.float32)
    kernels = {
        "GaeRow": lambda x, lam, o: gae_loop(x[0], x[1], x[2], x[3], lam, o),
        "LambdaReturnsRow": lambda x, lam, o: lambda_returns_loop(x[0], x[3], x[2], lam, o),
    }
    tin = tuple(torch.from_numpy(a) for a in (r, v, nv, d)) if torch is not None else None
    tout = torch.empty((T, B), dtype=torch.float32) if torch is not None else None
    for family, kernel in kernels.items():
        mine = ours[family].get((T, B))
        if mine:
            report.rlvalue(family, (T, B), mine)
        rate, runs = common.best_rate(lambda: kernel((r, v, nv, d), LAMBDA, out), T * B,
                                      min_time)
        report.add("numpy_loop", family, (T, B), rate, runs, mine)
        if torch is None:
            continue
        for n in common.thread_counts():
            torch.set_num_threads(n)
            with torch.no_grad():
                rate, runs = common.best_rate(lambda: kernel(tin, float(LAMBDA), tout), T * B,
                                              min_time)
            report.add(f"torch_loop_{n}t", family, (T, B), rate, runs, mine)


def main():
    opts = common.parse_args(sys.argv[1:], __doc__)
    min_time = 0.2 if opts["quick"] else 1.0
    torch = common.import_torch()
    check(torch)
    ours = {family: common.bench_rates(opts["bench_json"], f"BM_{family}_rlvalue")
            for family in ("GaeRow", "LambdaReturnsRow")}
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    report = common.Report(
        "sequence", f"{versions}; float32, [T, B] C-contiguous (row-major), "
        f"gamma={float(GAMMA):.2f}, lambda={float(LAMBDA):.2f}, best of runs", "element")
    rng = np.random.default_rng(SEED)
    for T, B in SHAPES:
        measure_shape(T, B, rng, torch, ours, report, min_time)
    report.write(opts["out"], {"numpy": np.__version__,
                               "torch": torch.__version__ if torch else None,
                               "cpus": os.cpu_count(), "dtype": "float32"})


if __name__ == "__main__":
    main()
