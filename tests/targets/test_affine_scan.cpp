// The evaluation strategies of targets/affine_scan.hpp (row tiles, interleaved
// column chains, segmented long columns) against the textbook recursion, on
// shapes that select each strategy, every input layout, and bad input found
// in a later tile.
#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/returns.hpp"
#include "targets/sequence_test_support.hpp"

namespace {

using rlvalue::Index;
using rlvalue_test::Arr;
using rlvalue_test::ArrRow;
using rlvalue_test::Flags;
using rlvalue_test::message_of;

using rlvalue_test::Data;
using rlvalue_test::make_data;

// The plain loops, in the documented evaluation order (a_t + c_t * y_{t+1}).
Arr<double> gae_loop(const Data& x, double lambda) {
  Arr<double> out(x.r.rows(), x.r.cols());
  for (Index b = 0; b < x.r.cols(); ++b) {
    double y = 0;
    for (Index t = x.r.rows() - 1; t >= 0; --t) {
      const double a = (x.r(t, b) + x.d(t, b) * x.nv(t, b)) - x.v(t, b);
      y = t == x.r.rows() - 1 ? a : a + (x.d(t, b) * lambda) * y;
      out(t, b) = y;
    }
  }
  return out;
}

Arr<double> lambda_returns_loop(const Data& x, const Arr<double>& l) {
  const Index T = x.r.rows();
  Arr<double> out(T, x.r.cols());
  for (Index b = 0; b < x.r.cols(); ++b) {
    double y = x.r(T - 1, b) + x.d(T - 1, b) * x.nv(T - 1, b);
    out(T - 1, b) = y;
    for (Index t = T - 2; t >= 0; --t) {
      y = (x.r(t, b) + x.d(t, b) * ((1 - l(t, b)) * x.nv(t, b))) + (x.d(t, b) * l(t, b)) * y;
      out(t, b) = y;
    }
  }
  return out;
}

// Largest |a - b| / (1 + |b|).
double relative_gap(const Arr<double>& a, const Arr<double>& b) {
  return ((a - b).abs() / (1 + b.abs())).maxCoeff();
}

}  // namespace

TEST_CASE("affine scan: every strategy equals the plain recursion", "[targets][scan]") {
  // (T, B): row tiles (row-major, B >= 16), interleaved chains (T < 1024),
  // and segmented long columns (T >= 1024), including a remainder tile and
  // lengths that are not multiples of 8.
  const Index shapes[][2] = {{1, 1},     {7, 3},    {300, 20},  {257, 5},  {1500, 17},
                             {3000, 1},  {2049, 2}, {1031, 3},  {1100, 9}, {4100, 1},
                             {5, 40},    {64, 2100}};
  for (const auto& s : shapes) {
    const Index T = s[0], B = s[1];
    const Data x = make_data(T, B, static_cast<std::uint64_t>(T * 131 + B));
    // Segmented columns regroup the sum: equal to rounding, not bit for bit.
    const bool segmented = T >= 1024;
    DYNAMIC_SECTION("T = " << T << ", B = " << B) {
      const Arr<double> g_ref = gae_loop(x, 0.95);
      const Arr<double> l_ref = lambda_returns_loop(x, x.l);
      const Arr<double> g_col = rlvalue::gae(x.r, x.v, x.nv, x.d, 0.95);
      const Arr<double> l_col = rlvalue::lambda_returns(x.r, x.d, x.nv, x.l);
      const ArrRow<double> g_row = rlvalue::gae(ArrRow<double>(x.r), ArrRow<double>(x.v),
                                                ArrRow<double>(x.nv), ArrRow<double>(x.d), 0.95);
      const ArrRow<double> l_row =
          rlvalue::lambda_returns(ArrRow<double>(x.r), ArrRow<double>(x.d),
                                  ArrRow<double>(x.nv), ArrRow<double>(x.l));
      if (segmented) {
        CHECK(relative_gap(g_col, g_ref) < 1e-13);
        CHECK(relative_gap(l_col, l_ref) < 1e-13);
      } else {
        CHECK((g_col == g_ref).all());
        CHECK((l_col == l_ref).all());
      }
      // Row-major with B >= 16 runs row tiles: the plain arithmetic. With
      // fewer columns it runs the column strategies, as above.
      const bool row_segmented = segmented && B < 16;
      // A scalar lambda with inputs in memory takes the packet form of the
      // row strategy (scan_rows_packets).
      const Arr<double> ls_ref = lambda_returns_loop(x, Arr<double>::Constant(T, B, 0.9));
      const ArrRow<double> ls_row = rlvalue::lambda_returns(
          ArrRow<double>(x.r), ArrRow<double>(x.d), ArrRow<double>(x.nv), 0.9);
      if (row_segmented) {
        CHECK(relative_gap(Arr<double>(g_row), g_ref) < 1e-13);
        CHECK(relative_gap(Arr<double>(l_row), l_ref) < 1e-13);
        CHECK(relative_gap(Arr<double>(ls_row), ls_ref) < 1e-13);
      } else {
        CHECK((Arr<double>(g_row) == g_ref).all());
        CHECK((Arr<double>(l_row) == l_ref).all());
        CHECK((Arr<double>(ls_row) == ls_ref).all());
      }
      // The flags form is the general form of the same flags.
      const Arr<double> lambdas =
          (x.term || x.trunc).select(Arr<double>::Zero(T, B), Arr<double>::Constant(T, B, 0.9));
      const Arr<double> g_flags = rlvalue::gae(x.r, x.v, x.nv, x.term, x.trunc, 0.99, 0.9);
      const Arr<double> g_general = rlvalue::gae(x.r, x.v, x.nv, x.d, lambdas);
      CHECK((g_flags == g_general).all());
      const Arr<double> l_flags = rlvalue::lambda_returns(x.r, x.nv, x.term, x.trunc, 0.99, 0.9);
      CHECK((l_flags == rlvalue::lambda_returns(x.r, x.d, x.nv, lambdas)).all());
      // discounted_returns is lambda_returns with lambda = 1.
      CHECK((rlvalue::discounted_returns(x.r, x.d, x.nv) ==
             rlvalue::lambda_returns(x.r, x.d, x.nv, 1.0))
                .all());
    }
  }
}

