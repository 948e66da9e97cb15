// Sutton & Barto (2nd ed.) Example 10.1, Mountain Car: semi-gradient SARSA
// with tile coding (8 tilings of 8 x 8 tiles over position and velocity,
// asymmetric offsets, the action as an extra integer input), Q starting at 0
// (optimistic: every reward is -1), greedy actions (epsilon = 0, ties broken
// at random), gamma = 1.
//   Figure 10.2: one-step SARSA with alpha in {0.1, 0.2, 0.5}/8, steps per
//     episode over 500 episodes, averaged over runs.
//   Figure 10.3: one-step (n = 1, alpha = 0.5/8) vs 8-step SARSA
//     (n = 8, alpha = 0.3/8).
// The book's outcome: steps per episode fall from about a thousand to the
// low hundreds; larger alpha learns faster early on (Figure 10.2); n = 8
// learns faster than n = 1 (Figure 10.3).
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/approx/linear_q.hpp>
#include <rlvalue/approx/tile_coding.hpp>
#include <rlvalue/envs/mountain_car.hpp>
#include <rlvalue/learners/n_step_sarsa.hpp>

#include <iostream>
#include <string>

namespace {

using namespace rlvalue;

constexpr Index kEpisodes = 500;
constexpr Index kMaxSteps = 100000;  // a guard only; episodes end long before
constexpr Index kTilings = 8;

using Tiles = TileCoding<2>;
using Q = LinearQ<Tiles, double, ActionFeatures::state_action>;

Tiles make_tiles() {
  return Tiles({.num_tilings = kTilings,
                .low = {MountainCar::min_position, -MountainCar::max_speed},
                .high = {MountainCar::max_position, MountainCar::max_speed},
                .tiles = {8, 8},
                .num_actions = MountainCar::num_actions()});
}

// Greedy action with ties broken uniformly at random (the book's agents).
Index greedy(const Q& q, const Eigen::Vector2d& s, Rng& rng) {
  const auto values = q.action_values(s);
  const double best = values.maxCoeff();
  Index ties[3];
  Index count = 0;
  for (Index a = 0; a < values.size(); ++a)
    if (values[a] == best) ties[count++] = a;
  return ties[uniform_index(rng, count)];
}

// Steps per episode of one run of n-step SARSA (n = 1: the existing Sarsa
// learner on the linear approximator).
Eigen::VectorXd steps_per_episode(Index n, double alpha, Index episodes, Rng& rng) {
  MountainCar env;
  Q q(make_tiles());
  const double step_size = alpha / double(kTilings);
  Sarsa<Q> sarsa(q, {.gamma = 1.0, .step_size = step_size});
  NStepSarsa<Q> nstep(q, {.gamma = 1.0, .step_size = step_size, .n = n});
  Eigen::VectorXd curve(episodes);
  for (Index e = 0; e < episodes; ++e) {
    Eigen::Vector2d s = env.reset(rng);
    Index a = greedy(q, s, rng);
    Index steps = 0;
    for (bool done = false; !done;) {
      if (++steps > kMaxSteps) throw std::runtime_error("an episode hit the step cap");
      const auto step = env.step(a, rng);
      const Index next = step.terminated ? 0 : greedy(q, step.next_state, rng);
      const Transition<Eigen::Vector2d> t{.state = s, .action = a, .reward = step.reward,
                                          .next_state = step.next_state,
                                          .terminated = step.terminated, .truncated = step.truncated};
      if (n == 1)
        sarsa.update(t, next);
      else
        nstep.update(t, next);
      s = step.next_state;
      a = next;
      done = step.terminated || step.truncated;
    }
    curve[e] = static_cast<double>(steps);
  }
  return curve;
}

int run(const ExampleOptions& opts) {
  constexpr Index episodes = kEpisodes;
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(episodes, 1.0, double(episodes));
  CsvWriter csv;
  Report report("mountain_car");
  ProgressReporter progress("mountain_car");

  auto curve = [&](Index n, double alpha, const std::string& name) {
    auto stats = run_seeds(
        opts.runs, opts.seed, 0,
        [n, alpha](Index, Rng& rng) { return steps_per_episode(n, alpha, episodes, rng); },
        std::ref(progress));
    csv.add_curve(name, x, stats.mean, stats.standard_error);
    return stats.mean;
  };
  // Figure 10.2.
  const Eigen::VectorXd a1 = curve(1, 0.1, "SARSA alpha=0.1/8");
  const Eigen::VectorXd a2 = curve(1, 0.2, "SARSA alpha=0.2/8");
  const Eigen::VectorXd a5 = curve(1, 0.5, "SARSA alpha=0.5/8");
  // Figure 10.3.
  const Eigen::VectorXd n8 = curve(8, 0.3, "8-step SARSA alpha=0.3/8");

  auto early = [](const Eigen::VectorXd& c) { return c.head(50).mean(); };
  auto late = [](const Eigen::VectorXd& c) { return c.tail(100).mean(); };
  report.check_greater("Figure 10.2: first episode takes about a thousand steps (alpha=0.5/8)",
                       a5[0], 400.0);
  report.check_less("Figure 10.2: low hundreds after learning, alpha=0.1/8 (episodes 401-500)",
                    late(a1), 300.0);
  report.check_less("Figure 10.2: low hundreds after learning, alpha=0.2/8 (episodes 401-500)",
                    late(a2), 300.0);
  report.check_less("Figure 10.2: low hundreds after learning, alpha=0.5/8 (episodes 401-500)",
                    late(a5), 300.0);
  report.check("Figure 10.2: larger alpha learns faster (mean steps, episodes 1-50)",
               "0.5/8 < 0.2/8 < 0.1/8",
               format_number(early(a5)) + " < " + format_number(early(a2)) + " < " +
                   format_number(early(a1)),
               early(a5) < early(a2) && early(a2) < early(a1));
  report.check("Figure 10.3: 8-step SARSA learns faster than one-step (mean steps, episodes 1-50)",
               "n=8 (0.3/8) < n=1 (0.5/8)",
               format_number(early(n8)) + " < " + format_number(early(a5)), early(n8) < early(a5));

  const auto path = opts.csv_path("mountain_car");
  csv.write(path);
  std::cout << "mountain_car: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "mountain_car",
      "Sutton & Barto Figures 10.2 and 10.3: semi-gradient and n-step SARSA with tile coding on "
      "Mountain Car.",
      {.runs = 100, .quick_runs = 4, .seed = 0, .out = "out"}, run);
}
