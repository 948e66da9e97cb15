// categorical_td_targets: hand-worked batch (3 atoms, a terminated column),
// bit-for-bit equality with categorical_projection per column on random
// batches (uniform and non-uniform supports, float and double, storage orders
// and Eigen argument kinds, N = 1, 7, 256, rewards past both ends, discounts
// 0 and 1), mass and mean conservation, bad input (message and `out`
// unchanged).

#include "rlvalue/targets/categorical_targets.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"

using Catch::Matchers::Contains;
using rlvalue::Index;

namespace {

template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class T>
Vec<T> column_of(std::initializer_list<double> xs) {
  Vec<T> v(static_cast<Index>(xs.size()));
  Index i = 0;
  for (double x : xs) v[i++] = static_cast<T>(x);
  return v;
}

// what() of the std::invalid_argument that f() throws, or "(did not throw)".
template <class F>
std::string invalid_argument_or_none(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(did not throw)";
}

// Column n of the reference: categorical_projection of r + d*z (the
// expression the learners use) with next_probs.col(n); d = 0: of the single
// atom r with mass 1.
template <class T, class P>
Mat<T> per_column(const Vec<T>& r, const Vec<T>& d, const P& probs, const Vec<T>& z) {
  Mat<T> ref(z.size(), r.size());
  Vec<T> shifted(z.size()), col(z.size());
  for (Index n = 0; n < r.size(); ++n) {
    if (d[n] == T(0)) {
      rlvalue::categorical_projection(column_of<T>({0}).array() + r[n], column_of<T>({1}), z, col);
    } else {
      shifted.array() = r[n] + d[n] * z.array();
      const Vec<T> p = probs.col(n);
      rlvalue::categorical_projection(shifted, p, z, col);
    }
    ref.col(n) = col;
  }
  return ref;
}

// Identical bits (not just ==: also tells +0 from -0).
template <class A, class B>
bool same_bits(const A& a, const B& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index n = 0; n < a.cols(); ++n)
    for (Index i = 0; i < a.rows(); ++i) {
      const auto x = a.coeff(i, n), y = b.coeff(i, n);
      if (std::memcmp(&x, &y, sizeof x) != 0) return false;
    }
  return true;
}

// A strictly increasing support of K atoms with random gaps in [0.05, 2.05)
// starting at -K/2.
template <class T>
Vec<T> random_support(Index K, rlvalue::Rng& rng) {
  Vec<T> z(K);
  double x = -0.5 * double(K);
  for (Index i = 0; i < K; ++i) {
    z[i] = static_cast<T>(x);
    x += 0.05 + 2.0 * rlvalue::uniform01(rng);
  }
  return z;
}

// A random batch: probabilities (K x N, with exact zeros in places), rewards
// reaching past both ends of z, discounts with 0 and 1 among them.
template <class T>
struct Batch {
  Mat<T> probs;
  Vec<T> rewards, discounts;
};

template <class T>
Batch<T> random_batch(const Vec<T>& z, Index N, rlvalue::Rng& rng) {
  const Index K = z.size();
  const double span = double(z[K - 1] - z[0]);
  Batch<T> b{Mat<T>(K, N), Vec<T>(N), Vec<T>(N)};
  for (Index n = 0; n < N; ++n) {
    for (Index i = 0; i < K; ++i) {
      const double u = rlvalue::uniform01(rng);
      b.probs(i, n) = u < 0.1 ? T(0) : static_cast<T>(u);
    }
    b.probs(rlvalue::uniform_index(rng, K), n) += T(1);  // never all zero
    b.probs.col(n) /= b.probs.col(n).sum();
    b.rewards[n] = static_cast<T>((2.0 * rlvalue::uniform01(rng) - 1.0) * 0.75 * span);
    const double u = rlvalue::uniform01(rng);
    b.discounts[n] = u < 0.15 ? T(0) : u < 0.3 ? T(1) : static_cast<T>(rlvalue::uniform01(rng));
  }
  return b;
}

}  // namespace

