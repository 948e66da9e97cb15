// The double and clipped critics against the exact answers of mdp/:
//  * with deterministic rewards and decaying step sizes every method
//    converges to Q* of value_iteration (the bias of each target vanishes as
//    the critics converge);
//  * with noisy rewards and a constant step size the estimate of
//    max_a Q(s, a) keeps a bias whose sign is the method's signature:
//    Q-learning above V*, Double Q-learning below, clipped double Q below,
//    Maxmin moving down as N grows.
// Fixed seeds; each tolerance is stated beside the error measured with it.
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "catch.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/value_iteration.hpp"

using namespace rlvalue;

namespace {

using Table = TabularQ<double>;

// A Garnet MDP whose every action ends the episode with probability 0.1.
TabularMDP<double> garnet(Index states, Index actions, std::uint64_t seed) {
  auto rng = make_rng(seed);
  return random_mdp(states, actions, 3, rng,
                    {.reward_min = -1.0, .reward_max = 1.0, .termination_probability = 0.1});
}

// n samples (s, a uniform; s', r from the MDP; r plus N(0, noise^2)).
std::vector<Transition<>> samples(const TabularMDP<double>& mdp, int n, double noise,
                                  std::uint64_t seed) {
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  auto rng = make_rng(seed);
  std::vector<Transition<>> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Index s = uniform_index(rng, mdp.num_states());
    const Index a = uniform_index(rng, mdp.num_actions());
    env.reset_to(s);
    const auto step = env.step(a, rng);
    const double r = noise > 0.0 ? step.reward + normal(rng, 0.0, noise) : step.reward;
    out.push_back({.state = s, .action = a, .reward = r, .next_state = step.next_state,
                   .terminated = step.terminated});
  }
  return out;
}

// The learners under test, each on its own tables, fed by `update(t, rng)`
// and read through `estimate(s)` = the learner's row q(s, .).
struct Method {
  std::string name;
  std::function<void(const Transition<>&, Rng&)> update;
  std::function<Eigen::RowVectorXd(Index)> estimate;
};

struct Methods {
  std::vector<std::vector<Table>> tables;  // owned here; learners point into them
  std::vector<Method> list;
};

template <class Learner>
void add(Methods& m, const std::string& name, std::shared_ptr<Learner> learner) {
  m.list.push_back({name, [learner](const Transition<>& t, Rng& rng) {
                      if constexpr (requires { learner->update(t, rng); }) {
                        learner->update(t, rng);
                      } else {
                        learner->update(t);
                      }
                    },
                    [learner](Index s) -> Eigen::RowVectorXd { return learner->action_values(s); }});
}

// Q-learning's estimate: its table row.
struct QLearner {
  Table* q;
  QLearning<Table> learner;
  void update(const Transition<>& t) { learner.update(t); }
  Eigen::RowVectorXd action_values(Index s) const { return q->action_values(s); }
};

std::unique_ptr<Methods> make_methods(Index S, Index A, const TDConfig& c,
                                      const std::vector<Index>& maxmin_sizes) {
  auto m = std::make_unique<Methods>();
  m->tables.reserve(16);
  auto tables = [&](Index n) -> std::vector<Table>& {
    m->tables.emplace_back(static_cast<std::size_t>(n), Table(S, A));
    return m->tables.back();
  };
  {
    auto& t = tables(1);
    add(*m, "Q-learning", std::make_shared<QLearner>(QLearner{&t[0], QLearning<Table>(t[0], c)}));
  }
  {
    auto& t = tables(2);
    add(*m, "Double Q", std::make_shared<DoubleQLearning<Table>>(t[0], t[1], c));
  }
  {
    auto& t = tables(2);
    add(*m, "Clipped double Q",
        std::make_shared<ClippedDoubleQLearning<Table>>(
            t[0], t[1],
            ClippedDoubleQConfig{.gamma = c.gamma, .step_size = c.step_size, .schedule = c.schedule,
                                 .omega = c.omega, .critic_update = CriticUpdate::one_at_random}));
  }
  for (Index n : maxmin_sizes) {
    auto& t = tables(n);
    add(*m, "Maxmin N=" + std::to_string(n),
        std::make_shared<MaxminQLearning<Table>>(
            std::span<Table>(t), MaxminQConfig{.gamma = c.gamma, .step_size = c.step_size,
                                               .schedule = c.schedule, .omega = c.omega}));
  }
  {
    auto& t = tables(4);
    add(*m, "REDQ N=4 M=2",
        std::make_shared<EnsembleQLearning<Table>>(
            std::span<Table>(t),
            EnsembleQConfig{.gamma = c.gamma, .step_size = c.step_size, .schedule = c.schedule,
                            .omega = c.omega, .reduction = EnsembleReduction::random_subset_min,
                            .subset_size = 2, .update_count = 1}));
  }
  {
    auto& t = tables(3);
    add(*m, "Ensemble mean N=3",
        std::make_shared<EnsembleQLearning<Table>>(
            std::span<Table>(t),
            EnsembleQConfig{.gamma = c.gamma, .step_size = c.step_size, .schedule = c.schedule,
                            .omega = c.omega, .update_count = 1}));
  }
  return m;
}

