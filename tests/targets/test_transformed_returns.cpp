// Transformed returns (targets/transformed_returns.hpp): hand-worked numbers
// with the signed hyperbolic rescaling, identity = the untransformed
// functions bit for bit, agreement with an explicit map-back / return / map-
// forward loop for the logarithmic mapping, storage orders and float, bad
// input.

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/mapping/identity.hpp"
#include "rlvalue/mapping/logarithmic.hpp"
#include "rlvalue/mapping/signed_hyperbolic.hpp"
#include "rlvalue/mapping/signed_log1p.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/td_errors.hpp"
#include "rlvalue/targets/transformed_returns.hpp"
#include "targets/sequence_test_support.hpp"

using namespace rlvalue;
using namespace rlvalue_test;

TEMPLATE_TEST_CASE("transformed returns: hand-worked numbers (signed hyperbolic, eps = 0)",
                   "[targets][transformed]", float, double) {
  using T = TestType;
  const SignedHyperbolicMapping<T> h(0.0);
  // rewards (1, 2), discounts (0.5, 0.5), next_values in mapped space (h(3), h(8)) = (1, 2),
  // so f^-1(next_values) = (3, 8).
  Arr<T> r(2, 1), d(2, 1), nv(2, 1);
  r << T(1), T(2);
  d << T(0.5), T(0.5);
  nv << T(1), T(2);
  // n = 1: G0 = 1 + 0.5*3 = 2.5 -> sqrt(3.5) - 1; G1 = 2 + 0.5*8 = 6 -> sqrt(7) - 1.
  const Arr<T> one = transformed_n_step_returns(h, r, d, nv, 1);
  CHECK(one(0, 0) == Approx(0.8708286933869707));
  CHECK(one(1, 0) == Approx(1.6457513110645906));
  // n = 2: G0 = 1 + 0.5*2 + 0.25*8 = 4 -> sqrt(5) - 1; G1 = 6.
  const Arr<T> two = transformed_n_step_returns(h, r, d, nv, 2);
  CHECK(two(0, 0) == Approx(1.2360679774997898));
  CHECK(two(1, 0) == Approx(1.6457513110645906));
  // lambda = 0.5: G1 = 6; G0 = 1 + 0.5*(0.5*3 + 0.5*6) = 3.25 -> sqrt(4.25) - 1.
  const Arr<T> lam = transformed_lambda_returns(h, r, d, nv, 0.5);
  CHECK(lam(0, 0) == Approx(1.0615528128088303));
  CHECK(lam(1, 0) == Approx(1.6457513110645906));
  // The n-step lambda form with lambda = 0.5 and n >= T equals the lambda-returns.
  const Arr<T> nlam = transformed_n_step_returns(h, r, d, nv, 5, 0.5);
  CHECK(nlam(0, 0) == Approx(lam(0, 0)));
  // Terminated at t = 0 (discount 0): G0 = 1 -> sqrt(2) - 1.
  d(0, 0) = T(0);
  const Arr<T> cut = transformed_lambda_returns(h, r, d, nv, 0.5);
  CHECK(cut(0, 0) == Approx(0.41421356237309515));

  // Q-learning: q(s, .) = (0.5, 1), a = 1, r = 1, discount 0.5, q(s', .) = (1, 2):
  // target = h(1 + 0.5*h^-1(2)) = h(1 + 4) = sqrt(6) - 1; error = sqrt(6) - 2 = 0.449489742783178.
  Eigen::Matrix<T, 1, 2> q_row(T(0.5), T(1)), q_next(T(1), T(2));
  CHECK(transformed_q_learning_error(h, q_row, 1, T(1), T(0.5), q_next) == Approx(0.449489742783178));
  // Terminal: target = h(1) = sqrt(2) - 1; error = sqrt(2) - 2.
  CHECK(transformed_q_learning_error(h, q_row, 1, T(1), T(0), q_next) == Approx(-0.5857864376269049));
}

TEST_CASE("transformed returns: the identity gives the untransformed functions bit for bit",
          "[targets][transformed][property]") {
  Rng rng = make_rng(4);
  const Arr<double> r = random_array(rng, 9, 5, -1, 1);
  Arr<double> d = random_array(rng, 9, 5, 0, 1);
  d(3, 1) = 0.0;
  const Arr<double> nv = random_array(rng, 9, 5, -3, 3);
  const Arr<double> lam = random_array(rng, 9, 5, 0, 1);
  const IdentityMapping<double> id;
  CHECK((transformed_n_step_returns(id, r, d, nv, 3) == n_step_returns(r, d, nv, 3)).all());
  CHECK((transformed_lambda_returns(id, r, d, nv, 0.7) == lambda_returns(r, d, nv, 0.7)).all());
  CHECK((transformed_lambda_returns(id, r, d, nv, lam) == lambda_returns(r, d, nv, lam)).all());
  Arr<double> out(9, 5), expected(9, 5);
  transformed_n_step_returns(id, r, d, nv, 4, lam, out);
  n_step_returns(r, d, nv, 4, lam, expected);
  CHECK((out == expected).all());
  const Eigen::Vector3d q(0.1, 0.5, -0.2), qn(1.0, -1.0, 0.25);
  CHECK(transformed_q_learning_error(id, q, 2, 0.3, 0.9, qn) == q_learning_error(q, 2, 0.3, 0.9, qn));
}