TEMPLATE_TEST_CASE("categorical_td_targets: hand-worked batch", "[targets][categorical]", float,
                   double) {
  using T = TestType;
  const Vec<T> z = column_of<T>({0, 1, 2});
  Mat<T> probs(3, 2);
  probs << 0.25, 0.5,  //
      0.25, 0.5,       //
      0.5, 0;
  const Vec<T> rewards = column_of<T>({0.5, 0.25});
  const Vec<T> discounts = column_of<T>({0.5, 0});  // column 1 terminated
  Mat<T> out(3, 2);
  rlvalue::categorical_td_targets(rewards, discounts, probs, z, out);
  // Column 0: r + 0.5 z = (0.5, 1, 1.5) with p = (1/4, 1/4, 1/2): 0.5 splits
  // evenly (1/8 to z0, 1/8 to z1), 1 is on the grid (1/4 to z1), 1.5 splits
  // evenly (1/4 to z1, 1/4 to z2): (1/8, 5/8, 1/4); mean 1.125 = 0.5 + 0.5 *
  // mean(p) = 0.5 + 0.5 * 1.25.
  // Column 1 (discount 0): the two-hot of 0.25: 3/4 to z0, 1/4 to z1; its
  // next_probs are not used.
  Mat<T> expected(3, 2);
  expected << 0.125, 0.75,  //
      0.625, 0.25,          //
      0.25, 0;
  CHECK(out == expected);  // dyadic: exact
  CHECK(rlvalue::categorical_td_targets(rewards, discounts, probs, z) == expected);

  // Past the ends: r = 3, d = 1 puts every atom above z2; r = -0.5, d = 1 gives
  // (-0.5, 0.5, 1.5) with p = (1/2, 1/4, 1/4): 1/2 clipped to z0, 1/8 + 1/8,
  // 1/8 + 1/8: (5/8, 1/4, 1/8).
  Mat<T> probs2(3, 2);
  probs2 << 0.25, 0.5,  //
      0.25, 0.25,       //
      0.5, 0.25;
  Mat<T> expected2(3, 2);
  expected2 << 0, 0.625,  //
      0, 0.25,            //
      1, 0.125;
  CHECK(rlvalue::categorical_td_targets(column_of<T>({3, -0.5}), column_of<T>({1, 1}), probs2, z) ==
        expected2);
}

TEMPLATE_TEST_CASE("categorical_td_targets: a gap wider than the largest finite value",
                   "[targets][categorical]", float, double) {
  using T = TestType;
  // z = (-max, max/4), r = 0, d = 1/2: the shifted atoms -max/2 and max/8 lie
  // inside, and the gap 1.25 max overflows in T. -max/2 sends
  // (0.75 max)/(1.25 max) = 0.6 of its mass to z0, max/8 sends 0.1: with
  // p = (1/2, 1/2), out = (0.35, 0.65), as categorical_projection gives.
  const T big = std::numeric_limits<T>::max();
  Vec<T> z(2);
  z << -big, big / 4;
  Mat<T> probs(2, 1);
  probs << T(0.5), T(0.5);
  const Mat<T> out =
      rlvalue::categorical_td_targets(column_of<T>({0}), column_of<T>({0.5}), probs, z);
  CHECK(out(0, 0) == Approx(0.35).epsilon(4 * std::numeric_limits<T>::epsilon()));
  CHECK(out(1, 0) == Approx(0.65).epsilon(4 * std::numeric_limits<T>::epsilon()));
  const Vec<T> shifted = (T(0.5) * z.array()).matrix();
  const Vec<T> single = rlvalue::categorical_projection(shifted, Vec<T>(probs.col(0)), z);
  CHECK(out.col(0) == single);
}

