// QTD against TD as value estimators (Rowland et al. 2023, "The statistical
// benefits of quantile temporal-difference learning for value estimation",
// ICML, arXiv:2305.18388), tabular policy evaluation on small random Markov
// reward processes.
//
// Setup (ours, in the spirit of the paper's section 6; its exact sizes are
// not reproduced): each run draws an MRP with 5 states, dense random
// transitions (random_mdp, branching 5) and mean rewards uniform in [-1, 1],
// gamma = 0.9. Rewards carry zero-mean noise of scale 1 from one family:
// deterministic (none), Gaussian N(0, 1), skewed Exp(1) - 1, heavy-tailed
// t_2 (Student t, 2 degrees of freedom: infinite variance). Updates are
// synchronous: at each of T iterations every state draws one transition and
// TD(0) and QTD (m = 2, 8, 32, value = mean of the m estimates) each update
// from it, all starting at 0. Error: the mean squared error of the value
// estimate against the exact values (mdp/evaluate_policy) after T
// iterations (T = 300; full mode also T = 30, 100, 1000), averaged over
// runs. Each method at its best step size in a grid (chosen on the
// run-averaged error).
// Every method sees the same transitions and rewards within a run.
//
// The paper's conclusion: QTD can beat TD as a value estimator even in the
// tabular setting; its gain is in the noisy, skewed and heavy-tailed cases,
// while TD is better when rewards are (nearly) deterministic.
//
// Note on "deterministic": the noise is zero, but random_mdp draws one reward
// per (x, x') outcome, so the immediate reward given x is still random (a
// discrete mixture of spread ~0.58) and so is the return. With rewards that
// depend on x only (randomness from the transitions alone) TD is better at
// every horizon (m = 32: x1.03 at T = 30, x1.48 at T = 300; a separate
// run of 60 MRPs with this setup otherwise).
//
// What this setup gives (200 runs, T = 300): heavy-tailed noise, QTD's error
// is ~0.4x TD's (robust); Gaussian ~0.9x; deterministic ~1.0x (TD and the
// best QTD tie); skewed ~1.07x (TD better, against the paper's claim). The
// deterministic and skewed outcomes move with the horizon (best QTD / TD,
// 200 runs, T = 30, 100, 300, 1000): deterministic 0.95, 0.97, 1.00, 1.01;
// skewed 1.00, 0.99, 1.07, 1.20 (Gaussian 0.89-0.96, heavy-tailed
// 0.36-0.66 throughout). With few updates QTD's bounded steps help; with
// many, TD's error keeps falling like 1/T while QTD's is held up by the bias
// of its fixed point (its mean is not the value when the return distribution
// is asymmetric; fixed-point value MSE, computed by iterating the projected
// operator over 10-60 MRPs, skewed: m = 8 0.066, m = 32 0.005;
// deterministic: m = 8 0.11, m = 32 0.004) and, for skewed noise, by a
// larger variance. The ratio also depends on the noise scale (skewed,
// T = 300, m = 32, 40 MRPs: scale 0.3 x1.01, 3 x1.75). This setup does not
// fix the paper's sizes, so these two outcomes are not a test of its claim.
//
// The bias of the fixed point is not what holds QTD back with skewed noise:
// more quantiles do not help (200 runs, best QTD / TD, m = 32, 128, 512:
// T = 300 x1.07, x1.07, x1.07; T = 1000 x1.20, x1.17, x1.17; T = 30 and 100
// x1.00 and x0.99 for all three), so the gap is the variance of the
// quantiles in the exponential's thin upper tail, where a quantile moves
// slowly. Between the Gaussian and the exponential, unit-variance centred
// Gamma(k) noise (skewness 2 / sqrt(k); 200 runs, T = 300, m = 32) gives
// k = 1 x1.03, k = 2 x1.02, k = 4 x1.04, k = 16 x0.89 (as the Gaussian's
// x0.89): any clear skew turns the Gaussian case's gain into a tie. (These
// were measured with the example's code and quantile counts or noise
// families changed; 2026-12-06.)
//
// The exit code checks the two robust outcomes: QTD beats TD with heavy-tailed
// noise, and QTD's relative error is larger with deterministic rewards than
// with heavy-tailed noise. The other three claims are printed beside the
// measurement, marked "agrees" or "DOES NOT AGREE", and do not fail the run
// (with --quick's 24 runs their ratios are within noise of 1). A step size
// marked "!" is at an edge of its grid (the best may lie outside).
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/approx/quantile_table.hpp>
#include <rlvalue/learners/quantile_td.hpp>

