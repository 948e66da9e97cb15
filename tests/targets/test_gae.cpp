// Layer-1 generalized advantage estimation: hand-worked numbers in the flags
// and general forms, properties (lambda = 0 is the TD error, lambda = 1 the
// discounted return minus the value, GAE + values = lambda-returns),
// concatenated episodes, storage orders, Maps, float vs double, bad input.

#include <Eigen/Core>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "targets/sequence_test_support.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace {

using namespace rlvalue_test;

// T = 4, B = 3, gamma = 0.5, lambda = 0.5. Column 0 runs through; column 1 is
// truncated at t = 1; column 2 terminates at t = 1. In columns 1 and 2 a new
// episode starts at t = 2 with value 10, so next_values(1) = 4 != values(2).
template <class T>
using Example = HandExample<T>;

}  // namespace

TEMPLATE_TEST_CASE("gae: hand-worked numbers, flags and general forms", "[targets][gae]", float,
                   double) {
  using T = TestType;
  const Example<T> ex;
  Arr<T> expected(4, 3);
  // Column 0: delta_t = r_t + 0.5*nv_t - v_t = 1+1-0, 2+2-2, 3+3-4, 4+4-6 = 2, 2, 2, 2;
  //   d*l = 0.25: A3 = 2, A2 = 2 + 0.25*2 = 2.5, A1 = 2 + 0.25*2.5 = 2.625,
  //   A0 = 2 + 0.25*2.625 = 2.65625
  // Column 1 (truncated at t = 1, bootstraps from nv_1 = 4): deltas 2, 2+2-2 = 2, 3+3-10 = -4, 2;
  //   A3 = 2, A2 = -4 + 0.25*2 = -3.5, A1 = 2 + 0.5*0*(-3.5) = 2, A0 = 2 + 0.25*2 = 2.5
  // Column 2 (terminated at t = 1, no bootstrap): deltas 2, 2+0-2 = 0, -4, 2;
  //   A3 = 2, A2 = -3.5, A1 = 0, A0 = 2 + 0.25*0 = 2
  expected << T(2.65625), T(2.5), T(2),  //
      T(2.625), T(2), T(0),              //
      T(2.5), T(-3.5), T(-3.5),          //
      T(2), T(2), T(2);

  Arr<T> out = Arr<T>::Constant(4, 3, T(-99));
  rlvalue::gae(ex.rewards, ex.values, ex.next_values, ex.terminated, ex.truncated, T(0.5), T(0.5),
               out);
  CHECK((out == expected).all());

  out.setConstant(T(-99));
  rlvalue::gae(ex.rewards, ex.values, ex.next_values, ex.discounts, ex.lambdas, out);
  CHECK((out == expected).all());

  const Arr<T> alloc = rlvalue::gae(ex.rewards, ex.values, ex.next_values, ex.terminated,
                                    ex.truncated, T(0.5), T(0.5));
  CHECK((alloc == expected).all());
  const Arr<T> general =
      rlvalue::gae(ex.rewards, ex.values, ex.next_values, Arr<T>::Constant(4, 3, T(0.5)), T(0.5));
  CHECK((general.col(0) == expected.col(0)).all());

  // GAE + values is the lambda-return (test_returns.cpp worked it out: column 0
  // 2.65625, 4.625, 6.5, 8; column 1 2.5, 4, 6.5, 8; column 2 2, 2, 6.5, 8),
  // here exactly: every next value inside an episode is the next state's value.
  const Arr<T> g = rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated,
                                           T(0.5), T(0.5));
  CHECK(((out + ex.values) == g).all());
}

TEST_CASE("gae: properties on random data", "[targets][gae][properties]") {
  auto rng = rlvalue::make_rng(424242);
  const Index T = 31, B = 6;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  Arr<double> d = random_array(rng, T, B, 0.8, 1);
  d(9, 2) = 0;  // a termination
  const Arr<double> v = random_array(rng, T, B, -2, 2);
  // Inside episodes next_values(t) = values(t+1); the last one is free.
  Arr<double> nv(T, B);
  nv.topRows(T - 1) = v.bottomRows(T - 1);
  nv.row(T - 1) = random_array(rng, 1, B, -2, 2);
  const Arr<double> lambdas = random_array(rng, T, B, 0, 1);

  SECTION("lambda = 0 is the TD error, bit for bit") {
    const Arr<double> a = rlvalue::gae(r, v, nv, d, 0.0);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t)
        CHECK(a(t, b) == rlvalue::td_error(v(t, b), r(t, b), d(t, b), nv(t, b)));
  }
  SECTION("lambda = 1 is the discounted return minus the value") {
    const Arr<double> a = rlvalue::gae(r, v, nv, d, 1.0);
    const Arr<double> mc = rlvalue::discounted_returns(r, d, nv);
    for (Index i = 0; i < a.size(); ++i) CHECK(a(i) == Approx(mc(i) - v(i)).margin(1e-12));
  }
  SECTION("GAE + values is the lambda-return, per-step lambdas") {
    const Arr<double> a = rlvalue::gae(r, v, nv, d, lambdas);
    const Arr<double> g = rlvalue::lambda_returns(r, d, nv, lambdas);
    for (Index i = 0; i < a.size(); ++i) CHECK(a(i) + v(i) == Approx(g(i)).margin(1e-12));
  }
  SECTION("the recursion written out") {
    const Arr<double> a = rlvalue::gae(r, v, nv, d, lambdas);
    for (Index b = 0; b < B; ++b) {
      double next = 0;
      for (Index t = T - 1; t >= 0; --t) {
        const double delta = r(t, b) + d(t, b) * nv(t, b) - v(t, b);
        next = delta + d(t, b) * lambdas(t, b) * next;
        CHECK(a(t, b) == Approx(next).margin(1e-12));
      }
    }
  }
  SECTION("flags form with random ends: GAE + values is the lambda-return") {
    const Flags term = random_flags(rng, T, B, 0.1), trunc = random_flags(rng, T, B, 0.1);
    const Arr<double> a = rlvalue::gae(r, v, nv, term, trunc, 0.97, 0.9);
    const Arr<double> g = rlvalue::lambda_returns(r, nv, term, trunc, 0.97, 0.9);
    for (Index i = 0; i < a.size(); ++i) CHECK(a(i) + v(i) == Approx(g(i)).margin(1e-12));
  }
}

