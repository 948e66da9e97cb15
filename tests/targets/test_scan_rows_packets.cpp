// The packet form of the row strategy (targets/affine_scan.hpp,
// scan_rows_packets): row-major gae and lambda_returns with a scalar lambda
// and inputs in memory, including outputs large enough for non-temporal
// stores (kScanStreamMinBytes: tests/CMakeLists.txt defines
// RLVALUE_SCAN_STREAM_MIN_BYTES as 1 MiB, so a few MiB suffice) that span two column blocks
// (kScanStreamWidth), against the plain recursion in the same precision, bit
// for bit, and bad input found in either block. Also the segmented column
// strategy on a column-major output large enough for non-temporal stores.
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/targets/affine_scan.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/returns.hpp"
#include "targets/sequence_test_support.hpp"

namespace {

using rlvalue::Index;
using rlvalue_test::ArrRow;
using rlvalue_test::message_of;

// A number in [0, 1) from (t, b, salt), cheap enough for tens of millions of
// entries (a 64-bit mix, as in splitmix64).
float hash01(Index t, Index b, std::uint64_t salt) {
  std::uint64_t z = static_cast<std::uint64_t>(t) * 0x9E3779B97F4A7C15ULL ^
                    (static_cast<std::uint64_t>(b) + salt) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 30)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}

struct RowPacketInputs {
  ArrRow<float> r, v, nv, d;
};

RowPacketInputs make_row_packet_inputs(Index T, Index B) {
  RowPacketInputs x{ArrRow<float>(T, B), ArrRow<float>(T, B), ArrRow<float>(T, B), ArrRow<float>(T, B)};
  for (Index t = 0; t < T; ++t)
    for (Index b = 0; b < B; ++b) {
      x.r(t, b) = hash01(t, b, 1) - 0.5f;
      x.v(t, b) = hash01(t, b, 2);
      x.nv(t, b) = hash01(t, b, 3);
      x.d(t, b) = hash01(t, b, 4) < 0.01f ? 0.0f : 0.99f;
    }
  return x;
}

// The plain recursions in float, row by row, in the documented order.
ArrRow<float> gae_loop(const RowPacketInputs& x, float lambda) {
  const Index T = x.r.rows(), B = x.r.cols();
  ArrRow<float> out(T, B);
  for (Index t = T - 1; t >= 0; --t)
    for (Index b = 0; b < B; ++b) {
      const float a = (x.r(t, b) + x.d(t, b) * x.nv(t, b)) - x.v(t, b);
      out(t, b) = t == T - 1 ? a : a + (x.d(t, b) * lambda) * out(t + 1, b);
    }
  return out;
}

ArrRow<float> lambda_returns_loop(const RowPacketInputs& x, float lambda) {
  const Index T = x.r.rows(), B = x.r.cols();
  ArrRow<float> out(T, B);
  for (Index t = T - 1; t >= 0; --t)
    for (Index b = 0; b < B; ++b)
      out(t, b) = t == T - 1 ? x.r(t, b) + x.d(t, b) * x.nv(t, b)
                             : (x.r(t, b) + x.d(t, b) * ((1.0f - lambda) * x.nv(t, b))) +
                                   (x.d(t, b) * lambda) * out(t + 1, b);
  return out;
}

}  // namespace

TEST_CASE("row strategy, packet form: equals the plain recursion bit for bit",
          "[targets][scan]") {
  // Widths around the packet groups (16 floats), one column block and two.
  for (const Index B : {Index(16), Index(17), Index(63), Index(100), Index(4096), Index(4100)}) {
    const Index T = 40;
    const RowPacketInputs x = make_row_packet_inputs(T, B);
    DYNAMIC_SECTION("B = " << B) {
      CHECK((rlvalue::gae(x.r, x.v, x.nv, x.d, 0.95f) == gae_loop(x, 0.95f)).all());
      CHECK((rlvalue::lambda_returns(x.r, x.d, x.nv, 0.9f) == lambda_returns_loop(x, 0.9f)).all());
    }
  }
}