TEST_CASE("transformed returns: map back, form the return, map forward (log mapping)",
          "[targets][transformed][property]") {
  // An explicit loop: v = f^-1(next_values); G by the textbook recursions;
  // result f(G). Agreement to 1e-12 relative; row-major out as well.
  const LogarithmicMapping<double> f({.c = 1.0, .gamma = 0.9, .k = 20.0});
  Rng rng = make_rng(8);
  const Index T = 7, B = 3;
  const Arr<double> r = random_array(rng, T, B, 0, 1);  // non-negative: returns stay in the domain
  const Arr<double> d = random_array(rng, T, B, 0, 0.9);
  const Arr<double> nv = random_array(rng, T, B, -2, 2);
  Arr<double> v(T, B);
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < T; ++t) v(t, b) = f.inverse(nv(t, b));
  const double lambda = 0.6;
  Arr<double> lam_expected(T, B), n_expected(T, B);
  for (Index b = 0; b < B; ++b) {
    double g = r(T - 1, b) + d(T - 1, b) * v(T - 1, b);
    lam_expected(T - 1, b) = g;
    for (Index t = T - 2; t >= 0; --t) {
      g = r(t, b) + d(t, b) * ((1 - lambda) * v(t, b) + lambda * g);
      lam_expected(t, b) = g;
    }
    for (Index t = 0; t < T; ++t) {  // n = 3
      const Index m = std::min<Index>(3, T - t);
      double acc = v(t + m - 1, b);
      for (Index k = t + m - 1; k >= t; --k) acc = r(k, b) + d(k, b) * acc;
      n_expected(t, b) = acc;
    }
  }
  const Arr<double> lam = transformed_lambda_returns(f, r, d, nv, lambda);
  ArrRow<double> n_row(T, B);
  transformed_n_step_returns(f, r, d, nv, 3, n_row);
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < T; ++t) {
      CHECK(lam(t, b) == Approx(f.forward(lam_expected(t, b))).epsilon(1e-12));
      CHECK(n_row(t, b) == Approx(f.forward(n_expected(t, b))).epsilon(1e-12));
      CHECK(f.inverse(lam(t, b)) == Approx(lam_expected(t, b)).epsilon(1e-12));
    }
}

TEST_CASE("transformed returns: bad input", "[targets][transformed][errors]") {
  const LogarithmicMapping<double> f({.c = 1.0, .gamma = 0.5, .k = 2.0});  // domain x > -0.25
  Arr<double> r(2, 1), d(2, 1), nv(2, 1), out(2, 1);
  r << -1.0, 0.0;
  d << 0.0, 0.5;
  nv << 0.0, 0.0;
  // G0 = -1 (terminal), outside the domain.
  CHECK(message_of<std::invalid_argument>([&] { transformed_lambda_returns(f, r, d, nv, 0.5, out); }) ==
        "transformed_lambda_returns: returns(0, 0) = -1 is outside the mapping's domain");
  CHECK(message_of<std::invalid_argument>([&] { (void)transformed_n_step_returns(f, r, d, nv, 0); }) ==
        "transformed_n_step_returns: n = 0 must be at least 1");
  Arr<double> short_nv(1, 1);
  short_nv << 0.0;
  CHECK(message_of<std::invalid_argument>([&] { (void)transformed_n_step_returns(f, r, d, short_nv, 1); }) ==
        "transformed_n_step_returns: next_values has shape 1x1, expected 2x1");
  d(1, 0) = 1.5;
  CHECK(message_of<std::invalid_argument>([&] { (void)transformed_lambda_returns(f, r, d, nv, 0.5); }) ==
        "transformed_lambda_returns: discounts(1, 0) = 1.5 is outside [0, 1]");
  d(1, 0) = 0.5;
  CHECK(message_of<std::invalid_argument>([&] { (void)transformed_lambda_returns(f, r, d, nv, 1.5); }) ==
        "transformed_lambda_returns: lambda = 1.5 is outside [0, 1]");
  const SignedLog1pMapping<double> l;
  nv(1, 0) = 1000.0;  // expm1(1000) overflows
  r(0, 0) = 0.0;
  CHECK(message_of<std::invalid_argument>([&] { (void)transformed_n_step_returns(l, r, d, nv, 2); }) ==
        "transformed_n_step_returns: next_values(1, 0) = 1000 has a non-finite inverse");
  const Eigen::Vector2d q(0.0, 0.0), qn(0.0, 0.0);
  CHECK(message_of<std::invalid_argument>([&] { (void)transformed_q_learning_error(f, q, 0, -1.0, 0.0, qn); }) ==
        "transformed_q_learning_error: target = -1 is outside the domain of the logarithmic mapping "
        "(x + gamma^k > 0, gamma^k = 0.25)");
  CHECK(message_of<std::out_of_range>([&] { (void)transformed_q_learning_error(f, q, 2, 0.0, 0.0, qn); }) ==
        "transformed_q_learning_error: action = 2 is out of range [0, 2)");
}

