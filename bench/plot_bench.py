#!/usr/bin/env python3
"""Throughput against problem size from rlvalue_bench's Google Benchmark JSON.

Writes one PNG (default out/bench_throughput.png) with a panel per family:
  GaeCol, GaeRow, LambdaReturnsCol, LambdaReturnsRow: elements per second
      against T * B (shapes with B = 1, a single long sequence, are drawn
      with triangles and joined separately from those with B > 1);
  QLearning, QLearningBatch: transitions per second against the table's
      number of states S (S x 8 doubles);
  Projection: projections per second (rlvalue's one-distribution variants
      as horizontal lines; its ProjectionBatch variants, 256 distributions
      per call, as points at 256; the peers' against their batch size),
      drawn when the JSON has it.
rlvalue's variants are solid lines; the limits measured in the same binary
(streaming kernel, plain loop, hand loop, random-access kernel, ...) dashed.
With --peers FILE... (the --out JSON of the scripts in bench/peers/), the
Python peers are added as dotted grey lines in the panel of the family they
are compared with. Medians are used when the JSON has repetitions.

Usage: /usr/bin/python3 bench/plot_bench.py [out/bench.json] [--out PNG] [--peers FILE...]
"""
import json
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation  # noqa: E402

PANELS = [
    ("GaeCol", "GAE, column-major", "T x B elements", "elements/s"),
    ("GaeRow", "GAE, row-major", "T x B elements", "elements/s"),
    ("LambdaReturnsCol", "lambda-returns, column-major", "T x B elements", "elements/s"),
    ("LambdaReturnsRow", "lambda-returns, row-major", "T x B elements", "elements/s"),
    ("QLearning", "tabular Q-learning (S x 8)", "states S", "transitions/s"),
    ("QLearningBatch", "Q-learning replay batches (S x 8)", "states S", "transitions/s"),
    ("Projection", "C51 projection, 51 atoms", "distributions per call", "projections/s"),
]
SEQUENCE = {"GaeCol", "GaeRow", "LambdaReturnsCol", "LambdaReturnsRow"}


def load(path):
    """{family: {variant: {size tuple: items/s}}}, medians over repetitions."""
    with open(path) as f:
        data = json.load(f)
    rates = defaultdict(lambda: defaultdict(dict))
    for bm in data.get("benchmarks", []):
        if "items_per_second" not in bm:
            continue
        aggregate = bm.get("run_type") == "aggregate"
        if aggregate and bm.get("aggregate_name") != "median":
            continue
        name = bm.get("run_name", bm["name"])
        base, *args = name.split("/")
        size = tuple(int(a) for a in args if a.isdigit())
        family, _, variant = base[len("BM_"):].partition("_")
        if aggregate or size not in rates[family][variant]:
            rates[family][variant][size] = bm["items_per_second"]
    return rates


def load_peers(paths):
    """{family: {peer: {size tuple: items/s}}} from the peer scripts' JSON."""
    peers = defaultdict(lambda: defaultdict(dict))
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for r in data["results"]:
            peers[r["family"]][r["peer"]][tuple(r["size"])] = r["items_per_second"]
    return peers


PROJECTION_BATCH = 256  # kBatch of bench_distributional.cpp's ProjectionBatch


def x_of(family, size):
    if family in SEQUENCE:
        return size[0] * size[1]
    return size[0] if size else 1


def groups(family, points):
    """Points split into lines: sequences with B = 1 apart from B > 1."""
    if family not in SEQUENCE:
        return [("", "o", points)]
    single = {s: v for s, v in points.items() if s[1] == 1}
    many = {s: v for s, v in points.items() if s[1] != 1}
    return [(" (B>1)", "o", many), (" (B=1)", "^", single)]


def draw(ax, family, variants, peers):
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ordered = sorted(variants, key=lambda v: (not v.startswith("rlvalue"), v))
    for i, variant in enumerate(ordered):
        ours = variant.startswith("rlvalue")
        style = dict(color=colours[i % len(colours)], linestyle="-" if ours else "--",
                     linewidth=2.0 if ours else 1.3)
        points = variants[variant]
        if family == "Projection" and () in points:  # one distribution per item
            ax.axhline(points[()], label=variant, **style)
            continue
        for suffix, marker, pts in groups(family, points):
            if not pts:
                continue
            xs = sorted(pts, key=lambda s: x_of(family, s))
            ax.plot([x_of(family, s) for s in xs], [pts[s] for s in xs], marker=marker,
                    label=variant + (suffix if len(pts) else ""), **style)
    for j, (peer, points) in enumerate(sorted(peers.items())):
        grey = str(0.25 + 0.5 * j / max(1, len(peers) - 1))
        for suffix, marker, pts in groups(family, points):
            if not pts:
                continue
            xs = sorted(pts, key=lambda s: x_of(family, s))
            ax.plot([x_of(family, s) for s in xs], [pts[s] for s in xs], color=grey,
                    linestyle=":", marker=marker, markersize=4, label=peer + suffix)


def main(argv):
    path, out, peer_paths = "out/bench.json", "out/bench_throughput.png", []
    i = 0
    positional = []
    while i < len(argv):
        if argv[i] == "--out" and i + 1 < len(argv):
            out = argv[i + 1]
            i += 2
        elif argv[i] == "--peers":
            i += 1
            while i < len(argv) and not argv[i].startswith("--"):
                peer_paths.append(argv[i])
                i += 1
        elif argv[i] in ("-h", "--help"):
            sys.exit(__doc__)
        else:
            positional.append(argv[i])
            i += 1
    if len(positional) > 1:
        sys.exit(__doc__)
    if positional:
        path = positional[0]
    try:
        rates = load(path)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read Google Benchmark JSON ({e})")
    peers = load_peers(peer_paths)
    # The batched projection (bench_distributional.cpp: 256 distributions
    # per call) joins the projection panel as points at 256.
    for variant, points in rates.pop("ProjectionBatch", {}).items():
        if () in points:
            name = "rlvalue_batch" if variant == "rlvalue" else "batch_" + variant
            rates.setdefault("Projection", {})[name] = {(PROJECTION_BATCH,): points[()]}
    panels = [p for p in PANELS if p[0] in rates]
    if not panels:
        sys.exit(f"{path}: none of the families {[p[0] for p in PANELS]} is in the JSON")
    cols = min(3, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.0 * cols, 4.6 * rows), squeeze=False)
    for ax, (family, title, xlabel, ylabel) in zip(axes.flat, panels):
        draw(ax, family, rates[family], peers.get(family, {}))
        ax.set_xscale("log")
        ax.set_yscale("log")
        # Label the minor ticks too when a panel spans less than two decades.
        ax.yaxis.set_minor_formatter(
            LogFormatterSciNotation(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
        ax.tick_params(axis="y", which="minor", labelsize=7)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=6.5, loc="best")
    for ax in list(axes.flat)[len(panels):]:
        ax.remove()
    fig.suptitle("rlvalue throughput (solid) beside its limits (dashed) and Python peers "
                 "(dotted)" if peers else "rlvalue throughput (solid) beside its limits (dashed)")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