TEST_CASE("row strategy, packet form: large outputs take non-temporal stores",
          "[targets][scan]") {
  using E = std::invalid_argument;
  // 80 x 4100 floats (1.3 MB) is past kScanStreamMinBytes (1 MiB in the
  // tests), and 4100 columns are one full block of 4096 and a block of 4
  // (all tail).
  const Index T = 80, B = 4100;
  REQUIRE(rlvalue::detail::kScanStreamWidth<float> == 4096);
  REQUIRE(T * B * Index(sizeof(float)) >= rlvalue::detail::kScanStreamMinBytes);
  RowPacketInputs x = make_row_packet_inputs(T, B);
  ArrRow<float> out(T, B);
  REQUIRE(rlvalue::detail::can_stream<true>(out));
  SECTION("results equal the plain recursion") {
    rlvalue::gae(x.r, x.v, x.nv, x.d, 0.95f, out);
    CHECK((out == gae_loop(x, 0.95f)).all());
    rlvalue::lambda_returns(x.r, x.d, x.nv, 0.9f, out);
    CHECK((out == lambda_returns_loop(x, 0.9f)).all());
  }
  SECTION("rows not aligned to the packet size: the same results") {
    // 4101 columns: row t starts 4 * t bytes past a 16-byte boundary (mod
    // 16), so the rows alternate between the non-temporal stores straight
    // from the registers (aligned rows) and the copy from the carry row.
    const Index B2 = 4101;
    RowPacketInputs y = make_row_packet_inputs(T, B2);
    ArrRow<float> out2(T, B2);
    REQUIRE(reinterpret_cast<std::uintptr_t>(out2.row(1).data()) % 16 != 0);
    rlvalue::gae(y.r, y.v, y.nv, y.d, 0.95f, out2);
    CHECK((out2 == gae_loop(y, 0.95f)).all());
    rlvalue::lambda_returns(y.r, y.d, y.nv, 0.9f, out2);
    CHECK((out2 == lambda_returns_loop(y, 0.9f)).all());
  }
  SECTION("a NaN in the second block is named; nothing non-finite is written") {
    out.setConstant(42.0f);
    x.nv(50, 4098) = std::numeric_limits<float>::quiet_NaN();
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.95f, out); }) ==
          "gae: next_values(50, 4098) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.rightCols(4).topRows(51) == 42.0f).all());  // that block: rows <= 50 untouched
  }
  SECTION("a discount outside [0, 1] in the first block") {
    out.setConstant(42.0f);
    x.d(60, 7) = 1.5f;
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, 0.9f, out); }) ==
          "lambda_returns: discounts(60, 7) = 1.5 is outside [0, 1]");
    CHECK(out.isFinite().all());
    // Its group of 16 columns and everything computed after it untouched.
    CHECK((out.topRows(60) == 42.0f).all());
    CHECK((out.row(60).head(16) == 42.0f).all());
    const ArrRow<float> ref = lambda_returns_loop(x, 0.9f);
    CHECK((out.row(60).segment(16, 4080) == ref.row(60).segment(16, 4080)).all());
    CHECK((out.bottomRows(T - 61).leftCols(4096) == ref.bottomRows(T - 61).leftCols(4096)).all());
  }
  SECTION("finite inputs whose result overflows are reported, not written") {
    out.setConstant(0.0f);
    x.r(40, 33) = 3e38f;
    x.nv(40, 33) = 3e38f;
    x.d(40, 33) = 1.0f;
    CHECK(message_of<E>([&] { rlvalue::lambda_returns(x.r, x.d, x.nv, 0.0f, out); }) ==
          "lambda_returns: returns(40, 33) = inf is not finite although every input is "
          "(it overflowed)");
    CHECK(out.isFinite().all());
    // Large outputs are checked and stored 16 columns at a time, each row
    // from its last column to its first, a block of 4096 columns at a time:
    // in the first block, row 40's columns from 48 on (after the group of
    // column 33) and the rows after it hold their results; the rest of row
    // 40, the rows before it and the second block are untouched.
    const ArrRow<float> ref = lambda_returns_loop(x, 0.0f);
    CHECK((out.topRows(40) == 0.0f).all());
    CHECK((out.row(40).head(48) == 0.0f).all());
    CHECK((out.row(40).segment(48, 4096 - 48) == ref.row(40).segment(48, 4096 - 48)).all());
    CHECK((out.bottomRows(T - 41).leftCols(4096) == ref.bottomRows(T - 41).leftCols(4096)).all());
    CHECK((out.rightCols(4) == 0.0f).all());
  }
}

