// Determinism (issue 10): the same seed gives bit-identical results run to
// run and for any thread count. An epsilon-greedy Q-learning experiment on a
// sampled Garnet MDP (policy draws, tie-breaks and environment outcomes all
// from rlvalue's rng) and on envs/ cliff walking, the multi-seed runner at 1,
// 2 and 4 threads (per-run curves and statistics), and the randomised learners (DoubleQLearning's
// coin, ClippedDoubleQLearning's coin, MaxminQLearning's updated subset,
// EnsembleQLearning's REDQ target subset), which draw only from the generator
// they are given. Every comparison is exact (==); each is paired with a
// different seed giving different numbers, so the seed does reach the result.

#include <Eigen/Core>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "catch.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/envs/cliff_walking.hpp"
#include "rlvalue/experiment/episode.hpp"
#include "rlvalue/experiment/multi_seed.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"

using namespace rlvalue;

namespace {

constexpr Index kDeterminismStates = 6, kDeterminismActions = 3, kEpisodes = 60;

const TabularMDP<double>& determinism_garnet() {
  static const TabularMDP<double> mdp = [] {
    auto rng = make_rng(2024);
    return random_mdp(kDeterminismStates, kDeterminismActions, 3, rng, {.termination_probability = 0.1});
  }();
  return mdp;
}

// Epsilon-greedy Q-learning for `episodes` episodes (at most 50 steps each)
// on `env`: the curve is the episode returns followed by the learned table,
// row by row.
template <class Env>
Eigen::VectorXd q_learning_experiment(Env& env, Index states, Index actions, Index episodes,
                                      Rng& rng) {
  TabularQ<double> q(states, actions);
  QLearning<TabularQ<double>> learner(q, {.gamma = 0.9, .step_size = 0.1});
  EpsilonGreedy policy(q, 0.2);
  Eigen::VectorXd curve(episodes + states * actions);
  for (Index e = 0; e < episodes; ++e) {
    const auto result = run_episode(
        env, [&](const Index& s, Rng& g) { return policy.action(s, g); },
        [&](const auto& t) { learner.update(t); }, rng, 50);
    curve[e] = result.total_reward;
  }
  for (Index s = 0; s < states; ++s)
    for (Index a = 0; a < actions; ++a) curve[episodes + s * actions + a] = q.value(s, a);
  return curve;
}

// The experiment on the sampled Garnet MDP (stochastic outcomes).
Eigen::VectorXd q_learning_experiment(Rng& rng) {
  MDPEnvironment<const TabularMDP<double>&> env(determinism_garnet(), 0);
  return q_learning_experiment(env, kDeterminismStates, kDeterminismActions, kEpisodes, rng);
}

// 2000 random transitions of the Garnet MDP (their own fixed generator: the
// learners' generators only drive the learners' own draws).
const std::vector<Transition<>>& transitions() {
  static const std::vector<Transition<>> data = [] {
    MDPEnvironment<const TabularMDP<double>&> env(determinism_garnet(), 0);
    auto rng = make_rng(99);
    std::vector<Transition<>> out;
    for (int i = 0; i < 2000; ++i) {
      const Index s = uniform_index(rng, kDeterminismStates), a = uniform_index(rng, kDeterminismActions);
      env.reset_to(s);
      const auto step = env.step(a, rng);
      out.push_back({.state = s, .action = a, .reward = step.reward,
                     .next_state = step.next_state, .terminated = step.terminated});
    }
    return out;
  }();
  return data;
}

// All critics of a run, stacked row-wise.
Eigen::MatrixXd stacked(const std::vector<TabularQ<double>>& critics) {
  Eigen::MatrixXd out(kDeterminismStates * static_cast<Index>(critics.size()), kDeterminismActions);
  for (std::size_t k = 0; k < critics.size(); ++k)
    out.middleRows(static_cast<Index>(k) * kDeterminismStates, kDeterminismStates) = critics[k].parameters();
  return out;
}

// Critics with distinct initial values (0, 0.3, 0.6, ...): equal tables that
// see the same targets would stay equal whatever subset is drawn.
std::vector<TabularQ<double>> make_critics(Index n) {
  std::vector<TabularQ<double>> critics;
  for (Index k = 0; k < n; ++k) critics.emplace_back(kDeterminismStates, kDeterminismActions, 0.3 * double(k));
  return critics;
}

template <class G>
Eigen::MatrixXd run_double_q(G& rng) {
  auto critics = make_critics(2);
  DoubleQLearning<TabularQ<double>> l(critics[0], critics[1], {.gamma = 0.9, .step_size = 0.1});
  for (const auto& t : transitions()) l.update(t, rng);
  return stacked(critics);
}

template <class G>
Eigen::MatrixXd run_clipped_double_q(G& rng) {
  auto critics = make_critics(2);
  ClippedDoubleQLearning<TabularQ<double>> l(
      critics[0], critics[1],
      {.gamma = 0.9, .step_size = 0.1, .critic_update = CriticUpdate::one_at_random});
  for (const auto& t : transitions()) l.update(t, rng);
  return stacked(critics);
}

template <class G>
Eigen::MatrixXd run_maxmin(G& rng) {
  auto critics = make_critics(4);
  MaxminQLearning<TabularQ<double>> l(std::span<TabularQ<double>>(critics),
                                      {.gamma = 0.9, .step_size = 0.1, .update_count = 2});
  for (const auto& t : transitions()) l.update(t, rng);
  return stacked(critics);
}

template <class G>
Eigen::MatrixXd run_redq(G& rng) {
  auto critics = make_critics(5);
  EnsembleQLearning<TabularQ<double>> l(
      std::span<TabularQ<double>>(critics),
      {.gamma = 0.9, .step_size = 0.1, .reduction = EnsembleReduction::random_subset_min,
       .subset_size = 2, .update_count = 0});
  for (const auto& t : transitions()) l.update(t, rng);
  return stacked(critics);
}

// The same seed twice: equal bits; another seed: different numbers. Also with
// a 32-bit generator (std::mt19937), which the learners accept as well.
template <class Run>
void check_reproducible(const char* name, Run run) {
  INFO(name);
  Rng a = make_rng(42, 1), b = make_rng(42, 1), c = make_rng(42, 2);
  const Eigen::MatrixXd first = run(a);
  REQUIRE(first.allFinite());
  CHECK(run(b) == first);
  CHECK(run(c) != first);
  CHECK(a() == b());  // both generators were advanced by the same draws
  std::mt19937 d(7), e(7), f(8);
  const Eigen::MatrixXd narrow = run(d);
  CHECK(run(e) == narrow);
  CHECK(run(f) != narrow);
}

}  // namespace

