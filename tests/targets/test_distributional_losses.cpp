// Distributional losses (cross-entropy, quantile regression with and without
// Huber kappa, expectile): hand-worked numbers, gradients against finite
// differences, minimiser properties, bad input.

#include "rlvalue/targets/distributional_losses.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "targets/sequence_test_support.hpp"

using rlvalue::Index;

namespace {
using rlvalue_test::message_of;

using rlvalue_test::vector_of;
}  // namespace

TEST_CASE("quantile_midpoint and scalar losses", "[targets][losses]") {
  CHECK(rlvalue::quantile_midpoint(0, 1) == 0.5);
  CHECK(rlvalue::quantile_midpoint(0, 4) == 0.125);  // (2*1 - 1)/(2*4)
  CHECK(rlvalue::quantile_midpoint(3, 4) == 0.875);
  // Pinball: u = 2, tau = 0.25 -> 0.5; u = -2 -> 2 * 0.75 = 1.5.
  CHECK(rlvalue::quantile_huber_loss(2.0, 0.25, 0.0) == 0.5);
  CHECK(rlvalue::quantile_huber_loss(-2.0, 0.25, 0.0) == 1.5);
  // Huber kappa = 1: u = 0.5 -> 0.25 * 0.125 / 1; u = -2 -> 0.75 * (2 - 0.5) = 1.125.
  CHECK(rlvalue::quantile_huber_loss(0.5, 0.25, 1.0) == 0.03125);
  CHECK(rlvalue::quantile_huber_loss(-2.0, 0.25, 1.0) == 1.125);
  CHECK(rlvalue::quantile_huber_derivative(-2.0, 0.25, 0.0) == -0.75);
  CHECK(rlvalue::quantile_huber_derivative(0.0, 0.25, 0.0) == 0.25);  // u = 0 counts as >= 0
  CHECK(rlvalue::quantile_huber_derivative(-0.5, 0.25, 1.0) == -0.375);
  CHECK(rlvalue::quantile_huber_derivative(3.0, 0.25, 1.0) == 0.25);
  // Expectile: u = -1, tau = 0.25 -> 0.75; u = 2 -> 0.25 * 4 = 1.
  CHECK(rlvalue::expectile_loss(-1.0, 0.25) == 0.75);
  CHECK(rlvalue::expectile_loss(2.0, 0.25) == 1.0);
  CHECK(rlvalue::huber(3.0f, 2.0f) == 4.0f);  // 2 * (3 - 1)
}

TEMPLATE_TEST_CASE("categorical_cross_entropy: hand-worked and gradient", "[targets][losses]",
                   float, double) {
  using T = TestType;
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  // logits (0, ln 2, ln 3): softmax = (1, 2, 3)/6. Target (0.5, 0, 0.5):
  // L = -0.5 ln(1/6) - 0.5 ln(1/2) = 0.5 ln 12 = 1.2424533.
  V logits(3), target(3);
  logits << T(0), T(std::log(2.0)), T(std::log(3.0));
  target << T(0.5), T(0), T(0.5);
  CHECK(rlvalue::categorical_cross_entropy(target, logits) == Approx(0.5 * std::log(12.0)));
  // Gradient = softmax - target = (1/6 - 1/2, 1/3, 0).
  V g(3);
  rlvalue::categorical_cross_entropy_gradient(target, logits, g);
  CHECK(g[0] == Approx(-1.0 / 3));
  CHECK(g[1] == Approx(1.0 / 3));
  CHECK(g[2] == Approx(0.0).margin(1e-6));
  // Stable for large logits: (1000, 1000) against (1, 0) is ln 2.
  CHECK(rlvalue::categorical_cross_entropy((V(2) << 1, 0).finished(), (V(2) << 1000, 1000).finished()) ==
        Approx(std::log(2.0)));
}

TEST_CASE("categorical_cross_entropy: gradient matches finite differences", "[targets][losses]") {
  auto rng = rlvalue::make_rng(3);
  for (int trial = 0; trial < 20; ++trial) {
    Eigen::VectorXd logits(7), target(7), g(7);
    for (Index i = 0; i < 7; ++i) {
      logits[i] = rlvalue::normal(rng, 0.0, 2.0);
      target[i] = rlvalue::uniform01(rng);
    }
    target /= target.sum();
    rlvalue::categorical_cross_entropy_gradient(target, logits, g);
    for (Index i = 0; i < 7; ++i) {
      Eigen::VectorXd up = logits, down = logits;
      up[i] += 1e-6;
      down[i] -= 1e-6;
      const double fd = (rlvalue::categorical_cross_entropy(target, up) -
                         rlvalue::categorical_cross_entropy(target, down)) / 2e-6;
      CHECK(g[i] == Approx(fd).margin(1e-7));
    }
    CHECK(g.sum() == Approx(0.0).margin(1e-14));
  }
}

