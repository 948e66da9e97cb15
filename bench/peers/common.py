"""Shared by the peer scripts in bench/peers/: timing, reading rlvalue's rates
from Google Benchmark JSON, the printed table and the peers' own JSON.

A peer script measures items per second of a Python implementation (numpy,
torch) of an estimator that rlvalue benchmarks, on the shapes of the C++
benchmark, and divides rlvalue's rate from the same run's JSON by it: the
"rlvalue x" column is how many times faster rlvalue is than that peer.
"""
import json
import os
import sys
import time


def parse_args(argv, doc):
    """--quick, --bench-json FILE, --out FILE (the peers' results as JSON)."""
    opts = {"quick": False, "bench_json": None, "out": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--quick":
            opts["quick"] = True
        elif a in ("--bench-json", "--out") and i + 1 < len(argv):
            opts[a[2:].replace("-", "_")] = argv[i + 1]
            i += 1
        elif a in ("-h", "--help"):
            print(doc)
            sys.exit(0)
        else:
            sys.exit(f"unknown or incomplete argument {a!r}\n{doc}")
        i += 1
    return opts


def best_rate(fn, items, min_time, max_runs=20):
    """items / (best wall time of fn()) after one warm-up call, with at least two
    timed runs and more until min_time seconds were spent or max_runs were made
    (a warm-up call that took min_time or more counts as the first timed run).
    Returns (items per second, runs)."""
    start = time.perf_counter()
    fn()  # warm-up; a slow one (over min_time) counts as a timed run
    warm = time.perf_counter() - start
    best, spent, runs = (warm, warm, 1) if warm >= min_time else (float("inf"), 0.0, 0)
    while runs < max_runs and (spent < min_time or runs < 2):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        runs += 1
    return items / best, runs


def size_of(run_name):
    """The size arguments of a benchmark name, as a tuple of ints:
    BM_GaeRow_rlvalue/2048/64/min_time:0.300 -> (2048, 64); BM_Projection_rlvalue -> ()."""
    return tuple(int(a) for a in run_name.split("/")[1:] if a.isdigit())


def bench_rates(path, name):
    """items/s of benchmark `name` (e.g. "BM_GaeRow_rlvalue") per size tuple,
    from Google Benchmark JSON; with repetitions, the median aggregate.
    {} when path is None or missing."""
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    rates = {}
    for bm in data.get("benchmarks", []):
        run_name = bm.get("run_name", bm["name"])
        if run_name.split("/")[0] != name or "items_per_second" not in bm:
            continue
        aggregate = bm.get("run_type") == "aggregate"
        if aggregate and bm.get("aggregate_name") != "median":
            continue
        size = size_of(run_name)
        if aggregate or size not in rates:
            rates[size] = bm["items_per_second"]
    return rates


def import_torch():
    """torch, or None with a note when it is not installed."""
    try:
        import torch
        return torch
    except ImportError:
        print("note: torch is not installed (Debian package python3-torch); torch peers skipped")
        return None


def thread_counts():
    """1 and all cores: the two settings of torch.set_num_threads measured."""
    return sorted({1, os.cpu_count() or 1})


class Report:
    """Prints one line per measurement and keeps them for the JSON file.

    Columns: peer, family (the rlvalue benchmark family compared against),
    size, items/s, timed runs, and rlvalue's rate over the peer's."""

    def __init__(self, suite, header, item):
        self.suite = suite
        self.item = item
        self.results = []
        print(header)
        print(f"{'peer':<22}{'family':<18}{'size':>14}{item + '/s':>16}{'runs':>6}"
              f"{'rlvalue x':>11}")

    def rlvalue(self, family, size, rate):
        """rlvalue's own line (from the benchmark JSON)."""
        print(f"{'rlvalue':<22}{family:<18}{'x'.join(map(str, size)):>14}{rate:>16.4g}")

    def add(self, peer, family, size, rate, runs, ours=None, note=""):
        speedup = ours / rate if ours else None
        shown = f"{speedup:>11.1f}" if speedup else f"{'-':>11}"
        print(f"{peer:<22}{family:<18}{'x'.join(map(str, size)):>14}{rate:>16.4g}{runs:>6}"
              f"{shown}")
        self.results.append({
            "peer": peer, "family": family, "size": list(size),
            "items_per_second": rate, "runs": runs,
            "rlvalue_items_per_second": ours, "rlvalue_speedup": speedup, "note": note})

    def write(self, path, meta):
        if not path:
            return
        with open(path, "w") as f:
            json.dump({"suite": self.suite, "item": self.item, "meta": meta,
                       "results": self.results}, f, indent=1)
        print(f"wrote {path}")
