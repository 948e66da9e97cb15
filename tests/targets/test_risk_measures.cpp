// Risk measures of discrete distributions (mean, variance, quantile, CVaR,
// mean-variance): hand-worked numbers, any atom order, monotonicity in
// alpha, bad input.

#include "rlvalue/targets/risk_measures.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "targets/sequence_test_support.hpp"

using rlvalue::Index;

namespace {
using rlvalue_test::message_of;

using rlvalue_test::vector_of;
}  // namespace

TEST_CASE("risk measures: hand-worked numbers", "[targets][risk]") {
  // atoms (1, 2, 3, 4), probs (0.1, 0.2, 0.3, 0.4):
  // mean = 0.1 + 0.4 + 0.9 + 1.6 = 3; variance = 0.1*4 + 0.2*1 + 0 + 0.4*1 = 1.
  const Eigen::VectorXd z = vector_of({1, 2, 3, 4}), p = vector_of({0.1, 0.2, 0.3, 0.4});
  CHECK(rlvalue::distribution_mean(z, p) == Approx(3.0));
  CHECK(rlvalue::distribution_variance(z, p) == Approx(1.0));
  CHECK(rlvalue::mean_variance_utility(z, p, 0.5) == Approx(2.5));
  // F = (0.1, 0.3, 0.6, 1): VaR_0.25 = 2, VaR_0.35 = 3, VaR_1 = 4.
  CHECK(rlvalue::distribution_quantile(z, p, 0.25) == 2.0);
  CHECK(rlvalue::distribution_quantile(z, p, 0.35) == 3.0);
  CHECK(rlvalue::distribution_quantile(z, p, 1.0) == 4.0);
  // CVaR_0.2: VaR = 2, P(Z < 2) = 0.1: (0.1*1 + (0.2 - 0.1)*2)/0.2 = 1.5.
  CHECK(rlvalue::distribution_cvar(z, p, 0.2) == Approx(1.5));
  CHECK(rlvalue::distribution_cvar(z, p, 0.05) == Approx(1.0));  // inside the lowest atom
  CHECK(rlvalue::distribution_cvar(z, p, 1.0) == Approx(3.0));   // the mean
  // CVaR_0.5: VaR = 3, P(Z < 3) = 0.3, sum = 0.5: (0.5 + 0.2*3)/0.5 = 2.2.
  CHECK(rlvalue::distribution_cvar(z, p, 0.5) == Approx(2.2));
  // Any atom order gives the same numbers (quantile estimates may cross).
  const Eigen::VectorXd zs = vector_of({3, 1, 4, 2}), ps = vector_of({0.3, 0.1, 0.4, 0.2});
  CHECK(rlvalue::distribution_cvar(zs, ps, 0.5) == Approx(2.2));
  CHECK(rlvalue::distribution_cvar(zs, ps, 0.2) == Approx(1.5));
  CHECK(rlvalue::distribution_quantile(zs, ps, 0.35) == 3.0);
  // Quantile estimates, 1/m each: theta = (3, 1, 2, 0): CVaR_0.5 = (0 + 1)/2.
  const Eigen::VectorXd theta = vector_of({3, 1, 2, 0});
  CHECK(rlvalue::distribution_cvar(theta, Eigen::VectorXd::Constant(4, 0.25), 0.5) == Approx(0.5));
  // Repeated atoms in sorted order are gathered: (0, 0, 1) with 1/3 each:
  // VaR_0.5 = 0 (F(0) = 2/3), CVaR_0.5 = 0, CVaR_1 = 1/3.
  const Eigen::VectorXd rep = vector_of({0, 0, 1}), third = Eigen::VectorXd::Constant(3, 1.0 / 3);
  CHECK(rlvalue::distribution_quantile(rep, third, 0.5) == 0.0);
  CHECK(rlvalue::distribution_cvar(rep, third, 0.5) == 0.0);
  CHECK(rlvalue::distribution_cvar(rep, third, 1.0) == Approx(1.0 / 3));
}

TEST_CASE("risk measures: random distributions, any order", "[targets][risk]") {
  auto rng = rlvalue::make_rng(21);
  for (int trial = 0; trial < 100; ++trial) {
    const Index n = 1 + rlvalue::uniform_index(rng, 12);
    Eigen::VectorXd z(n), p(n);
    for (Index k = 0; k < n; ++k) {
      z[k] = std::round(rlvalue::normal(rng, 0.0, 3.0));  // ties happen
      p[k] = rlvalue::uniform01(rng) + 0.01;
    }
    p /= p.sum();
    // Sorted copy.
    std::vector<Index> idx(static_cast<std::size_t>(n));
    for (Index k = 0; k < n; ++k) idx[static_cast<std::size_t>(k)] = k;
    std::sort(idx.begin(), idx.end(), [&](Index a, Index b) { return z[a] < z[b]; });
    Eigen::VectorXd zs(n), ps(n);
    for (Index k = 0; k < n; ++k) {
      zs[k] = z[idx[static_cast<std::size_t>(k)]];
      ps[k] = p[idx[static_cast<std::size_t>(k)]];
    }
    double prev = -1e300;
    for (double a : {0.05, 0.1, 0.3, 0.5, 0.9, 1.0}) {
      const double c = rlvalue::distribution_cvar(z, p, a);
      CHECK(c == Approx(rlvalue::distribution_cvar(zs, ps, a)).margin(1e-12));
      CHECK(rlvalue::distribution_quantile(z, p, a) == rlvalue::distribution_quantile(zs, ps, a));
      CHECK(c >= prev - 1e-12);  // CVaR grows with alpha ...
      CHECK(c <= rlvalue::distribution_quantile(z, p, a) + 1e-12);  // ... and sits below VaR
      prev = c;
    }
    CHECK(rlvalue::distribution_cvar(z, p, 1.0) == Approx(rlvalue::distribution_mean(z, p)).margin(1e-12));
  }
}

TEST_CASE("risk measures: bad input", "[targets][risk]") {
  const Eigen::VectorXd z = vector_of({1, 2}), p = vector_of({0.5, 0.5});
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::distribution_cvar(z, p, 0.0); }) ==
        "distribution_cvar: alpha = 0 is outside (0, 1]");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::distribution_quantile(z, p, 1.5); }) ==
        "distribution_quantile: tau = 1.5 is outside (0, 1]");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::distribution_mean(z, vector_of({0.7, 0.7})); }) ==
        "distribution_mean: sum of probs = 1.4 must be 1 (within 1.4901161193847656e-08)");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::distribution_variance(z, vector_of({1.5, -0.5})); }) ==
        "distribution_mean: probs(1) = -0.5 must be a finite probability >= 0");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::distribution_mean(vector_of({1, NAN}), p); }) ==
        "distribution_mean: atoms(1) = nan is not finite");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::distribution_mean(vector_of({1, 2, 3}), p); }) ==
        "distribution_mean: probs has size 2, expected 3");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::mean_variance_utility(z, p, NAN); }) ==
        "mean_variance_utility: lambda = nan is not finite");
}
