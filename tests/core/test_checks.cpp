#include <limits>
#include <stdexcept>

#include "catch.hpp"
#include "rlvalue/core/checks.hpp"

using namespace rlvalue;

TEST_CASE("checks: messages name where, the parameter and the value", "[core][checks]") {
  REQUIRE_THROWS_AS(check_unit_interval("TD0", "gamma", 1.5), std::invalid_argument);
  REQUIRE_THROWS_WITH(check_unit_interval("TD0", "gamma", 1.5),
                      "TD0: gamma = 1.5 is outside [0, 1]");
  REQUIRE_THROWS_WITH(check_unit_interval("X", "lambda", -0.25), "X: lambda = -0.25 is outside [0, 1]");
  REQUIRE_THROWS_WITH(check_positive("QLearning", "step_size", 0.0),
                      "QLearning: step_size = 0 must be positive and finite");
  REQUIRE_THROWS_WITH(check_finite("TD0::update", "reward",
                                   std::numeric_limits<double>::infinity()),
                      "TD0::update: reward = inf is not finite");
  REQUIRE_THROWS_WITH(check_finite("f", "x", std::numeric_limits<float>::quiet_NaN()),
                      "f: x = nan is not finite");
  REQUIRE_THROWS_AS(check_index("TabularQ", "action", 4, 4), std::out_of_range);
  REQUIRE_THROWS_WITH(check_index("TabularQ", "action", 4, 4),
                      "TabularQ: action = 4 is out of range [0, 4)");
  REQUIRE_THROWS_WITH(check_index("TabularQ", "state", -1, 4),
                      "TabularQ: state = -1 is out of range [0, 4)");
  REQUIRE_THROWS_WITH(check_size("gae", "values", 3, 4), "gae: values has size 3, expected 4");
  REQUIRE_THROWS_WITH(check_at_least_one("TabularV", "num_states", 0),
                      "TabularV: num_states = 0 must be at least 1");
  REQUIRE_THROWS_WITH(check_in_range("P", "omega", 2.0, 0.5, 1.0), "P: omega = 2 is outside [0.5, 1]");
  // Shortest round-trip formatting keeps the exact value visible.
  REQUIRE_THROWS_WITH(check_unit_interval("c", "gamma", 1.0000000000000002),
                      "c: gamma = 1.0000000000000002 is outside [0, 1]");
}

TEST_CASE("checks: valid values pass", "[core][checks]") {
  REQUIRE_NOTHROW(check_unit_interval("c", "gamma", 0.0));
  REQUIRE_NOTHROW(check_unit_interval("c", "gamma", 1.0));
  REQUIRE_NOTHROW(check_positive("c", "step_size", 1e-300));
  REQUIRE_NOTHROW(check_index("c", "state", 0, 1));
  REQUIRE_NOTHROW(check_index("c", "state", 3, 4));
  REQUIRE_NOTHROW(check_size("c", "x", 2, 2));
  REQUIRE_NOTHROW(check_finite("c", "x", -1e308));
  REQUIRE_THROWS(check_positive("c", "step_size", std::numeric_limits<double>::infinity()));
  REQUIRE_THROWS(check_unit_interval("c", "gamma", std::numeric_limits<double>::quiet_NaN()));
}
