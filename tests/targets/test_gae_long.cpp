// gae on long sequences (targets/affine_scan.hpp strategy 4: segments in SIMD
// lanes) and gae's fill straight from memory (fill_tile_in_memory): the results
// against the textbook recursion, every input layout against the in-memory one
// bit for bit, and bad input found by the in-memory fill or by the scan.
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/targets/gae.hpp"
#include "targets/sequence_test_support.hpp"

namespace {

using rlvalue::Index;
using rlvalue_test::Arr;
using rlvalue_test::ArrRow;
using rlvalue_test::Flags;
using rlvalue_test::message_of;

using rlvalue_test::Data;
using rlvalue_test::make_data;

// The textbook recursion in long double, A_t = delta_t + d_t * l_t * A_{t+1}.
Arr<long double> gae_reference(const Data& x, const Arr<double>& lambdas) {
  const Index T = x.r.rows(), B = x.r.cols();
  Arr<long double> out(T, B);
  for (Index b = 0; b < B; ++b) {
    long double y = 0;
    for (Index t = T - 1; t >= 0; --t) {
      const long double delta = static_cast<long double>(x.r(t, b)) +
                                static_cast<long double>(x.d(t, b)) * x.nv(t, b) - x.v(t, b);
      y = delta + static_cast<long double>(x.d(t, b)) * lambdas(t, b) * y;
      out(t, b) = y;
    }
  }
  return out;
}

// Largest |a - b| / (1 + |b|).
template <class A>
double relative_gap(const A& a, const Arr<long double>& b) {
  return static_cast<double>(((a.template cast<long double>() - b).abs() / (1 + b.abs())).maxCoeff());
}

}  // namespace

TEST_CASE("gae on long columns equals the textbook recursion to rounding",
          "[targets][gae][long]") {
  // B = 1..3 with T >= 1024 takes the segmented strategy: full tiles of 1024
  // rows, and an earliest tile that is shorter and (for T = 1031, 5000,
  // 16421) not a multiple of 256 rows nor of the packet width.
  const Index shapes[][2] = {{1024, 1}, {1031, 3}, {2048, 2}, {5000, 1}, {16421, 1}, {16421, 3}};
  for (const auto& s : shapes) {
    const Index T = s[0], B = s[1];
    const Data x = make_data(T, B, static_cast<std::uint64_t>(T * 7 + B));
    DYNAMIC_SECTION("T = " << T << ", B = " << B) {
      const Arr<long double> ref = gae_reference(x, Arr<double>::Constant(T, B, 0.95));
      const Arr<double> g = rlvalue::gae(x.r, x.v, x.nv, x.d, 0.95);
      CHECK(relative_gap(g, ref) < 1e-13);
      // |A| < 5 / (1 - 0.99 * 0.95) ~ 85 and float carries ~7 digits.
      const Arr<float> gf =
          rlvalue::gae(Arr<float>(x.r.cast<float>()), Arr<float>(x.v.cast<float>()),
                       Arr<float>(x.nv.cast<float>()), Arr<float>(x.d.cast<float>()), 0.95f);
      CHECK(relative_gap(gf, ref) < 2e-5);
      // Per-step lambdas.
      const Arr<double> gl = rlvalue::gae(x.r, x.v, x.nv, x.d, x.l);
      CHECK(relative_gap(gl, gae_reference(x, x.l)) < 1e-13);
    }
  }
}

