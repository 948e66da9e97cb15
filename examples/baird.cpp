// Baird's counterexample (Baird 1995; Sutton & Barto 2nd ed. Example 11.1,
// Figures 11.2 and 11.5): seven states, eight features
//   phi(i) = 2 e_i + e_8 (i = 1..6, the upper states),  phi(7) = e_7 + 2 e_8,
// reward 0, gamma 0.99. Behaviour b: "dashed" (to one of the six upper states
// at random) with probability 6/7, "solid" (to state 7) with 1/7; target pi:
// always solid, so rho = 7 after solid and 0 after dashed. Weights start at
// (1, 1, 1, 1, 1, 1, 10, 1); the true values are 0.
//
// Figure 11.2: off-policy semi-gradient TD(0) (alpha 0.01) diverges: its
// weights grow without bound. Figure 11.5: TDC (alpha 0.005, beta 0.05)
// converges, the projected Bellman error (PBE) going to zero; GTD2 (same
// step sizes) too. With 8 features spanning all 7 states the projection is
// the identity here, so the PBE equals the Bellman error.
// Measured per step: the weights (mean over runs), sqrt(VE) = ||v||_mu and
// sqrt(PBE) = ||Pi(T v - v)||_mu with mu uniform (b's state distribution).
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/approx/feature_table.hpp>
#include <rlvalue/approx/linear_v.hpp>
#include <rlvalue/learners/gradient_td.hpp>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kStates = 7;
constexpr Index kFeatures = 8;
constexpr double kGamma = 0.99;
constexpr Index kSteps = 1000;
constexpr Index kEvery = 10;  // record every 10 steps

/// Baird's features, one row per state (states x features).
Eigen::MatrixXd baird_features() {
  Eigen::MatrixXd phi = Eigen::MatrixXd::Zero(kStates, kFeatures);
  for (Index s = 0; s < 6; ++s) phi(s, s) = 2, phi(s, 7) = 1;
  phi(6, 6) = 1, phi(6, 7) = 2;
  return phi;
}

// The features as a FeatureTable (one column per state).
using V = LinearV<FeatureTable<double>>;

// sqrt(PBE) and sqrt(VE) of weights w (mu uniform, target: always to state 7).
struct Errors {
  double pbe, ve;
};
// The seven feature rows are linearly independent, so the features span all
// of R^7 and the mu-projection Pi is the identity: PBE = ||T v - v||^2_mu.
Errors errors(const Eigen::VectorXd& w) {
  static const Eigen::MatrixXd phi = baird_features();
  // Written out: GCC 12 at -O3 reports a false -Wmaybe-uninitialized inside
  // Eigen's vectorised squaredNorm of a product here.
  double v[kStates];
  for (Index s = 0; s < kStates; ++s) {
    v[s] = 0;
    for (Index j = 0; j < phi.cols(); ++j) v[s] += phi(s, j) * w[j];
  }
  double pbe = 0, ve = 0;
  for (Index s = 0; s < kStates; ++s) {
    const double bellman = kGamma * v[6] - v[s];
    pbe += bellman * bellman;
    ve += v[s] * v[s];
  }
  return {std::sqrt(pbe / kStates), std::sqrt(ve / kStates)};
}

// One run: per recorded step, the 8 weights then sqrt(PBE) and sqrt(VE).
template <class Learner>
Eigen::VectorXd run(Rng& rng, double alpha, double beta) {
  V v{FeatureTable<double>(baird_features().transpose())};
  v.parameters() << 1, 1, 1, 1, 1, 1, 10, 1;
  Learner learner(v, {.gamma = kGamma, .step_size = alpha, .secondary_step_size = beta});
  const Index points = kSteps / kEvery + 1;
  Eigen::VectorXd out(points * (kFeatures + 2));
  auto record = [&](Index p) {
    const Errors e = errors(v.parameters());
    out.segment(p * (kFeatures + 2), kFeatures) = v.parameters();
    out[p * (kFeatures + 2) + kFeatures] = e.pbe;
    out[p * (kFeatures + 2) + kFeatures + 1] = e.ve;
  };
  record(0);
  Index s = uniform_index(rng, kStates);
  for (Index step = 1; step <= kSteps; ++step) {
    const bool solid = uniform_index(rng, 7) == 0;
    const Index next = solid ? 6 : uniform_index(rng, 6);
    learner.update({.state = s, .reward = 0.0, .next_state = next}, solid ? 7.0 : 0.0);
    s = next;
    if (step % kEvery == 0) record(step / kEvery);
  }
  return out;
}

