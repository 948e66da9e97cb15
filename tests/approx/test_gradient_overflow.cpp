// gradient_adds_stay_finite (approx/gradient.hpp): true exactly when
// p += c1 * g1 then p += c2 * g2 leaves every touched entry finite (with the
// margin of detail::finite_with_margin), for binary and dense gradients; the
// cheap bound it tries first must never accept an overflowing step, and the
// exact check must still run when the bound fails.

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <vector>

#include "catch.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/overflow.hpp"

using namespace rlvalue;

namespace {

// The same two adds on a copy, with the margin: the reference answer.
template <class T, class G>
bool replayed(std::vector<T> p, T c1, const G& g1, T c2, const G& g2) {
  gradient_add(p.data(), c1, g1);
  if (c2 != T(0)) gradient_add(p.data(), c2, g2);
  for (const T x : p)
    if (!detail::finite_with_margin(x)) return false;
  return true;
}

BinaryGradient binary(std::vector<Index> indices) {
  BinaryGradient g(static_cast<Index>(indices.size()));
  for (std::size_t i = 0; i < indices.size(); ++i) g.indices[i] = indices[i];
  g.count = static_cast<Index>(indices.size());
  return g;
}

template <class T>
DenseGradient<T> dense(std::vector<T> values, Index stride = 1, Index offset = 0) {
  DenseGradient<T> g(static_cast<Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) g.values(static_cast<Index>(i)) = values[i];
  g.stride = stride;
  g.offset = offset;
  return g;
}

}  // namespace

TEMPLATE_TEST_CASE("gradient_adds_stay_finite agrees with replaying the adds",
                   "[approx][gradient][overflow]", float, double) {
  using T = TestType;
  const T m = std::numeric_limits<T>::max();
  const T safe = detail::safe_step_limit<T>();
  // Weights: small, large of both signs, and within a few ulps of the top
  // (only reachable when set by hand: the learners never write them).
  const std::vector<T> p{T(1), T(0.9) * m, T(-0.9) * m, T(0.3) * m, T(0)};
  const T steps[] = {T(0), T(1e-3), safe / T(8), safe * T(4), T(0.05) * m, T(-0.2) * m,
                     T(0.7) * m};
  const BinaryGradient b1 = binary({1, 3}), b2 = binary({3, 2});
  const DenseGradient<T> d1 = dense<T>({T(0.5), T(-1), T(0), T(2), T(0.25)});
  const DenseGradient<T> d2 = dense<T>({T(1), T(0.5), T(-1), T(0), T(-0.5)});
  // Every other entry of a 10-entry array, from 1 (a LinearQ action block).
  std::vector<T> p2(10);
  for (std::size_t i = 0; i < p2.size(); ++i) p2[i] = p[i / 2];
  const DenseGradient<T> s1 = dense<T>({T(0.5), T(-1), T(0), T(2), T(0.25)}, 2, 1);
  const DenseGradient<T> s2 = dense<T>({T(1), T(0.5), T(-1), T(0), T(-0.5)}, 2, 1);
  int accepted = 0, rejected = 0;
  for (const T c1 : steps)
    for (const T c2 : steps)
      for (const T sign : {T(1), T(-1)}) {
        const T a = sign * c1;
        const bool b = gradient_adds_stay_finite(p.data(), a, b1, c2, b2);
        CHECK(b == replayed(p, a, b1, c2, b2));
        const bool d = gradient_adds_stay_finite(p.data(), a, d1, c2, d2);
        CHECK(d == replayed(p, a, d1, c2, d2));
        const bool s = gradient_adds_stay_finite(p2.data(), a, s1, c2, s2);
        CHECK(s == replayed(p2, a, s1, c2, s2));
        (b ? accepted : rejected) += 1;
        (d ? accepted : rejected) += 1;
      }
  CHECK(accepted > 0);
  CHECK(rejected > 0);
}

TEMPLATE_TEST_CASE("gradient_adds_stay_finite: edge cases of the cheap bound",
                   "[approx][gradient][overflow]", float, double) {
  using T = TestType;
  const T m = std::numeric_limits<T>::max();
  const T safe = detail::safe_step_limit<T>();
  SECTION("a step within the bound on a weight at the top of the range stays finite") {
    const std::vector<T> p{m, -m};
    const DenseGradient<T> g = dense<T>({T(1), T(1)});
    // |c| sum|g| = safe: accepted, and the add is indeed finite.
    CHECK(gradient_adds_stay_finite(p.data(), safe / T(2), g, T(0), g));
    std::vector<T> q = p;
    gradient_add(q.data(), safe / T(2), g);
    CHECK(std::isfinite(q[0]));
    CHECK(std::isfinite(q[1]));
    // A step past the bound goes to the exact check, which finds the overflow.
    CHECK_FALSE(gradient_adds_stay_finite(p.data(), m * T(1e-3), g, T(0), g));
  }
  SECTION("a non-finite feature is never accepted, even with a tiny step") {
    const std::vector<T> p{T(0), T(0)};
    const T bad[] = {std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN()};
    for (const T x : bad) {
      const DenseGradient<T> g = dense<T>({T(1), x});
      const DenseGradient<T> ok = dense<T>({T(1), T(1)});
      CHECK_FALSE(gradient_adds_stay_finite(p.data(), T(1e-3), g, T(0), ok));
      CHECK_FALSE(gradient_adds_stay_finite(p.data(), T(1e-3), ok, T(1e-3), g));
      // With c2 = 0 the second gradient is not read.
      CHECK(gradient_adds_stay_finite(p.data(), T(1e-3), ok, T(0), g));
    }
  }
  SECTION("binary: repeated and shared indices sum their steps") {
    const std::vector<T> p{T(0.6) * m, T(0)};
    const BinaryGradient g1 = binary({0}), g2 = binary({0, 1});
    CHECK(gradient_adds_stay_finite(p.data(), T(0.3) * m, g1, T(0), g2));
    CHECK_FALSE(gradient_adds_stay_finite(p.data(), T(0.3) * m, g1, T(0.3) * m, g2));
    CHECK(gradient_adds_stay_finite(p.data(), T(0.3) * m, g1, T(-0.3) * m, g2));
  }
}
