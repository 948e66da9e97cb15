// Layer-1 sequence returns: lambda_returns (general and flags forms),
// discounted_returns, n_step_returns. Hand-worked numbers, properties linking
// them, storage orders, Maps, float vs double, bad input.

#include <Eigen/Core>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "targets/sequence_test_support.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/returns.hpp"

namespace {

using namespace rlvalue_test;

// The shared hand-worked example: T = 4, B = 3, gamma = 0.5, lambda = 0.5.
// Column 0 runs through; column 1 is truncated at t = 1 (a new episode starts
// at t = 2); column 2 terminates at t = 1.
template <class T>
using Example = HandExample<T>;

}  // namespace

TEMPLATE_TEST_CASE("lambda_returns: hand-worked numbers, flags and general forms",
                   "[targets][lambda_returns]", float, double) {
  using T = TestType;
  const Example<T> ex;
  Arr<T> expected(4, 3);
  // Column 0 (d = 0.5, l = 0.5 everywhere):
  //   G3 = 4 + 0.5*8 = 8
  //   G2 = 3 + 0.5*(0.5*6 + 0.5*8) = 3 + 0.5*7 = 6.5
  //   G1 = 2 + 0.5*(0.5*4 + 0.5*6.5) = 2 + 0.5*5.25 = 4.625
  //   G0 = 1 + 0.5*(0.5*2 + 0.5*4.625) = 1 + 0.5*3.3125 = 2.65625
  // Column 1 (truncated at t = 1: d1 = 0.5, l1 = 0, bootstrap from next_values(1) = 4):
  //   G3 = 8, G2 = 6.5 (the second episode, as in column 0)
  //   G1 = 2 + 0.5*(1*4 + 0*6.5) = 4
  //   G0 = 1 + 0.5*(0.5*2 + 0.5*4) = 2.5
  // Column 2 (terminated at t = 1: d1 = 0, l1 = 0):
  //   G3 = 8, G2 = 6.5, G1 = 2 + 0 = 2, G0 = 1 + 0.5*(0.5*2 + 0.5*2) = 2
  expected << T(2.65625), T(2.5), T(2),  //
      T(4.625), T(4), T(2),              //
      T(6.5), T(6.5), T(6.5),            //
      T(8), T(8), T(8);

  Arr<T> out = Arr<T>::Constant(4, 3, T(-99));
  rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated, T(0.5), T(0.5),
                          out);
  CHECK((out == expected).all());

  // General form, per-step lambdas.
  out.setConstant(T(-99));
  rlvalue::lambda_returns(ex.rewards, ex.discounts, ex.next_values, ex.lambdas, out);
  CHECK((out == expected).all());

  // General form, scalar lambda: only column 0 has no ends, and it matches.
  const Arr<T> plain =
      rlvalue::lambda_returns(ex.rewards, Arr<T>::Constant(4, 3, T(0.5)), ex.next_values, T(0.5));
  CHECK((plain.col(0) == expected.col(0)).all());

  // Allocating flags form.
  const Arr<T> alloc = rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated,
                                               ex.truncated, T(0.5), T(0.5));
  CHECK((alloc == expected).all());
}