struct Method {
  std::string name;
  SeedStatistics stats;
};

int body(const ExampleOptions& opts) {
  CsvWriter csv;
  Report report("baird");
  const Index points = kSteps / kEvery + 1;
  const Eigen::VectorXd steps = Eigen::VectorXd::LinSpaced(points, 0.0, double(kSteps));
  std::vector<Method> methods;
  methods.push_back({"semi-gradient TD", run_seeds(opts.runs, opts.seed, 0, [](Index, Rng& rng) {
                       return run<OffPolicyTD<V>>(rng, 0.01, 0.01);
                     })});
  methods.push_back({"TDC", run_seeds(opts.runs, opts.seed, 0, [](Index, Rng& rng) {
                       return run<TDC<V>>(rng, 0.005, 0.05);
                     })});
  methods.push_back({"GTD2", run_seeds(opts.runs, opts.seed, 0, [](Index, Rng& rng) {
                       return run<GTD2<V>>(rng, 0.005, 0.05);
                     })});
  const Index stride = kFeatures + 2;
  struct Summary {
    double pbe0, pbe_end, max_w_end, max_w_mid;
  };
  std::vector<Summary> summary;
  for (const auto& m : methods) {
    auto column = [&](Index c, const Eigen::VectorXd& x) {
      Eigen::VectorXd out(points);
      for (Index p = 0; p < points; ++p) out[p] = x[p * stride + c];
      return out;
    };
    for (Index f = 0; f < kFeatures; ++f)
      csv.add_curve(m.name + " w" + std::to_string(f + 1), steps, column(f, m.stats.mean),
                    column(f, m.stats.standard_error));
    csv.add_curve(m.name + " sqrt(PBE)", steps, column(kFeatures, m.stats.mean),
                  column(kFeatures, m.stats.standard_error));
    csv.add_curve(m.name + " sqrt(VE)", steps, column(kFeatures + 1, m.stats.mean),
                  column(kFeatures + 1, m.stats.standard_error));
    Summary s{};
    const Eigen::VectorXd pbe = column(kFeatures, m.stats.mean);
    s.pbe0 = pbe[0];
    s.pbe_end = pbe[points - 1];
    s.max_w_end = m.stats.mean.segment((points - 1) * stride, kFeatures).cwiseAbs().maxCoeff();
    s.max_w_mid = m.stats.mean.segment((points / 2) * stride, kFeatures).cwiseAbs().maxCoeff();
    summary.push_back(s);
  }
  const auto& td = summary[0];
  report.check("Figure 11.2: semi-gradient off-policy TD diverges (max |w| at steps 500 -> 1000)",
               "grows without bound: > 10x the initial 10 and still growing",
               format_number(td.max_w_mid) + " -> " + format_number(td.max_w_end),
               td.max_w_end > 100.0 && td.max_w_end > 1.5 * td.max_w_mid);
  for (std::size_t i = 1; i < methods.size(); ++i) {
    const auto& s = summary[i];
    report.check("Figure 11.5: " + methods[i].name + " sqrt(PBE) goes to zero (step 0 -> 1000)",
                 "falls below 15% of its start, weights bounded (max |w| < 20)",
                 format_number(s.pbe0) + " -> " + format_number(s.pbe_end) +
                     ", max |w| = " + format_number(s.max_w_end),
                 s.pbe_end < 0.15 * s.pbe0 && s.max_w_end < 20.0);
  }
  const auto path = opts.csv_path("baird");
  csv.write(path);
  std::cout << "baird: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "baird",
      "Baird's counterexample (Sutton & Barto Figures 11.2, 11.5): semi-gradient off-policy TD "
      "diverges, TDC and GTD2 converge.",
      {.runs = 100, .quick_runs = 20, .seed = 0, .out = "out"}, body);
}
