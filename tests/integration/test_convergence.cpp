// Learners against the exact answers of mdp/: each learner, fed samples from
// a finite MDP, converges to the value the linear solve or value iteration
// gives. Fixed seeds; each tolerance is stated and sits 2x to 4x above the
// errors measured with these seeds.
#include <cmath>

#include "catch.hpp"
#include "rlvalue/rlvalue.hpp"

using namespace rlvalue;

namespace {

// A Garnet MDP (6 states, 3 actions, 3 successors per pair) whose every
// action ends the episode with probability 0.1.
TabularMDP<double> garnet() {
  auto rng = make_rng(2024);
  return random_mdp(6, 3, 3, rng, {.reward_min = -1.0, .reward_max = 1.0,
                                   .termination_probability = 0.1});
}

// A fixed stochastic policy: row s puts weights (1 + (s + a) mod 3) on a.
Eigen::MatrixXd fixed_policy(Index states, Index actions) {
  Eigen::MatrixXd pi(states, actions);
  for (Index s = 0; s < states; ++s)
    for (Index a = 0; a < actions; ++a) pi(s, a) = 1.0 + double((s + a) % 3);
  for (Index s = 0; s < states; ++s) pi.row(s) /= pi.row(s).sum();
  return pi;
}

// One sample (s, a, r, s', terminated) from the generative model with s and
// a given.
Transition<> sample(MDPEnvironment<const TabularMDP<double>&>& env, Index s, Index a, Rng& rng) {
  env.reset_to(s);
  const auto step = env.step(a, rng);
  return {.state = s, .action = a, .reward = step.reward, .next_state = step.next_state,
          .terminated = step.terminated, .truncated = step.truncated};
}

constexpr double kGamma = 0.9;
constexpr int kSamples = 400000;
const TDConfig kDecaying{.gamma = kGamma, .step_size = 1.0,
                         .schedule = StepSchedule::per_visit, .omega = 0.7};

}  // namespace

TEST_CASE("QLearning converges to Q* of value_iteration on a Garnet MDP",
          "[integration][qlearning]") {
  const auto mdp = garnet();
  const auto exact = value_iteration(mdp, kGamma);
  REQUIRE(exact.converged);
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  TabularQ<double> q(mdp.num_states(), mdp.num_actions());
  QLearning<TabularQ<double>> learner(q, kDecaying);
  auto rng = make_rng(7);
  for (int i = 0; i < 5 * kSamples; ++i) {  // the max's bias needs more samples
    const Index s = uniform_index(rng, mdp.num_states());
    const Index a = uniform_index(rng, mdp.num_actions());
    learner.update(sample(env, s, a, rng));
  }
  const double max_error = (q.parameters() - exact.q).cwiseAbs().maxCoeff();
  INFO("max |Q - Q*| = " << max_error);
  REQUIRE(max_error < 0.05);
  for (Index s = 0; s < mdp.num_states(); ++s)
    if ((exact.q.row(s).maxCoeff() - exact.q.row(s).minCoeff()) > 0.1)
      CHECK(learner.greedy_action(s) == exact.policy(s));
}

TEST_CASE("Sarsa and Expected SARSA converge to Q^pi of evaluate_policy", "[integration][sarsa]") {
  const auto mdp = garnet();
  const Eigen::MatrixXd pi = fixed_policy(mdp.num_states(), mdp.num_actions());
  const Eigen::MatrixXd exact = q_from_v(mdp, evaluate_policy(mdp, pi, kGamma), kGamma);
  TabularPolicy policy(pi);
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  TabularQ<double> q_sarsa(mdp.num_states(), mdp.num_actions());
  TabularQ<double> q_expected(mdp.num_states(), mdp.num_actions());
  Sarsa<TabularQ<double>> sarsa(q_sarsa, kDecaying);
  ExpectedSarsa<TabularQ<double>> expected(q_expected, kDecaying);
  auto rng = make_rng(8);
  for (int i = 0; i < kSamples; ++i) {
    const Index s = uniform_index(rng, mdp.num_states());
    const Index a = uniform_index(rng, mdp.num_actions());  // off-policy for Expected SARSA
    const auto t = sample(env, s, a, rng);
    sarsa.update(t, policy.action(t.next_state, rng));
    expected.update(t, policy.probabilities(t.next_state));
  }
  const double sarsa_error = (q_sarsa.parameters() - exact).cwiseAbs().maxCoeff();
  const double expected_error = (q_expected.parameters() - exact).cwiseAbs().maxCoeff();
  INFO("max error: Sarsa " << sarsa_error << ", Expected SARSA " << expected_error);
  REQUIRE(sarsa_error < 0.05);
  REQUIRE(expected_error < 0.05);
  // Expected SARSA removes the variance of the next action: it ends closer.
  REQUIRE(expected_error < sarsa_error);
}

TEST_CASE("TD0 converges to V^pi of evaluate_policy", "[integration][td0]") {
  const auto mdp = garnet();
  const Eigen::MatrixXd pi = fixed_policy(mdp.num_states(), mdp.num_actions());
  const Eigen::VectorXd exact = evaluate_policy(mdp, pi, kGamma);
  TabularPolicy policy(pi);
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  TabularV<double> v(mdp.num_states());
  TD0<TabularV<double>> td(v, kDecaying);
  auto rng = make_rng(9);
  for (int i = 0; i < kSamples; ++i) {
    const Index s = uniform_index(rng, mdp.num_states());
    td.update(sample(env, s, policy.action(s, rng), rng));
  }
  const double max_error = (v.parameters() - exact).cwiseAbs().maxCoeff();
  INFO("max |V - V^pi| = " << max_error);
  REQUIRE(max_error < 0.03);
}

TEST_CASE("First-visit Monte Carlo with sample averages reaches the 19-state walk's values",
          "[integration][monte-carlo]") {
  RandomWalk env = RandomWalk::sutton_barto_19();
  const Eigen::VectorXd truth = evaluate_policy(env, Eigen::MatrixXd::Ones(19, 1), 1.0);
  REQUIRE((truth - env.true_values()).cwiseAbs().maxCoeff() < 1e-12);
  TabularV<double> v(env.num_states());
  MonteCarlo<TabularV<double>> mc(v, {.gamma = 1.0, .step_size = 1.0,
                                      .schedule = StepSchedule::per_visit,
                                      .visits = MonteCarloVisits::first});
  auto rng = make_rng(10);
  auto select = [](Index, Rng&) { return Index{0}; };
  for (int e = 0; e < 20000; ++e)
    run_episode(env, select, [&](const Transition<>& t) { mc.update(t); }, rng, 100000);
  REQUIRE(mc.pending_steps() == 0);
  const double max_error = (v.parameters() - truth).cwiseAbs().maxCoeff();
  INFO("max |V - V^pi| = " << max_error);
  REQUIRE(max_error < 0.05);
}
