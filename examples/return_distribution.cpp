// The return distribution of a fixed policy, learned by categorical TD
// (Bellemare, Dabney, Munos 2017; Rowland et al. 2018) and by quantile TD
// (Dabney et al. 2018; Rowland et al. 2023), against the empirical
// distribution of Monte Carlo returns.
//
// Chain: states 0..4, episodes start in 0; each step moves right with
// probability 0.6, else left (staying put at 0), reward -1; moving right from
// state 4 ends the episode with reward +10; gamma = 0.95. The return from
// state 0 is skewed with a long left tail (long episodes). Both learners see
// the same episodes (2000 in --quick, 5000 otherwise) with per-visit step
// sizes: CTD 1/n^0.7 (a mixture weight, at most 1) on 61 atoms on [-20, 10]
// (returns lie in [-20, 10]); QTD 10/n^0.5 (a distance in return units: an
// estimate moves by at most alpha per update) with m = 51 estimates. The Monte Carlo reference is 20000 independent
// episodes. Distances between the distributions at state 0 are the
// 1-Wasserstein distance int |F - G| and the Cramer distance
// (int (F - G)^2)^(1/2).
//
// Expected (the theory of both methods: their fixed points approximate the
// true return distribution to within the support's resolution, dz = 0.5, and
// O(1/m)): both learned distributions are far closer to the Monte Carlo
// distribution than a point mass at the true value is (we require a W1 below
// 10% of the point mass's; our threshold), and their means are near the exact value
// (mdp/evaluate_policy).
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/approx/categorical_table.hpp>
#include <rlvalue/approx/quantile_table.hpp>
#include <rlvalue/learners/categorical_td.hpp>
#include <rlvalue/learners/quantile_td.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kStates = 5;
constexpr double kGamma = 0.95;
constexpr double kRight = 0.6;
constexpr Index kAtoms = 61;
constexpr Index kQuantiles = 51;
constexpr Index kMonteCarloEpisodes = 20000;
const UniformSupport kSupport{.v_min = -20.0, .v_max = 10.0, .num_atoms = kAtoms};

TabularMDP<double> chain() {
  TabularMDP<double>::Builder b(kStates, 1);
  for (Index s = 0; s < kStates; ++s) {
    if (s + 1 < kStates)
      b.add(s, 0, s + 1, kRight, -1.0);
    else
      b.add(s, 0, s, kRight, 10.0, true);
    b.add(s, 0, s == 0 ? 0 : s - 1, 1.0 - kRight, -1.0);
  }
  return std::move(b).build();
}

/// A discrete distribution as sorted (atom, probability) pairs.
using Distribution = std::vector<std::pair<double, double>>;

Distribution sorted(Distribution d) {
  std::sort(d.begin(), d.end());
  return d;
}

/// F(x) = P(Z <= x) of a sorted distribution.
double cdf(const Distribution& d, double x) {
  double f = 0.0;
  for (const auto& [z, p] : d) {
    if (z > x) break;
    f += p;
  }
  return f;
}

/// W1 = int |F - G| dx and the Cramer distance (int (F - G)^2 dx)^(1/2)
/// between two sorted distributions (F, G step functions: exact integrals).
std::pair<double, double> distances(const Distribution& a, const Distribution& b) {
  std::vector<double> xs;
  for (const auto& [z, p] : a) xs.push_back(z);
  for (const auto& [z, p] : b) xs.push_back(z);
  std::sort(xs.begin(), xs.end());
  double w1 = 0.0, cramer = 0.0, fa = 0.0, fb = 0.0;
  std::size_t ia = 0, ib = 0;
  for (std::size_t k = 0; k + 1 < xs.size(); ++k) {
    while (ia < a.size() && a[ia].first <= xs[k]) fa += a[ia++].second;
    while (ib < b.size() && b[ib].first <= xs[k]) fb += b[ib++].second;
    const double width = xs[k + 1] - xs[k];
    w1 += std::abs(fa - fb) * width;
    cramer += (fa - fb) * (fa - fb) * width;
  }
  return {w1, std::sqrt(cramer)};
}

struct RunResult {
  double w1_ctd, w1_qtd, w1_point, cramer_ctd, cramer_qtd, mean_ctd, mean_qtd, mean_mc;
  Eigen::VectorXd cdf_ctd, cdf_qtd, cdf_mc;
};

Eigen::VectorXd cdf_on(const Distribution& d, const Eigen::VectorXd& grid) {
  Eigen::VectorXd out(grid.size());
  for (Index i = 0; i < grid.size(); ++i) out[i] = cdf(d, grid[i]);
  return out;
}

