// MaxminQLearning: hand-worked updates with scripted subset draws
// (terminated vs truncated), N = 1 equals Q-learning bit for bit, exactly M
// critics change per update and the subset is uniform, the combined estimate
// Q^min and a policy on it, the linear path, bad input.

#include "rlvalue/learners/maxmin_q_learning.hpp"

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "critic_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"
#include "rlvalue/targets/critic_targets.hpp"
#include "rlvalue/targets/ensemble.hpp"

using rlvalue::Index;
using rlvalue::MaxminQLearning;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::contains;
using rlvalue_test::ScriptedBits;
using rlvalue_test::table;
using rlvalue_test::thrown_message;

static_assert(rlvalue::ActionValueReader<MaxminQLearning<TabularQ<double>>>);

namespace {
// Three critics over 2 states x 2 actions:
//   k = 0: s0 (2, 0),    s1 (1, 5)
//   k = 1: s0 (-1, 0),   s1 (2, 4)
//   k = 2: s0 (0.5, 0),  s1 (0, 7)
// At s1: min over critics (0, 4) -> max 4.
template <class T>
std::vector<TabularQ<T>> three_critics() {
  std::vector<TabularQ<T>> c;
  c.push_back(table<T>(2, 2, {2, 0, 1, 5}));
  c.push_back(table<T>(2, 2, {-1, 0, 2, 4}));
  c.push_back(table<T>(2, 2, {0.5, 0, 0, 7}));
  return c;
}
}  // namespace

TEMPLATE_TEST_CASE("MaxminQLearning: hand-worked updates with fixed draws", "[learners][maxmin]",
                   float, double) {
  using T = TestType;
  auto critics = three_critics<T>();
  const auto initial = three_critics<T>();
  const rlvalue::Transition<Index, Index, T> t{.state = 0, .action = 0, .reward = T(1), .next_state = 1};
  SECTION("M = 1: one critic, drawn") {
    MaxminQLearning<TabularQ<T>> mm(critics, {.gamma = 0.5, .step_size = 0.5});
    // y = 1 + 0.5 * max(min(1, 2, 0), min(5, 4, 7)) = 1 + 0.5*4 = 3.
    // Draw uniform_index(3) = 1 -> critic 1: delta = 3 - (-1) = 4; Q_1(0,0) = -1 + 2 = 1.
    ScriptedBits rng{1};
    CHECK(mm.update(t, rng) == T(4));
    CHECK(critics[1].parameters()(0, 0) == T(1));
    CHECK(critics[0].parameters() == initial[0].parameters());
    CHECK(critics[2].parameters() == initial[2].parameters());
    CHECK(rng.calls == 1);
  }
  SECTION("M = 2: two distinct critics, drawn") {
    MaxminQLearning<TabularQ<T>> mm(critics, {.gamma = 0.5, .step_size = 0.5, .update_count = 2});
    // Draws 2 then 0: swap(0,2) -> (2,1,0); uniform_index(2) = 0 -> keep -> subset {2, 1}.
    // Critic 2: delta = 3 - 0.5 = 2.5 -> 1.75; critic 1: delta = 4 -> 1. Returns (2.5+4)/2 = 3.25.
    ScriptedBits rng{2, 0};
    CHECK(mm.update(t, rng) == T(3.25));
    CHECK(critics[2].parameters()(0, 0) == T(1.75));
    CHECK(critics[1].parameters()(0, 0) == T(1));
    CHECK(critics[0].parameters() == initial[0].parameters());
  }
  SECTION("M = N: every critic, no draw") {
    MaxminQLearning<TabularQ<T>> mm(critics, {.gamma = 0.5, .step_size = 0.5, .update_count = 3});
    ScriptedBits rng{0};
    // Errors 3-2 = 1, 3+1 = 4, 3-0.5 = 2.5 -> 2.5, 1, 1.75; mean error 7.5/3 = 2.5.
    CHECK(mm.update(t, rng) == Approx(2.5));
    CHECK(critics[0].parameters()(0, 0) == T(2.5));
    CHECK(critics[1].parameters()(0, 0) == T(1));
    CHECK(critics[2].parameters()(0, 0) == T(1.75));
    CHECK(rng.calls == 0);
  }
  SECTION("terminated: y = r; truncated: bootstraps") {
    MaxminQLearning<TabularQ<T>> mm(critics, {.gamma = 0.5, .step_size = 0.5});
    ScriptedBits rng{0, 0};
    auto end = t;
    end.terminated = true;
    // Critic 0: delta = 1 - 2 = -1 -> 1.5.
    CHECK(mm.update(end, rng) == T(-1));
    CHECK(critics[0].parameters()(0, 0) == T(1.5));
    end.terminated = false;
    end.truncated = true;
    // Critic 0 again: delta = 3 - 1.5 = 1.5 -> 2.25.
    CHECK(mm.update(end, rng) == T(1.5));
    CHECK(critics[0].parameters()(0, 0) == T(2.25));
  }
  SECTION("the estimate is Q^min") {
    MaxminQLearning<TabularQ<T>> mm(critics, {.gamma = 0.5, .step_size = 0.5});
    CHECK(mm.q(1, 0) == T(0));
    CHECK(mm.q(1, 1) == T(4));
    CHECK(mm.greedy_action(1) == 1);
    CHECK(mm.value(1) == T(4));
    CHECK(mm.q(0, 0) == T(-1));
    CHECK(mm.num_critics() == 3);
    CHECK(mm.update_count() == 1);
    // A policy acts on Q^min: greedy at s0 over (-1, 0) is action 1.
    rlvalue::EpsilonGreedy policy(mm, 0.0);
    auto rng = rlvalue::make_rng(1);
    CHECK(policy.action(0, rng) == 1);
  }
}