TEST_CASE("segmented columns: large outputs take non-temporal stores", "[targets][scan]") {
  using E = std::invalid_argument;
  using Col = rlvalue_test::Arr<float>;
  // 4100 x 70 floats (1.1 MB, past the tests' 1 MiB kScanStreamMinBytes),
  // columns of 4100 rows: segmented tiles (1024 rows, the earliest 4 rows
  // long), written with non-temporal stores.
  const Index T = 4100, B = 70;
  const RowPacketInputs rows = make_row_packet_inputs(T, B);
  Col r = rows.r, v = rows.v, nv = rows.nv, d = rows.d;
  Col out(T, B);
  REQUIRE(rlvalue::detail::can_stream<false>(out));
  // The row-major results are the plain recursion bit for bit (above); the
  // segments regroup sums, so they agree to float rounding.
  const Col g_ref = gae_loop(rows, 0.95f);
  const Col l_ref = lambda_returns_loop(rows, 0.9f);
  SECTION("results agree with the plain recursion") {
    rlvalue::gae(r, v, nv, d, 0.95f, out);
    CHECK(((out - g_ref).abs() / (1.0f + g_ref.abs())).maxCoeff() < 2e-6f);
    rlvalue::lambda_returns(r, d, nv, 0.9f, out);
    CHECK(((out - l_ref).abs() / (1.0f + l_ref.abs())).maxCoeff() < 2e-6f);
  }
  SECTION("a NaN is named; nothing non-finite is written") {
    out.setConstant(42.0f);
    v(3000, 59) = std::numeric_limits<float>::quiet_NaN();
    CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, d, 0.95f, out); }) ==
          "gae: values(3000, 59) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.col(59).head(3001) == 42.0f).all());  // that column: rows <= 3000 untouched
  }
}

TEST_CASE("lambda_returns, column fill from memory: the last row's bootstrap is checked",
          "[targets][scan]") {
  using E = std::invalid_argument;
  using Col = rlvalue_test::Arr<float>;
  // a_{T-1} = r + d * nv is written over the fill's a in the last row: an
  // overflow there is reported, not stored (interleaved chains, T < 1024, and
  // segmented columns, T >= 1024).
  for (const Index T : {Index(5), Index(1100)}) {
    Col r = Col::Zero(T, 6), nv = Col::Zero(T, 6), d = Col::Ones(T, 6);
    r(T - 1, 4) = 3e38f;
    nv(T - 1, 4) = 3e38f;
    Col out = Col::Zero(T, 6);
    DYNAMIC_SECTION("T = " << T) {
      CHECK(message_of<E>([&] { rlvalue::lambda_returns(r, d, nv, 0.5f, out); }) ==
            "lambda_returns: returns(" + std::to_string(T - 1) +
                ", 4) = inf is not finite although every input is (it overflowed)");
      CHECK((out == 0.0f).all());
    }
  }
}