TEST_CASE("affine scan: inputs of any layout give the same result", "[targets][scan]") {
  for (const Index T : {Index(40), Index(2000)}) {
    const Index B = 3;
    const Data x = make_data(T, B, 99 + static_cast<std::uint64_t>(T));
    const Arr<double> expected = rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9);
    // Blocks of larger arrays (outer stride), matrices, and transposed
    // row-major storage as inputs; a block of a larger array as output.
    Arr<double> big_r = Arr<double>::Constant(T + 3, B + 2, 7.0);
    big_r.block(2, 1, T, B) = x.r;
    const Eigen::MatrixXd v_matrix = x.v.matrix();
    const ArrRow<double> nv_t = x.nv.transpose();
    Arr<double> big_out = Arr<double>::Constant(T + 2, B + 4, -1.0);
    rlvalue::gae(big_r.block(2, 1, T, B), v_matrix, nv_t.transpose(), x.d, 0.9,
                 big_out.block(1, 2, T, B));
    CHECK((big_out.block(1, 2, T, B) == expected).all());
    CHECK((big_out.col(0) == -1.0).all());
    CHECK((big_out.row(0) == -1.0).all());
    CHECK((big_out.row(T + 1) == -1.0).all());
    // A matrix output.
    Eigen::MatrixXd m_out(T, B);
    rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9, m_out);
    CHECK((m_out.array() == expected).all());
  }
}

TEST_CASE("affine scan: float agrees with double on long sequences", "[targets][scan]") {
  const Index T = 5000, B = 2;
  const Data x = make_data(T, B, 7);
  const Arr<double> g = rlvalue::gae(x.r, x.v, x.nv, x.d, 0.95);
  const Arr<float> gf = rlvalue::gae(Arr<float>(x.r.cast<float>()), Arr<float>(x.v.cast<float>()),
                                     Arr<float>(x.nv.cast<float>()),
                                     Arr<float>(x.d.cast<float>()), 0.95f);
  // |A| stays below 1 / (1 - 0.99 * 0.95) * 5 ~ 85; float carries ~7 digits.
  CHECK((gf.cast<double>() - g).abs().maxCoeff() < 1e-4);
}