TEMPLATE_TEST_CASE("MaxminQLearning with N = 1 is Q-learning, bit for bit", "[learners][maxmin]",
                   float, double) {
  using T = TestType;
  std::vector<TabularQ<T>> one;
  one.emplace_back(3, 2, T(0.25));
  TabularQ<T> q(3, 2, T(0.25));
  const rlvalue::TDConfig config{.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                                 .omega = 0.8};
  MaxminQLearning<TabularQ<T>> mm(one, {.gamma = 0.9, .step_size = 1.0,
                                        .schedule = StepSchedule::per_visit, .omega = 0.8});
  rlvalue::QLearning<TabularQ<T>> ql(q, config);
  auto rng = rlvalue::make_rng(41);
  auto unused = rlvalue::make_rng(0);
  int mismatches = 0;
  for (int i = 0; i < 5000; ++i) {
    auto t = rlvalue_test::TinyMDP::step<T>(rlvalue::uniform_index(rng, 3),
                                            rlvalue::uniform_index(rng, 2), rng);
    t.truncated = !t.terminated && rlvalue::bernoulli(rng, 0.05);
    mismatches += mm.update(t, unused) == ql.update(t) ? 0 : 1;
  }
  CHECK(mismatches == 0);
  CHECK(one[0].parameters() == q.parameters());
  CHECK(unused == rlvalue::make_rng(0));  // M = N = 1: no draw
}

TEST_CASE("MaxminQLearning: exactly M critics change, each equally often", "[learners][maxmin]") {
  // N = 4, M = 2, 20000 updates: each update changes 2 critics (per-visit
  // counts add up to 2 per update) and each critic is updated with
  // frequency 1/2 +- 0.0177 (5 sd of 0.0035).
  std::vector<TabularQ<double>> critics(4, TabularQ<double>(3, 2));
  MaxminQLearning<TabularQ<double>> mm(critics, {.gamma = 0.9, .step_size = 1.0,
                                                 .schedule = StepSchedule::per_visit,
                                                 .update_count = 2});
  auto rng = rlvalue::make_rng(12);
  for (int i = 0; i < 20000; ++i)
    mm.update(rlvalue_test::TinyMDP::step(rlvalue::uniform_index(rng, 3),
                                          rlvalue::uniform_index(rng, 2), rng),
              rng);
  Index total = 0;
  for (Index k = 0; k < 4; ++k) {
    Index visits = 0;
    for (Index s = 0; s < 3; ++s)
      for (Index a = 0; a < 2; ++a) visits += mm.visit_count(k, s, a);
    CHECK(double(visits) / 20000.0 == Approx(0.5).margin(0.0177));
    total += visits;
  }
  CHECK(total == 40000);
}

