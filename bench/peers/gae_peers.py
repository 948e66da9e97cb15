#!/usr/bin/env python3
"""GAE in numpy (and torch, if installed) at the shapes of bench/bench_sequence.cpp.

The peers' way (Stable-Baselines3 RolloutBuffer, CleanRL ppo.py): a Python
loop backward over time, vectorised over the B environments, on float32
[T, B] C-contiguous arrays (row-major in rlvalue's terms). Same general-form
recursion as rlvalue::gae with a scalar lambda:
    delta_t = r_t + d_t * next_values_t - values_t
    A_t     = delta_t + d_t * lambda * A_{t+1},  A_T = 0
Prints elements (T * B) per second, best of several runs, to compare with
the items/s of BM_GaeRow_* in bench_sequence.cpp.

Usage: /usr/bin/python3 bench/peers/gae_peers.py [--quick]
"""
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


def main():
    quick = "--quick" in sys.argv[1:]
    min_time = 0.2 if quick else 1.0
    rng = np.random.default_rng(SEED)

    # Correctness check on a small case.
    small = make_inputs(50, 3, rng)
    got = gae_numpy(*small, LAMBDA, np.empty((50, 3), dtype=np.float32))
    want = gae_reference(*small, LAMBDA)
    assert np.allclose(got, want, rtol=1e-4, atol=1e-4), "gae_numpy disagrees with reference"

    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False

    print(f"numpy {np.__version__}; float32, [T, B] C-contiguous (row-major), "
          f"gamma={float(GAMMA):.2f}, lambda={float(LAMBDA):.2f}, best of runs")
    print(f"{'peer':<14}{'T':>8}{'B':>6}{'elements/s':>14}{'runs':>6}")
    for T, B in SHAPES:
        inputs = make_inputs(T, B, rng)
        out = np.empty((T, B), dtype=np.float32)
        rate, runs = best_rate(lambda: gae_numpy(*inputs, LAMBDA, out), T * B, min_time)
        print(f"{'numpy_loop':<14}{T:>8}{B:>6}{rate:>14.4g}{runs:>6}")
        if have_torch:
            import torch
            tin = [torch.from_numpy(a) for a in inputs]
            tout = torch.empty((T, B), dtype=torch.float32)
            rate, runs = best_rate(lambda: gae_numpy(*tin, float(LAMBDA), tout), T * B, min_time)
            print(f"{'torch_loop':<14}{T:>8}{B:>6}{rate:>14.4g}{runs:>6}")
        del inputs, out
    if not have_torch:
        print("note: torch is not installed; the torch peer was skipped")


if __name__ == "__main__":
    main()