TEST_CASE("affine scan: bad input in a later tile", "[targets][scan]") {
  using E = std::invalid_argument;
  const Index T = 3000, B = 1;
  Data x = make_data(T, B, 5);
  SECTION("a NaN early in time (read last) is named; nothing non-finite is written") {
    x.v(10, 0) = std::numeric_limits<double>::quiet_NaN();
    Arr<double> out = Arr<double>::Constant(T, B, 42.0);
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9, out); }) ==
          "gae: values(10, 0) = nan is not finite");
    CHECK(out.isFinite().all());
  }
  SECTION("a discount outside [0, 1] in a middle tile") {
    x.d(1500, 0) = 1.5;
    Arr<double> out(T, B);
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, 0.5, out); }) ==
          "lambda_returns: discounts(1500, 0) = 1.5 is outside [0, 1]");
    CHECK(message_of<E>([&] { rlvalue::discounted_returns(x.r, x.d, x.nv, out); }) ==
          "discounted_returns: discounts(1500, 0) = 1.5 is outside [0, 1]");
  }
  SECTION("a lambda array entry outside [0, 1]") {
    x.l(2000, 0) = -0.25;
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l); }) ==
          "gae: lambda(2000, 0) = -0.25 is outside [0, 1]");
  }
  SECTION("finite inputs whose target overflows are rejected, not written") {
    Arr<float> r = Arr<float>::Zero(4, 1), nv = Arr<float>::Zero(4, 1);
    Arr<float> d = Arr<float>::Ones(4, 1);
    r(2, 0) = 3e38f;
    nv(2, 0) = 3e38f;
    Arr<float> out = Arr<float>::Zero(4, 1);
    const std::string msg =
        message_of<E>([&] { rlvalue::lambda_returns(r, d, nv, 0.0f, out); });
    CHECK(msg == "lambda_returns: returns(2, 0) = inf is not finite although every input is "
                 "(it overflowed)");
    CHECK((out == 0.0f).all());
  }
}

TEST_CASE("affine scan: bad input on the row strategy", "[targets][scan]") {
  using E = std::invalid_argument;
  const Index T = 50, B = 37;  // row-major, B >= 16: fused rows, with a tail strip
  const Data x = make_data(T, B, 11);
  ArrRow<double> r = x.r, v = x.v, nv = x.nv, d = x.d, l = x.l;
  ArrRow<double> out = ArrRow<double>::Constant(T, B, 42.0);
  SECTION("a NaN value in an early row is named; nothing non-finite is written") {
    v(3, 35) = std::numeric_limits<double>::quiet_NaN();  // in the tail strip
    CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, d, 0.9, out); }) ==
          "gae: values(3, 35) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(3) == 42.0).all());  // rows before the bad one are untouched
  }
  SECTION("an infinite reward in a full strip") {
    r(20, 5) = std::numeric_limits<double>::infinity();
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(r, d, nv, 0.5, out); }) ==
          "lambda_returns: rewards(20, 5) = inf is not finite");
    CHECK(out.isFinite().all());
  }
  SECTION("a discount outside [0, 1]") {
    d(30, 17) = -0.5;
    CHECK(message_of<E>([&] { rlvalue::discounted_returns(r, d, nv, out); }) ==
          "discounted_returns: discounts(30, 17) = -0.5 is outside [0, 1]");
  }
  SECTION("a NaN lambda in the last row (whose lambda the recursion never reads)") {
    l(T - 1, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, d, l, out); }) ==
          "gae: lambda(49, 2) = nan is outside [0, 1]");
    CHECK(out.isFinite().all());
  }
  SECTION("overflow of finite inputs is reported, not written") {
    ArrRow<float> rf = ArrRow<float>::Zero(3, 16), nvf = ArrRow<float>::Zero(3, 16);
    ArrRow<float> df = ArrRow<float>::Ones(3, 16), outf = ArrRow<float>::Zero(3, 16);
    rf(1, 4) = 3e38f;
    nvf(1, 4) = 3e38f;
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(rf, df, nvf, 0.0f, outf); }) ==
          "lambda_returns: returns(1, 4) = inf is not finite although every input is "
          "(it overflowed)");
    CHECK(outf.isFinite().all());
  }
}