TEST_CASE("MaxminQLearning: linear critics", "[learners][maxmin][linear]") {
  // q_k(s, a) = w0 + w1 * s. Critic 0: a0 (1, 0), a1 (0, 1); critic 1: a0 (0, 0), a1 (2, 0).
  std::vector<rlvalue_test::AffineQ> critics(2, rlvalue_test::AffineQ(2, 5));
  critics[0].w << 1, 0, 0, 1;
  critics[1].w << 0, 2, 0, 0;
  MaxminQLearning<rlvalue_test::AffineQ> mm(critics, {.gamma = 0.5, .step_size = 0.1});
  // s' = 3: critic 0 (1, 3), critic 1 (0, 2) -> mins (0, 2) -> max 2; y = 1 + 0.5*2 = 2.
  // Draw 0 -> critic 0 at (s=2, a=0): delta = 2 - 1 = 1; w(:, 0) += 0.1*(1, 2) -> (1.1, 0.2).
  ScriptedBits rng{0};
  CHECK(mm.update({.state = 2, .action = 0, .reward = 1.0, .next_state = 3}, rng) == Approx(1.0));
  CHECK(critics[0].w(0, 0) == Approx(1.1));
  CHECK(critics[0].w(1, 0) == Approx(0.2));
  CHECK(mm.q(3, 1) == Approx(2.0));  // min(3, 2)
}

TEST_CASE("MaxminQLearning: bad input throws and changes nothing", "[learners][maxmin][errors]") {
  auto critics = three_critics<double>();
  MaxminQLearning<TabularQ<double>> mm(critics, {.gamma = 1.0, .step_size = 0.5,
                                                 .schedule = StepSchedule::per_visit,
                                                 .update_count = 3});
  auto rng = rlvalue::make_rng(0);
  mm.update({.state = 0, .action = 1, .reward = 1.0, .next_state = 1}, rng);
  const auto before = critics;
  const auto counts = mm.step_sizes().counts();
  auto unchanged = [&] {
    for (std::size_t k = 0; k < 3; ++k) CHECK(critics[k].parameters() == before[k].parameters());
    CHECK(mm.step_sizes().counts() == counts);
  };
  CHECK(thrown_message<std::out_of_range>(
            [&] { mm.update({.state = -1, .action = 0, .reward = 0.0, .next_state = 0}, rng); }) ==
        "MaxminQLearning::update: state = -1 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { mm.update({.state = 0, .action = 2, .reward = 0.0, .next_state = 0}, rng); }) ==
        "MaxminQLearning::update: action = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>(
            [&] { mm.update({.state = 0, .action = 0, .reward = std::nan(""), .next_state = 0}, rng); }) ==
        "MaxminQLearning::update: reward = nan is not finite");
  unchanged();
  // The third critic's error overflows: no critic is written.
  critics[2].set_value(0, 0, -1.7e308);
  const auto big = critics;
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   mm.update({.state = 0, .action = 0, .reward = 1.7e308, .next_state = 0, .terminated = true},
                             rng);
                 }),
                 "MaxminQLearning::update: td_error = inf is not finite"));
  for (std::size_t k = 0; k < 3; ++k) CHECK(critics[k].parameters() == big[k].parameters());
  CHECK(mm.step_sizes().counts() == counts);

  using L = MaxminQLearning<TabularQ<double>>;
  std::vector<TabularQ<double>> none;
  CHECK(thrown_message<std::invalid_argument>([&] { L(none, {}); }) ==
        "MaxminQLearning: number of critics = 0 must be at least 1");
  auto fresh = three_critics<double>();
  CHECK(thrown_message<std::invalid_argument>([&] { L(fresh, {.update_count = 0}); }) ==
        "MaxminQLearning: update_count = 0 is outside [1, 3]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(fresh, {.update_count = 4}); }) ==
        "MaxminQLearning: update_count = 4 is outside [1, 3]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(fresh, {.step_size = -1.0}); }) ==
        "MaxminQLearning: step_size = -1 must be positive and finite");
  std::vector<TabularQ<double>> mixed;
  mixed.emplace_back(2, 2);
  mixed.emplace_back(2, 3);
  CHECK(thrown_message<std::invalid_argument>([&] { L(mixed, {}); }) ==
        "MaxminQLearning: critic 1 num_actions() has size 3, expected 2");
}