TEST_CASE("gae: concatenated episodes equal separate columns", "[targets][gae][flags]") {
  auto rng = rlvalue::make_rng(11);
  // Episode A: 4 steps, truncated. Episode B: 2 steps, terminated. Episode C: 3 steps, runs off.
  const Index lens[3] = {4, 2, 3};
  const Arr<double> r = random_array(rng, 9, 1, -1, 1);
  const Arr<double> v = random_array(rng, 9, 1, -3, 3);
  const Arr<double> nv = random_array(rng, 9, 1, -3, 3);
  Flags term = Flags::Constant(9, 1, false), trunc = Flags::Constant(9, 1, false);
  trunc(3, 0) = true;
  term(5, 0) = true;
  const Arr<double> joined = rlvalue::gae(r, v, nv, term, trunc, 0.99, 0.95);
  Index start = 0;
  for (Index e = 0; e < 3; ++e) {
    const Index n = lens[e];
    const Arr<double> alone =
        rlvalue::gae(r.middleRows(start, n), v.middleRows(start, n), nv.middleRows(start, n),
                     term.middleRows(start, n), trunc.middleRows(start, n), 0.99, 0.95);
    CHECK((alone == joined.middleRows(start, n)).all());
    start += n;
  }
  // At the ends the advantage is the last TD error: bootstrapped when truncated, not when
  // terminated.
  CHECK(joined(3, 0) == r(3, 0) + 0.99 * nv(3, 0) - v(3, 0));
  CHECK(joined(5, 0) == r(5, 0) + 0.0 * nv(5, 0) - v(5, 0));
}

TEST_CASE("gae: row-major equals column-major bit for bit", "[targets][gae][storage]") {
  auto rng = rlvalue::make_rng(5);
  const Index T = 13, B = 9;
  const Arr<double> r = random_array(rng, T, B, -1, 1), v = random_array(rng, T, B, -1, 1),
                    nv = random_array(rng, T, B, -1, 1), d = random_array(rng, T, B, 0, 1),
                    l = random_array(rng, T, B, 0, 1);
  const Flags term = random_flags(rng, T, B, 0.15), trunc = random_flags(rng, T, B, 0.15);
  const ArrRow<double> rr = r, vr = v, nvr = nv, dr = d, lr = l;
  const ArrRow<bool> termr = term, truncr = trunc;
  ArrRow<double> out_row(T, B);
  Arr<double> out_col(T, B);

  rlvalue::gae(r, v, nv, d, l, out_col);
  rlvalue::gae(rr, vr, nvr, dr, lr, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());

  rlvalue::gae(r, v, nv, term, trunc, 0.9, 0.8, out_col);
  rlvalue::gae(rr, vr, nvr, termr, truncr, 0.9, 0.8, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());
}

TEST_CASE("gae: Map over user memory", "[targets][gae][map]") {
  // Two sequences of two steps, row-major in user memory: [t0b0, t0b1, t1b0, t1b1].
  std::vector<double> rewards = {1, 0, 1, 0}, values = {1, 2, 1, 2}, next_values = {1, 2, 3, 4};
  std::vector<double> advantages(4, -1);
  using RowMap = Eigen::Map<const Eigen::Array<double, 2, 2, Eigen::RowMajor>>;
  const Eigen::Array<bool, 2, 2> none = Eigen::Array<bool, 2, 2>::Constant(false);
  rlvalue::gae(RowMap(rewards.data()), RowMap(values.data()), RowMap(next_values.data()), none,
               none, 1.0, 0.5,
               Eigen::Map<Eigen::Array<double, 2, 2, Eigen::RowMajor>>(advantages.data()));
  // b = 0: deltas 1+1-1 = 1, 1+3-1 = 3; A1 = 3, A0 = 1 + 0.5*3 = 2.5
  // b = 1: deltas 0+2-2 = 0, 0+4-2 = 2; A1 = 2, A0 = 0 + 0.5*2 = 1
  CHECK(advantages == std::vector<double>{2.5, 1, 3, 2});
}

