// Layer-1 forward-view lambda errors: td_lambda_errors, sarsa_lambda_errors,
// q_lambda_errors (Peng's and Watkins's). Hand-worked numbers with a
// truncation and a termination mid-column, properties (lambda = 0 is the TD
// error, lambda = 1 the discounted return minus the value, equality with GAE
// on consistent values), concatenated episodes, storage orders, empty inputs,
// bad input.

#include <Eigen/Core>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "targets/sequence_test_support.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/lambda_errors.hpp"
#include "rlvalue/targets/returns.hpp"

namespace {

using namespace rlvalue_test;

// T = 4, B = 3, gamma = 0.5, lambda = 0.5. Column 0 runs through; column 1 is
// truncated at t = 1 (lambda_1 = 0); column 2 terminates at t = 1
// (discount_1 = 0, lambda_1 = 0). A new episode starts at t = 2 in columns 1
// and 2, with prediction 10.
template <class T>
using Example = HandExample<T>;

}  // namespace

TEMPLATE_TEST_CASE("lambda errors: hand-worked numbers", "[targets][lambda_errors]", float,
                   double) {
  using T = TestType;
  const Example<T> ex;
  // Lambda-returns (as in test_returns.cpp):
  //   column 0: G3 = 4 + 0.5*8 = 8, G2 = 3 + 0.5*(0.5*6 + 0.5*8) = 6.5,
  //             G1 = 2 + 0.5*(0.5*4 + 0.5*6.5) = 4.625, G0 = 1 + 0.5*(0.5*2 + 0.5*4.625) = 2.65625
  //   column 1 (truncated at 1): G1 = 2 + 0.5*4 = 4, G0 = 1 + 0.5*(0.5*2 + 0.5*4) = 2.5
  //   column 2 (terminated at 1): G1 = 2, G0 = 1 + 0.5*(0.5*2 + 0.5*2) = 2
  // Errors G_t - prediction(t):
  //   column 0: 2.65625 - 0, 4.625 - 2 = 2.625, 6.5 - 4 = 2.5, 8 - 6 = 2
  //   column 1: 2.5, 4 - 2 = 2, 6.5 - 10 = -3.5, 2
  //   column 2: 2, 2 - 2 = 0, -3.5, 2
  Arr<T> expected(4, 3);
  expected << T(2.65625), T(2.5), T(2),  //
      T(2.625), T(2), T(0),              //
      T(2.5), T(-3.5), T(-3.5),          //
      T(2), T(2), T(2);
  Arr<T> out = Arr<T>::Constant(4, 3, T(-99));
  rlvalue::td_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, ex.lambdas, out);
  CHECK((out == expected).all());
  out.setConstant(T(-99));
  rlvalue::sarsa_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, ex.lambdas, out);
  CHECK((out == expected).all());
  out.setConstant(T(-99));
  rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, ex.lambdas, out);
  CHECK((out == expected).all());
  CHECK((rlvalue::td_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts,
                                   ex.lambdas) == expected)
            .all());
  CHECK((rlvalue::sarsa_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts,
                                      ex.lambdas) == expected)
            .all());
  // Scalar lambda: column 0 has no ends and matches.
  const Arr<T> scalar =
      rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, T(0.5));
  CHECK((scalar.col(0) == expected.col(0)).all());

  // Watkins's Q(lambda): in column 0 the action a_1 (at s_1, after step 0) is
  // not greedy, so lambda_0 = 0: G0 = 1 + 0.5*next(0) = 1 + 0.5*2 = 2, error 2 - 0 = 2.
  // The other steps are unchanged.
  Arr<T> watkins = ex.lambdas;
  watkins(0, 0) = 0;
  const Arr<T> w =
      rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, watkins);
  CHECK(w(0, 0) == T(2));
  CHECK((w.bottomRows(3) == expected.bottomRows(3)).all());
  CHECK((w.rightCols(2) == expected.rightCols(2)).all());
}

