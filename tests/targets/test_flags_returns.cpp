// The flags form of lambda_returns and discounted_returns with its inputs
// and flags in memory (targets/flag_packets.hpp): the row strategy's packet
// form and the column fill from memory, against the plain flags recursion
// and against the same flags taken as Eigen expressions (the strip and
// Eigen fill paths) and as the general form's arrays; bad input in each.
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/returns.hpp"
#include "targets/sequence_test_support.hpp"

namespace {

using rlvalue::Index;
using rlvalue_test::Arr;
using rlvalue_test::ArrRow;
using rlvalue_test::Flags;
using rlvalue_test::message_of;

// Inputs of the flags form in storage order O: rewards in [-1, 1), next
// values in [-2, 2), termination and truncation each with probability 0.15
// (about a quarter of the entries carry a flag, so every packet mixes them).
template <class S, int O>
struct FlagsReturnsInputs {
  using A = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O>;
  using F = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, O>;
  A r, nv;
  F term, trunc;
};

template <class S, int O>
FlagsReturnsInputs<S, O> make_flags_returns_inputs(Index T, Index B, std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  using X = FlagsReturnsInputs<S, O>;
  return X{typename X::A(rlvalue_test::random_array(rng, T, B, -1, 1).cast<S>()),
           typename X::A(rlvalue_test::random_array(rng, T, B, -2, 2).cast<S>()),
           typename X::F(rlvalue_test::random_flags(rng, T, B, 0.15)),
           typename X::F(rlvalue_test::random_flags(rng, T, B, 0.15))};
}

// The flags form's plain recursion, one entry at a time in the documented
// order: d = terminated ? 0 : gamma, l = (terminated or truncated) ? 0 :
// lambda, G_t = (r + d ((1 - l) nv)) + (d l) G_{t+1}, G_{T-1} = r + d nv.
template <class S, int O>
Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> lambda_returns_flags_loop(
    const FlagsReturnsInputs<S, O>& x, S gamma, S lambda) {
  const Index T = x.r.rows(), B = x.r.cols();
  Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> out(T, B);
  for (Index b = 0; b < B; ++b)
    for (Index t = T - 1; t >= 0; --t) {
      const S d = x.term(t, b) ? S(0) : gamma;
      const S l = (x.term(t, b) || x.trunc(t, b)) ? S(0) : lambda;
      out(t, b) = t == T - 1 ? x.r(t, b) + d * x.nv(t, b)
                             : (x.r(t, b) + d * ((S(1) - l) * x.nv(t, b))) + (d * l) * out(t + 1, b);
    }
  return out;
}

// Discounted returns from the flags, as the textbook writes them: a
// terminated step's return is r, a truncated one's r + gamma nv, the last
// step's r + d nv, any other's r + gamma G_{t+1}.
template <class S, int O>
Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> discounted_returns_flags_loop(
    const FlagsReturnsInputs<S, O>& x, S gamma) {
  const Index T = x.r.rows(), B = x.r.cols();
  Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, O> out(T, B);
  for (Index b = 0; b < B; ++b)
    for (Index t = T - 1; t >= 0; --t) {
      if (x.term(t, b))
        out(t, b) = x.r(t, b);
      else if (x.trunc(t, b) || t == T - 1)
        out(t, b) = x.r(t, b) + gamma * x.nv(t, b);
      else
        out(t, b) = x.r(t, b) + gamma * out(t + 1, b);
    }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("flags-form lambda_returns and discounted_returns, rows from memory: equal "
                   "the plain recursion bit for bit",
                   "[targets][returns][flags]", float, double) {
  using S = TestType;
  // Widths below, at and above the 16-column strip, not multiples of a
  // packet, over two column blocks, and (4100 x 80) large enough for
  // non-temporal stores.
  for (const Index B : {Index(16), Index(17), Index(63), Index(100), Index(4100)}) {
    const Index T = B == 4100 ? 80 : 40;
    const auto x = make_flags_returns_inputs<S, Eigen::RowMajor>(T, B, 31 + std::uint64_t(B));
    const S gamma = S(0.99), lambda = S(0.9);
    DYNAMIC_SECTION("B = " << B) {
      const ArrRow<S> expected = lambda_returns_flags_loop(x, gamma, lambda);
      ArrRow<S> out(T, B);
      rlvalue::lambda_returns(x.r, x.nv, x.term, x.trunc, gamma, lambda, out);
      CHECK((out == expected).all());
      // The strip path (flags as an expression, not in memory) and the
      // column-major path give the same bits.
      ArrRow<S> strips(T, B);
      rlvalue::lambda_returns(x.r, x.nv, x.term && ArrRow<bool>::Constant(T, B, true), x.trunc,
                              gamma, lambda, strips);
      CHECK((strips == expected).all());
      const Arr<S> col = rlvalue::lambda_returns(Arr<S>(x.r), Arr<S>(x.nv), Flags(x.term),
                                                 Flags(x.trunc), gamma, lambda);
      CHECK((ArrRow<S>(col) == expected).all());

      const ArrRow<S> discounted = discounted_returns_flags_loop(x, gamma);
      CHECK((rlvalue::discounted_returns(x.r, x.nv, x.term, x.trunc, gamma) == discounted).all());
    }
  }
}

TEMPLATE_TEST_CASE("flags-form lambda_returns, long columns from memory: the fill equals the "
                   "general form's and the Eigen fill's",
                   "[targets][returns][flags]", float, double) {
  using S = TestType;
  // Columns of 5000 rows take the segmented strategy: tiles of 1024 rows
  // filled from the flags in memory (FlagsFill), in packets but for a
  // tile's rows that do not fill one (T = 5001, 5003). The segments regroup
  // the sums, so against the plain recursion only to rounding; against the
  // same a and c from other fills, bit for bit.
  for (const Index T : {Index(5000), Index(5001), Index(5003)}) {
    const Index B = 3;
    const auto x = make_flags_returns_inputs<S, Eigen::ColMajor>(T, B, 7 + std::uint64_t(T));
    const S gamma = S(0.99), lambda = S(0.9);
    DYNAMIC_SECTION("T = " << T) {
      const Arr<S> out = rlvalue::lambda_returns(x.r, x.nv, x.term, x.trunc, gamma, lambda);
      const Arr<S> d = x.term.select(Arr<S>::Zero(T, B), Arr<S>::Constant(T, B, gamma));
      const Arr<S> l =
          (x.term || x.trunc).select(Arr<S>::Zero(T, B), Arr<S>::Constant(T, B, lambda));
      CHECK((out == rlvalue::lambda_returns(x.r, d, x.nv, l)).all());
      CHECK((out == rlvalue::lambda_returns(x.r, x.nv, x.term && Flags::Constant(T, B, true),
                                            x.trunc, gamma, lambda))
                .all());
      // |G| <= 1 / (1 - gamma) * 2 = 200; float rounding over 1024-row tiles.
      const S tol = std::is_same_v<S, float> ? S(2e-3) : S(1e-10);
      CHECK(((out - lambda_returns_flags_loop(x, gamma, lambda)).abs() <= tol).all());
      CHECK(((rlvalue::discounted_returns(x.r, x.nv, x.term, x.trunc, gamma) -
              discounted_returns_flags_loop(x, gamma))
                 .abs() <= tol)
                .all());
    }
  }
}

TEST_CASE("flags-form lambda_returns from memory: bad input", "[targets][returns][flags]") {
  using E = std::invalid_argument;
  const float inf = std::numeric_limits<float>::infinity();
  SECTION("rows: a NaN reward is named; rows before it untouched, nothing non-finite written") {
    auto x = make_flags_returns_inputs<float, Eigen::RowMajor>(30, 70, 3);
    x.r(12, 33) = std::numeric_limits<float>::quiet_NaN();
    ArrRow<float> out = ArrRow<float>::Constant(30, 70, 42.0f);
    CHECK(message_of<E>([&] {
            rlvalue::lambda_returns(x.r, x.nv, x.term, x.trunc, 0.9f, 0.8f, out);
          }) == "lambda_returns: rewards(12, 33) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(12) == 42.0f).all());
  }
  SECTION("rows: an infinite next value at a terminated step is still rejected") {
    auto x = make_flags_returns_inputs<float, Eigen::RowMajor>(30, 70, 4);
    x.term(7, 3) = true;  // in the packets
    x.nv(7, 3) = -inf;
    CHECK(message_of<E>([&] {
            rlvalue::discounted_returns(x.r, x.nv, x.term, x.trunc, 0.9f);
          }) == "discounted_returns: next_values(7, 3) = -inf is not finite");
  }
  SECTION("long columns: a NaN next value is named; nothing non-finite is written") {
    auto x = make_flags_returns_inputs<float, Eigen::ColMajor>(3000, 2, 5);
    x.nv(1500, 1) = std::numeric_limits<float>::quiet_NaN();
    x.term(1500, 1) = true;  // does not bootstrap, still checked
    Arr<float> out = Arr<float>::Constant(3000, 2, 42.0f);
    CHECK(message_of<E>([&] {
            rlvalue::lambda_returns(x.r, x.nv, x.term, x.trunc, 0.9f, 0.8f, out);
          }) == "lambda_returns: next_values(1500, 1) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.col(1).head(1501) == 42.0f).all());
  }
  SECTION("the last row's bootstrap overflowing is reported, not stored") {
    for (const Index T : {Index(5), Index(1100)}) {
      auto x = make_flags_returns_inputs<float, Eigen::ColMajor>(T, 6, 6);
      x.term(T - 1, 4) = false;
      x.r(T - 1, 4) = 3e38f;
      x.nv(T - 1, 4) = 3e38f;
      Arr<float> out = Arr<float>::Zero(T, 6);
      CHECK(message_of<E>([&] {
              rlvalue::lambda_returns(x.r, x.nv, x.term, x.trunc, 1.0f, 0.5f, out);
            }) == "lambda_returns: returns(" + std::to_string(T - 1) +
                      ", 4) = inf is not finite although every input is (it overflowed)");
      CHECK(out.isFinite().all());
    }
  }
}
