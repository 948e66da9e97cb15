#include "rlvalue/mdp/tabular_mdp.hpp"

#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/concepts.hpp"

using rlvalue::Index;
using rlvalue::Outcome;
using rlvalue::TabularMDP;
using rlvalue_test::Contains;

static_assert(rlvalue::FiniteMDP<TabularMDP<double>>);
static_assert(rlvalue::FiniteMDP<TabularMDP<float>>);
static_assert(rlvalue::StateDependentActions<TabularMDP<double>>);

// FiniteMDP asks outcomes(s, a) for a range (anything a range-based for
// walks: a vector, a span, an array) of Outcome-like records.
struct VectorOutcomesMDP {
  Index num_states() const { return 1; }
  Index num_actions() const { return 1; }
  std::vector<Outcome<double>> outcomes(Index, Index) const { return {}; }
};
struct ArrayOutcomesMDP {
  Index num_states() const { return 1; }
  Index num_actions() const { return 1; }
  const Outcome<float> (&outcomes(Index, Index) const)[2] { return table; }
  Outcome<float> table[2];
};
struct NotARangeMDP {
  Index num_states() const { return 1; }
  Index num_actions() const { return 1; }
  Outcome<double> outcomes(Index, Index) const { return {}; }
};
struct RangeOfNumbersMDP {
  Index num_states() const { return 1; }
  Index num_actions() const { return 1; }
  std::vector<double> outcomes(Index, Index) const { return {}; }
};
static_assert(rlvalue::FiniteMDP<VectorOutcomesMDP>);
static_assert(rlvalue::FiniteMDP<ArrayOutcomesMDP>);
static_assert(!rlvalue::FiniteMDP<NotARangeMDP>);
static_assert(!rlvalue::FiniteMDP<RangeOfNumbersMDP>);

namespace {

// 2 states x 2 actions; outcomes added out of order on purpose.
TabularMDP<> small_mdp() {
  TabularMDP<>::Builder b(2, 2);
  b.add(1, 1, 0, 1.0, 5.0);
  b.add(0, 0, 1, 0.25, -1.0);
  b.add(0, 1, 0, 1.0, 2.0, true);
  b.add(1, 0, 1, 0.5, 0.0);
  b.add(0, 0, 0, 0.75, 3.0);
  b.add(1, 0, Outcome<double>{0, 0.5, 1.0, true});
  return std::move(b).build();
}

// A FiniteMDP that is not a TabularMDP: outcomes returned by value.
struct VectorMDP {
  Index num_states() const { return 2; }
  Index num_actions() const { return 1; }
  std::vector<Outcome<double>> outcomes(Index s, Index) const {
    if (s == 0) return {{1, 0.5, 1.0, false}, {0, 0.5, 0.0, true}};
    return {{1, 1.0, -2.0, true}};
  }
};

}  // namespace

TEST_CASE("TabularMDP stores outcomes per (s, a) in insertion order", "[mdp][tabular_mdp]") {
  const auto m = small_mdp();
  REQUIRE(m.num_states() == 2);
  REQUIRE(m.num_actions() == 2);
  REQUIRE(m.num_outcomes() == 6);
  REQUIRE(m.num_actions(0) == 2);

  const auto o00 = m.outcomes(0, 0);
  REQUIRE(o00.size() == 2);
  CHECK(o00[0].next_state == 1);
  CHECK(o00[0].probability == 0.25);
  CHECK(o00[0].reward == -1.0);
  CHECK_FALSE(o00[0].terminal);
  CHECK(o00[1].next_state == 0);
  CHECK(o00[1].probability == 0.75);
  CHECK(o00[1].reward == 3.0);

  const auto o01 = m.outcomes(0, 1);
  REQUIRE(o01.size() == 1);
  CHECK(o01[0].terminal);
  CHECK(o01[0].reward == 2.0);

  const auto o10 = m.outcomes(1, 0);
  REQUIRE(o10.size() == 2);
  CHECK(o10[0].next_state == 1);
  CHECK(o10[1].terminal);
  CHECK(o10[1].reward == 1.0);

  const auto o11 = m.outcomes(1, 1);
  REQUIRE(o11.size() == 1);
  CHECK(o11[0].reward == 5.0);
  // One contiguous array: (1, 1) follows (1, 0).
  CHECK(o11.data() == o10.data() + 2);
}

