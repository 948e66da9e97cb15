#!/usr/bin/env python3
"""Print rlvalue's throughput as ratios to the limits measured in the same run.

Usage: rlvalue_bench --benchmark_format=json --benchmark_repetitions=5 > bench.json
       python3 bench/ratios.py bench.json

Benchmarks are named BM_<Family>_<variant>/<size>; for each family and size,
every variant's items per second is divided by the rlvalue variant's.
Medians over repetitions are used when present.
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
        base, _, size = name.partition("/")
        family, _, variant = base[len("BM_"):].partition("_")
        rate = b.get("items_per_second")
        if rate is None:
            continue
        # With repetitions, the median aggregate overrides single runs.
        if b.get("run_type") == "aggregate" or variant not in rates[(family, size)]:
            rates[(family, size)][variant] = rate
    print(f"{'estimator':<14}{'size':>10}{'variant':>20}{'items/s':>14}{'rlvalue / variant':>20}")
    for (family, size), variants in sorted(rates.items()):
        ours = variants.get("rlvalue")
        for variant, rate in sorted(variants.items()):
            ratio = f"{ours / rate:.3f}" if ours and variant != "rlvalue" else "-"
            print(f"{family:<14}{size:>10}{variant:>20}{rate:>14.4g}{ratio:>20}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
