#include <stdexcept>

#include "catch.hpp"
#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"

using namespace rlvalue;

static_assert(StateValueFunction<TabularV<double>>);
static_assert(StateValueFunction<TabularV<float>>);
static_assert(ActionValueFunction<TabularQ<double>>);
static_assert(ActionValueFunction<TabularQ<float>>);
static_assert(FiniteStateSpace<TabularV<double>> && FiniteStateSpace<TabularQ<double>>);

TEST_CASE("TabularV: values, one-hot features, semi-gradient step", "[approx][tabular]") {
  TabularV<double> v(4, 0.5);
  REQUIRE(v.num_states() == 4);
  REQUIRE(v.value(3) == 0.5);
  const auto f = v.features(2);
  REQUIRE(f.size() == 1);
  REQUIRE(*f.begin() == 2);
  // w += x * e_s: only v(2) moves.
  v.semi_gradient_step(2, 0.25);
  REQUIRE(v.value(2) == 0.75);
  REQUIRE(v.value(1) == 0.5);
  v.set_value(0, -1.0);
  REQUIRE(v.parameters()(0) == -1.0);
}

TEST_CASE("TabularQ: row-major rows, steps touch one entry", "[approx][tabular]") {
  TabularQ<float> q(3, 2, 1.0f);
  REQUIRE(q.num_states() == 3);
  REQUIRE(q.num_actions() == 2);
  q.semi_gradient_step(1, 1, 2.0f);
  REQUIRE(q.value(1, 1) == 3.0f);
  REQUIRE(q.value(1, 0) == 1.0f);
  const auto row = q.action_values(1);
  REQUIRE(row.size() == 2);
  REQUIRE(row(1) == 3.0f);
  // The row is a view into the table: contiguous for row-major storage.
  REQUIRE(&row.coeff(0) == q.parameters().data() + 2);
  REQUIRE(&row.coeff(1) == &row.coeff(0) + 1);
}

TEST_CASE("Tabular: bad input throws and names the parameter", "[approx][tabular][bad-input]") {
  REQUIRE_THROWS_WITH(TabularV<double>(0), "TabularV: num_states = 0 must be at least 1");
  REQUIRE_THROWS_WITH(TabularV<double>(2, std::numeric_limits<double>::quiet_NaN()),
                      "TabularV: initial_value = nan is not finite");
  REQUIRE_THROWS_WITH(TabularQ<double>(2, 0), "TabularQ: num_actions = 0 must be at least 1");
  TabularQ<double> q(2, 3);
  REQUIRE_THROWS_AS(q.value(2, 0), std::out_of_range);
  REQUIRE_THROWS_WITH(q.value(0, 3), "TabularQ::value: action = 3 is out of range [0, 3)");
  REQUIRE_THROWS_WITH(q.set_value(0, 0, std::numeric_limits<double>::infinity()),
                      "TabularQ::set_value: value = inf is not finite");
  REQUIRE(q.parameters().isZero());
  TabularV<double> v(2);
  REQUIRE_THROWS_WITH(v.semi_gradient_step(-1, 1.0),
                      "TabularV::semi_gradient_step: state = -1 is out of range [0, 2)");
  REQUIRE(v.parameters().isZero());
}