TEST_CASE("TabularMDP with state-dependent actions", "[mdp][tabular_mdp]") {
  TabularMDP<>::Builder b(2, 3);
  b.set_num_actions(0, 1);
  b.add(0, 0, 1, 1.0, 0.0);
  for (Index a = 0; a < 3; ++a) b.add(1, a, 1, 1.0, static_cast<double>(a), true);
  const auto m = std::move(b).build();
  CHECK(m.num_actions() == 3);
  CHECK(m.num_actions(0) == 1);
  CHECK(m.num_actions(1) == 3);
  CHECK(rlvalue::num_available_actions(m, 0) == 1);
  REQUIRE_THROWS_MATCHES(
      m.outcomes(0, 1), std::out_of_range,
      Contains("TabularMDP::outcomes (state = 0): action = 1 is out of range [0, 1)"));

  // Lowering the action count after adding outcomes is caught at build.
  TabularMDP<>::Builder b2(1, 2);
  b2.add(0, 0, 0, 1.0, 0.0, true).add(0, 1, 0, 1.0, 0.0, true);
  b2.set_num_actions(0, 1);
  REQUIRE_THROWS_MATCHES(std::move(b2).build(), std::out_of_range, Contains("action = 1"));
}

TEST_CASE("to_tabular copies any FiniteMDP", "[mdp][tabular_mdp]") {
  const VectorMDP src;
  const auto m = rlvalue::to_tabular(src);
  REQUIRE(m.num_states() == 2);
  REQUIRE(m.num_actions() == 1);
  for (Index s = 0; s < 2; ++s) {
    const auto expected = src.outcomes(s, 0);
    const auto got = m.outcomes(s, 0);
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].next_state == expected[i].next_state);
      CHECK(got[i].probability == expected[i].probability);
      CHECK(got[i].reward == expected[i].reward);
      CHECK(got[i].terminal == expected[i].terminal);
    }
  }
  // Copy into single precision, and copy a TabularMDP with masked actions.
  const auto mf = rlvalue::to_tabular<float>(small_mdp());
  CHECK(mf.outcomes(0, 0)[1].probability == 0.75f);

  TabularMDP<>::Builder b(2, 2);
  b.set_num_actions(1, 1);
  b.add(0, 0, 1, 1.0, 0.0).add(0, 1, 0, 1.0, 1.0, true).add(1, 0, 1, 1.0, 0.0, true);
  const auto copy = rlvalue::to_tabular(std::move(b).build());
  CHECK(copy.num_actions(1) == 1);
  CHECK(copy.num_outcomes() == 3);
}