TEMPLATE_TEST_CASE("categorical_td_targets: bit for bit categorical_projection per column",
                   "[targets][categorical]", float, double) {
  using T = TestType;
  auto rng = rlvalue::make_rng(9);
  std::vector<Vec<T>> supports = {
      rlvalue::uniform_support<T>({.v_min = -10, .v_max = 10, .num_atoms = 51}),
      rlvalue::uniform_support<T>({.v_min = 0, .v_max = 1, .num_atoms = 2}),
      random_support<T>(13, rng), random_support<T>(51, rng),
      random_support<T>(150, rng)};  // > one 64-atom chunk of the kernel
  supports.push_back(column_of<T>({0.5}));  // a single atom takes all the mass
  for (const Vec<T>& z : supports)
    for (const Index N : {Index(1), Index(7), Index(256)}) {
      INFO("K = " << z.size() << ", N = " << N);
      const Index K = z.size();
      const Batch<T> b = random_batch<T>(z, N, rng);
      const Mat<T> ref = per_column<T>(b.rewards, b.discounts, b.probs, z);

      // Column-major K x N matrix.
      Mat<T> out(K, N);
      rlvalue::categorical_td_targets(b.rewards, b.discounts, b.probs, z, out);
      CHECK(same_bits(out, ref));

      // A row-major [N, K] buffer (numpy, torch) seen as the column-major K x N Map.
      std::vector<T> buffer(static_cast<std::size_t>(N * K));
      for (Index n = 0; n < N; ++n)
        for (Index i = 0; i < K; ++i) buffer[static_cast<std::size_t>(n * K + i)] = b.probs(i, n);
      const Eigen::Map<const Mat<T>> mapped(buffer.data(), K, N);
      const Eigen::Map<const RowMat<T>> rows(buffer.data(), N, K);
      Mat<T> out_map = Mat<T>::Constant(K, N, T(7));
      rlvalue::categorical_td_targets(b.rewards, b.discounts, mapped, z, out_map);
      CHECK(same_bits(out_map, ref));
      rlvalue::categorical_td_targets(b.rewards, b.discounts, rows.transpose(), z, out_map);
      CHECK(same_bits(out_map, ref));

      // Strided columns everywhere: a row-major K x N matrix in and out,
      // rewards and discounts as array expressions, the support as a row of a
      // matrix (not contiguous: copied).
      const RowMat<T> probs_rm = b.probs;
      RowMat<T> out_rm(K, N);
      Mat<T> z_rows(2, K);
      z_rows.row(0) = z.transpose();
      z_rows.row(1).setZero();
      rlvalue::categorical_td_targets(b.rewards.array() * T(1), b.discounts.transpose(), probs_rm,
                                      z_rows.row(0), out_rm);
      CHECK(same_bits(out_rm, ref));

      // A block of a wider matrix as input and output (outer stride > K).
      Mat<T> wide = Mat<T>::Zero(K + 3, N + 2);
      wide.block(1, 2, K, N) = b.probs;
      Mat<T> out_wide = Mat<T>::Constant(K + 2, N, T(-1));
      rlvalue::categorical_td_targets(b.rewards, b.discounts, wide.block(1, 2, K, N), z,
                                      out_wide.topRows(K));
      CHECK(same_bits(out_wide.topRows(K), ref));
      CHECK((out_wide.bottomRows(2).array() == T(-1)).all());  // nothing written outside
    }
}

TEST_CASE("categorical_td_targets: a long non-contiguous support (copied to the heap)",
          "[targets][categorical]") {
  auto rng = rlvalue::make_rng(10);
  const Vec<double> z = random_support<double>(300, rng);
  const Batch<double> b = random_batch<double>(z, 9, rng);
  const Mat<double> ref = per_column<double>(b.rewards, b.discounts, b.probs, z);
  Mat<double> z_rows = Mat<double>::Zero(3, 300);
  z_rows.row(1) = z.transpose();
  Mat<double> out(300, 9);
  rlvalue::categorical_td_targets(b.rewards, b.discounts, b.probs, z_rows.row(1), out);
  CHECK(same_bits(out, ref));
}