TEST_CASE("quantile_regression_loss: hand-worked, gradient, minimiser", "[targets][losses]") {
  // theta = (0, 1), taus (0.25, 0.75), targets (0.5, 2).
  // kappa = 0: i=0: u=0.5 -> 0.125, u=2 -> 0.5; i=1: u=-0.5 -> 0.125, u=1 -> 0.75.
  // Sum 1.5, over N = 2: 0.75. Gradient_i = #{y < theta_i}/N - tau_i = (-0.25, -0.25).
  const Eigen::VectorXd theta = vector_of({0, 1}), y = vector_of({0.5, 2});
  Eigen::VectorXd g(2);
  CHECK(rlvalue::quantile_regression_loss(theta, y) == 0.75);
  CHECK(rlvalue::quantile_regression_gradient(theta, y, 0.0, g) == 0.75);
  CHECK(g == vector_of({-0.25, -0.25}));
  // kappa = 1: i=0: 0.25*0.125 + 0.25*(2 - 0.5) = 0.03125 + 0.375;
  // i=1: 0.25*0.125 + 0.75*0.5 = 0.03125 + 0.375. Sum 0.8125 / 2 = 0.40625.
  // Gradient: i=0: -(0.25*0.5 + 0.25*1)/2 = -0.1875; i=1: -(-0.25*0.5 + 0.75*1)/2 = -0.3125.
  CHECK(rlvalue::quantile_regression_gradient(theta, y, 1.0, g) == 0.40625);
  CHECK(g == vector_of({-0.1875, -0.3125}));

  // Huber gradient against finite differences (points away from kinks).
  auto rng = rlvalue::make_rng(5);
  Eigen::VectorXd th(5), ys(9), gh(5);
  for (Index i = 0; i < 5; ++i) th[i] = rlvalue::normal(rng, 0.0, 1.0);
  for (Index j = 0; j < 9; ++j) ys[j] = rlvalue::normal(rng, 0.0, 1.0);
  rlvalue::quantile_regression_gradient(th, ys, 0.7, gh);
  for (Index i = 0; i < 5; ++i) {
    Eigen::VectorXd up = th, down = th;
    up[i] += 1e-7;
    down[i] -= 1e-7;
    const double fd = (rlvalue::quantile_regression_loss(up, ys, 0.7) -
                       rlvalue::quantile_regression_loss(down, ys, 0.7)) / 2e-7;
    CHECK(gh[i] == Approx(fd).margin(1e-6));
  }
  CHECK((gh.array().abs() <= 1.0).all());

  // The minimiser of the plain loss puts theta_i at a tau_i-quantile of the
  // targets: with targets 1..8 and m = 4 (taus 1/8, 3/8, 5/8, 7/8), theta =
  // (1.5, 3.5, 5.5, 7.5) has zero gradient (#{y < theta_i} = 1, 3, 5, 7 of 8).
  Eigen::VectorXd g4(4);
  rlvalue::quantile_regression_gradient(vector_of({1.5, 3.5, 5.5, 7.5}), Eigen::VectorXd::LinSpaced(8, 1, 8),
                                        0.0, g4);
  CHECK(g4.isZero());
  // ... and moving any theta_i past a target makes the loss larger.
  const double best = rlvalue::quantile_regression_loss(vector_of({1.5, 3.5, 5.5, 7.5}),
                                                        Eigen::VectorXd::LinSpaced(8, 1, 8));
  CHECK(rlvalue::quantile_regression_loss(vector_of({1.5, 4.5, 5.5, 7.5}), Eigen::VectorXd::LinSpaced(8, 1, 8)) >
        best);
}

TEST_CASE("expectile_regression_loss: hand-worked, gradient, tau = 1/2 is the mean",
          "[targets][losses]") {
  // e = (1), tau = 0.25, targets (0, 3): u = -1 -> 0.75; u = 2 -> 0.25*4 = 1.
  // L = 1.75 / 2 = 0.875. Gradient = -(2/2)(0.75*(-1) + 0.25*2) = 0.25.
  Eigen::VectorXd g(1);
  CHECK(rlvalue::expectile_regression_gradient(vector_of({1}), vector_of({0, 3}), vector_of({0.25}), g) == 0.875);
  CHECK(g[0] == 0.25);
  // The 1/2-expectile is the mean: zero gradient at the mean of the targets.
  const Eigen::VectorXd ys = vector_of({-1, 0.5, 2, 7});
  rlvalue::expectile_regression_gradient(vector_of({ys.mean()}), ys, vector_of({0.5}), g);
  CHECK(g[0] == Approx(0.0).margin(1e-15));
}

TEST_CASE("distributional losses: bad input", "[targets][losses]") {
  Eigen::VectorXd g(2);
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::quantile_regression_loss(vector_of({0, 1}), vector_of({1}), -1.0);
        }) == "quantile_regression_loss: kappa = -1 must be finite and >= 0 (0: no Huber smoothing)");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::quantile_regression_loss(Eigen::VectorXd(0), vector_of({1}));
        }) == "quantile_regression_loss: theta size = 0 must be at least 1");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::quantile_regression_loss(vector_of({1}), Eigen::VectorXd(0));
        }) == "quantile_regression_loss: targets size = 0 must be at least 1");
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::quantile_regression_gradient(vector_of({0, 1, 2}), vector_of({1}), 0.0, g);
        }) == "quantile_regression_gradient: out has size 2, expected 3");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::categorical_cross_entropy(vector_of({1, 0}), vector_of({1, 2, 3}));
        }) == "categorical_cross_entropy: target has size 2, expected 3");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::expectile_regression_loss(vector_of({1}), vector_of({1}), vector_of({1.0}));
        }) == "expectile_regression_loss: taus(0) = 1 is outside (0, 1)");
}
