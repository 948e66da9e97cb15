#!/usr/bin/env python3
"""Print rlvalue's throughput as ratios to the limits measured in the same run.

Usage: rlvalue_bench --benchmark_format=json --benchmark_repetitions=5 > bench.json
       python3 bench/ratios.py bench.json

Benchmarks are named BM_<Family>_<variant>/<size>, where <size> is one or
more arguments (e.g. 4096/4096); for each family and size, every variant's
items per second is divided by the rlvalue variant's. Name components that
Google Benchmark adds for run options (min_time:0.300, real_time, ...) are
not part of the size. Medians over repetitions are used when present.
"""
import json
import sys
from collections import defaultdict


def main(path):
    with open(path) as f:
        data = json.load(f)
    rates = defaultdict(dict)
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        base, *args = name.split("/")
        size = "/".join(a for a in args if ":" not in a and not a.endswith("_time"))
        family, _, variant = base[len("BM_"):].partition("_")
        rate = b.get("items_per_second")
        if rate is None:
            continue
        # With repetitions, the median aggregate overrides single runs.
        if b.get("run_type") == "aggregate" or variant not in rates[(family, size)]:
            rates[(family, size)][variant] = rate
    fw = max([14] + [len(family) + 2 for family, _ in rates])
    sw = max([10] + [len(size) + 2 for _, size in rates])
    print(f"{'estimator':<{fw}}{'size':>{sw}}{'variant':>20}{'items/s':>14}{'rlvalue / variant':>20}")
    for (family, size), variants in sorted(rates.items()):
        ours = variants.get("rlvalue")
        for variant, rate in sorted(variants.items()):
            ratio = f"{ours / rate:.3f}" if ours and variant != "rlvalue" else "-"
            print(f"{family:<{fw}}{size:>{sw}}{variant:>20}{rate:>14.4g}{ratio:>20}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
