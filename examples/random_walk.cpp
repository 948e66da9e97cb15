// Sutton & Barto (2nd ed.) Example 6.2 and Figure 6.2 on the 5-state random
// walk: TD(0) against constant-alpha Monte Carlo, online and in batch.
//
// Example 6.2: RMS error over the 5 states (averaged over runs) after each of
// 100 episodes, values starting at 0.5, gamma = 1; TD(0) with alpha in
// {0.05, 0.1, 0.15}, every-visit constant-alpha MC with alpha in
// {0.01, 0.02, 0.03, 0.04}. The book: TD is better than MC throughout; every
// TD curve ends below every MC curve.
// Figure 6.2: after each episode, all episodes seen so far are swept with
// alpha = 0.001, increments summed over a sweep and applied once, until a
// sweep changes the values by less than 1e-3. Values start at 0.5 as in
// Example 6.2 (the book's figure starts at the same RMS error, 0.24; some
// reproductions start at -1, which only adds a large early error). The book:
// batch TD is below batch MC throughout.
#include <rlvalue/rlvalue.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kEpisodes = 100;
constexpr Index kMaxSteps = 100000;  // a walk ends long before; the cap only guards

std::string label(const std::string& method, double alpha) {
  return method + " alpha=" + format_number(alpha, 3);
}

// Plays one episode of the walk, handing each transition to `learn`.
template <class Learn>
void play(RandomWalk& env, Rng& rng, Learn&& learn) {
  auto select = [](Index, Rng&) { return Index{0}; };  // a Markov reward process: one action
  run_episode(env, select, learn, rng, kMaxSteps);
}

// Online learner (TD0 or MonteCarlo): RMS error after each episode.
template <class Learner>
Eigen::VectorXd online_curve(Rng& rng, double alpha) {
  RandomWalk env = RandomWalk::sutton_barto_5();
  const Eigen::VectorXd truth = env.true_values();
  TabularV<double> v(env.num_states(), 0.5);
  Learner learner(v, {.gamma = 1.0, .step_size = alpha});
  Eigen::VectorXd curve(kEpisodes);
  for (Index e = 0; e < kEpisodes; ++e) {
    play(env, rng, [&](const auto& t) { learner.update(t); });
    curve[e] = rmse(v.parameters(), truth);
  }
  return curve;
}

// Batch learner (BatchTD or BatchMonteCarlo): RMS error after each episode's
// batch training on all episodes so far.
template <class Learner>
Eigen::VectorXd batch_curve(Rng& rng) {
  RandomWalk env = RandomWalk::sutton_barto_5();
  const Eigen::VectorXd truth = env.true_values();
  TabularV<double> v(env.num_states(), 0.5);
  Learner learner(v, {.gamma = 1.0, .step_size = 0.001, .tolerance = 1e-3});
  Eigen::VectorXd curve(kEpisodes);
  for (Index e = 0; e < kEpisodes; ++e) {
    play(env, rng, [&](const auto& t) { learner.add(t); });
    const auto result = learner.train();
    if (!result.converged) throw std::runtime_error("batch training did not converge");
    curve[e] = rmse(v.parameters(), truth);
  }
  return curve;
}

double tail_mean(const Eigen::VectorXd& curve, Index last) {
  return curve.tail(last).mean();
}

int run(const ExampleOptions& opts) {
  const Eigen::VectorXd episodes = Eigen::VectorXd::LinSpaced(kEpisodes, 1.0, double(kEpisodes));
  CsvWriter csv;
  Report report("random_walk");
  ProgressReporter progress("random_walk");

  // Example 6.2. Every method sees the same episodes in run r (the walk uses
  // only the environment's randomness), so the comparison is paired.
  const std::vector<double> td_alphas{0.05, 0.1, 0.15};
  const std::vector<double> mc_alphas{0.01, 0.02, 0.03, 0.04};
  double worst_td = -1.0, best_mc = 1e9;
  std::string worst_td_name, best_mc_name;
  for (double alpha : td_alphas) {
    auto stats = run_seeds(opts.runs, opts.seed, 0, [alpha](Index, Rng& rng) {
      return online_curve<TD0<TabularV<double>>>(rng, alpha);
    });
    csv.add_curve(label("TD", alpha), episodes, stats.mean, stats.standard_error);
    const double end = tail_mean(stats.mean, 10);
    if (end > worst_td) worst_td = end, worst_td_name = label("TD", alpha);
  }
  for (double alpha : mc_alphas) {
    auto stats = run_seeds(opts.runs, opts.seed, 0, [alpha](Index, Rng& rng) {
      return online_curve<MonteCarlo<TabularV<double>>>(rng, alpha);
    });
    csv.add_curve(label("MC", alpha), episodes, stats.mean, stats.standard_error);
    const double end = tail_mean(stats.mean, 10);
    if (end < best_mc) best_mc = end, best_mc_name = label("MC", alpha);
  }
  report.check("Example 6.2: every TD curve ends below every MC curve (RMS, episodes 91-100)",
               "worst TD < best MC",
               worst_td_name + " " + format_number(worst_td) + " vs " + best_mc_name + " " +
                   format_number(best_mc),
               worst_td < best_mc);

  // Figure 6.2.
  const Index batch_runs = opts.runs;
  auto batch_td = run_seeds(batch_runs, opts.seed, 0,
                            [](Index, Rng& rng) { return batch_curve<BatchTD<TabularV<double>>>(rng); },
                            std::ref(progress));
  auto batch_mc = run_seeds(batch_runs, opts.seed, 0,
                            [](Index, Rng& rng) {
                              return batch_curve<BatchMonteCarlo<TabularV<double>>>(rng);
                            },
                            std::ref(progress));
  csv.add_curve("batch TD", episodes, batch_td.mean, batch_td.standard_error);
  csv.add_curve("batch MC", episodes, batch_mc.mean, batch_mc.standard_error);
  Index td_below = 0;
  for (Index e = 0; e < kEpisodes; ++e) td_below += batch_td.mean[e] < batch_mc.mean[e];
  report.check("Figure 6.2: batch TD below batch MC throughout (episodes where it is)",
               std::to_string(kEpisodes) + "/" + std::to_string(kEpisodes),
               std::to_string(td_below) + "/" + std::to_string(kEpisodes), td_below == kEpisodes);
  report.check_less("Figure 6.2: batch TD RMS after 100 episodes (book: about 0.05)",
                    batch_td.mean[kEpisodes - 1], 0.07);

  const auto path = opts.csv_path("random_walk");
  csv.write(path);
  std::cout << "random_walk: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "random_walk",
      "Sutton & Barto Example 6.2 and Figure 6.2: TD(0) vs constant-alpha MC on the 5-state walk.",
      {.runs = 100, .quick_runs = 100, .seed = 0, .out = "out"}, run);
}