TEMPLATE_TEST_CASE("discounted_returns and n_step_returns: hand-worked numbers",
                   "[targets][discounted_returns][n_step_returns]", float, double) {
  using T = TestType;
  const Example<T> ex;
  const Arr<T> d = ex.discounts;  // 0.5, except 0 at (1, 2)

  // Discounted returns. Columns 0 and 1 (discounts give no truncation):
  //   G3 = 4 + 0.5*8 = 8, G2 = 3 + 0.5*8 = 7, G1 = 2 + 0.5*7 = 5.5, G0 = 1 + 0.5*5.5 = 3.75
  // Column 2 (d1 = 0): G3 = 8, G2 = 7, G1 = 2, G0 = 1 + 0.5*2 = 2
  Arr<T> expected(4, 3);
  expected << T(3.75), T(3.75), T(2),  //
      T(5.5), T(5.5), T(2),            //
      T(7), T(7), T(7),                //
      T(8), T(8), T(8);
  Arr<T> out(4, 3);
  rlvalue::discounted_returns(ex.rewards, d, ex.next_values, out);
  CHECK((out == expected).all());
  CHECK((rlvalue::discounted_returns(ex.rewards, d, ex.next_values) == expected).all());

  // Two-step returns. Column 0:
  //   G0 = 1 + 0.5*2 + 0.25*next_values(1)=4 -> 1 + 1 + 1 = 3
  //   G1 = 2 + 0.5*3 + 0.25*6 = 5
  //   G2 = 3 + 0.5*4 + 0.25*8 = 7
  //   G3 = 4 + 0.5*8 = 8 (the window shrinks at the end)
  // Column 2 (d1 = 0): G0 = 1 + 0.5*2 + 0.5*0*4 = 2, G1 = 2 + 0*6 = 2, G2 = 7, G3 = 8
  expected << T(3), T(3), T(2),  //
      T(5), T(5), T(2),          //
      T(7), T(7), T(7),          //
      T(8), T(8), T(8);
  rlvalue::n_step_returns(ex.rewards, d, ex.next_values, 2, out);
  CHECK((out == expected).all());
  CHECK((rlvalue::n_step_returns(ex.rewards, d, ex.next_values, 2) == expected).all());

  // Three-step, column 0: G0 = 1 + 0.5*2 + 0.25*3 + 0.125*next_values(2)=6 = 3.5
  rlvalue::n_step_returns(ex.rewards, d, ex.next_values, 3, out);
  CHECK(out(0, 0) == T(3.5));
}