TEST_CASE("gae: every input layout gives the in-memory result bit for bit",
          "[targets][gae][long][storage]") {
  // Plain arrays take the fill straight from memory; expressions, strided
  // maps and row-major blocks take the Eigen fill. Both must give the same a
  // and c, hence the same advantages, on every strategy.
  const Index shapes[][2] = {{5000, 1}, {3000, 2}, {1500, 6}, {300, 9}, {1031, 3}};
  for (const auto& s : shapes) {
    const Index T = s[0], B = s[1];
    const Data x = make_data(T, B, 3 + static_cast<std::uint64_t>(T + B));
    DYNAMIC_SECTION("T = " << T << ", B = " << B) {
      const Arr<double> expected = rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9);
      const Arr<double> expected_l = rlvalue::gae(x.r, x.v, x.nv, x.d, x.l);
      // Expressions (x + 0 == x exactly: these data hold no -0).
      CHECK((rlvalue::gae(x.r + 0.0, x.v + 0.0, x.nv + 0.0, x.d + 0.0, 0.9) == expected).all());
      CHECK((rlvalue::gae(x.r + 0.0, x.v, x.nv, x.d, x.l + 0.0) == expected_l).all());
      // Row-major storage (rows not consecutive unless B = 1).
      const ArrRow<double> rr = x.r, vr = x.v, nvr = x.nv, dr = x.d, lr = x.l;
      CHECK((Arr<double>(rlvalue::gae(rr, vr, nvr, dr, 0.9)) == expected).all());
      CHECK((Arr<double>(rlvalue::gae(rr, vr, nvr, dr, lr)) == expected_l).all());
      // A map with inner stride 2 over interleaved storage.
      Arr<double> twice(2 * T, B);
      for (Index t = 0; t < T; ++t) {
        twice.row(2 * t) = x.v.row(t);
        twice.row(2 * t + 1).setConstant(-7.0);
      }
      using Strided = Eigen::Map<const Arr<double>, 0, Eigen::Stride<Eigen::Dynamic, 2>>;
      const Strided v_strided(twice.data(), T, B, Eigen::Stride<Eigen::Dynamic, 2>(2 * T, 2));
      CHECK((rlvalue::gae(x.r, v_strided, x.nv, x.d, 0.9) == expected).all());
      // The flags form (an Eigen expression of the flags) against the general
      // form of the same flags (arrays in memory).
      const Arr<double> lambdas =
          (x.term || x.trunc).select(Arr<double>::Zero(T, B), Arr<double>::Constant(T, B, 0.9));
      const Arr<double> flags = rlvalue::gae(x.r, x.v, x.nv, x.term, x.trunc, 0.99, 0.9);
      CHECK((flags == rlvalue::gae(x.r, x.v, x.nv, x.d, lambdas)).all());
      // The flags form's own fill from memory against its Eigen fill (an
      // expression input).
      CHECK((rlvalue::gae(x.r + 0.0, x.v, x.nv, x.term, x.trunc, 0.99, 0.9) == flags).all());
    }
  }
}