RunResult run_once(Rng& rng, Index episodes, const Eigen::VectorXd& grid, double exact) {
  MDPEnvironment env(chain(), 0);
  CategoricalTable<double> ctable(kStates, kSupport);
  QuantileTable<double> qtable(kStates, 1, kQuantiles);
  const TDConfig cconfig{.gamma = kGamma, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                         .omega = 0.7};
  CategoricalTD<> ctd(ctable, cconfig);
  // QTD moves an estimate by at most alpha per update, in units of return:
  // its step scale must match the spread of the returns (about 30 here).
  QuantileTD<> qtd(qtable, {.gamma = kGamma, .step_size = 10.0,
                            .schedule = StepSchedule::per_visit, .omega = 0.5});
  for (Index e = 0; e < episodes; ++e) {
    Index s = env.reset(rng);
    for (;;) {
      const auto step = env.step(0, rng);
      const Transition<> t{.state = s, .reward = step.reward, .next_state = step.next_state,
                           .terminated = step.terminated};
      ctd.update(t);
      qtd.update(t);
      if (step.terminated) break;
      s = step.next_state;
    }
  }
  // Monte Carlo returns from state 0.
  Distribution mc;
  mc.reserve(static_cast<std::size_t>(kMonteCarloEpisodes));
  double mc_mean = 0.0;
  for (Index e = 0; e < kMonteCarloEpisodes; ++e) {
    env.reset(rng);
    double g = 0.0, discount = 1.0;
    for (;;) {
      const auto step = env.step(0, rng);
      g += discount * step.reward;
      discount *= kGamma;
      if (step.terminated) break;
    }
    mc.emplace_back(g, 1.0 / double(kMonteCarloEpisodes));
    mc_mean += g / double(kMonteCarloEpisodes);
  }
  mc = sorted(std::move(mc));
  Distribution c, q;
  for (Index i = 0; i < kAtoms; ++i) c.emplace_back(ctable.support()[i], ctd.probabilities(0)[i]);
  for (Index i = 0; i < kQuantiles; ++i)
    q.emplace_back(qtd.quantiles(0)[i], 1.0 / double(kQuantiles));
  c = sorted(std::move(c));
  q = sorted(std::move(q));
  const auto [w1c, crc] = distances(c, mc);
  const auto [w1q, crq] = distances(q, mc);
  const auto [w1p, crp] = distances(Distribution{{exact, 1.0}}, mc);
  (void)crp;
  return {w1c, w1q, w1p, crc, crq, ctd.value(0), qtd.value(0), mc_mean,
          cdf_on(c, grid), cdf_on(q, grid), cdf_on(mc, grid)};
}

int run(const ExampleOptions& opts) {
  const Index episodes = opts.quick ? 2000 : 5000;
  const double exact = evaluate_policy(chain(), Eigen::MatrixXd::Ones(kStates, 1), kGamma)[0];
  const Eigen::VectorXd grid = Eigen::VectorXd::LinSpaced(301, -20.0, 10.0);
  const Index G = grid.size();
  ProgressReporter progress("return_distribution");
  // Per run: 8 scalars, then the three CDFs on the grid.
  const auto stats = run_seeds(
      opts.runs, opts.seed, 0,
      [&](Index, Rng& rng) {
        const RunResult r = run_once(rng, episodes, grid, exact);
        Eigen::VectorXd v(8 + 3 * G);
        v.head(8) << r.w1_ctd, r.w1_qtd, r.w1_point, r.cramer_ctd, r.cramer_qtd, r.mean_ctd,
            r.mean_qtd, r.mean_mc;
        v.segment(8, G) = r.cdf_ctd;
        v.segment(8 + G, G) = r.cdf_qtd;
        v.segment(8 + 2 * G, G) = r.cdf_mc;
        return v;
      },
      std::ref(progress));
  const auto& m = stats.mean;

  CsvWriter csv;
  csv.add_curve("CDF categorical TD (61 atoms)", grid, stats.mean.segment(8, G),
                stats.standard_error.segment(8, G));
  csv.add_curve("CDF quantile TD (m=51)", grid, stats.mean.segment(8 + G, G),
                stats.standard_error.segment(8 + G, G));
  csv.add_curve("CDF Monte Carlo", grid, stats.mean.segment(8 + 2 * G, G),
                stats.standard_error.segment(8 + 2 * G, G));

  std::cout << "return_distribution: " << opts.runs << " runs, " << episodes
            << " learning episodes each; state 0, exact value " << format_number(exact) << "\n"
            << "  W1 to Monte Carlo:     CTD " << format_number(m[0]) << ", QTD "
            << format_number(m[1]) << ", point mass at the value " << format_number(m[2]) << "\n"
            << "  Cramer to Monte Carlo: CTD " << format_number(m[3]) << ", QTD "
            << format_number(m[4]) << "\n"
            << "  means: CTD " << format_number(m[5]) << ", QTD " << format_number(m[6])
            << ", Monte Carlo " << format_number(m[7]) << "\n";

  Report report("return_distribution");
  report.check_less("categorical TD: W1 to the Monte Carlo returns, below 10% of a point mass's",
                    m[0], 0.1 * m[2]);
  report.check_less("quantile TD: W1 to the Monte Carlo returns, below 10% of a point mass's",
                    m[1], 0.1 * m[2]);
  report.check_near("categorical TD: mean at state 0 near the exact value", m[5], exact, 0.3);
  report.check_near("quantile TD: mean at state 0 near the exact value", m[6], exact, 0.5);

  const auto path = opts.csv_path("return_distribution");
  csv.write(path);
  std::cout << "return_distribution: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "return_distribution",
      "Return distribution of a chain learned by categorical and quantile TD vs Monte Carlo.",
      {.runs = 20, .quick_runs = 4, .seed = 0, .out = "out"}, run);
}
