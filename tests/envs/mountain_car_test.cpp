// MountainCar: hand-worked dynamics, bounds, termination vs truncation, a
// hand-coded energy-pumping policy reaches the goal, bad input.

#include "rlvalue/envs/mountain_car.hpp"

#include <cmath>
#include <stdexcept>

#include "catch.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"

using rlvalue::Index;
using rlvalue::MountainCar;

static_assert(rlvalue::Environment<MountainCar>);

TEST_CASE("MountainCar: hand-worked steps", "[envs][mountain_car]") {
  MountainCar env;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  env.reset_to({-0.5, 0.0});
  // Forward: v' = 0 + 0.001 - 0.0025 cos(-1.5) = 0.001 - 0.0025 * 0.0707372 = 0.000823157;
  // p' = -0.5 + v'.
  auto step = env.step(2, rng);
  const double v1 = 0.001 - 0.0025 * std::cos(-1.5);
  CHECK(step.next_state[1] == Approx(v1).epsilon(1e-14));
  CHECK(step.next_state[1] == Approx(0.000823157).epsilon(1e-6));
  CHECK(step.next_state[0] == Approx(-0.5 + v1).epsilon(1e-14));
  CHECK(step.reward == -1.0);
  CHECK((!step.terminated && !step.truncated));
  // Reverse from there: v'' = v1 - 0.001 - 0.0025 cos(3 p1).
  const double p1 = -0.5 + v1;
  step = env.step(0, rng);
  const double v2 = v1 - 0.001 - 0.0025 * std::cos(3 * p1);
  CHECK(step.next_state[1] == Approx(v2).epsilon(1e-14));
  CHECK(step.next_state[0] == Approx(p1 + v2).epsilon(1e-14));
  CHECK(env.steps() == 2);
}

TEST_CASE("MountainCar: bounds, left wall, goal", "[envs][mountain_car]") {
  // Velocity is clipped to -0.07; the left wall stops the car.
  auto s = MountainCar::next_state({-1.15, -0.07}, 0);
  CHECK(s[0] == -1.2);
  CHECK(s[1] == 0.0);
  // cos(3 * -0.6) = -0.2272: 0.07 + 0.001 + 0.000568 > 0.07, clipped.
  s = MountainCar::next_state({-0.6, 0.07}, 2);
  CHECK(s[1] == 0.07);
  CHECK(s[0] == Approx(-0.53));
  // cos(0) = 1: 0.07 + 0.001 - 0.0025 = 0.0685, not clipped.
  s = MountainCar::next_state({0.0, 0.07}, 2);
  CHECK(s[1] == Approx(0.0685));
  // Reaching 0.5 terminates (not truncated) and ends the episode.
  MountainCar env;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  env.reset_to({0.49, 0.05});
  const auto step = env.step(2, rng);
  CHECK(step.terminated);
  CHECK(!step.truncated);
  CHECK(step.next_state[0] == 0.5);
  CHECK_THROWS_AS(env.step(1, rng), std::logic_error);
}

TEST_CASE("MountainCar: start distribution, step limit, energy pumping", "[envs][mountain_car]") {
  rlvalue::Rng rng = rlvalue::make_rng(7);
  MountainCar env({.max_steps = 3});
  for (int k = 0; k < 100; ++k) {
    const auto s = env.reset(rng);
    CHECK((s[0] >= -0.6 && s[0] < -0.4));
    CHECK(s[1] == 0.0);
  }
  env.reset_to({-0.5, 0.0});
  CHECK(!env.step(1, rng).truncated);
  CHECK(!env.step(1, rng).truncated);
  const auto last = env.step(1, rng);
  CHECK(last.truncated);
  CHECK(!last.terminated);
  CHECK_THROWS_AS(env.step(1, rng), std::logic_error);

  // Zero throttle never escapes; pushing in the direction of motion does,
  // in well under 200 steps from the bottom.
  MountainCar free_env;
  free_env.reset_to({-0.5, 0.0});
  for (int k = 0; k < 1000; ++k) CHECK(!free_env.step(1, rng).terminated);
  MountainCar pump;
  auto state = pump.reset_to({-0.5, 0.0});
  Index steps = 0;
  for (bool done = false; !done && steps < 1000; ++steps) {
    const auto st = pump.step(state[1] >= 0.0 ? 2 : 0, rng);
    state = st.next_state;
    done = st.terminated;
  }
  CHECK(steps < 200);
  CHECK(state[0] == 0.5);
}

TEST_CASE("MountainCar: bad input", "[envs][mountain_car][errors]") {
  MountainCar env;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK_THROWS_AS(env.step(1, rng), std::logic_error);  // before reset
  env.reset(rng);
  CHECK_THROWS_AS(env.step(3, rng), std::out_of_range);
  CHECK_THROWS_AS(env.reset_to({0.5, 0.0}), std::invalid_argument);
  CHECK_THROWS_AS(env.reset_to({0.0, 0.08}), std::invalid_argument);
  CHECK_THROWS_AS(MountainCar({.max_steps = -1}), std::invalid_argument);
}