TEMPLATE_TEST_CASE("categorical_td_targets: the terminated column is the two-hot of the reward",
                   "[targets][categorical]", float, double) {
  using T = TestType;
  auto rng = rlvalue::make_rng(11);
  const Vec<T> z = rlvalue::uniform_support<T>({.v_min = -10, .v_max = 10, .num_atoms = 51});
  Batch<T> b = random_batch<T>(z, 64, rng);
  b.discounts.setZero();
  const Mat<T> out = rlvalue::categorical_td_targets(b.rewards, b.discounts, b.probs, z);
  Vec<T> shifted(51), projected(51), two_hot(51);
  for (Index n = 0; n < 64; ++n) {
    const T r = b.rewards[n];
    // Exactly what the learners' terminal target gives.
    rlvalue::detail::categorical_terminal_target(r, z, two_hot);
    CHECK(same_bits(out.col(n), two_hot));
    CHECK(out.col(n).sum() == Approx(1.0).margin(4 * std::numeric_limits<T>::epsilon()));
    // And, up to the rounding of sum(p), the projection of r + 0 * z with p.
    shifted.array() = r + T(0) * z.array();
    rlvalue::categorical_projection(shifted, b.probs.col(n), z, projected);
    CHECK((out.col(n) - projected).cwiseAbs().maxCoeff() <=
          100 * std::numeric_limits<T>::epsilon());
    // At most two neighbouring atoms carry mass, and the mean is r clipped.
    CHECK((out.col(n).array() > T(0)).count() <= 2);
    CHECK(out.col(n).dot(z) ==
          Approx(std::clamp(double(r), -10.0, 10.0)).margin(1e3 * std::numeric_limits<T>::epsilon()));
  }
}

TEMPLATE_TEST_CASE("categorical_td_targets: mass and mean conserved", "[targets][categorical]",
                   float, double) {
  using T = TestType;
  constexpr double eps = std::numeric_limits<T>::epsilon();
  auto rng = rlvalue::make_rng(12);
  for (const Vec<T>& z :
       {rlvalue::uniform_support<T>({.v_min = -10, .v_max = 10, .num_atoms = 51}),
        random_support<T>(29, rng)}) {
    const Index K = z.size();
    const Batch<T> b = random_batch<T>(z, 256, rng);
    const Mat<T> out = rlvalue::categorical_td_targets(b.rewards, b.discounts, b.probs, z);
    for (Index n = 0; n < 256; ++n) {
      INFO("K = " << K << ", column " << n);
      CHECK((out.col(n).array() >= T(0)).all());
      const double mass_in = b.discounts[n] == T(0) ? 1.0 : double(b.probs.col(n).sum());
      CHECK(double(out.col(n).sum()) == Approx(mass_in).margin(4 * double(K) * eps));
      // Mean: every shifted atom inside the support keeps it; clipped ones
      // move to the end atoms. E[clamp(r + d z)] under p (Dirac at r if d = 0).
      const T r = b.rewards[n], d = b.discounts[n];
      double mean = 0.0;
      if (d == T(0)) {
        mean = std::clamp(double(r), double(z[0]), double(z[K - 1]));
      } else {
        for (Index j = 0; j < K; ++j)
          mean += double(b.probs(j, n)) *
                  std::clamp(double(r + d * z[j]), double(z[0]), double(z[K - 1]));
      }
      const double scale = std::max(std::abs(double(z[0])), std::abs(double(z[K - 1])));
      CHECK(double(out.col(n).dot(z)) == Approx(mean).margin(8 * double(K) * eps * scale));
    }
  }
}

TEST_CASE("categorical_td_targets: N = 0 writes nothing; K = 0 is rejected",
          "[targets][categorical]") {
  const Vec<double> z = column_of<double>({0, 1});
  Mat<double> out(2, 0);
  rlvalue::categorical_td_targets(Vec<double>(0), Vec<double>(0), Mat<double>(2, 0), z, out);
  CHECK(rlvalue::categorical_td_targets(Vec<double>(0), Vec<double>(0), Mat<double>(2, 0), z)
            .cols() == 0);
  Mat<double> none(0, 1);
  CHECK_THROWS_WITH(rlvalue::categorical_td_targets(column_of<double>({1}), column_of<double>({1}),
                                                    Mat<double>(0, 1), Vec<double>(0), none),
                    Contains("atoms size = 0 must be at least 1"));
}