TEST_CASE("A seeded experiment is bit-identical run to run", "[reliability][determinism]") {
  Rng a = make_rng(11, 3), b = make_rng(11, 3), c = make_rng(11, 4);
  const Eigen::VectorXd first = q_learning_experiment(a);
  REQUIRE(first.allFinite());
  CHECK(q_learning_experiment(b) == first);  // exact
  CHECK(q_learning_experiment(c) != first);
  CHECK(first.tail(kDeterminismStates * kDeterminismActions).cwiseAbs().maxCoeff() > 0.1);  // it learned

  // envs/: cliff walking is deterministic; the policy's draws alone vary.
  CliffWalking cliff;
  const Index S = CliffWalking::num_states(), A = CliffWalking::num_actions();
  Rng d = make_rng(12), e = make_rng(12), f = make_rng(13);
  const Eigen::VectorXd cliff_first = q_learning_experiment(cliff, S, A, 30, d);
  CHECK(q_learning_experiment(cliff, S, A, 30, e) == cliff_first);
  CHECK(q_learning_experiment(cliff, S, A, 30, f) != cliff_first);
}

TEST_CASE("run_seeds: per-run curves and statistics are bit-identical for 1, 2 and 4 threads",
          "[reliability][determinism][multi_seed]") {
  constexpr Index runs = 8;
  constexpr std::uint64_t seed = 2026;
  // Each run writes only its own slot (fixed size, never resized): no shared
  // mutable state between runs, as run_seeds requires.
  auto collect = [&](Index threads, std::vector<Eigen::VectorXd>& per_run) {
    per_run.assign(static_cast<std::size_t>(runs), Eigen::VectorXd());
    return run_seeds(runs, seed, threads, [&](Index r, Rng& rng) {
      Eigen::VectorXd curve = q_learning_experiment(rng);
      per_run[static_cast<std::size_t>(r)] = curve;
      return curve;
    });
  };
  std::vector<Eigen::VectorXd> reference;
  const SeedStatistics ref_stats = collect(1, reference);
  REQUIRE(ref_stats.num_runs == runs);
  // Run r is the experiment driven by make_rng(seed, r), whoever runs it.
  for (Index r = 0; r < runs; ++r) {
    Rng rng = make_rng(seed, static_cast<std::uint64_t>(r));
    CHECK(q_learning_experiment(rng) == reference[static_cast<std::size_t>(r)]);
  }
  CHECK(reference[0] != reference[1]);  // the runs have distinct streams
  for (Index threads : {2, 4}) {
    INFO("threads = " << threads);
    std::vector<Eigen::VectorXd> per_run;
    const SeedStatistics stats = collect(threads, per_run);
    for (Index r = 0; r < runs; ++r)
      CHECK(per_run[static_cast<std::size_t>(r)] == reference[static_cast<std::size_t>(r)]);
    CHECK(stats.mean == ref_stats.mean);
    CHECK(stats.standard_error == ref_stats.standard_error);
  }
}

TEST_CASE("Randomised learners are reproducible from the injected generator",
          "[reliability][determinism]") {
  check_reproducible("DoubleQLearning (coin)", [](auto& rng) { return run_double_q(rng); });
  check_reproducible("ClippedDoubleQLearning (one_at_random coin)",
                     [](auto& rng) { return run_clipped_double_q(rng); });
  check_reproducible("MaxminQLearning (N = 4, M = 2 updated)",
                     [](auto& rng) { return run_maxmin(rng); });
  check_reproducible("EnsembleQLearning REDQ (N = 5, subset 2)",
                     [](auto& rng) { return run_redq(rng); });
}