#include <array>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kStates = 5;
constexpr double kGamma = 0.9;
constexpr double kNoiseScale = 1.0;
constexpr std::array<Index, 3> kQuantiles{2, 8, 32};
constexpr std::array<const char*, 4> kFamilies{"deterministic", "gaussian", "skewed",
                                               "heavy-tailed"};
// Step sizes: TD is unstable above 1 in the synchronous setting; QTD's step
// is bounded by alpha whatever the rewards, so its grid goes higher.
const std::vector<double> kTdSteps{0.003, 0.005, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05,
                                   0.08,  0.1,   0.15,  0.2,  0.3,   0.5,  0.8,  1.0};
const std::vector<double> kQtdSteps{0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2,
                                    0.3,  0.5,  0.8,  1.0,  1.5,  2.0, 3.0};
constexpr Index kMethods = 1 + static_cast<Index>(kQuantiles.size());

double noise(Index family, Rng& rng) {
  switch (family) {
    case 0: return 0.0;
    case 1: return kNoiseScale * standard_normal(rng);
    case 2: return kNoiseScale * (-std::log(1.0 - uniform01(rng)) - 1.0);
    default: {
      // t_2 = Z / sqrt(V / 2) with V ~ chi^2_2 = -2 ln U.
      const double z = standard_normal(rng);
      const double u = 1.0 - uniform01(rng);  // (0, 1]
      const double v = -std::log(u);
      return v > 0.0 ? kNoiseScale * z / std::sqrt(v) : 0.0;
    }
  }
}

Index method_steps(Index method) {
  return static_cast<Index>(method == 0 ? kTdSteps.size() : kQtdSteps.size());
}
Index method_offset(Index method) {
  Index off = 0;
  for (Index k = 0; k < method; ++k) off += method_steps(k);
  return off;
}
const Index kPerFamily = method_offset(kMethods);