TEMPLATE_TEST_CASE("categorical_td_targets: bad input throws and writes nothing",
                   "[targets][categorical]", float, double) {
  using T = TestType;
  using Catch::Matchers::Contains;
  const Vec<T> z = column_of<T>({0, 1, 2, 3});
  Mat<T> probs = Mat<T>::Constant(4, 3, T(0.25));
  Vec<T> rewards = column_of<T>({0.5, 1, -1});
  Vec<T> discounts = column_of<T>({0.9, 0, 1});
  const Mat<T> sentinel = Mat<T>::Constant(4, 3, T(7));
  Mat<T> out = sentinel;
  auto call = [&](const auto& r, const auto& d, const auto& p, const auto& zz, auto&& o) {
    return invalid_argument_or_none(
        [&] { rlvalue::categorical_td_targets(r, d, p, zz, o); });
  };
  auto run = [&] { return call(rewards, discounts, probs, z, out); };
  REQUIRE(run() == "(did not throw)");  // the inputs below are bad one at a time
  out = sentinel;

  SECTION("sizes") {
    CHECK_THAT(call(column_of<T>({1, 2}), discounts, probs, z, out),
               Contains("categorical_td_targets: rewards has size 2, expected 3") &&
                   Contains("next_probs is 4x3"));
    CHECK_THAT(call(rewards, column_of<T>({1, 1, 1, 1}), probs, z, out),
               Contains("discounts has size 4, expected 3") && Contains("next_probs is 4x3"));
    CHECK_THAT(call(rewards, discounts, probs, column_of<T>({0, 1, 2}), out),
               Contains("atoms has size 3, expected 4") && Contains("next_probs is 4x3"));
    const Mat<T> not_a_vector = Mat<T>::Constant(2, 2, T(0.5));  // 4 entries, but 2x2
    CHECK_THAT(call(rewards, discounts, probs, not_a_vector, out),
               Contains("atoms has shape 2x2, expected a vector of 4 (K, one per row"));
    Mat<T> probs_6 = Mat<T>::Constant(4, 6, T(0.25));
    Mat<T> out_6 = Mat<T>::Constant(4, 6, T(7));
    CHECK_THAT(call(Mat<T>::Zero(2, 3), Vec<T>::Zero(6), probs_6, z, out_6),
               Contains("rewards has shape 2x3, expected a vector of 6") &&
                   Contains("next_probs is 4x6"));
    CHECK((out_6.array() == T(7)).all());
    Mat<T> wrong = Mat<T>::Constant(4, 2, T(7));
    CHECK_THAT(call(rewards, discounts, probs, z, wrong),
               Contains("out has shape 4x2, expected 4x3"));
    CHECK((wrong.array() == T(7)).all());
    Mat<T> transposed = Mat<T>::Constant(3, 4, T(7));
    CHECK_THAT(call(rewards, discounts, probs, z, transposed),
               Contains("out has shape 3x4, expected 4x3"));
    CHECK((transposed.array() == T(7)).all());
  }
  SECTION("support") {
    CHECK_THAT(call(rewards, discounts, probs, column_of<T>({0, 1, 1, 3}), out),
               Contains("atoms(2) = 1 must be greater than the atom before it (1)"));
    CHECK_THAT(call(rewards, discounts, probs, column_of<T>({0, 2, 1, 3}), out),
               Contains("atoms(2) = 1 must be greater"));
    const T nan = std::numeric_limits<T>::quiet_NaN();
    CHECK_THAT(call(rewards, discounts, probs, column_of<T>({0, 1, 2, nan}), out),
               Contains("atoms(3) = nan is not finite"));
  }
  SECTION("rewards") {
    rewards[1] = std::numeric_limits<T>::quiet_NaN();
    CHECK_THAT(run(), Contains("categorical_td_targets: rewards(1) = nan is not finite"));
    rewards[1] = -std::numeric_limits<T>::infinity();
    CHECK_THAT(run(), Contains("rewards(1) = -inf is not finite"));
    // Finite, but r + d * z overflows (what categorical_projection would
    // reject as a non-finite input atom).
    rewards[1] = T(1);
    rewards[2] = std::numeric_limits<T>::max();
    const Vec<T> huge = column_of<T>({0, 1, 2, 0.5 * double(std::numeric_limits<T>::max())});
    CHECK_THAT(call(rewards, discounts, probs, huge, out),
               Contains("rewards(2) + discounts(2) * atoms(3) = inf is not finite"));
    // Discount 0: the shifted atoms are r itself; none overflows.
    rewards[2] = T(1);
    rewards[1] = std::numeric_limits<T>::max();
    CHECK(call(rewards, discounts, probs, huge, out) == "(did not throw)");
    out = sentinel;
    rewards[1] = T(1);
  }
  SECTION("discounts") {
    discounts[2] = T(1.5);
    CHECK_THAT(run(), Contains("categorical_td_targets: discounts(2) = 1.5 is outside [0, 1]"));
    discounts[2] = T(-0.25);
    CHECK_THAT(run(), Contains("discounts(2) = -0.25 is outside [0, 1]"));
    discounts[2] = std::numeric_limits<T>::quiet_NaN();
    CHECK_THAT(run(), Contains("discounts(2) = nan is outside [0, 1]"));
  }
  SECTION("next_probs entries, first in column-major order") {
    probs(3, 0) = T(-0.25);
    probs(0, 0) = T(0.75);  // the column still sums to 1
    probs(1, 2) = T(-0.5);
    CHECK_THAT(run(), Contains("categorical_td_targets: next_probs(3, 0) = -0.25 must be a finite "
                               "probability >= 0"));
    probs.col(0).setConstant(T(0.25));
    CHECK_THAT(run(), Contains("next_probs(1, 2) = -0.5"));
    probs(1, 2) = std::numeric_limits<T>::quiet_NaN();
    CHECK_THAT(run(), Contains("next_probs(1, 2) = nan must be a finite probability"));
    probs(1, 2) = std::numeric_limits<T>::infinity();
    CHECK_THAT(run(), Contains("next_probs(1, 2) = inf must be a finite probability"));
  }
  SECTION("next_probs sums, terminated column included") {
    probs(0, 1) = T(0.125);  // column 1 (discount 0) sums to 0.875
    CHECK_THAT(run(), Contains("categorical_td_targets: sum of next_probs.col(1) = 0.875 must be "
                               "1 (within"));
    probs(0, 1) = T(0.25);
    // Just inside and just outside the tolerance of check_probabilities.
    const double tol = double(rlvalue::probability_vector_tolerance<T>());
    probs(0, 2) = static_cast<T>(0.25 + 0.5 * tol);
    CHECK(run() == "(did not throw)");
    out = sentinel;
    probs(0, 2) = static_cast<T>(0.25 + 4 * tol);
    CHECK_THAT(run(), Contains("sum of next_probs.col(2) = "));
  }
  SECTION("out overlapping an input") {
    std::vector<T> buffer(12, T(0.25));
    Eigen::Map<Mat<T>> shared(buffer.data(), 4, 3);
    CHECK_THAT(call(rewards, discounts, shared, z, shared),
               Contains("categorical_td_targets: out overlaps next_probs"));
    CHECK(std::all_of(buffer.begin(), buffer.end(), [](T x) { return x == T(0.25); }));
    // Rewards read from a row of the array written.
    Mat<T> packed = Mat<T>::Constant(4, 3, T(7));
    packed.row(1) = rewards.transpose();
    CHECK_THAT(call(packed.row(1), discounts, probs, z, packed),
               Contains("out overlaps rewards"));
    CHECK(packed.row(1) == rewards.transpose());
    Vec<T> zz = z;
    Eigen::Map<Mat<T>> over_z(zz.data(), 4, 1);
    CHECK_THAT(call(column_of<T>({1}), column_of<T>({1}), probs.col(0), zz, over_z),
               Contains("out overlaps atoms"));
    CHECK(zz == z);
    // Disjoint blocks of one array are fine.
    Mat<T> both = Mat<T>::Constant(4, 6, T(0.25));
    CHECK(call(rewards, discounts, both.leftCols(3), z, both.rightCols(3)) == "(did not throw)");
    CHECK((both.leftCols(3).array() == T(0.25)).all());
  }
  CHECK(out == sentinel);
}
