#!/usr/bin/env python3
"""Tabular Q-learning in numpy and torch (if installed) on the tables of
bench/bench_q_learning.cpp (S x 8 float64 entries, S = 10,000 and 1,000,000,
initialised to 1), beside rlvalue's rate from the same run.

A pre-generated transition stream like the C++ one (s, s' uniform over the
states, a uniform over the 8 actions, r uniform in [-0.5, 0.5), terminated
with probability 0.01, truncated with 0.001: truncation bootstraps, so the
`done` below is `terminated`), as Python tuples, the way an environment loop
hands them over. gamma = 0.99, alpha = 0.1. Peers:
  numpy_loop       the loop a numpy user writes, one transition at a time:
                   q[s, a] += alpha * (r + gamma * q[s2].max() * (1 - done) - q[s, a])
  torch_loop_Nt    the same loop on a CPU torch tensor, N threads (1 and all)
  torch_batch256_Nt  a TorchRL-style update of a replay batch of 256
                   independent transitions with index tensors:
                   target = r + gamma * (1 - done) * q[s2].max(1).values,
                   q.index_put_((s, a), alpha * (target - q[s, a]), accumulate=True)
The loops have rlvalue's semantics (QLearning::update, one transition after
another). The batched form does not: every transition of a batch reads the
table as it was before the batch (a transition whose s' is the s of an earlier
one in the batch misses that update), and two transitions with the same
(s, a) both add their step, each computed from the same old q(s, a). So it is
compared with BM_QLearningBatch_rlvalue_b256 (rlvalue's update_batch in calls
of 256, sequential semantics); the loops with BM_QLearning_rlvalue. Items are
transitions.

Usage: /usr/bin/python3 bench/peers/q_learning_peers.py [--quick] [--bench-json FILE] [--out FILE]
"""
import os
import sys

import numpy as np

import common

ACTIONS = 8
TABLES = [10_000, 1_000_000]
GAMMA = 0.99
ALPHA = 0.1
INITIAL_VALUE = 1.0
BATCH = 256
SEED = 12345
# Transitions timed per call: enough for a run of a fraction of a second.
STREAM = {"numpy_loop": 1 << 15, "torch_loop": 1 << 13, "torch_batch": 1 << 16}


def make_stream(num_states, n, rng):
    """Arrays s, a, r, s2, terminated of n transitions (truncation needs no
    column: it bootstraps like a plain step)."""
    s = rng.integers(0, num_states, n)
    a = rng.integers(0, ACTIONS, n)
    r = rng.random(n) - 0.5
    s2 = rng.integers(0, num_states, n)
    terminated = rng.random(n) < 0.01
    return s, a, r, s2, terminated


def as_tuples(stream):
    """The stream as a list of Python (s, a, r, s2, done) tuples."""
    s, a, r, s2, done = stream
    return list(zip(s.tolist(), a.tolist(), r.tolist(), s2.tolist(),
                    done.astype(np.float64).tolist()))


def q_learning_loop(q, transitions, alpha=ALPHA, gamma=GAMMA):
    """One Q-learning update per transition, numpy array or torch tensor q."""
    for s, a, r, s2, done in transitions:
        q[s, a] += alpha * (r + gamma * q[s2].max() * (1 - done) - q[s, a])


def q_learning_batches(q, batch_tensors, batch=BATCH, alpha=ALPHA, gamma=GAMMA):
    """Replay batches of `batch` transitions, each batch against the table as
    it was before it (TorchRL style; see the module docstring)."""
    s, a, r, s2, not_done = batch_tensors
    for i in range(0, s.shape[0], batch):
        sb, ab, s2b = s[i:i + batch], a[i:i + batch], s2[i:i + batch]
        target = r[i:i + batch] + gamma * not_done[i:i + batch] * q[s2b].max(1).values
        q.index_put_((sb, ab), alpha * (target - q[sb, ab]), accumulate=True)


def to_tensors(torch, stream):
    s, a, r, s2, done = stream
    return (torch.from_numpy(s), torch.from_numpy(a), torch.from_numpy(r),
            torch.from_numpy(s2), torch.from_numpy(1.0 - done.astype(np.float64)))


