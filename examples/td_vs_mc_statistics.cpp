// Cheikhi & Russo, "On the Statistical Benefits of Temporal Difference
// Learning" (ICML 2023): on a layered chain (L = 5 layers of W states, uniform
// transitions to every state of the next layer, a Bernoulli(1/2) reward on
// leaving the last layer, start uniform on the first layer, gamma 1) with
// N = 20W episodes, the mean squared error of batch TD (certainty
// equivalence) over that of Monte Carlo, for first-layer states, is about
// 1/W: TD pools the trajectories that pass through each later state, which
// Monte Carlo keeps apart by their start. On W disjoint paths (no pooling)
// the ratio is 1.
//
// Simulated: for each W in {2, 5, 10, 20}, `runs` data sets of N episodes;
// N * MSE averaged over the first-layer states, for both estimators; their
// ratio beside the exact asymptotic ratio of mdp/td_mc_statistics.hpp.
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/mdp/td_mc_statistics.hpp>

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kLayers = 5;
const std::vector<Index> kWidths{2, 5, 10, 20};
constexpr Index kDisjointWidth = 5;

// N * squared error averaged over the first-layer states: (td, mc).
std::pair<double, double> first_layer_errors(const EpisodicMRP& m, Index width, Rng& rng) {
  const Index N = 20 * width;
  const auto est = sample_td_mc_estimates(m.mrp, m.start, 1.0, N, rng);
  double td = 0.0, mc = 0.0;
  for (Index s = 0; s < width; ++s) {
    // True value 1/2; an unvisited state (probability < 1e-8) keeps its
    // prior error (estimate 0).
    const double dt = (std::isnan(est.td[s]) ? 0.0 : est.td[s]) - 0.5;
    const double dm = (std::isnan(est.mc[s]) ? 0.0 : est.mc[s]) - 0.5;
    td += dt * dt;
    mc += dm * dm;
  }
  return {td * double(N) / double(width), mc * double(N) / double(width)};
}

int body(const ExampleOptions& opts) {
  CsvWriter csv;
  Report report("td_vs_mc_statistics");
  ProgressReporter progress("td_vs_mc_statistics");
  std::vector<EpisodicMRP> chains;
  for (Index w : kWidths) chains.push_back(layered_chain(kLayers, w));
  const EpisodicMRP disjoint = layered_chain(kLayers, kDisjointWidth, true);

  // One run: (td, mc) for every width, then for the disjoint chain.
  const auto stats = run_seeds(
      opts.runs, opts.seed, 0,
      [&](Index, Rng& rng) {
        Eigen::VectorXd out(2 * Index(kWidths.size()) + 2);
        for (std::size_t i = 0; i < kWidths.size(); ++i) {
          const auto [td, mc] = first_layer_errors(chains[i], kWidths[i], rng);
          out[2 * Index(i)] = td;
          out[2 * Index(i) + 1] = mc;
        }
        const auto [td, mc] = first_layer_errors(disjoint, kDisjointWidth, rng);
        out[2 * Index(kWidths.size())] = td;
        out[2 * Index(kWidths.size()) + 1] = mc;
        return out;
      },
      std::ref(progress));

  auto ratio = [&](Index i, double& se) {
    const double td = stats.mean[2 * i], mc = stats.mean[2 * i + 1];
    const double r = td / mc;
    se = r * std::sqrt(std::pow(stats.standard_error[2 * i] / td, 2) +
                       std::pow(stats.standard_error[2 * i + 1] / mc, 2));
    return r;
  };
  bool within = true, falling = true;
  double previous = 2.0;
  std::string measured;
  for (std::size_t i = 0; i < kWidths.size(); ++i) {
    const Index w = kWidths[i];
    const auto exact = td_mc_statistics(chains[i].mrp, chains[i].start, 1.0, 20 * w);
    const double exact_ratio = exact.ratio.head(w).mean();
    double se = 0.0;
    const double r = ratio(Index(i), se);
    csv.add_point("simulated MSE ratio TD/MC", double(w), r, se);
    csv.add_point("exact asymptotic ratio", double(w), exact_ratio, 0.0);
    csv.add_point("1/W", double(w), 1.0 / double(w), 0.0);
    csv.add_point("simulated N*MSE TD", double(w), stats.mean[2 * Index(i)],
                  stats.standard_error[2 * Index(i)]);
    csv.add_point("simulated N*MSE MC", double(w), stats.mean[2 * Index(i) + 1],
                  stats.standard_error[2 * Index(i) + 1]);
    csv.add_point("exact N*MSE TD", double(w), exact.td_mse.head(w).mean() * double(20 * w), 0.0);
    csv.add_point("exact N*MSE MC", double(w), exact.mc_mse.head(w).mean() * double(20 * w), 0.0);
    std::cout << "W = " << w << ": simulated ratio " << format_number(r) << " +- "
              << format_number(se) << ", exact " << format_number(exact_ratio) << "\n";
    measured += (i ? ", " : "") + std::string("W=") + std::to_string(w) + ": " + format_number(r, 3);
    within = within && std::abs(r - exact_ratio) <= 0.2 * exact_ratio + 3.0 * se;
    falling = falling && r < previous;
    previous = r;
  }
  report.check("layered chain: simulated TD/MC MSE ratio of first-layer states vs exact 1/W",
               "W=2: 0.5, W=5: 0.2, W=10: 0.1, W=20: 0.05 (each within 20% + 3 s.e.), falling",
               measured, within && falling);

  const auto exact_d = td_mc_statistics(disjoint.mrp, disjoint.start, 1.0, 20 * kDisjointWidth);
  double se_d = 0.0;
  const double r_d = ratio(Index(kWidths.size()), se_d);
  csv.add_point("disjoint paths: simulated ratio", double(kDisjointWidth), r_d, se_d);
  csv.add_point("disjoint paths: exact ratio", double(kDisjointWidth),
                exact_d.ratio.head(kDisjointWidth).mean(), 0.0);
  report.check("disjoint paths (W = 5): no pooling, TD gains nothing",
               "ratio 1 (exact " + format_number(exact_d.ratio.head(kDisjointWidth).mean()) + ")",
               format_number(r_d) + " +- " + format_number(se_d),
               std::abs(r_d - 1.0) <= 0.02 + 3.0 * se_d);

  const auto path = opts.csv_path("td_vs_mc_statistics");
  csv.write(path);
  std::cout << "td_vs_mc_statistics: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "td_vs_mc_statistics",
      "Cheikhi & Russo 2023: batch TD vs Monte Carlo MSE on layered chains; the ratio falls like "
      "1/W.",
      {.runs = 2000, .quick_runs = 300, .seed = 0, .out = "out"}, body);
}