TEST_CASE("returns: properties on random data", "[targets][lambda_returns][properties]") {
  auto rng = rlvalue::make_rng(20261125);
  const Index T = 23, B = 5;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  Arr<double> d = random_array(rng, T, B, 0.8, 1);
  d(5, 1) = 0;  // a termination
  const Arr<double> nv = random_array(rng, T, B, -2, 2);
  const Arr<double> lambdas = random_array(rng, T, B, 0, 1);

  const Arr<double> mc = rlvalue::discounted_returns(r, d, nv);

  SECTION("lambda = 1 is the discounted return, bit for bit") {
    CHECK((rlvalue::lambda_returns(r, d, nv, 1.0) == mc).all());
  }
  SECTION("lambda = 0 is the one-step target") {
    CHECK((rlvalue::lambda_returns(r, d, nv, 0.0) == r + d * nv).all());
  }
  SECTION("n >= T is the discounted return, n = 1 the one-step target") {
    CHECK((rlvalue::n_step_returns(r, d, nv, T) == mc).all());
    CHECK((rlvalue::n_step_returns(r, d, nv, T + 7) == mc).all());
    CHECK((rlvalue::n_step_returns(r, d, nv, std::numeric_limits<Index>::max()) == mc).all());
    CHECK((rlvalue::n_step_returns(r, d, nv, 1) == r + d * nv).all());
  }
  SECTION("n-step by its definition (sum of discounted rewards, then bootstrap)") {
    const Index n = 4;
    const Arr<double> g = rlvalue::n_step_returns(r, d, nv, n);
    for (Index b = 0; b < B; ++b) {
      for (Index t = 0; t < T; ++t) {
        double sum = 0, prod = 1;
        const Index m = std::min(n, T - t);
        for (Index k = 0; k < m; ++k) {
          sum += prod * r(t + k, b);
          prod *= d(t + k, b);
        }
        sum += prod * nv(t + m - 1, b);
        CHECK(g(t, b) == Approx(sum).epsilon(1e-12));
      }
    }
  }
  SECTION("per-step lambdas by the recursion written out, in the documented evaluation order") {
    const Arr<double> g = rlvalue::lambda_returns(r, d, nv, lambdas);
    for (Index b = 0; b < B; ++b) {
      double next = r(T - 1, b) + d(T - 1, b) * nv(T - 1, b);
      CHECK(g(T - 1, b) == next);
      for (Index t = T - 2; t >= 0; --t) {
        // a_t + c_t * G_{t+1}, a_t = r_t + d_t * ((1 - l_t) * nv_t), c_t = d_t * l_t.
        next = (r(t, b) + d(t, b) * ((1 - lambdas(t, b)) * nv(t, b))) +
               (d(t, b) * lambdas(t, b)) * next;
        CHECK(g(t, b) == next);
      }
    }
  }
  SECTION("lambda-return as the weighted average of n-step returns (T = 3, one column)") {
    // G^lambda_0 = (1-l) G^(1) + (1-l) l G^(2) + l^2 G^(3) for constant l and d.
    const double l = 0.3;
    const Arr<double> r3 = r.topRows(3).col(0), nv3 = nv.topRows(3).col(0);
    const Arr<double> d3 = Arr<double>::Constant(3, 1, 0.9);
    const double g1 = rlvalue::n_step_returns(r3, d3, nv3, 1)(0);
    const double g2 = rlvalue::n_step_returns(r3, d3, nv3, 2)(0);
    const double g3 = rlvalue::n_step_returns(r3, d3, nv3, 3)(0);
    const double expected = (1 - l) * g1 + (1 - l) * l * g2 + l * l * g3;
    CHECK(rlvalue::lambda_returns(r3, d3, nv3, l)(0) == Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("lambda_returns: concatenated episodes equal separate columns",
          "[targets][lambda_returns][flags]") {
  auto rng = rlvalue::make_rng(7);
  // Episode A: 3 steps, terminated. Episode B: 4 steps, truncated. Episode C: 2 steps, runs off
  // the end of the array (bootstraps from its last next value).
  const Index lens[3] = {3, 4, 2};
  const Arr<double> r = random_array(rng, 9, 1, -1, 1);
  const Arr<double> nv = random_array(rng, 9, 1, -3, 3);
  Flags term = Flags::Constant(9, 1, false), trunc = Flags::Constant(9, 1, false);
  term(2, 0) = true;
  trunc(6, 0) = true;
  const Arr<double> joined = rlvalue::lambda_returns(r, nv, term, trunc, 0.9, 0.7);
  Index start = 0;
  for (Index e = 0; e < 3; ++e) {
    const Index n = lens[e];
    const Arr<double> alone =
        rlvalue::lambda_returns(r.middleRows(start, n), nv.middleRows(start, n),
                                term.middleRows(start, n), trunc.middleRows(start, n), 0.9, 0.7);
    CHECK((alone == joined.middleRows(start, n)).all());
    start += n;
  }
  // Truncation bootstraps: G_6 = r_6 + 0.9*next_values(6); termination does not: G_2 = r_2.
  CHECK(joined(6, 0) == r(6, 0) + 0.9 * nv(6, 0));
  CHECK(joined(2, 0) == r(2, 0));
}

TEST_CASE("returns: row-major equals column-major bit for bit", "[targets][storage]") {
  auto rng = rlvalue::make_rng(99);
  const Index T = 17, B = 70;  // B > 64 exercises the column blocks of the row-major n-step
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  const Arr<double> d = random_array(rng, T, B, 0, 1);
  const Arr<double> nv = random_array(rng, T, B, -1, 1);
  const Arr<double> l = random_array(rng, T, B, 0, 1);
  const Flags term = random_flags(rng, T, B, 0.1), trunc = random_flags(rng, T, B, 0.1);
  const ArrRow<double> rr = r, dr = d, nvr = nv, lr = l;
  ArrRow<double> out_row(T, B);
  Arr<double> out_col(T, B);

  rlvalue::lambda_returns(r, d, nv, l, out_col);
  rlvalue::lambda_returns(rr, dr, nvr, lr, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());

  rlvalue::lambda_returns(r, nv, term, trunc, 0.95, 0.8, out_col);
  rlvalue::lambda_returns(rr, nvr, term, trunc, 0.95, 0.8, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());

  rlvalue::discounted_returns(r, d, nv, out_col);
  rlvalue::discounted_returns(rr, dr, nvr, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());

  for (Index n : {Index(1), Index(3), Index(40)}) {
    rlvalue::n_step_returns(r, d, nv, n, out_col);
    rlvalue::n_step_returns(rr, dr, nvr, n, out_row);
    CHECK((Arr<double>(out_row) == out_col).all());
  }
  // Mixed orders (column-major inputs, row-major output) give the same too.
  rlvalue::lambda_returns(r, d, nv, 0.6, out_row);
  rlvalue::lambda_returns(rr, dr, nvr, 0.6, out_col);
  CHECK((Arr<double>(out_row) == out_col).all());
}

TEST_CASE("returns: Maps, Refs, blocks and expressions", "[targets][map]") {
  // rewards 1, 2, 3 and next values 10, 20, 30 in user memory, one column; discount 0.5.
  std::vector<double> rewards = {1, 2, 3}, next_values = {10, 20, 30}, discounts(3, 0.5);
  std::vector<double> buffer(3, -1);
  const Eigen::Map<const Eigen::ArrayXXd> r(rewards.data(), 3, 1), nv(next_values.data(), 3, 1),
      d(discounts.data(), 3, 1);
  // G2 = 3 + 0.5*30 = 18, G1 = 2 + 0.5*18 = 11, G0 = 1 + 0.5*11 = 6.5
  rlvalue::discounted_returns(r, d, nv, Eigen::Map<Eigen::ArrayXXd>(buffer.data(), 3, 1));
  CHECK(buffer == std::vector<double>{6.5, 11, 18});

  // Output into a block of a larger matrix (a temporary expression) and a Ref.
  Eigen::MatrixXd big = Eigen::MatrixXd::Constant(5, 4, 7);
  rlvalue::discounted_returns(r.matrix(), d.matrix(), nv.matrix(), big.block(1, 2, 3, 1));
  CHECK(big(1, 2) == 6.5);
  CHECK(big(3, 2) == 18);
  CHECK(big(0, 2) == 7);
  CHECK(big(4, 2) == 7);
  CHECK(big(1, 1) == 7);
  Eigen::ArrayXXd target(3, 1);
  Eigen::Ref<Eigen::ArrayXXd> ref(target);
  rlvalue::discounted_returns(r, d, nv, ref);
  CHECK(target(0) == 6.5);

  // Expressions as inputs: 2*rewards, discounts from a comparison.
  const Eigen::ArrayXXd twice = rlvalue::lambda_returns(2 * r, d, nv, 1.0);
  // G2 = 6 + 15 = 21, G1 = 4 + 10.5 = 14.5, G0 = 2 + 7.25 = 9.25
  CHECK(twice(0) == 9.25);
  // Bool expressions as flags: terminated where the reward is 2.
  const Eigen::ArrayXXd flagged = rlvalue::lambda_returns(r, nv, r == 2.0, r < 0.0, 0.5, 1.0);
  // G2 = 18, G1 = 2 (terminated), G0 = 1 + 0.5*(0*10 + 1*2) = 2
  CHECK(flagged(0) == 2);
  CHECK(flagged(1) == 2);
  CHECK(flagged(2) == 18);

  // The allocating form keeps the input's scalar type, shape kind and storage order.
  STATIC_REQUIRE(std::is_same_v<decltype(rlvalue::discounted_returns(r, d, nv)), Eigen::ArrayXXd>);
  const Eigen::Matrix<float, 3, 2, Eigen::RowMajor> fr =
      Eigen::Matrix<float, 3, 2, Eigen::RowMajor>::Ones();
  STATIC_REQUIRE(std::is_same_v<decltype(rlvalue::discounted_returns(fr, fr * 0.5f, fr)),
                                Eigen::Matrix<float, 3, 2, Eigen::RowMajor>>);
  const auto fixed = rlvalue::discounted_returns(fr, fr * 0.5f, fr);
  CHECK(fixed(0, 0) == 1.875f);  // 1 + 0.5*(1 + 0.5*(1 + 0.5*1)) = 1 + 0.5*1.75
}

TEST_CASE("returns: float agrees with double", "[targets][float]") {
  auto rng = rlvalue::make_rng(3);
  const Index T = 50, B = 4;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  const Arr<double> d = random_array(rng, T, B, 0.9, 1);
  const Arr<double> nv = random_array(rng, T, B, -1, 1);
  const Arr<float> rf = r.cast<float>(), df = d.cast<float>(), nvf = nv.cast<float>();
  const Arr<double> g = rlvalue::lambda_returns(r, d, nv, 0.9);
  const Arr<float> gf = rlvalue::lambda_returns(rf, df, nvf, 0.9f);
  const Arr<double> n = rlvalue::n_step_returns(r, d, nv, 5);
  const Arr<float> nf = rlvalue::n_step_returns(rf, df, nvf, 5);
  for (Index i = 0; i < g.size(); ++i) {
    CHECK(gf(i) == Approx(g(i)).margin(1e-4));
    CHECK(nf(i) == Approx(n(i)).margin(1e-5));
  }
}

TEST_CASE("returns: empty inputs give empty outputs", "[targets][empty]") {
  const Arr<double> none(0, 3), cols(4, 0);
  CHECK(rlvalue::lambda_returns(none, none, none, 0.5).size() == 0);
  CHECK(rlvalue::lambda_returns(cols, cols, cols, 0.5).rows() == 4);
  CHECK(rlvalue::discounted_returns(none, none, none).size() == 0);
  CHECK(rlvalue::n_step_returns(cols, cols, cols, 3).size() == 0);
  const Flags f(0, 3);
  CHECK(rlvalue::lambda_returns(none, none, f, f, 0.9, 0.9).size() == 0);
}

TEST_CASE("returns: bad input throws before writing", "[targets][errors]") {
  const Example<double> ex;
  const Arr<double> d = ex.discounts;
  Arr<double> out = Arr<double>::Constant(4, 3, 42);
  auto untouched = [&] { return (out == 42).all(); };
  using E = std::invalid_argument;

  // Shapes: both shapes named.
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, d.topRows(3), ex.next_values, 0.5, out);
        }) == "lambda_returns: discounts has shape 3x3, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, d, ex.next_values, Arr<double>(4, 2), out);
        }) == "lambda_returns: lambda has shape 4x2, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::discounted_returns(ex.rewards, d, ex.next_values.leftCols(1), out);
        }) == "discounted_returns: next_values has shape 4x1, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated.topRows(2),
                                  ex.truncated, 0.9, 0.9, out);
        }) == "lambda_returns: terminated has shape 2x3, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated, Flags(4, 4), 0.9, 0.9,
                                  out);
        }) == "lambda_returns: truncated has shape 4x4, expected 4x3");
  Arr<double> wrong(3, 4);
  CHECK(message_of<E>([&] { rlvalue::n_step_returns(ex.rewards, d, ex.next_values, 2, wrong); }) ==
        "n_step_returns: out has shape 3x4, expected 4x3");
  CHECK(untouched());

  // Unit-interval parameters, with positions for arrays.
  CHECK(message_of<E>([&] { rlvalue::lambda_returns(ex.rewards, d, ex.next_values, 1.5, out); }) ==
        "lambda_returns: lambda = 1.5 is outside [0, 1]");
  Arr<double> bad_lambdas = ex.lambdas;
  bad_lambdas(3, 1) = -0.25;
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, d, ex.next_values, bad_lambdas, out);
        }) == "lambda_returns: lambda(3, 1) = -0.25 is outside [0, 1]");
  Arr<double> bad_d = d;
  bad_d(2, 0) = 1.5;
  CHECK(message_of<E>([&] {
          rlvalue::discounted_returns(ex.rewards, bad_d, ex.next_values, out);
        }) == "discounted_returns: discounts(2, 0) = 1.5 is outside [0, 1]");
  bad_d(2, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK(message_of<E>([&] {
          rlvalue::n_step_returns(ex.rewards, bad_d, ex.next_values, 1, out);
        }) == "n_step_returns: discounts(2, 0) = nan is outside [0, 1]");
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated, 1.01,
                                  0.9, out);
        }) == "lambda_returns: gamma = 1.01 is outside [0, 1]");
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated, 0.9,
                                  -1.0, out);
        }) == "lambda_returns: lambda = -1 is outside [0, 1]");
  CHECK(untouched());

  // n < 1.
  CHECK(message_of<E>([&] { rlvalue::n_step_returns(ex.rewards, d, ex.next_values, 0, out); }) ==
        "n_step_returns: n = 0 must be at least 1");
  CHECK(message_of<E>([&] { rlvalue::n_step_returns(ex.rewards, d, ex.next_values, -3, out); }) ==
        "n_step_returns: n = -3 must be at least 1");
  CHECK(untouched());

  // Non-finite inputs, named with their position.
  Arr<double> bad_r = ex.rewards;
  bad_r(1, 2) = std::numeric_limits<double>::infinity();
  CHECK(message_of<E>([&] { rlvalue::lambda_returns(bad_r, d, ex.next_values, 0.5, out); }) ==
        "lambda_returns: rewards(1, 2) = inf is not finite");
  Arr<double> bad_nv = ex.next_values;
  bad_nv(3, 0) = std::numeric_limits<double>::quiet_NaN();
  CHECK(message_of<E>([&] { rlvalue::discounted_returns(ex.rewards, d, bad_nv, out); }) ==
        "discounted_returns: next_values(3, 0) = nan is not finite");
  CHECK(message_of<E>([&] {
          rlvalue::lambda_returns(ex.rewards, bad_nv, ex.terminated, ex.truncated, 0.9, 0.9, out);
        }) == "lambda_returns: next_values(3, 0) = nan is not finite");
  // Row-major arrays are scanned in their storage order; the position is still (t, b).
  ArrRow<double> bad_rr = ex.rewards;
  bad_rr(2, 1) = -std::numeric_limits<double>::infinity();
  CHECK(message_of<E>([&] { rlvalue::n_step_returns(bad_rr, d, ex.next_values, 2, out); }) ==
        "n_step_returns: rewards(2, 1) = -inf is not finite");
  CHECK(untouched());
}