namespace {

// The flags form's plain recursion, row by row: d = terminated ? 0 : gamma,
// l = (terminated or truncated) ? 0 : lambda, A = (r + d nv) - v + (d l) A'.
template <class S>
ArrRow<S> gae_flags_loop(const ArrRow<S>& r, const ArrRow<S>& v, const ArrRow<S>& nv,
                         const ArrRow<bool>& term, const ArrRow<bool>& trunc, S gamma,
                         S lambda) {
  const Index T = r.rows(), B = r.cols();
  ArrRow<S> out(T, B);
  for (Index t = T - 1; t >= 0; --t)
    for (Index b = 0; b < B; ++b) {
      const S d = term(t, b) ? S(0) : gamma;
      const S l = (term(t, b) || trunc(t, b)) ? S(0) : lambda;
      const S a = (r(t, b) + d * nv(t, b)) - v(t, b);
      out(t, b) = t == T - 1 ? a : a + (d * l) * out(t + 1, b);
    }
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("row strategy, flags-form gae from memory: equals the plain recursion bit for "
                   "bit",
                   "[targets][scan][gae][flags]", float, double) {
  using S = TestType;
  // Flags in about a quarter of the entries (termination and truncation
  // each 0.15), so every packet mixes the cases; widths below, at and above
  // the 16-column strip, not multiples of a packet, over two column blocks,
  // and (4100 x 80 floats) large enough for non-temporal stores.
  for (const Index B : {Index(16), Index(17), Index(63), Index(100), Index(4100)}) {
    const Index T = B == 4100 ? 80 : 40;
    ArrRow<S> r(T, B), v(T, B), nv(T, B);
    ArrRow<bool> term(T, B), trunc(T, B);
    for (Index t = 0; t < T; ++t)
      for (Index b = 0; b < B; ++b) {
        r(t, b) = S(hash01(t, b, 11)) - S(0.5);
        v(t, b) = S(hash01(t, b, 12));
        nv(t, b) = S(hash01(t, b, 13));
        term(t, b) = hash01(t, b, 14) < 0.15f;
        trunc(t, b) = hash01(t, b, 15) < 0.15f;
      }
    DYNAMIC_SECTION("B = " << B) {
      const S gamma = S(0.99), lambda = S(0.95);
      const ArrRow<S> expected = gae_flags_loop(r, v, nv, term, trunc, gamma, lambda);
      ArrRow<S> out(T, B);
      rlvalue::gae(r, v, nv, term, trunc, gamma, lambda, out);
      CHECK((out == expected).all());
      // The strip path (flags as an expression, not in memory) and the
      // column-major path give the same bits.
      ArrRow<S> strips(T, B);
      rlvalue::gae(r, v, nv, term && ArrRow<bool>::Constant(T, B, true), trunc, gamma, lambda,
                   strips);
      CHECK((strips == expected).all());
      const rlvalue_test::Arr<S> col = rlvalue::gae(rlvalue_test::Arr<S>(r), rlvalue_test::Arr<S>(v),
                                                    rlvalue_test::Arr<S>(nv),
                                                    rlvalue_test::Flags(term),
                                                    rlvalue_test::Flags(trunc), gamma, lambda);
      CHECK((ArrRow<S>(col) == expected).all());
    }
  }
}

TEST_CASE("row strategy, flags-form gae from memory: bad input", "[targets][scan][gae][flags]") {
  using E = std::invalid_argument;
  const Index T = 30, B = 70;
  ArrRow<float> r(T, B), v(T, B), nv(T, B);
  ArrRow<bool> term(T, B), trunc(T, B);
  for (Index t = 0; t < T; ++t)
    for (Index b = 0; b < B; ++b) {
      r(t, b) = hash01(t, b, 21) - 0.5f;
      v(t, b) = hash01(t, b, 22);
      nv(t, b) = hash01(t, b, 23);
      term(t, b) = hash01(t, b, 24) < 0.1f;
      trunc(t, b) = hash01(t, b, 25) < 0.1f;
    }
  SECTION("a NaN reward is named; nothing non-finite is written") {
    r(12, 33) = std::numeric_limits<float>::quiet_NaN();
    ArrRow<float> out = ArrRow<float>::Constant(T, B, 42.0f);
    CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, term, trunc, 0.9f, 0.8f, out); }) ==
          "gae: rewards(12, 33) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(12) == 42.0f).all());  // rows before the bad one untouched
  }
  SECTION("an infinite next value at a terminated step is still rejected") {
    term(5, 68) = true;  // in the narrower strip of the last columns
    nv(5, 68) = std::numeric_limits<float>::infinity();
    CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, term, trunc, 0.9f, 0.8f); }) ==
          "gae: next_values(5, 68) = inf is not finite");
    nv(5, 68) = 0.5f;
    nv(7, 3) = -std::numeric_limits<float>::infinity();  // in the packets
    term(7, 3) = true;
    CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, term, trunc, 0.9f, 0.8f); }) ==
          "gae: next_values(7, 3) = -inf is not finite");
  }
}
