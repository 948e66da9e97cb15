// gae and lambda_returns with per-step lambdas (a (T x B) array, rlax's
// lambda_t) in memory take the packet paths of the engine
// (targets/affine_scan.hpp, RowPackets with an array lambda): the row
// strategy's packets on row-major buffers and the segmented strategy's
// column packets on long columns. Against the plain recursion bit for bit
// (rows) and against the same lambdas as an Eigen expression (the strip and
// Eigen fill paths, columns); bad lambdas in either, including a NaN in the
// last row, where no result depends on it.
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/returns.hpp"
#include "targets/sequence_test_support.hpp"

namespace {

using rlvalue::Index;
using rlvalue_test::Arr;
using rlvalue_test::ArrRow;
using rlvalue_test::message_of;

// General-form inputs in storage order O: rewards in [-1, 1), values and
// next values in [-2, 2), discounts 0.99 (0 with probability 0.1), lambdas
// uniform in [0, 1) (0 where the discount is, as at an episode's end).
template <class S, int O>
struct LambdaArrayInputs {
  using A = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O>;
  A r, v, nv, d, l;
};

template <class S, int O>
LambdaArrayInputs<S, O> make_lambda_array_inputs(Index T, Index B, std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  using X = LambdaArrayInputs<S, O>;
  using A = typename X::A;
  X x{A(rlvalue_test::random_array(rng, T, B, -1, 1).cast<S>()),
      A(rlvalue_test::random_array(rng, T, B, -2, 2).cast<S>()),
      A(rlvalue_test::random_array(rng, T, B, -2, 2).cast<S>()),
      A(T, B),
      A(rlvalue_test::random_array(rng, T, B, 0, 1).cast<S>())};
  const auto ends = rlvalue_test::random_flags(rng, T, B, 0.1);
  for (Index t = 0; t < T; ++t)
    for (Index b = 0; b < B; ++b) {
      x.d(t, b) = ends(t, b) ? S(0) : S(0.99);
      if (ends(t, b)) x.l(t, b) = S(0);
    }
  return x;
}

// The plain recursions, one entry at a time in the documented order:
// gae A_t = ((r + d nv) - v) + (d l) A_{t+1}; lambda-returns
// G_t = (r + d ((1 - l) nv)) + (d l) G_{t+1}, G_{T-1} = r + d nv.
template <class S, int O>
Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> gae_lambda_array_loop(
    const LambdaArrayInputs<S, O>& x) {
  const Index T = x.r.rows(), B = x.r.cols();
  Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> out(T, B);
  for (Index b = 0; b < B; ++b)
    for (Index t = T - 1; t >= 0; --t) {
      const S a = (x.r(t, b) + x.d(t, b) * x.nv(t, b)) - x.v(t, b);
      out(t, b) = t == T - 1 ? a : a + (x.d(t, b) * x.l(t, b)) * out(t + 1, b);
    }
  return out;
}

template <class S, int O>
Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> lambda_returns_array_loop(
    const LambdaArrayInputs<S, O>& x) {
  const Index T = x.r.rows(), B = x.r.cols();
  Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> out(T, B);
  for (Index b = 0; b < B; ++b)
    for (Index t = T - 1; t >= 0; --t)
      out(t, b) = t == T - 1 ? x.r(t, b) + x.d(t, b) * x.nv(t, b)
                             : (x.r(t, b) + x.d(t, b) * ((S(1) - x.l(t, b)) * x.nv(t, b))) +
                                   (x.d(t, b) * x.l(t, b)) * out(t + 1, b);
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("per-step lambdas, rows from memory: gae and lambda_returns equal the plain "
                   "recursion bit for bit",
                   "[targets][scan][lambda]", float, double) {
  using S = TestType;
  // Widths below, at and above the 16-column strip, not multiples of a
  // packet, over two column blocks, and (4100 x 80) large enough for
  // non-temporal stores.
  for (const Index B : {Index(16), Index(17), Index(63), Index(100), Index(4100)}) {
    const Index T = B == 4100 ? 80 : 40;
    const auto x = make_lambda_array_inputs<S, Eigen::RowMajor>(T, B, 41 + std::uint64_t(B));
    DYNAMIC_SECTION("B = " << B) {
      const ArrRow<S> gae_expected = gae_lambda_array_loop(x);
      const ArrRow<S> returns_expected = lambda_returns_array_loop(x);
      ArrRow<S> out(T, B);
      rlvalue::gae(x.r, x.v, x.nv, x.d, x.l, out);
      CHECK((out == gae_expected).all());
      rlvalue::lambda_returns(x.r, x.d, x.nv, x.l, out);
      CHECK((out == returns_expected).all());
      // The lambdas as an expression (not in memory): the strip path.
      rlvalue::gae(x.r, x.v, x.nv, x.d, x.l * S(1), out);
      CHECK((out == gae_expected).all());
      rlvalue::lambda_returns(x.r, x.d, x.nv, x.l * S(1), out);
      CHECK((out == returns_expected).all());
    }
  }
}

TEMPLATE_TEST_CASE("per-step lambdas, long columns from memory: the column packets equal the "
                   "Eigen fill bit for bit",
                   "[targets][scan][lambda]", float, double) {
  using S = TestType;
  // Columns of 5000 rows: segmented, the tiles after the latest filled from
  // the column packets (with the lambdas in memory) or by the Eigen fill
  // (the lambdas as an expression). The same a and c, so the same bits;
  // against the plain recursion to rounding (the segments regroup sums).
  const Index T = 5000, B = 3;
  const auto x = make_lambda_array_inputs<S, Eigen::ColMajor>(T, B, 9);
  const S tol = std::is_same_v<S, float> ? S(2e-3) : S(1e-10);
  const Arr<S> gae = rlvalue::gae(x.r, x.v, x.nv, x.d, x.l);
  CHECK((gae == rlvalue::gae(x.r, x.v, x.nv, x.d, x.l * S(1))).all());
  CHECK(((gae - gae_lambda_array_loop(x)).abs() <= tol).all());
  const Arr<S> returns = rlvalue::lambda_returns(x.r, x.d, x.nv, x.l);
  CHECK((returns == rlvalue::lambda_returns(x.r, x.d, x.nv, x.l * S(1))).all());
  CHECK(((returns - lambda_returns_array_loop(x)).abs() <= tol).all());
}

TEST_CASE("per-step lambdas from memory: bad lambdas", "[targets][scan][lambda]") {
  using E = std::invalid_argument;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  SECTION("rows: a lambda above 1 is named; rows before it untouched") {
    auto x = make_lambda_array_inputs<float, Eigen::RowMajor>(30, 70, 1);
    x.l(12, 33) = 1.5f;  // in the packets
    ArrRow<float> out = ArrRow<float>::Constant(30, 70, 42.0f);
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l, out); }) ==
          "gae: lambda(12, 33) = 1.5 is outside [0, 1]");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(12) == 42.0f).all());
  }
  SECTION("rows: a negative lambda and a NaN one") {
    auto x = make_lambda_array_inputs<float, Eigen::RowMajor>(30, 70, 2);
    x.l(20, 5) = -0.25f;
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, x.l); }) ==
          "lambda_returns: lambda(20, 5) = -0.25 is outside [0, 1]");
    x.l(20, 5) = 0.5f;
    x.l(8, 40) = nan;
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l); }) ==
          "gae: lambda(8, 40) = nan is outside [0, 1]");
  }
  SECTION("rows: a NaN lambda in the last row, on which no result depends, is still named") {
    for (const Index b : {Index(3), Index(66)}) {  // in the packets; in the narrower strip
      auto x = make_lambda_array_inputs<float, Eigen::RowMajor>(30, 70, 3);
      x.l(29, b) = nan;
      CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l); }) ==
            "gae: lambda(29, " + std::to_string(b) + ") = nan is outside [0, 1]");
      CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, x.l); }) ==
            "lambda_returns: lambda(29, " + std::to_string(b) + ") = nan is outside [0, 1]");
    }
  }
  SECTION("rows of a large output (non-temporal stores, 16 columns checked at a time)") {
    // 80 x 4100 doubles (2.6 MB) is past the tests' 1 MiB kScanStreamMinBytes.
    auto x = make_lambda_array_inputs<double, Eigen::RowMajor>(80, 4100, 5);
    REQUIRE(rlvalue::detail::can_stream<true>(x.r));
    x.l(79, 3) = std::numeric_limits<double>::quiet_NaN();  // last row: no result depends on it
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l); }) ==
          "gae: lambda(79, 3) = nan is outside [0, 1]");
    x.l(79, 3) = 0.5;
    x.l(40, 1000) = 1.5;
    ArrRow<double> out = ArrRow<double>::Constant(80, 4100, 42.0);
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, x.l, out); }) ==
          "lambda_returns: lambda(40, 1000) = 1.5 is outside [0, 1]");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(40) == 42.0).all());
    CHECK((out.row(40).segment(992, 16) == 42.0).all());  // its group of 16 columns
  }
  SECTION("long columns: a lambda above 1 and a NaN one in a packed tile") {
    auto x = make_lambda_array_inputs<float, Eigen::ColMajor>(3000, 2, 4);
    x.l(1500, 1) = 1.25f;
    Arr<float> out = Arr<float>::Constant(3000, 2, 42.0f);
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, x.l, out); }) ==
          "lambda_returns: lambda(1500, 1) = 1.25 is outside [0, 1]");
    CHECK(out.isFinite().all());
    CHECK((out.col(1).head(1501) == 42.0f).all());
    x.l(1500, 1) = nan;
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l); }) ==
          "gae: lambda(1500, 1) = nan is outside [0, 1]");
  }
}