// One run: a fresh MRP, then every (family, method, step size) from the same
// MRP; returns the final squared errors, flattened [family][method][step].
Eigen::VectorXd run_once(Rng& rng, Index iterations) {
  const auto mdp = random_mdp(kStates, 1, kStates, rng);
  const Eigen::VectorXd exact = evaluate_policy(mdp, Eigen::MatrixXd::Ones(kStates, 1), kGamma);
  std::vector<Eigen::VectorXd> probs(kStates);
  for (Index s = 0; s < kStates; ++s) {
    const auto out = mdp.outcomes(s, 0);
    probs[static_cast<std::size_t>(s)].resize(static_cast<Index>(out.size()));
    for (std::size_t k = 0; k < out.size(); ++k)
      probs[static_cast<std::size_t>(s)][static_cast<Index>(k)] = out[k].probability;
  }
  Eigen::VectorXd result(kPerFamily * static_cast<Index>(kFamilies.size()));
  for (Index f = 0; f < static_cast<Index>(kFamilies.size()); ++f) {
    // Every method and step size of a family sees the same transitions and
    // rewards (common random numbers), so their errors differ only by the
    // method.
    const auto family_seed = rng();
    for (Index method = 0; method < kMethods; ++method) {
      for (Index k = 0; k < method_steps(method); ++k) {
        Rng stream(family_seed);
        TabularV<double> v(kStates);
        std::optional<TD0<TabularV<double>>> td;
        const Index m = method == 0 ? 1 : kQuantiles[static_cast<std::size_t>(method - 1)];
        QuantileTable<double> table(kStates, 1, m);
        std::optional<QuantileTD<>> qtd;
        if (method == 0)
          td.emplace(v, TDConfig{.gamma = kGamma, .step_size = kTdSteps[static_cast<std::size_t>(k)]});
        else
          qtd.emplace(table, QuantileTDConfig{.gamma = kGamma,
                                              .step_size = kQtdSteps[static_cast<std::size_t>(k)]});
        bool diverged = false;
        for (Index it = 0; it < iterations && !diverged; ++it) {
          for (Index s = 0; s < kStates; ++s) {
            const auto& o = mdp.outcomes(s, 0)[static_cast<std::size_t>(
                sample_discrete(stream, probs[static_cast<std::size_t>(s)]))];
            const Transition<> t{.state = s, .reward = o.reward + noise(f, stream),
                                 .next_state = o.next_state};
            try {
              if (td) td->update(t); else qtd->update(t);
            } catch (const std::invalid_argument&) {  // TD overflowed at a large step
              diverged = true;
              break;
            }
          }
        }
        double mse = 0.0;
        for (Index s = 0; s < kStates; ++s) {
          const double est = td ? v.value(s) : table.mean(s);
          mse += (est - exact[s]) * (est - exact[s]);
        }
        mse /= double(kStates);
        if (diverged || !std::isfinite(mse)) mse = std::numeric_limits<double>::max();
        result[f * kPerFamily + method_offset(method) + k] = mse;
      }
    }
  }
  return result;
}

std::string method_name(Index method) {
  return method == 0 ? std::string("TD")
                     : "QTD m=" + std::to_string(kQuantiles[static_cast<std::size_t>(method - 1)]);
}

// Run-averaged MSE of each (family, method) at its best step size, for one
// horizon; adds the curves (error against step size) to `csv`.
struct Table {
  std::vector<std::vector<double>> mse, step;  // [family][method]
};

Table best_errors(const SeedStatistics& stats, const std::string& prefix, CsvWriter& csv) {
  Table t{std::vector<std::vector<double>>(kFamilies.size(), std::vector<double>(kMethods)),
          std::vector<std::vector<double>>(kFamilies.size(), std::vector<double>(kMethods))};
  for (Index f = 0; f < static_cast<Index>(kFamilies.size()); ++f) {
    const auto fi = static_cast<std::size_t>(f);
    for (Index method = 0; method < kMethods; ++method) {
      const auto mi = static_cast<std::size_t>(method);
      const auto& steps = method == 0 ? kTdSteps : kQtdSteps;
      const Index off = f * kPerFamily + method_offset(method);
      t.mse[fi][mi] = std::numeric_limits<double>::infinity();
      for (Index k = 0; k < method_steps(method); ++k) {
        const double mse = stats.mean[off + k];
        const double alpha = steps[static_cast<std::size_t>(k)];
        if (mse < std::numeric_limits<double>::max() / 2)  // diverged runs are left out
          csv.add_point(prefix + kFamilies[fi] + ": " + method_name(method), alpha, mse,
                        stats.standard_error[off + k]);
        if (mse < t.mse[fi][mi]) {
          t.mse[fi][mi] = mse;
          t.step[fi][mi] = alpha;
        }
      }
    }
  }
  return t;
}

// The step size as printed, with "!" when it is at an edge of its grid.
std::string step_label(Index method, double alpha) {
  const auto& steps = method == 0 ? kTdSteps : kQtdSteps;
  const bool edge = alpha == steps.front() || alpha == steps.back();
  return " [" + format_number(alpha) + (edge ? "!]" : "]");
}