TEST_CASE("gae: float agrees with double", "[targets][gae][float]") {
  auto rng = rlvalue::make_rng(8);
  const Index T = 60, B = 3;
  const Arr<double> r = random_array(rng, T, B, -1, 1), v = random_array(rng, T, B, -1, 1),
                    nv = random_array(rng, T, B, -1, 1);
  const Flags term = random_flags(rng, T, B, 0.05), trunc = random_flags(rng, T, B, 0.05);
  const Arr<double> a = rlvalue::gae(r, v, nv, term, trunc, 0.99, 0.95);
  const Arr<float> af = rlvalue::gae(Arr<float>(r.cast<float>()), Arr<float>(v.cast<float>()),
                                     Arr<float>(nv.cast<float>()), term, trunc, 0.99f, 0.95f);
  for (Index i = 0; i < a.size(); ++i) CHECK(af(i) == Approx(a(i)).margin(1e-4));
}

TEST_CASE("gae: empty inputs give empty outputs", "[targets][gae][empty]") {
  const Arr<double> none(0, 2);
  const Flags f(0, 2);
  CHECK(rlvalue::gae(none, none, none, none, 0.9).size() == 0);
  CHECK(rlvalue::gae(none, none, none, f, f, 0.9, 0.9).size() == 0);
  Arr<double> out(3, 0);
  const Arr<double> cols(3, 0);
  rlvalue::gae(cols, cols, cols, cols, 0.5, out);
  CHECK(out.rows() == 3);
}

TEST_CASE("gae: bad input throws before writing", "[targets][gae][errors]") {
  const Example<double> ex;
  const Arr<double> d = ex.discounts;
  Arr<double> out = Arr<double>::Constant(4, 3, 42);
  auto untouched = [&] { return (out == 42).all(); };
  using E = std::invalid_argument;

  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values.topRows(3), ex.next_values, d, 0.5, out);
        }) == "gae: values has shape 3x3, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values.leftCols(2), ex.terminated,
                       ex.truncated, 0.9, 0.9, out);
        }) == "gae: next_values has shape 4x2, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, Arr<double>(1, 3), 0.5, out);
        }) == "gae: discounts has shape 1x3, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, ex.terminated, Flags(5, 3), 0.9, 0.9,
                       out);
        }) == "gae: truncated has shape 5x3, expected 4x3");
  Arr<double> small(4, 2);
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, d, 0.5, small);
        }) == "gae: out has shape 4x2, expected 4x3");
  CHECK(untouched());

  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, ex.terminated, ex.truncated, -0.1,
                       0.9, out);
        }) == "gae: gamma = -0.1 is outside [0, 1]");
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, ex.terminated, ex.truncated, 0.9,
                       std::numeric_limits<double>::quiet_NaN(), out);
        }) == "gae: lambda = nan is outside [0, 1]");
  CHECK(message_of<E>([&] { rlvalue::gae(ex.rewards, ex.values, ex.next_values, d, 2, out); }) ==
        "gae: lambda = 2 is outside [0, 1]");
  Arr<double> bad_l = ex.lambdas;
  bad_l(0, 2) = 1.25;
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, d, bad_l, out);
        }) == "gae: lambda(0, 2) = 1.25 is outside [0, 1]");
  Arr<double> bad_d = d;
  bad_d(3, 1) = -0.5;
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, ex.values, ex.next_values, bad_d, 0.5, out);
        }) == "gae: discounts(3, 1) = -0.5 is outside [0, 1]");
  CHECK(untouched());

  Arr<double> bad_v = ex.values;
  bad_v(2, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK(message_of<E>([&] { rlvalue::gae(ex.rewards, bad_v, ex.next_values, d, 0.5, out); }) ==
        "gae: values(2, 2) = nan is not finite");
  CHECK(message_of<E>([&] {
          rlvalue::gae(ex.rewards, bad_v, ex.next_values, ex.terminated, ex.truncated, 0.9, 0.9,
                       out);
        }) == "gae: values(2, 2) = nan is not finite");
  Arr<double> bad_r = ex.rewards;
  bad_r(0, 1) = -std::numeric_limits<double>::infinity();
  CHECK(message_of<E>([&] { rlvalue::gae(bad_r, ex.values, ex.next_values, d, 0.5, out); }) ==
        "gae: rewards(0, 1) = -inf is not finite");
  Arr<double> bad_nv = ex.next_values;
  bad_nv(1, 0) = std::numeric_limits<double>::infinity();
  CHECK(message_of<E>([&] { rlvalue::gae(ex.rewards, ex.values, bad_nv, d, 0.5, out); }) ==
        "gae: next_values(1, 0) = inf is not finite");
  CHECK(untouched());
}
