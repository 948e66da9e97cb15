#!/usr/bin/env python3
"""The C51 categorical projection (Bellemare, Dabney, Munos 2017, Algorithm 1)
in numpy and torch (if installed), beside rlvalue's BM_Projection_rlvalue
(N = 1) and BM_ProjectionBatch_rlvalue (N = 256).

The C++ benchmarks project 51 float64 probabilities on the uniform support
z_i = -10 + i * 0.4, shifted to r + gamma * z (gamma = 0.99, r uniform in
[-1, 1)), back onto z, checks included; items are distributions:
BM_Projection_rlvalue calls rlvalue::categorical_projection on one
distribution, BM_ProjectionBatch_rlvalue calls rlvalue::categorical_td_targets
on a batch of 256 (a 51 x 256 matrix, discount gamma for every column).
Here a batch of N
such distributions (N transitions of a replay batch, each with its own
reward and discount gamma * (1 - terminated)) is projected in one call, as
DQN/C51 code does it; N = 1 is one transition (an online update), N = 256 a
typical replay batch. Items are distributions projected, so rlvalue's rate
(at N = 1 the single projection, at N = 256 the batched targets) divided by
the peer's is its speed-up per distribution.

The projection, from the formula: tz_j = clip(r + d * z_j, v_min, v_max),
b_j = (tz_j - v_min) / dz, l = floor(b_j), u = ceil(b_j);
m_l += p_j * (u - b_j), m_u += p_j * (b_j - l), and when b_j falls on the
grid (l == u) all of p_j goes to m_l (rlvalue's rule; without the fix that
mass is lost). Peers:
  numpy_add_at    vectorised over the batch, flat indices l + K * row,
                  np.add.at for the two scatters (common numpy C51 code)
  numpy_bincount  the same with np.bincount(weights=...) for the scatters
  torch_index_add_Nt  floor/ceil and index_add_ on the flat output (the
                  TorchRL / PyTorch C51 way), N threads (1 and all)
  torch_dense_Nt  the rlax way: m_i = sum_j p_j * clip(1 - |tz_j - z_i| / dz, 0, 1),
                  a (N, K, K) weight tensor reduced over j (uniform support only)

Usage: /usr/bin/python3 bench/peers/categorical_projection_peers.py [--quick]
       [--bench-json FILE] [--out FILE]
"""
import os
import sys

import numpy as np

import common

ATOMS = 51
V_MIN, V_MAX = -10.0, 10.0
GAMMA = 0.99
BATCHES = [1, 256]
POOL = 1024  # pre-generated batches' worth of rows, cycled
SEED = 51


def support():
    z = V_MIN + np.arange(ATOMS) * ((V_MAX - V_MIN) / (ATOMS - 1))
    z[-1] = V_MAX
    return z


def make_inputs(n, rng):
    """n rows: probabilities (n, K), rewards (n,), discounts (n,)."""
    p = rng.random((n, ATOMS)) + 1e-3
    p /= p.sum(axis=1, keepdims=True)
    r = 2.0 * rng.random(n) - 1.0
    d = np.full(n, GAMMA)
    return p, r, d


def bracket(xp, r, d, z, dz):
    """b, l, u and the weights (u - b, b - l) with the on-grid fix, for numpy or torch."""
    tz = (r[:, None] + d[:, None] * z[None, :]).clip(V_MIN, V_MAX)
    b = (tz - V_MIN) / dz
    lo, hi = xp.floor(b), xp.ceil(b)
    w_lo = (hi - b) + (lo == hi)  # on the grid: all the mass to l
    w_hi = b - lo
    return lo, hi, w_lo, w_hi


def projection_numpy_add_at(p, r, d, z, dz):
    n = p.shape[0]
    lo, hi, w_lo, w_hi = bracket(np, r, d, z, dz)
    offset = (np.arange(n) * ATOMS)[:, None]
    m = np.zeros(n * ATOMS)
    np.add.at(m, (lo.astype(np.int64) + offset).ravel(), (p * w_lo).ravel())
    np.add.at(m, (hi.astype(np.int64) + offset).ravel(), (p * w_hi).ravel())
    return m.reshape(n, ATOMS)


def projection_numpy_bincount(p, r, d, z, dz):
    n = p.shape[0]
    lo, hi, w_lo, w_hi = bracket(np, r, d, z, dz)
    offset = (np.arange(n) * ATOMS)[:, None]
    m = np.bincount((lo.astype(np.int64) + offset).ravel(), (p * w_lo).ravel(), n * ATOMS)
    m += np.bincount((hi.astype(np.int64) + offset).ravel(), (p * w_hi).ravel(), n * ATOMS)
    return m.reshape(n, ATOMS)


def projection_torch_index_add(torch, p, r, d, z, dz):
    n = p.shape[0]
    lo, hi, w_lo, w_hi = bracket(torch, r, d, z, dz)
    offset = (torch.arange(n) * ATOMS).unsqueeze(1)
    m = torch.zeros(n * ATOMS, dtype=p.dtype)
    m.index_add_(0, (lo.long() + offset).view(-1), (p * w_lo).view(-1))
    m.index_add_(0, (hi.long() + offset).view(-1), (p * w_hi).view(-1))
    return m.view(n, ATOMS)