TEST_CASE("TabularMDP::Builder rejects bad input", "[mdp][tabular_mdp][errors]") {
  REQUIRE_THROWS_MATCHES(TabularMDP<>::Builder(0, 2), std::invalid_argument,
                         Contains("TabularMDP::Builder: num_states = 0 must be at least 1"));
  REQUIRE_THROWS_MATCHES(TabularMDP<>::Builder(2, -1), std::invalid_argument,
                         Contains("num_actions = -1"));
  REQUIRE_THROWS_MATCHES(TabularMDP<>::Builder(2, 2, 0.0), std::invalid_argument,
                         Contains("probability_tolerance = 0"));

  TabularMDP<>::Builder b(2, 2);
  REQUIRE_THROWS_MATCHES(b.add(2, 0, 0, 1.0, 0.0), std::out_of_range,
                         Contains("state = 2 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(b.add(-1, 0, 0, 1.0, 0.0), std::out_of_range, Contains("state = -1"));
  REQUIRE_THROWS_MATCHES(b.add(0, 2, 0, 1.0, 0.0), std::out_of_range,
                         Contains("action = 2 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(b.add(0, 0, 5, 1.0, 0.0), std::out_of_range,
                         Contains("next_state = 5 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(b.add(0, 0, 0, 1.5, 0.0), std::invalid_argument,
                         Contains("probability = 1.5 is outside [0, 1]"));
  REQUIRE_THROWS_MATCHES(b.add(0, 0, 0, -0.25, 0.0), std::invalid_argument,
                         Contains("probability = -0.25"));
  REQUIRE_THROWS_MATCHES(b.add(0, 0, 0, 1.0, std::numeric_limits<double>::infinity()),
                         std::invalid_argument, Contains("reward = inf is not finite"));
  REQUIRE_THROWS_MATCHES(b.add(0, 0, 0, 1.0, std::numeric_limits<double>::quiet_NaN()),
                         std::invalid_argument, Contains("reward = nan"));
  REQUIRE_THROWS_MATCHES(b.set_num_actions(0, 3), std::invalid_argument,
                         Contains("num_actions_in_state = 3 is outside [1, 2]"));
  REQUIRE_THROWS_MATCHES(b.set_num_actions(0, 0), std::invalid_argument,
                         Contains("num_actions_in_state = 0"));
  REQUIRE_THROWS_MATCHES(b.set_num_actions(4, 1), std::out_of_range, Contains("state = 4"));

  SECTION("a pair without outcomes") {
    TabularMDP<>::Builder c(2, 1);
    c.add(0, 0, 1, 1.0, 0.0);
    REQUIRE_THROWS_MATCHES(
        std::move(c).build(), std::invalid_argument,
        Contains("number of outcomes = 0 of (state = 1, action = 0) must be at least 1"));
  }
  SECTION("probabilities not summing to 1") {
    TabularMDP<>::Builder c(1, 1);
    c.add(0, 0, 0, 0.5, 0.0).add(0, 0, 0, 0.25, 0.0, true);
    REQUIRE_THROWS_MATCHES(
        std::move(c).build(), std::invalid_argument,
        Contains("sum of probabilities = 0.75 of (state = 0, action = 0) must be 1"));
  }
  SECTION("sum within the tolerance is accepted, outside rejected") {
    TabularMDP<>::Builder ok(1, 1);
    ok.add(0, 0, 0, 0.5, 0.0, true).add(0, 0, 0, 0.5 + 1e-12, 0.0, true);
    CHECK_NOTHROW(std::move(ok).build());
    TabularMDP<>::Builder loose(1, 1, 1e-3);
    loose.add(0, 0, 0, 0.5, 0.0, true).add(0, 0, 0, 0.5005, 0.0, true);
    CHECK_NOTHROW(std::move(loose).build());
    TabularMDP<>::Builder tight(1, 1);
    tight.add(0, 0, 0, 0.5, 0.0, true).add(0, 0, 0, 0.5 + 1e-6, 0.0, true);
    CHECK_THROWS_AS(std::move(tight).build(), std::invalid_argument);
  }
  SECTION("outcomes() index checks") {
    const auto m = small_mdp();
    REQUIRE_THROWS_MATCHES(m.outcomes(2, 0), std::out_of_range,
                           Contains("TabularMDP::outcomes: state = 2 is out of range [0, 2)"));
    REQUIRE_THROWS_MATCHES(m.outcomes(0, -1), std::out_of_range, Contains("action = -1"));
    REQUIRE_THROWS_MATCHES(m.num_actions(7), std::out_of_range, Contains("state = 7"));
  }
  SECTION("to_tabular rejects an MDP whose probabilities do not sum to 1") {
    struct Leaky {
      Index num_states() const { return 1; }
      Index num_actions() const { return 1; }
      std::vector<Outcome<double>> outcomes(Index, Index) const { return {{0, 0.9, 0.0, true}}; }
    };
    REQUIRE_THROWS_MATCHES(rlvalue::to_tabular(Leaky{}), std::invalid_argument,
                           Contains("sum of probabilities = 0.9"));
  }
}