def check(torch):
    """The loops against a float64 scalar reference (terminated: no bootstrap);
    the batched form with batches of one equals the loop."""
    rng = np.random.default_rng(SEED + 1)
    stream = make_stream(50, 4000, rng)
    tuples = as_tuples(stream)
    want = [[INITIAL_VALUE] * ACTIONS for _ in range(50)]
    for s, a, r, s2, done in tuples:
        bootstrap = 0.0 if done else GAMMA * max(want[s2])
        want[s][a] += ALPHA * (r + bootstrap - want[s][a])
    want = np.array(want)
    q = np.full((50, ACTIONS), INITIAL_VALUE)
    q_learning_loop(q, tuples)
    assert np.allclose(q, want, rtol=0, atol=1e-12), "numpy loop disagrees with reference"
    assert stream[4].any(), "the check stream has no termination"
    if torch is not None:
        with torch.no_grad():
            tq = torch.full((50, ACTIONS), INITIAL_VALUE, dtype=torch.float64)
            q_learning_loop(tq, tuples)
            assert np.allclose(tq.numpy(), want, rtol=0, atol=1e-12), "torch loop disagrees"
            tq = torch.full((50, ACTIONS), INITIAL_VALUE, dtype=torch.float64)
            q_learning_batches(tq, to_tensors(torch, stream), batch=1)
            assert np.allclose(tq.numpy(), want, rtol=0, atol=1e-12), \
                "torch batches of one disagree with the loop"


def main():
    opts = common.parse_args(sys.argv[1:], __doc__)
    min_time = 0.2 if opts["quick"] else 1.0
    torch = common.import_torch()
    check(torch)
    ours = common.bench_rates(opts["bench_json"], "BM_QLearning_rlvalue")
    ours_b256 = common.bench_rates(opts["bench_json"], "BM_QLearningBatch_rlvalue_b256")
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    report = common.Report(
        "q_learning", f"{versions}; float64 table S x {ACTIONS}, gamma={GAMMA}, "
        f"alpha={ALPHA}, best of runs", "transition")
    rng = np.random.default_rng(SEED)
    for S in TABLES:
        mine, mine_b256 = ours.get((S,)), ours_b256.get((S,))
        if mine:
            report.rlvalue("QLearning", (S,), mine)
        if mine_b256:
            report.rlvalue("QLearningBatch", (S,), mine_b256)
        stream = make_stream(S, max(STREAM.values()), rng)
        q = np.full((S, ACTIONS), INITIAL_VALUE)
        tuples = as_tuples(tuple(x[:STREAM["numpy_loop"]] for x in stream))
        rate, runs = common.best_rate(lambda: q_learning_loop(q, tuples), len(tuples), min_time)
        report.add("numpy_loop", "QLearning", (S,), rate, runs, mine)
        if torch is None:
            continue
        tq = torch.full((S, ACTIONS), INITIAL_VALUE, dtype=torch.float64)
        tuples = as_tuples(tuple(x[:STREAM["torch_loop"]] for x in stream))
        tensors = to_tensors(torch, tuple(x[:STREAM["torch_batch"]] for x in stream))
        with torch.no_grad():
            for n in common.thread_counts():
                torch.set_num_threads(n)
                rate, runs = common.best_rate(lambda: q_learning_loop(tq, tuples), len(tuples),
                                              min_time)
                report.add(f"torch_loop_{n}t", "QLearning", (S,), rate, runs, mine)
                rate, runs = common.best_rate(lambda: q_learning_batches(tq, tensors),
                                              tensors[0].shape[0], min_time)
                report.add(f"torch_batch{BATCH}_{n}t", "QLearningBatch", (S,), rate, runs,
                           mine_b256, "batch semantics: reads the table as before the batch")
    report.write(opts["out"], {"numpy": np.__version__,
                               "torch": torch.__version__ if torch else None,
                               "cpus": os.cpu_count(), "dtype": "float64", "batch": BATCH})


if __name__ == "__main__":
    main()