TEMPLATE_TEST_CASE("n_step_returns with lambda and flags; discounted_returns flags form",
                   "[targets][n_step_returns][discounted_returns][flags]", float, double) {
  using T = TestType;
  const Example<T> ex;  // gamma = 0.5; column 1 truncated at t = 1, column 2 terminated at t = 1

  // Two-step returns, flags form (lambda_t = 1 - done_t). Column 0 runs
  // through: 3, 5, 7, 8 (as in the test above). Column 1 is truncated at t = 1:
  //   G0 = 1 + 0.5*(2 + 0.5*next_values(1)=4) = 1 + 0.5*4 = 3  (the window ends at t = 1)
  //   G1 = 2 + 0.5*4 = 4 (bootstraps from the final observation, not from values(2) = 10)
  //   G2 = 3 + 0.5*(4 + 0.5*8) = 7, G3 = 4 + 0.5*8 = 8.
  // Column 2 is terminated at t = 1: G0 = 1 + 0.5*2 = 2, G1 = 2, G2 = 7, G3 = 8.
  Arr<T> expected(4, 3);
  expected << T(3), T(3), T(2),  //
      T(5), T(4), T(2),          //
      T(7), T(7), T(7),          //
      T(8), T(8), T(8);
  Arr<T> out(4, 3);
  rlvalue::n_step_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated, T(0.5), 2, out);
  CHECK((out == expected).all());
  CHECK((rlvalue::n_step_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated, T(0.5),
                                 2) == expected)
            .all());
  // The general lambda form on the same flags (lambda_t = 1 - done_t) agrees.
  const Arr<T> ends = (ex.terminated || ex.truncated).template cast<T>();
  const Arr<T> lambdas = T(1) - ends;
  rlvalue::n_step_returns(ex.rewards, ex.discounts, ex.next_values, 2, lambdas, out);
  CHECK((out == expected).all());

  // Scalar lambda = 0.5 inside the window, column 0, n = 2:
  //   G0 = 1 + 0.5*((1-0.5)*2 + 0.5*(2 + 0.5*4)) = 1 + 0.5*(1 + 2) = 2.5
  //   G3 = 4 + 0.5*8 = 8
  const Arr<T> half = rlvalue::n_step_returns(ex.rewards, ex.discounts, ex.next_values, 2, 0.5);
  CHECK(half(0, 0) == T(2.5));
  CHECK(half(3, 0) == T(8));

  // Discounted returns, flags form. Column 1 truncated at t = 1:
  //   G1 = 2 + 0.5*4 = 4, G0 = 1 + 0.5*4 = 3; after it a new episode: 7, 8.
  expected << T(3.75), T(3), T(2),  //
      T(5.5), T(4), T(2),           //
      T(7), T(7), T(7),             //
      T(8), T(8), T(8);
  rlvalue::discounted_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated, T(0.5), out);
  CHECK((out == expected).all());
  CHECK((rlvalue::discounted_returns(ex.rewards, ex.next_values, ex.terminated, ex.truncated,
                                     T(0.5)) == expected)
            .all());
}

