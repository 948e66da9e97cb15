// EnsembleQLearning: hand-worked updates for each reduction (mean, min,
// REDQ's random subset min with scripted draws), an ensemble of identical
// critics equals one Q-learner, the combined estimate, bad input.

#include "rlvalue/learners/ensemble_q_learning.hpp"

#include <limits>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "critic_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/learners/q_learning.hpp"

using rlvalue::EnsembleQLearning;
using rlvalue::EnsembleReduction;
using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::ScriptedBits;
using rlvalue_test::table;
using rlvalue_test::thrown_message;

namespace {
// As in the Maxmin test: at s1 the critics hold (1, 5), (2, 4), (0, 7);
// at (s0, a0) they hold 2, -1, 0.5.
std::vector<TabularQ<double>> three_critics() {
  std::vector<TabularQ<double>> c;
  c.push_back(table<double>(2, 2, {2, 0, 1, 5}));
  c.push_back(table<double>(2, 2, {-1, 0, 2, 4}));
  c.push_back(table<double>(2, 2, {0.5, 0, 0, 7}));
  return c;
}
const rlvalue::Transition<> kT{.state = 0, .action = 0, .reward = 1.0, .next_state = 1};
}  // namespace

TEST_CASE("EnsembleQLearning: hand-worked updates", "[learners][ensemble]") {
  auto critics = three_critics();
  SECTION("mean, all critics") {
    EnsembleQLearning<TabularQ<double>> eq(critics, {.gamma = 0.5, .step_size = 0.5});
    // Means at s1: (1, 16/3) -> max 16/3; y = 1 + 0.5*16/3 = 11/3.
    // Errors 11/3 - 2 = 5/3, 11/3 + 1 = 14/3, 11/3 - 0.5 = 19/6; mean 19/6.
    // New values 2 + 5/6 = 17/6, -1 + 7/3 = 4/3, 0.5 + 19/12 = 25/12.
    ScriptedBits rng{0};
    CHECK(eq.update(kT, rng) == Approx(19.0 / 6.0));
    CHECK(critics[0].parameters()(0, 0) == Approx(17.0 / 6.0));
    CHECK(critics[1].parameters()(0, 0) == Approx(4.0 / 3.0));
    CHECK(critics[2].parameters()(0, 0) == Approx(25.0 / 12.0));
    CHECK(rng.calls == 0);
    // Estimate: the mean. At s1 (1, 16/3).
    CHECK(eq.q(1, 1) == Approx(16.0 / 3.0));
    CHECK(eq.combined_estimate() == rlvalue::CombinedEstimate::mean);
  }
  SECTION("min, all critics") {
    EnsembleQLearning<TabularQ<double>> eq(
        critics, {.gamma = 0.5, .step_size = 0.5, .reduction = EnsembleReduction::min});
    // y = 1 + 0.5*4 = 3; errors 1, 4, 2.5 -> 2.5, 1, 1.75.
    ScriptedBits rng{0};
    CHECK(eq.update(kT, rng) == Approx(2.5));
    CHECK(critics[0].parameters()(0, 0) == 2.5);
    CHECK(critics[1].parameters()(0, 0) == 1.0);
    CHECK(critics[2].parameters()(0, 0) == 1.75);
    CHECK(eq.combined_estimate() == rlvalue::CombinedEstimate::min);
    CHECK(eq.q(1, 0) == 0.0);
  }
  SECTION("random subset min (REDQ), M = 2, all critics updated") {
    EnsembleQLearning<TabularQ<double>> eq(
        critics, {.gamma = 0.5, .step_size = 0.5, .reduction = EnsembleReduction::random_subset_min,
                  .subset_size = 2});
    // Draws 2, 1: (2,1,0) -> (2,0,1): subset {2, 0}; mins at s1 (0, 5) -> max 5; y = 3.5.
    // Errors 1.5, 4.5, 3 -> 2.75, 1.25, 2.
    ScriptedBits rng{2, 1};
    CHECK(eq.update(kT, rng) == Approx(3.0));
    CHECK(critics[0].parameters()(0, 0) == 2.75);
    CHECK(critics[1].parameters()(0, 0) == 1.25);
    CHECK(critics[2].parameters()(0, 0) == 2.0);
    CHECK(rng.calls == 2);
  }
  SECTION("random subset min with one critic updated: target draws first, then the update") {
    EnsembleQLearning<TabularQ<double>> eq(
        critics, {.gamma = 0.5, .step_size = 0.5, .reduction = EnsembleReduction::random_subset_min,
                  .subset_size = 2, .update_count = 1});
    // Target subset {2, 0} as above (y = 3.5); update draw uniform_index(3) = 1 -> critic 1:
    // delta = 4.5 -> 1.25.
    ScriptedBits rng{2, 1, 1};
    CHECK(eq.update(kT, rng) == Approx(4.5));
    CHECK(critics[1].parameters()(0, 0) == 1.25);
    CHECK(critics[0].parameters()(0, 0) == 2.0);
    CHECK(critics[2].parameters()(0, 0) == 0.5);
  }
  SECTION("terminated: y = r") {
    EnsembleQLearning<TabularQ<double>> eq(critics, {.gamma = 0.5, .step_size = 0.5});
    auto end = kT;
    end.terminated = true;
    ScriptedBits rng{0};
    // Errors 1-2 = -1, 1+1 = 2, 1-0.5 = 0.5 -> 1.5, 0, 0.75.
    eq.update(end, rng);
    CHECK(critics[0].parameters()(0, 0) == 1.5);
    CHECK(critics[1].parameters()(0, 0) == 0.0);
    CHECK(critics[2].parameters()(0, 0) == 0.75);
  }
}