TEST_CASE("transformed returns: the flags form equals the general form built from the flags",
          "[targets][transformed][flags]") {
  // Two episodes in a column: a truncation at t = 2 (bootstrap from
  // f^-1(next_values(2))) and a termination at t = 4 (no bootstrap).
  const SignedHyperbolicMapping<double> h(1e-3);
  Rng rng = make_rng(21);
  const Index T = 7, B = 3;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  const Arr<double> nv = random_array(rng, T, B, -2, 2);
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> term(T, B), trunc(T, B);
  term.setConstant(false);
  trunc.setConstant(false);
  trunc(2, 0) = true;
  term(4, 0) = true;
  term(0, 2) = true;
  trunc(5, 1) = true;
  const double gamma = 0.9, lambda = 0.7;
  Arr<double> d(T, B), lam(T, B), one(T, B);
  for (Index b = 0; b < B; ++b)
    for (Index t = 0; t < T; ++t) {
      d(t, b) = term(t, b) ? 0.0 : gamma;
      const bool done = term(t, b) || trunc(t, b);
      lam(t, b) = done ? 0.0 : lambda;
      one(t, b) = done ? 0.0 : 1.0;
    }
  const Arr<double> flags_lam = transformed_lambda_returns(h, r, nv, term, trunc, gamma, lambda);
  CHECK((flags_lam == transformed_lambda_returns(h, r, d, nv, lam)).all());
  ArrRow<double> flags_n(T, B);
  transformed_n_step_returns(h, r, nv, term, trunc, gamma, 3, flags_n);
  Arr<double> general_n(T, B);
  transformed_n_step_returns(h, r, d, nv, 3, one, general_n);
  CHECK((flags_n == general_n).all());
  // By hand: the truncated step's return is h(r + gamma h^-1(nv)); the
  // terminated step's is h(r).
  CHECK(flags_lam(2, 0) == Approx(h.forward(r(2, 0) + gamma * h.inverse(nv(2, 0)))).epsilon(1e-14));
  CHECK(flags_lam(4, 0) == Approx(h.forward(r(4, 0))).epsilon(1e-14));
  CHECK(flags_n(4, 0) == Approx(h.forward(r(4, 0))).epsilon(1e-14));
  // Window at t = 3 stops at the termination: h(r3 + gamma r4).
  CHECK(flags_n(3, 0) == Approx(h.forward(r(3, 0) + gamma * r(4, 0))).epsilon(1e-14));

  // Bad input names the function and the parameter.
  CHECK(message_of<std::invalid_argument>([&] {
          (void)transformed_lambda_returns(h, r, nv, term, trunc, 1.5, lambda);
        }) == "transformed_lambda_returns: gamma = 1.5 is outside [0, 1]");
  CHECK(message_of<std::invalid_argument>([&] {
          (void)transformed_lambda_returns(h, r, nv, term, trunc, gamma, -0.5);
        }) == "transformed_lambda_returns: lambda = -0.5 is outside [0, 1]");
  CHECK(message_of<std::invalid_argument>([&] {
          (void)transformed_n_step_returns(h, r, nv, term, trunc, gamma, 0);
        }) == "transformed_n_step_returns: n = 0 must be at least 1");
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> short_term(T - 1, B);
  short_term.setConstant(false);
  CHECK(message_of<std::invalid_argument>([&] {
          (void)transformed_n_step_returns(h, r, nv, short_term, trunc, gamma, 2);
        }) == "transformed_n_step_returns: terminated has shape 6x3, expected 7x3");
  Arr<double> bad_r = r;
  bad_r(1, 2) = std::nan("");
  CHECK_THROWS_WITH(transformed_lambda_returns(h, bad_r, nv, term, trunc, gamma, lambda),
                    Catch::Contains("rewards(1, 2)"));
}
