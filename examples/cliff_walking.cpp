// Sutton & Barto (2nd ed.) Example 6.6, cliff walking: SARSA, Q-learning and
// Expected SARSA with an epsilon-greedy behaviour (epsilon = 0.1, alpha = 0.5,
// gamma = 1, Q starting at 0), sum of rewards per episode over 500 episodes,
// averaged over runs.
//
// The book: Q-learning learns the optimal path along the cliff edge but,
// acting epsilon-greedily, falls off now and then (online return near -50);
// SARSA learns the longer safe path (near -25); Expected SARSA (section 6.6,
// Figure 6.3) does better than both at this step size.
#include <rlvalue/rlvalue.hpp>

#include <iostream>
#include <string>

namespace {

using namespace rlvalue;

constexpr Index kEpisodes = 500;
constexpr Index kMaxSteps = 100000;  // episodes end long before; the cap only guards
constexpr double kEpsilon = 0.1;
constexpr double kAlpha = 0.5;
constexpr Index kTailStart = 100;  // "after learning": episodes 101..500

using Table = TabularQ<double>;
using Policy = EpsilonGreedy<Table>;

// SARSA needs the next action before it learns: pick a' from s', update with
// it, then take it.
struct SarsaAgent {
  Sarsa<Table>& learner;
  Policy& policy;
  Index start(Index s, Rng& rng) { return policy.action(s, rng); }
  Index step(const Transition<>& t, Rng& rng) {
    const bool ended = t.terminated || t.truncated;
    const Index next = ended ? t.action : policy.action(t.next_state, rng);
    learner.update(t, next);
    return next;
  }
};

enum class Method { sarsa, q_learning, expected_sarsa };

Eigen::VectorXd returns_per_episode(Method method, Rng& rng) {
  CliffWalking env;
  Table q(env.num_states(), env.num_actions());
  Policy policy(q, kEpsilon);
  const TDConfig config{.gamma = 1.0, .step_size = kAlpha};
  Sarsa<Table> sarsa(q, config);
  QLearning<Table> q_learning(q, config);
  ExpectedSarsa<Table> expected_sarsa(q, config);
  SarsaAgent sarsa_agent{sarsa, policy};
  auto select = [&](Index s, Rng& g) { return policy.action(s, g); };

  Eigen::VectorXd curve(kEpisodes);
  for (Index e = 0; e < kEpisodes; ++e) {
    EpisodeResult result;
    switch (method) {
      case Method::sarsa:
        result = run_episode(env, sarsa_agent, rng, kMaxSteps);
        break;
      case Method::q_learning:
        result = run_episode(env, select, [&](const Transition<>& t) { q_learning.update(t); },
                             rng, kMaxSteps);
        break;
      case Method::expected_sarsa:
        result = run_episode(
            env, select,
            [&](const Transition<>& t) {
              expected_sarsa.update(t, policy.probabilities(t.next_state));
            },
            rng, kMaxSteps);
        break;
    }
    if (!result.terminated) throw std::runtime_error("an episode hit the step cap");
    curve[e] = result.total_reward;
  }
  return curve;
}

int run(const ExampleOptions& opts) {
  const Eigen::VectorXd episodes = Eigen::VectorXd::LinSpaced(kEpisodes, 1.0, double(kEpisodes));
  CsvWriter csv;
  Report report("cliff_walking");
  ProgressReporter progress("cliff_walking");

  auto run_method = [&](Method m, const std::string& name) {
    auto stats = run_seeds(
        opts.runs, opts.seed, 0, [m](Index, Rng& rng) { return returns_per_episode(m, rng); },
        std::ref(progress));
    csv.add_curve(name, episodes, stats.mean, stats.standard_error);
    return stats.mean.tail(kEpisodes - kTailStart).mean();
  };
  const double sarsa = run_method(Method::sarsa, "SARSA alpha=0.5");
  const double q_learning = run_method(Method::q_learning, "Q-learning alpha=0.5");
  const double expected = run_method(Method::expected_sarsa, "Expected SARSA alpha=0.5");

  const std::string tail = " (mean return per episode, episodes 101-500)";
  report.check_near("SARSA on the safe path, near -25" + tail, sarsa, -25.0, 5.0);
  report.check_near("Q-learning on the cliff edge, near -50" + tail, q_learning, -50.0, 10.0);
  report.check("Expected SARSA best, SARSA second, Q-learning last" + tail,
               "Expected SARSA > SARSA > Q-learning",
               format_number(expected) + " > " + format_number(sarsa) + " > " +
                   format_number(q_learning),
               expected > sarsa && sarsa > q_learning);

  const auto path = opts.csv_path("cliff_walking");
  csv.write(path);
  std::cout << "cliff_walking: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "cliff_walking",
      "Sutton & Barto Example 6.6: SARSA vs Q-learning vs Expected SARSA on the cliff.",
      {.runs = 100, .quick_runs = 20, .seed = 0, .out = "out"}, run);
}