TEST_CASE("gae: bad input found by the in-memory fill of a long column",
          "[targets][gae][long][errors]") {
  using E = std::invalid_argument;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SECTION("a NaN value in a middle tile: named; earlier rows untouched, nothing non-finite") {
    const Index T = 5000;
    Data x = make_data(T, 1, 21);
    x.v(2500, 0) = nan;
    Arr<double> out = Arr<double>::Constant(T, 1, 42.0);
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9, out); }) ==
          "gae: values(2500, 0) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(2500) == 42.0).all());
    CHECK((out.bottomRows(T - 3072) != 42.0).all());  // later tiles were written
  }
  SECTION("several long columns: computed from the last to the first") {
    // Column-major columns run backward (one descending stream per input):
    // with a bad entry in column 1, column 2 already holds its results,
    // column 0 is untouched, and nothing non-finite is written.
    const Index T = 2048;
    Data x = make_data(T, 3, 27);
    x.v(1000, 1) = nan;
    Arr<double> out = Arr<double>::Constant(T, 3, 42.0);
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9, out); }) ==
          "gae: values(1000, 1) = nan is not finite");
    CHECK(out.isFinite().all());
    const Arr<double> alone = rlvalue::gae(x.r.col(2), x.v.col(2), x.nv.col(2), x.d.col(2), 0.9);
    CHECK((out.col(2) == alone).all());
    CHECK((out.col(0) == 42.0).all());
    CHECK((out.col(1).head(1024) == 42.0).all());
    CHECK((out.col(1).tail(1024) != 42.0).all());
  }
  SECTION("a NaN or infinite discount in a middle tile (filled from the packet column form)") {
    for (const double bad : {nan, std::numeric_limits<double>::infinity()}) {
      Data x = make_data(5000, 1, 26);
      x.d(3100, 0) = bad;
      Arr<float> out = Arr<float>::Constant(5000, 1, 42.0f);
      const Arr<float> r = x.r.cast<float>(), v = x.v.cast<float>(), nv = x.nv.cast<float>(),
                       d = x.d.cast<float>();
      CHECK(message_of<E>([&] { rlvalue::gae(r, v, nv, d, 0.9f, out); }) ==
            "gae: discounts(3100, 0) = " + std::string(bad == bad ? "inf" : "nan") +
                " is outside [0, 1]");
      CHECK(out.isFinite().all());
      CHECK((out.topRows(3976) == 42.0f).all());
      CHECK((out.bottomRows(1024) != 42.0f).all());
    }
  }
  SECTION("an infinite next value in the scalar tail of a short tile (T = 1031, B = 3)") {
    Data x = make_data(1031, 3, 22);
    x.nv(1, 2) = std::numeric_limits<double>::infinity();
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9); }) ==
          "gae: next_values(1, 2) = inf is not finite");
  }
  SECTION("a discount outside [0, 1] and a per-step lambda outside [0, 1]") {
    Data x = make_data(3000, 2, 23);
    x.d(1700, 1) = 1.5;
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9); }) ==
          "gae: discounts(1700, 1) = 1.5 is outside [0, 1]");
    x.d(1700, 1) = 0.99;
    x.l(2999, 0) = -0.25;  // the last row's lambda is never used, but checked
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, x.l); }) ==
          "gae: lambda(2999, 0) = -0.25 is outside [0, 1]");
  }
  SECTION("the flags form's fill from memory names a bad entry too") {
    Data x = make_data(5000, 1, 25);
    x.nv(4000, 0) = nan;
    Arr<double> out = Arr<double>::Constant(5000, 1, 42.0);
    CHECK(message_of<E>([&] {
            rlvalue::gae(x.r, x.v, x.nv, x.term, x.trunc, 0.99, 0.9, out);
          }) == "gae: next_values(4000, 0) = nan is not finite");
    CHECK(out.isFinite().all());
    CHECK((out.topRows(4000) == 42.0).all());
  }
  SECTION("the group strategy (B >= 4) fills from memory too") {
    Data x = make_data(600, 12, 24);
    x.r(100, 9) = nan;
    CHECK(message_of<E>([&] { rlvalue::gae(x.r, x.v, x.nv, x.d, 0.9); }) ==
          "gae: rewards(100, 9) = nan is not finite");
  }
}

TEST_CASE("gae: an advantage that overflows in a long column is rejected, not written",
          "[targets][gae][long][errors]") {
  // Every input finite; with d = lambda = 1 the advantages from t = 1000
  // down are 3e38 + 3e38 + ... = inf in float. Tiles of 1024 rows from the
  // end: [1976, 3000) is written (all zeros), [952, 1976) holds the overflow
  // and is rejected at its first non-finite entry in storage order, so it and
  // the earlier rows are not written.
  const Index T = 3000;
  Arr<float> r = Arr<float>::Zero(T, 1), v = Arr<float>::Zero(T, 1), nv = Arr<float>::Zero(T, 1);
  const Arr<float> d = Arr<float>::Ones(T, 1);
  r(1000, 0) = 3e38f;
  r(1001, 0) = 3e38f;
  Arr<float> out = Arr<float>::Constant(T, 1, 42.0f);
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::gae(r, v, nv, d, 1.0f, out); }) ==
        "gae: advantages(952, 0) = inf is not finite although every input is (it overflowed)");
  CHECK(out.isFinite().all());
  CHECK((out.topRows(1976) == 42.0f).all());
  CHECK((out.bottomRows(T - 1976) == 0.0f).all());
}