TEST_CASE("lambda errors: properties on random data", "[targets][lambda_errors][properties]") {
  auto rng = rlvalue::make_rng(20261125);
  const Index T = 23, B = 5;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  Arr<double> d = random_array(rng, T, B, 0.8, 1);
  d(5, 1) = 0;  // a termination
  Arr<double> l = random_array(rng, T, B, 0, 1);
  l(5, 1) = 0;
  l(9, 3) = 0;  // a truncation
  const Arr<double> v = random_array(rng, T, B, -2, 2);
  Arr<double> nv = random_array(rng, T, B, -2, 2);

  SECTION("lambda = 0 is the one-step TD error, lambda = 1 the discounted return minus v") {
    CHECK((rlvalue::td_lambda_errors(r, v, nv, d, 0.0) == (r + d * nv) - v).all());
    CHECK((rlvalue::td_lambda_errors(r, v, nv, d, 1.0) ==
           rlvalue::discounted_returns(r, d, nv) - v)
              .all());
    // Peng's Q(0) is the Q-learning error on next_max_q.
    CHECK((rlvalue::q_lambda_errors(r, v, nv, d, 0.0) == (r + d * nv) - v).all());
  }
  SECTION("the lambda-return minus the prediction, per-step lambdas") {
    CHECK((rlvalue::sarsa_lambda_errors(r, v, nv, d, l) ==
           rlvalue::lambda_returns(r, d, nv, l) - v)
              .all());
  }
  SECTION("equals GAE when next_values(t) = values(t+1) inside episodes") {
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t + 1 < T; ++t)
        if (d(t, b) != 0 && l(t, b) != 0) nv(t, b) = v(t + 1, b);
    const Arr<double> e = rlvalue::td_lambda_errors(r, v, nv, d, l);
    const Arr<double> a = rlvalue::gae(r, v, nv, d, l);
    for (Index i = 0; i < e.size(); ++i) CHECK(e(i) == Approx(a(i)).margin(1e-12));
  }
}

TEST_CASE("lambda errors: concatenated episodes equal separate columns",
          "[targets][lambda_errors][episodes]") {
  auto rng = rlvalue::make_rng(7);
  const Index lens[3] = {3, 4, 2};  // terminated, truncated, runs off the end
  const Arr<double> r = random_array(rng, 9, 1, -1, 1);
  const Arr<double> q = random_array(rng, 9, 1, -3, 3);
  const Arr<double> nq = random_array(rng, 9, 1, -3, 3);
  Arr<double> d = Arr<double>::Constant(9, 1, 0.9), l = Arr<double>::Constant(9, 1, 0.7);
  d(2, 0) = 0;
  l(2, 0) = 0;
  l(6, 0) = 0;
  const Arr<double> joined = rlvalue::sarsa_lambda_errors(r, q, nq, d, l);
  Index start = 0;
  for (Index k = 0; k < 3; ++k) {
    const Index n = lens[k];
    const Arr<double> alone =
        rlvalue::sarsa_lambda_errors(r.middleRows(start, n), q.middleRows(start, n),
                                     nq.middleRows(start, n), d.middleRows(start, n),
                                     l.middleRows(start, n));
    CHECK((alone == joined.middleRows(start, n)).all());
    start += n;
  }
  CHECK(joined(2, 0) == r(2, 0) - q(2, 0));                   // terminated: no bootstrap
  CHECK(joined(6, 0) == (r(6, 0) + 0.9 * nq(6, 0)) - q(6, 0));  // truncated: bootstrap, cut
}

TEST_CASE("lambda errors: row-major equals column-major bit for bit",
          "[targets][lambda_errors][storage]") {
  auto rng = rlvalue::make_rng(99);
  const Index T = 17, B = 11;
  const Arr<double> r = random_array(rng, T, B, -1, 1), v = random_array(rng, T, B, -1, 1),
                    nv = random_array(rng, T, B, -1, 1), d = random_array(rng, T, B, 0, 1),
                    l = random_array(rng, T, B, 0, 1);
  const ArrRow<double> rr = r, vr = v, nvr = nv, dr = d, lr = l;
  ArrRow<double> out_row(T, B);
  Arr<double> out_col(T, B);
  rlvalue::td_lambda_errors(r, v, nv, d, l, out_col);
  rlvalue::td_lambda_errors(rr, vr, nvr, dr, lr, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());
  rlvalue::q_lambda_errors(rr, vr, nvr, dr, 0.8, out_col);
  rlvalue::q_lambda_errors(r, v, nv, d, 0.8, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());
  // Output into a block of a larger matrix.
  Eigen::MatrixXd big = Eigen::MatrixXd::Constant(T + 2, B, 7);
  rlvalue::td_lambda_errors(r.matrix(), v.matrix(), nv.matrix(), d.matrix(), l.matrix(),
                            big.middleRows(1, T));
  CHECK((big.middleRows(1, T).array() == rlvalue::td_lambda_errors(r, v, nv, d, l)).all());
  CHECK((big.row(0).array() == 7).all());
  CHECK((big.row(T + 1).array() == 7).all());
}