TEST_CASE("n_step_returns with lambda: properties and bad input",
          "[targets][n_step_returns][properties]") {
  auto rng = rlvalue::make_rng(77);
  const Index T = 19, B = 4;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  const Arr<double> d = random_array(rng, T, B, 0.5, 1);
  const Arr<double> nv = random_array(rng, T, B, -2, 2);
  const Arr<double> l = random_array(rng, T, B, 0, 1);
  Arr<double> out(T, B);
  SECTION("lambda = 1 is n_step_returns; n >= T is lambda_returns") {
    CHECK((rlvalue::n_step_returns(r, d, nv, 3, 1.0) == rlvalue::n_step_returns(r, d, nv, 3))
              .all());
    rlvalue::n_step_returns(r, d, nv, T, l, out);
    const Arr<double> lr = rlvalue::lambda_returns(r, d, nv, l);
    CHECK(((out - lr).abs() < 1e-12).all());
  }
  SECTION("row-major equals column-major") {
    ArrRow<double> out_row(T, B);
    rlvalue::n_step_returns(ArrRow<double>(r), ArrRow<double>(d), ArrRow<double>(nv), 5,
                            ArrRow<double>(l), out_row);
    rlvalue::n_step_returns(r, d, nv, 5, l, out);
    CHECK((Arr<double>(out_row) == out).all());
  }
  SECTION("bad input") {
    using E = std::invalid_argument;
    Arr<double> bad_l = l;
    bad_l(3, 2) = 1.5;
    CHECK(message_of<E>([&] { rlvalue::n_step_returns(r, d, nv, 2, bad_l, out); }) ==
          "n_step_returns: lambda(3, 2) = 1.5 is outside [0, 1]");
    CHECK(message_of<E>([&] { rlvalue::n_step_returns(r, d, nv, 0, 0.5, out); }) ==
          "n_step_returns: n = 0 must be at least 1");
    const Flags f = Flags::Constant(T, B, false);
    CHECK(message_of<E>([&] { rlvalue::n_step_returns(r, nv, f, f, 1.5, 2, out); }) ==
          "n_step_returns: gamma = 1.5 is outside [0, 1]");
  }
}