// Prints the table; returns, per family, the best QTD / TD ratio.
std::vector<double> print_table(const Table& t) {
  std::cout << std::left << std::setw(15) << "rewards" << std::setw(20) << "TD";
  for (Index method = 1; method < kMethods; ++method)
    std::cout << std::setw(26) << method_name(method);
  std::cout << "\n";
  std::vector<double> best_ratio(kFamilies.size(), std::numeric_limits<double>::infinity());
  for (std::size_t f = 0; f < kFamilies.size(); ++f) {
    std::ostringstream row;
    row << std::left << std::setw(15) << kFamilies[f]
        << std::setw(20) << (format_number(t.mse[f][0]) + step_label(0, t.step[f][0]));
    for (std::size_t m = 1; m < static_cast<std::size_t>(kMethods); ++m) {
      const double ratio = t.mse[f][m] / t.mse[f][0];
      best_ratio[f] = std::min(best_ratio[f], ratio);
      row << std::setw(26)
          << (format_number(t.mse[f][m]) + step_label(static_cast<Index>(m), t.step[f][m]) + " x" +
              format_number(ratio, 3));
    }
    std::cout << row.str() << "\n";
  }
  return best_ratio;
}

int run(const ExampleOptions& opts) {
  // The checks use T = 300; full mode also shows T = 30, 100, 1000
  // (information only: how the ratios move with the number of updates).
  const std::vector<Index> horizons = opts.quick ? std::vector<Index>{300}
                                                 : std::vector<Index>{300, 30, 100, 1000};
  CsvWriter csv;
  std::vector<double> ratio;
  for (const Index iterations : horizons) {
    ProgressReporter progress("qtd_vs_td T=" + std::to_string(iterations));
    const auto stats = run_seeds(
        opts.runs, opts.seed, 0, [&](Index, Rng& rng) { return run_once(rng, iterations); },
        std::ref(progress));
    const std::string prefix = "T=" + std::to_string(iterations) + " ";
    const Table t = best_errors(stats, prefix, csv);
    std::cout << "qtd_vs_td: " << opts.runs << " runs, T = " << iterations
              << " synchronous iterations, noise scale " << kNoiseScale << "\n"
              << "MSE of the value estimate at each method's best step size [step], and the\n"
              << "ratio MSE(QTD) / MSE(TD) (x < 1: QTD better)\n";
    const auto r = print_table(t);
    if (ratio.empty()) ratio = r;
  }

  // The paper's claim per family, printed beside the measurement. Only the
  // two outcomes this setup reproduces robustly (also with --quick's few
  // runs) decide the exit code; see the header comment and docs.
  const std::string at = " (T = 300, best QTD / TD MSE ratio)";
  auto note = [&](const std::string& what, const std::string& expected, double measured,
                  bool agrees) {
    std::cout << "[qtd_vs_td] (paper, not checked) " << what << at << "\n  expected: " << expected
              << "\n  measured: " << format_number(measured) << "\n  "
              << (agrees ? "agrees" : "DOES NOT AGREE") << "\n";
  };
  note("deterministic rewards: TD better than every QTD", "> 1", ratio[0], ratio[0] > 1.0);
  note("Gaussian noise: the best QTD better than TD", "< 1", ratio[1], ratio[1] < 1.0);
  note("skewed noise: the best QTD better than TD", "< 1", ratio[2], ratio[2] < 1.0);
  Report report("qtd_vs_td");
  report.check_less("heavy-tailed noise: the best QTD beats TD" + at, ratio[3], 1.0);
  report.check("QTD's relative error is larger with deterministic rewards than with "
                "heavy-tailed noise" + at,
                "ratio(deterministic) > ratio(heavy-tailed)",
                format_number(ratio[0]) + " > " + format_number(ratio[3]), ratio[0] > ratio[3]);

  const auto path = opts.csv_path("qtd_vs_td");
  csv.write(path);
  std::cout << "qtd_vs_td: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "qtd_vs_td",
      "Rowland et al. 2023: QTD vs TD value-estimation error on random MRPs, by noise family.",
      {.runs = 200, .quick_runs = 24, .seed = 0, .out = "out"}, run);
}