TEST_CASE("EnsembleQLearning: identical critics updated together equal one Q-learner",
          "[learners][ensemble]") {
  // Property, for each reduction: N = 3 equal tables, all updated, stay equal
  // and follow Q-learning on the same stream (exactly for min and subset min;
  // the mean of equal values is x*3/3, equal to x within 1e-12 relative).
  for (auto reduction : {EnsembleReduction::mean, EnsembleReduction::min,
                         EnsembleReduction::random_subset_min}) {
    INFO("reduction " << static_cast<int>(reduction));
    std::vector<TabularQ<double>> critics(3, TabularQ<double>(3, 2, 0.3));
    TabularQ<double> single(3, 2, 0.3);
    EnsembleQLearning<TabularQ<double>> eq(critics, {.gamma = 0.9, .step_size = 0.2,
                                                     .reduction = reduction, .subset_size = 2});
    rlvalue::QLearning<TabularQ<double>> ql(single, {.gamma = 0.9, .step_size = 0.2});
    auto rng = rlvalue::make_rng(51);
    for (int i = 0; i < 3000; ++i) {
      auto t = rlvalue_test::TinyMDP::step(rlvalue::uniform_index(rng, 3),
                                           rlvalue::uniform_index(rng, 2), rng);
      t.truncated = !t.terminated && rlvalue::bernoulli(rng, 0.05);
      eq.update(t, rng);
      ql.update(t);
    }
    for (const auto& c : critics) {
      if (reduction == EnsembleReduction::mean) {
        CHECK((c.parameters() - single.parameters()).cwiseAbs().maxCoeff() < 1e-12);
      } else {
        CHECK(c.parameters() == single.parameters());
      }
    }
    CHECK(critics[1].parameters() == critics[0].parameters());
  }
}

TEST_CASE("EnsembleQLearning: bad input", "[learners][ensemble][errors]") {
  auto critics = three_critics();
  using L = EnsembleQLearning<TabularQ<double>>;
  CHECK(thrown_message<std::invalid_argument>(
            [&] { L(critics, {.reduction = EnsembleReduction::random_subset_min, .subset_size = 4}); }) ==
        "EnsembleQLearning: subset_size = 4 is outside [1, 3]");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { L(critics, {.reduction = EnsembleReduction::random_subset_min, .subset_size = 0}); }) ==
        "EnsembleQLearning: subset_size = 0 is outside [1, 3]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(critics, {.update_count = -1}); }) ==
        "EnsembleQLearning: update_count = -1 is outside [0, 3] (0 updates every critic)");
  CHECK(thrown_message<std::invalid_argument>([&] { L(critics, {.update_count = 5}); }) ==
        "EnsembleQLearning: update_count = 5 is outside [0, 3] (0 updates every critic)");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { L(critics, {.reduction = static_cast<EnsembleReduction>(9)}); }) ==
        "EnsembleQLearning: reduction = 9 is not an EnsembleReduction");
  CHECK(thrown_message<std::invalid_argument>([&] { L(critics, {.gamma = 1.5}); }) ==
        "EnsembleQLearning: gamma = 1.5 is outside [0, 1]");
  // subset_size is not read by the other reductions.
  CHECK_NOTHROW(L(critics, {.reduction = EnsembleReduction::mean, .subset_size = 0}));

  L eq(critics, {.gamma = 0.9, .step_size = 0.5});
  const auto before = critics;
  auto rng = rlvalue::make_rng(0);
  CHECK(thrown_message<std::out_of_range>(
            [&] { eq.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 7}, rng); }) ==
        "EnsembleQLearning::update: next_state = 7 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          eq.update({.state = 0, .action = 0, .reward = std::numeric_limits<double>::infinity(),
                     .next_state = 1}, rng);
        }) == "EnsembleQLearning::update: reward = inf is not finite");
  for (std::size_t k = 0; k < 3; ++k) CHECK(critics[k].parameters() == before[k].parameters());
}