TEST_CASE("lambda errors: empty inputs give empty outputs", "[targets][lambda_errors][empty]") {
  for (const Arr<double>& none : {Arr<double>(0, 3), Arr<double>(4, 0)}) {
    CHECK(rlvalue::td_lambda_errors(none, none, none, none, 0.5).size() == 0);
    CHECK(rlvalue::sarsa_lambda_errors(none, none, none, none, none).size() == 0);
    CHECK(rlvalue::q_lambda_errors(none, none, none, none, 1.0).rows() == none.rows());
  }
}

TEST_CASE("lambda errors: bad input throws before writing", "[targets][lambda_errors][errors]") {
  const Example<double> ex;
  Arr<double> out = Arr<double>::Constant(4, 3, 42);
  auto untouched = [&] { return (out == 42).all(); };
  using E = std::invalid_argument;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  CHECK(message_of<E>([&] {
          rlvalue::td_lambda_errors(ex.rewards, ex.values.topRows(2), ex.next_values, ex.discounts,
                                    0.5, out);
        }) == "td_lambda_errors: values has shape 2x3, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::sarsa_lambda_errors(ex.rewards, ex.values, ex.next_values.leftCols(1),
                                       ex.discounts, 0.5, out);
        }) == "sarsa_lambda_errors: next_q_taken has shape 4x1, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, 0.5,
                                   Arr<double>(3, 3));
        }) == "q_lambda_errors: out has shape 3x3, expected 4x3");
  CHECK(untouched());

  Arr<double> bad_l = ex.lambdas;
  bad_l(2, 2) = 1.25;
  CHECK(message_of<E>([&] {
          rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, bad_l, out);
        }) == "q_lambda_errors: lambda(2, 2) = 1.25 is outside [0, 1]");
  CHECK(message_of<E>([&] {
          rlvalue::td_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts, -0.5, out);
        }) == "td_lambda_errors: lambda = -0.5 is outside [0, 1]");
  Arr<double> bad_d = ex.discounts;
  bad_d(0, 1) = -1;
  CHECK(message_of<E>([&] {
          rlvalue::sarsa_lambda_errors(ex.rewards, ex.values, ex.next_values, bad_d, 0.5, out);
        }) == "sarsa_lambda_errors: discounts(0, 1) = -1 is outside [0, 1]");
  CHECK(untouched());

  Arr<double> bad = ex.values;
  bad(3, 0) = nan;
  CHECK(message_of<E>([&] {
          rlvalue::sarsa_lambda_errors(ex.rewards, bad, ex.next_values, ex.discounts, 0.5, out);
        }) == "sarsa_lambda_errors: q_taken(3, 0) = nan is not finite");
  CHECK(message_of<E>([&] {
          rlvalue::q_lambda_errors(ex.rewards, ex.values, bad, ex.discounts, 0.5, out);
        }) == "q_lambda_errors: next_max_q(3, 0) = nan is not finite");
  CHECK(message_of<E>([&] {
          rlvalue::td_lambda_errors(bad, ex.values, ex.next_values, ex.discounts, 0.5, out);
        }) == "td_lambda_errors: rewards(3, 0) = nan is not finite");
  CHECK(untouched());
}

TEMPLATE_TEST_CASE("lambda errors: flags forms", "[targets][lambda_errors][flags]", float, double) {
  using T = TestType;
  const rlvalue_test::HandExample<T> ex;  // gamma = lambda = 0.5
  using A = rlvalue_test::Arr<T>;
  // The flags form equals the general form of the same flags, bit for bit.
  const A td = rlvalue::td_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.terminated,
                                         ex.truncated, T(0.5), T(0.5));
  CHECK((td == rlvalue::td_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.discounts,
                                         ex.lambdas))
            .all());
  // By hand, column 1 (truncated at t = 1): E_1 = 2 + 0.5 * next_values(1) - values(1)
  //   = 2 + 2 - 2 = 2; column 2 (terminated at t = 1): E_1 = 2 - 2 = 0.
  CHECK(td(1, 1) == T(2));
  CHECK(td(1, 2) == T(0));
  A out(4, 3);
  rlvalue::sarsa_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.terminated, ex.truncated,
                               T(0.5), T(0.5), out);
  CHECK((out == td).all());
  rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.terminated, ex.truncated,
                           T(0.5), T(0.5), out);
  CHECK((out == td).all());
  using rlvalue_test::message_of;
  CHECK(message_of<std::invalid_argument>([&] {
          (void)rlvalue::q_lambda_errors(ex.rewards, ex.values, ex.next_values, ex.terminated,
                                         ex.truncated, T(0.5), T(2));
        }) == "q_lambda_errors: lambda = 2 is outside [0, 1]");
}