// The update against a reference written from the layer-1 pieces (the rows
// of s' copied into an N x A matrix, maxmin_target, then draw_random_subset
// for the updated critics, in that order): same generator state, same
// errors, same tables, bit for bit. Guards the learner's fast path (draw
// before the target, the one-critic draw, the min without a copy).
TEST_CASE("MaxminQLearning matches maxmin_target + draw_random_subset bit for bit",
          "[learners][maxmin]") {
  constexpr Index kN = 4, kS = 7, kA = 3;
  for (Index m = 1; m <= kN; ++m) {
    std::vector<TabularQ<double>> critics, reference;
    auto init = rlvalue::make_rng(91);
    for (Index k = 0; k < kN; ++k) {
      critics.emplace_back(kS, kA);
      for (Index s = 0; s < kS; ++s)
        for (Index a = 0; a < kA; ++a) critics.back().set_value(s, a, rlvalue::uniform01(init) - 0.5);
    }
    reference = critics;
    MaxminQLearning<TabularQ<double>> mm(critics, {.gamma = 0.9, .step_size = 0.25, .update_count = m});
    auto rng = rlvalue::make_rng(92), ref_rng = rng, data = rlvalue::make_rng(93);
    std::vector<Index> order(static_cast<std::size_t>(kN));
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> next(kN, kA);
    for (int i = 0; i < 3000; ++i) {
      const rlvalue::Transition<> t{.state = rlvalue::uniform_index(data, kS),
                                    .action = rlvalue::uniform_index(data, kA),
                                    .reward = rlvalue::uniform01(data) - 0.3,
                                    .next_state = rlvalue::uniform_index(data, kS),
                                    .terminated = rlvalue::uniform01(data) < 0.1};
      for (Index k = 0; k < kN; ++k)
        next.row(k) = reference[static_cast<std::size_t>(k)].action_values(t.next_state);
      const double y = rlvalue::maxmin_target(t.reward, t.terminated ? 0.0 : 0.9, next);
      if (m < kN) {
        rlvalue::draw_random_subset(ref_rng, m, std::span<Index>(order));
      } else {
        for (Index k = 0; k < kN; ++k) order[static_cast<std::size_t>(k)] = k;
      }
      double sum = 0.0;
      std::vector<double> errors;
      for (Index j = 0; j < m; ++j) {
        auto& q = reference[static_cast<std::size_t>(order[static_cast<std::size_t>(j)])];
        errors.push_back(y - q.value(t.state, t.action));
        sum += errors.back();
      }
      for (Index j = 0; j < m; ++j) {
        auto& q = reference[static_cast<std::size_t>(order[static_cast<std::size_t>(j)])];
        q.semi_gradient_step(t.state, t.action, 0.25 * errors[static_cast<std::size_t>(j)]);
      }
      const double expected = m == 1 ? sum : sum / static_cast<double>(m);
      REQUIRE(mm.update(t, rng) == expected);
    }
    CHECK(rng == ref_rng);
    for (std::size_t k = 0; k < static_cast<std::size_t>(kN); ++k)
      CHECK(critics[k].parameters() == reference[k].parameters());
  }
}
