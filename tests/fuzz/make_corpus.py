#!/usr/bin/python3
"""Writes the seed corpus of the fuzz harnesses into tests/fuzz/corpus/<harness>/.

Each seed is a byte string laid out the way its harness reads it (see
tests/fuzz/fuzz_input.hpp and the harness), describing an ordinary, valid
case: the fuzzer mutates from there into the odd ones. Deterministic: the
same files every run. Usage: tests/fuzz/make_corpus.py [CORPUS_DIR]
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def scalar(rng, lo=-40, hi=40):
    """FuzzInput::scalar: byte < 150, then an int8 k: the value k/8."""
    return bytes([rng.randrange(150), rng.randint(lo, hi) & 0xFF])


def unit(b):
    """FuzzInput::unit: byte < 200, then b: the value b/255."""
    return bytes([0, b])


def sequence_seed(rng, fn, flags_form, lambda_array, is_float, T, B):
    out = bytearray()
    out.append(1 if is_float else 0)            # float / double
    out.append(fn)                              # function
    out.append((1 if flags_form else 0) | (2 if lambda_array else 0))
    out += bytes([T, B, 0])                     # T, B, no bad shape
    out += unit(230) + unit(200)                # gamma ~0.9, lambda ~0.78
    out += bytes([1, 1])                        # clip_rho = clip_c = 1
    out.append(3)                               # n = 3
    n = T * B
    for _ in range(n): out += scalar(rng)                         # rewards
    for _ in range(n): out += scalar(rng)                         # next_values
    for _ in range(n): out += scalar(rng)                         # values
    for _ in range(n): out += unit(rng.choice([0, 128, 230, 255]))  # discounts
    for _ in range(n): out += unit(rng.randrange(256))            # lambdas
    for _ in range(n): out += bytes([0, rng.randrange(130)])      # ratios k/64
    for _ in range(n): out += scalar(rng)                         # expected_next_q
    for _ in range(2 * n): out.append(rng.choice([0, 255, 255, 255, 255, 255, 255]))  # flags
    return bytes(out)


def projection_seed(rng, is_float, k, n, outside=False):
    out = bytearray()
    out.append(1 if is_float else 0)
    out += bytes([0, k, n])                     # mode: sorted support, weights
    out += scalar(rng, -20, 0)                  # z_0
    for _ in range(k): out.append(rng.randrange(16))  # gaps (g%64+1)/8
    for j in range(n):
        if outside and j == 0:
            out += bytes([250]) + scalar(rng, 100, 127)   # far above the support
        elif j % 2:
            out += bytes([10, rng.randrange(256)])        # on the grid
        else:
            out += bytes([100, rng.randrange(256), rng.randrange(256)])  # between
    for _ in range(n): out.append(rng.randrange(64, 256))  # weights
    return bytes(out)


def uniform_support_seed(is_float, v_min8, v_max8, atoms):
    return bytes([7 if is_float else 6, 0, v_min8 & 0xFF, 0, v_max8 & 0xFF, atoms])


def transition(rng, extra=b""):
    flags = rng.choice([0, 0, 0, 1, 2])
    return bytes([flags, rng.randrange(4), rng.randrange(3)]) + scalar(rng, -16, 16) + \
        bytes([rng.randrange(4)]) + extra


def distributional_seed(rng, kind, is_float, updates):
    out = bytearray()
    out.append(kind | (4 if is_float else 0))
    control = kind in (1, 3)
    categorical = kind in (0, 1)
    out.append(3)                               # 4 states
    out.append(1 if control else 0)             # 2 actions (control) / 1
    out.append(9)                               # 11 atoms / 10 quantiles
    out += scalar(rng, -8, 8)                   # initial value
    if categorical:
        out += bytes([0, 0xF6, 79])             # support [-10, 10]
    out.append(1)                               # one row set by hand
    out += bytes([1, 0])
    if categorical:
        out += bytes(rng.randrange(8) for _ in range(11))
    else:
        for _ in range(10): out += scalar(rng)
    out += unit(230)                            # gamma
    out.append(9)                               # step size 0.1
    out.append(0)                               # constant schedule
    if not categorical:
        out.append(rng.choice([0, 140]))        # kappa 0 or 3
    out.append(updates - 1)
    for _ in range(updates):
        out += transition(rng)
    return bytes(out)


def learner_seed(rng, kind, is_float, updates):
    out = bytearray()
    out.append(kind)
    out.append(1 if is_float else 0)
    out += bytes([3, 2])                        # 4 states, 3 actions
    out += unit(230)                            # gamma
    out.append(19)                              # step size 0.2
    out += unit(180)                            # lambda
    out.append(4)                               # secondary step size 0.05
    out.append(4)                               # TDRC reg = 1 (4 % 5 / 4)
    out.append(49)                              # regular step size 0.5
    out.append(0)                               # constant schedule
    out.append(kind % 3)                        # trace type
    out += scalar(rng)                          # initial value (scaled down)
    if kind == 11:                              # LogQLearning: c, k
        out += bytes([3, 20])
    if kind == 6:                               # DoubleQ: rng seed
        out += bytes(rng.randrange(256) for _ in range(8))
    if kind == 13:                              # QLambda: Watkins / Peng
        out.append(rng.randrange(2))
    if kind == 16:                              # off-policy traces: IS, TB, Retrace
        out.append(rng.randrange(3))
    out.append(updates - 1)
    for _ in range(updates):
        extra = b""
        if kind in (2, 5, 13, 15):              # next action
            extra = bytes([rng.randrange(3)])
        elif kind == 3:                         # next-action probabilities
            extra = bytes([0] + [rng.randrange(5) for _ in range(3)])
        elif kind == 6:                         # coin or critic
            extra = bytes([rng.randrange(256)])
        elif kind in (7, 8, 9, 10):             # importance ratio k/64
            extra = bytes([0, rng.randrange(128)])
        elif kind == 16:                        # next probs, pi, mu
            extra = bytes([0] + [rng.randrange(5) for _ in range(3)]) + unit(rng.randrange(256)) + \
                unit(rng.randrange(1, 256))
        elif kind == 17:                        # rho, interest (k/64)
            extra = bytes([0, rng.randrange(128), 0, rng.randrange(128)])
        out += transition(rng, extra)
    return bytes(out)


def write(corpus, harness, name, data):
    d = os.path.join(corpus, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    rng = random.Random(20261203)
    names = ["lambda_returns", "discounted", "n_step", "n_step_lambda", "gae", "td_lambda_errors",
             "sarsa_lambda_errors", "q_lambda_errors", "retrace", "vtrace", "importance"]
    for fn, name in enumerate(names):
        write(corpus, "sequence_targets", f"{name}_general_double",
              sequence_seed(rng, fn, False, fn % 2 == 1, False, 6, 2))
        write(corpus, "sequence_targets", f"{name}_flags_float_wide",
              sequence_seed(rng, fn, True, False, True, 5, 17))
    write(corpus, "categorical_projection", "small_double", projection_seed(rng, False, 5, 3))
    write(corpus, "categorical_projection", "c51_float", projection_seed(rng, True, 11, 11))
    write(corpus, "categorical_projection", "outside_double", projection_seed(rng, False, 7, 9, True))
    write(corpus, "categorical_projection", "single_atom_support", projection_seed(rng, False, 1, 4))
    write(corpus, "categorical_projection", "uniform_support_double", uniform_support_seed(False, -80, 80, 51))
    write(corpus, "categorical_projection", "uniform_support_float", uniform_support_seed(True, -3, 5, 7))
    kinds = ["categorical_td", "categorical_q", "quantile_td", "quantile_q"]
    for kind, name in enumerate(kinds):
        write(corpus, "distributional_updates", f"{name}_double",
              distributional_seed(rng, kind, False, 12))
        write(corpus, "distributional_updates", f"{name}_float",
              distributional_seed(rng, kind, True, 6))
    learners = ["td0", "q_learning", "sarsa", "expected_sarsa", "td_lambda", "sarsa_lambda",
                "double_q", "gtd2", "tdc", "tdrc", "off_policy_td", "log_q", "orchestrated"]
    for kind, name in enumerate(learners):
        write(corpus, "learner_updates", f"{name}", learner_seed(rng, kind, kind % 2 == 1, 10))
    # Added later, after the others so that their bytes stay the same.
    traces = ["q_lambda", "true_online_td", "true_online_sarsa", "off_policy_q_lambda", "emphatic_td"]
    for i, name in enumerate(traces):
        kind = len(learners) + i
        write(corpus, "learner_updates", f"{name}", learner_seed(rng, kind, kind % 2 == 1, 10))


if __name__ == "__main__":
    main()
