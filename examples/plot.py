#!/usr/bin/env python3
"""Render every example CSV in a directory to a PNG beside it.

Usage: /usr/bin/python3 examples/plot.py DIR

Each CSV has DESIGN.md's long form `series,x,mean,stderr`. A line per series
with a band of +-1 standard error. Examples with more than one figure split
their series into panels by name (see PANELS).
"""
import csv
import os
import sys
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# name -> list of panels (title, xlabel, ylabel, series filter)
PANELS = {
    "random_walk": [
        ("Example 6.2: TD(0) vs constant-alpha MC", "episodes", "RMS error (averaged over states)",
         lambda s: not s.startswith("batch")),
        ("Figure 6.2: batch training", "episodes", "RMS error (averaged over states)",
         lambda s: s.startswith("batch")),
    ],
    "cliff_walking": [
        ("Example 6.6: cliff walking (epsilon = 0.1, alpha = 0.5)", "episodes",
         "sum of rewards during episode", lambda s: True),
    ],
    "maximization_bias": [
        ("Example 6.7: maximization bias (epsilon = 0.1, alpha = 0.1)", "episodes",
         "fraction of left actions from A", lambda s: not s.startswith("Q(A,left)")),
        ("Estimate of Q(A, left) (true value -0.1)", "episodes", "Q(A, left)",
         lambda s: s.startswith("Q(A,left)")),
    ],
    "overestimation": [
        ("Bias of max_a Q(s, a) against V* (noisy Garnet MDPs)", "number of critics N",
         "mean_s max_a Q(s, a) - V*(s)", lambda s: s.startswith("bias ")),
        ("RMSE of max_a Q(s, a) against V*", "number of critics N", "RMSE",
         lambda s: s.startswith("RMSE ")),
    ],
    "qtd_vs_td": [(f"T=300, {f} rewards", "step size", "MSE of value estimate",
                   (lambda f: lambda s: s.startswith(f"T=300 {f}:"))(f))
                  for f in ("deterministic", "gaussian", "skewed", "heavy-tailed")],
    "mountain_car": [
        ("Figures 10.2 and 10.3: Mountain Car, SARSA with 8 tilings", "episode",
         "steps per episode (log scale)", lambda s: True),
    ],
    "random_walk_19_figure_7_2": [
        ("Figure 7.2: n-step TD, 19-state random walk", "step size alpha",
         "RMS error, first 10 episodes", lambda s: True),
    ],
    "random_walk_19_figure_12_3": [
        ("Figure 12.3: offline lambda-return algorithm", "step size alpha",
         "RMS error, first 10 episodes", lambda s: True),
    ],
    "random_walk_19_figure_12_6": [
        ("Figure 12.6: TD(lambda), accumulating traces", "step size alpha",
         "RMS error, first 10 episodes", lambda s: True),
    ],
    "random_walk_19_figure_12_8": [
        ("Figure 12.8: true online TD(lambda)", "step size alpha",
         "RMS error, first 10 episodes", lambda s: True),
    ],
    "baird": [
        ("Figure 11.2: semi-gradient off-policy TD", "step", "weight",
         lambda s: s.startswith("semi-gradient TD w")),
        ("Figure 11.5: TDC", "step", "weight / error",
         lambda s: s.startswith("TDC")),
        ("GTD2", "step", "weight / error", lambda s: s.startswith("GTD2")),
    ],
    "log_q_chain": [
        ("Log Q-learning vs Q-learning on the 50-state chain (late training)", "discount gamma",
         "fraction of evaluations with an optimal policy", lambda s: True),
    ],
    "log_q_chain_early": [
        ("Log Q-learning vs Q-learning on the 50-state chain (early training)", "discount gamma",
         "fraction of evaluations with an optimal policy", lambda s: True),
    ],
    "return_distribution": [
        ("Return distribution of a fixed policy", "return", "cumulative probability",
         lambda s: True),
    ],
}
YLIM = {"cliff_walking": (-100, 0)}
# Examples plotted with a log-scale y axis.
LOGY = {"mountain_car"}
# Examples plotted on log-log axes (step-size sweeps over decades).
LOGLOG = {"qtd_vs_td"}


def read_series(path):
    series = OrderedDict()
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ["series", "x", "mean", "stderr"]:
            raise SystemExit(f"{path}: header must be series,x,mean,stderr, got {reader.fieldnames}")
        for row in reader:
            xs, ms, ss = series.setdefault(row["series"], ([], [], []))
            xs.append(float(row["x"]))
            ms.append(float(row["mean"]))
            ss.append(float(row["stderr"]))
    return series


def render(path):
    name = os.path.splitext(os.path.basename(path))[0]
    series = read_series(path)
    panels = PANELS.get(name, [(name, "x", "mean", lambda s: True)])
    fig, axes = plt.subplots(1, len(panels), figsize=(6.4 * len(panels), 4.4), squeeze=False)
    for ax, (title, xlabel, ylabel, keep) in zip(axes[0], panels):
        for label, (xs, ms, ss) in series.items():
            if not keep(label):
                continue
            # Short series (a few N values, or a single point) get markers.
            line, = ax.plot(xs, ms, label=label, linewidth=1.4,
                            marker="o" if len(xs) <= 12 else None)
            lo = [m - s for m, s in zip(ms, ss)]
            hi = [m + s for m, s in zip(ms, ss)]
            ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if name in YLIM:
            ax.set_ylim(*YLIM[name])
        if name in LOGY:
            ax.set_yscale("log")
        if name in LOGLOG:
            ax.set_xscale("log")
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = os.path.join(os.path.dirname(path), name + ".png")
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"plot.py: wrote {out}")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    directory = sys.argv[1]
    paths = sorted(p for p in os.listdir(directory) if p.endswith(".csv"))
    if not paths:
        raise SystemExit(f"plot.py: no CSV files in {directory}")
    for p in paths:
        render(os.path.join(directory, p))


if __name__ == "__main__":
    main()