constexpr double kCriticsGamma = 0.9;

}  // namespace

TEST_CASE("Double, clipped, Maxmin and ensemble critics converge to Q* of value_iteration",
          "[integration][critics]") {
  // Garnet(6, 3, 3), deterministic rewards, (s, a) uniform, alpha_n = 1/n^0.85
  // per critic and pair, 4,000,000 samples, seed 7. Tolerance on max |Q - Q*|
  // of every critic: 0.05 for Q-learning, Double Q, clipped double Q and the
  // mean ensemble (measured at most 0.035); 0.15 for Maxmin and REDQ, whose
  // min over critics keeps a negative bias until the critics' variance has
  // decayed (measured at most 0.071, Maxmin N=4, each critic fed 1/4 of the
  // samples).
  const auto mdp = garnet(6, 3, 2024);
  const auto exact = value_iteration(mdp, kCriticsGamma);
  REQUIRE(exact.converged);
  const TDConfig decaying{.gamma = kCriticsGamma, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                          .omega = 0.85};
  auto methods = make_methods(6, 3, decaying, {2, 4});
  const auto data = samples(mdp, 4000000, 0.0, 7);
  auto rng = make_rng(8);
  for (const auto& t : data)
    for (auto& m : methods->list) m.update(t, rng);
  REQUIRE(methods->tables.size() == methods->list.size());
  for (std::size_t k = 0; k < methods->list.size(); ++k) {
    const std::string& name = methods->list[k].name;
    const bool min_based = name.starts_with("Maxmin") || name.starts_with("REDQ");
    const double tolerance = min_based ? 0.15 : 0.05;
    for (const auto& table : methods->tables[k]) {
      const double error = (table.parameters() - exact.q).cwiseAbs().maxCoeff();
      INFO(name << ": max |Q - Q*| = " << error);
      CHECK(error < tolerance);
    }
    for (Index s = 0; s < 6; ++s) {
      INFO(name << " state " << s);
      if ((exact.q.row(s).maxCoeff() - exact.q.row(s).minCoeff()) > 0.1) {
        Index best = 0;
        methods->list[k].estimate(s).maxCoeff(&best);
        CHECK(best == exact.policy(s));
      }
    }
  }
}

TEST_CASE("Bias of max_a Q(s, a) against V* with noisy rewards: the signs of each method",
          "[integration][critics][bias]") {
  // Garnet(10, 5, 3), rewards plus N(0, 1) noise, alpha = 0.1 constant,
  // 200,000 samples (seed 9), bias = mean over states of max_a Q(s, .) - V*(s),
  // averaged over checkpoints every 1000 samples in the second half.
  // Measured (these seeds): Q-learning +0.71, Double Q -0.35, clipped double
  // Q (one critic at random) -0.64, Maxmin N=2 -0.49, N=6 -1.57, REDQ (N=4,
  // M=2, one critic updated) -0.36, mean of 3 critics each fed a third of the
  // data +0.20. Each sign and order is required with a margin of 0.05.
  const auto mdp = garnet(10, 5, 77);
  const auto exact = value_iteration(mdp, kCriticsGamma);
  REQUIRE(exact.converged);
  auto methods = make_methods(10, 5, {.gamma = kCriticsGamma, .step_size = 0.1}, {2, 6});
  const auto data = samples(mdp, 200000, 1.0, 9);
  auto rng = make_rng(10);
  std::vector<double> bias(methods->list.size(), 0.0);
  int checkpoints = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (auto& m : methods->list) m.update(data[i], rng);
    if (i >= data.size() / 2 && (i + 1) % 1000 == 0) {
      ++checkpoints;
      for (std::size_t k = 0; k < methods->list.size(); ++k)
        for (Index s = 0; s < 10; ++s)
          bias[k] += (methods->list[k].estimate(s).maxCoeff() - exact.v(s)) / 10.0;
    }
  }
  for (auto& b : bias) b /= checkpoints;
  auto bias_of = [&](const std::string& name) {
    for (std::size_t k = 0; k < methods->list.size(); ++k)
      if (methods->list[k].name == name) {
        UNSCOPED_INFO(name << ": bias " << bias[k]);
        return bias[k];
      }
    FAIL("no method " << name);
    return 0.0;
  };
  CHECK(bias_of("Q-learning") > 0.05);
  CHECK(bias_of("Double Q") < -0.05);
  CHECK(bias_of("Clipped double Q") < -0.05);
  CHECK(bias_of("Maxmin N=6") < -0.05);
  CHECK(bias_of("Maxmin N=2") < bias_of("Q-learning") - 0.05);
  CHECK(bias_of("Maxmin N=6") < bias_of("Maxmin N=2") - 0.05);
  CHECK(bias_of("REDQ N=4 M=2") < bias_of("Q-learning") - 0.05);
  CHECK(bias_of("Ensemble mean N=3") > 0.05);
  CHECK(checkpoints == 100);
}