def projection_torch_dense(torch, p, r, d, z, dz):
    tz = (r[:, None] + d[:, None] * z[None, :]).clamp(V_MIN, V_MAX)  # (n, j)
    weights = (1 - (tz[:, None, :] - z[None, :, None]).abs() / dz).clamp(0, 1)  # (n, i, j)
    return (weights * p[:, None, :]).sum(-1)


def projection_reference(p_row, r, d, z):
    """One distribution, atom by atom in Python floats, from the formula."""
    dz = (V_MAX - V_MIN) / (ATOMS - 1)
    m = [0.0] * ATOMS
    for j in range(ATOMS):
        tz = min(max(r + d * float(z[j]), V_MIN), V_MAX)
        b = (tz - V_MIN) / dz
        lo = int(np.floor(b))
        if lo == b:
            m[lo] += p_row[j]
        else:
            m[lo] += p_row[j] * (lo + 1 - b)
            m[lo + 1] += p_row[j] * (b - lo)
    return np.array(m)


def check(torch, z, dz):
    rng = np.random.default_rng(SEED + 1)
    p, r, d = make_inputs(8, rng)
    r[1], d[1] = 0.4, 1.0  # every atom on the grid
    r[2], d[2] = 20.0, 1.0  # everything clipped to v_max
    d[3] = 0.0  # terminated: a Dirac at r
    want = np.stack([projection_reference(p[i].tolist(), r[i], d[i], z) for i in range(8)])
    assert np.allclose(want.sum(axis=1), 1.0, atol=1e-12), "reference loses mass"
    got = {"numpy_add_at": projection_numpy_add_at(p, r, d, z, dz),
           "numpy_bincount": projection_numpy_bincount(p, r, d, z, dz)}
    if torch is not None:
        tp, tr, td, tz = (torch.from_numpy(a) for a in (p, r, d, z))
        got["torch_index_add"] = projection_torch_index_add(torch, tp, tr, td, tz, dz).numpy()
        got["torch_dense"] = projection_torch_dense(torch, tp, tr, td, tz, dz).numpy()
    for name, m in got.items():
        assert np.allclose(m, want, rtol=0, atol=1e-12), f"{name} disagrees with the reference"


def main():
    opts = common.parse_args(sys.argv[1:], __doc__)
    min_time = 0.2 if opts["quick"] else 1.0
    torch = common.import_torch()
    z = support()
    dz = (V_MAX - V_MIN) / (ATOMS - 1)
    check(torch, z, dz)
    # rlvalue's rate per batch size: one call per distribution at N = 1, the
    # batched categorical_td_targets (256 columns per call) at N = 256.
    mine = {1: common.bench_rates(opts["bench_json"], "BM_Projection_rlvalue").get(()),
            256: common.bench_rates(opts["bench_json"], "BM_ProjectionBatch_rlvalue").get(())}
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    report = common.Report(
        "categorical_projection", f"{versions}; {ATOMS} atoms on [{V_MIN}, {V_MAX}], float64, "
        "size = distributions per call, best of runs", "projection")
    for n, rate in mine.items():
        if rate:
            report.rlvalue("Projection", (n,), rate)
    rng = np.random.default_rng(SEED)
    for n in BATCHES:
        p, r, d = make_inputs(POOL * n if n == 1 else n * 8, rng)
        rows = p.shape[0]
        calls = rows // n  # cycle over distinct batches, as the C++ pool does

        def numpy_peer(fn):
            def run():
                for c in range(calls):
                    s = slice(c * n, (c + 1) * n)
                    fn(p[s], r[s], d[s], z, dz)
            return run

        for name, fn in (("numpy_add_at", projection_numpy_add_at),
                         ("numpy_bincount", projection_numpy_bincount)):
            rate, runs = common.best_rate(numpy_peer(fn), rows, min_time)
            report.add(name, "Projection", (n,), rate, runs, mine[n])
        if torch is None:
            continue
        tp, tr, td, tz = (torch.from_numpy(a) for a in (p, r, d, z))
        for threads in common.thread_counts():
            torch.set_num_threads(threads)
            for name, fn in (("torch_index_add", projection_torch_index_add),
                             ("torch_dense", projection_torch_dense)):
                def run(fn=fn):
                    for c in range(calls):
                        s = slice(c * n, (c + 1) * n)
                        fn(torch, tp[s], tr[s], td[s], tz, dz)
                with torch.no_grad():
                    rate, runs = common.best_rate(run, rows, min_time)
                report.add(f"{name}_{threads}t", "Projection", (n,), rate, runs, mine[n])
    report.write(opts["out"], {"numpy": np.__version__,
                               "torch": torch.__version__ if torch else None,
                               "cpus": os.cpu_count(), "dtype": "float64", "atoms": ATOMS})


if __name__ == "__main__":
    main()
