// categorical_projection and uniform_support: hand-worked cases (uniform and
// non-uniform supports, C51's r + gamma*z), the on-grid case, clipping at both
// ends, mass and mean conservation on random inputs, input order, Eigen
// argument kinds, bad input.

#include "rlvalue/targets/categorical_projection.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "targets/sequence_test_support.hpp"

using rlvalue::Index;

namespace {

template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <class T>
Vec<T> vec(std::initializer_list<double> xs) {
  Vec<T> v(static_cast<Index>(xs.size()));
  Index i = 0;
  for (double x : xs) v[i++] = static_cast<T>(x);
  return v;
}

using rlvalue_test::message_of;

}  // namespace

TEMPLATE_TEST_CASE("categorical_projection: hand-worked cases", "[targets][categorical]", float,
                   double) {
  using T = TestType;
  const Vec<T> z = vec<T>({0, 1, 2, 3, 4});
  Vec<T> out(5);

  // 0.5 (p 0.2) splits evenly: 0.1 to z0, 0.1 to z1. 2 (p 0.5) is on the grid:
  // all 0.5 to z2. 3.75 (p 0.3): (4 - 3.75)/1 = 0.25 of it to z3 (0.075), the
  // rest 0.225 to z4. Mean in = 0.1 + 1 + 1.125 = 2.225 = mean out
  // (0.1*1 + 0.5*2 + 0.075*3 + 0.225*4 = 0.1 + 1 + 0.225 + 0.9).
  rlvalue::categorical_projection(vec<T>({0.5, 2, 3.75}), vec<T>({0.2, 0.5, 0.3}), z, out);
  CHECK(out[0] == Approx(0.1));
  CHECK(out[1] == Approx(0.1));
  CHECK(out[2] == T(0.5));  // the on-grid atom keeps all of its mass, exactly
  CHECK(out[3] == Approx(0.075));
  CHECK(out[4] == Approx(0.225));

  // C51 target, r = 1, gamma = 0.5, uniform p = 0.2 on z: Tz = 1 + 0.5 z =
  // (1, 1.5, 2, 2.5, 3). 1 -> z1 (0.2); 1.5 -> 0.1 to z1, 0.1 to z2; 2 -> z2
  // (0.2); 2.5 -> 0.1 to z2, 0.1 to z3; 3 -> z3 (0.2). Out = (0, .3, .4, .3, 0).
  const Vec<T> p = Vec<T>::Constant(5, T(0.2));
  rlvalue::categorical_projection((T(1) + T(0.5) * z.array()).matrix(), p, z, out);
  CHECK(out[0] == T(0));
  CHECK(out[1] == Approx(0.3));
  CHECK(out[2] == Approx(0.4));
  CHECK(out[3] == Approx(0.3));
  CHECK(out[4] == T(0));

  // Clipping at both ends: -3 (p 0.4) -> z0, 7 (p 0.6) -> z4.
  rlvalue::categorical_projection(vec<T>({-3, 7}), vec<T>({0.4, 0.6}), z, out);
  CHECK(out == vec<T>({0.4, 0, 0, 0, 0.6}));

  // Non-uniform support (-1, 0, 2, 5), and fewer output atoms than inputs:
  // 1 (p 0.5): (2-1)/(2-0) = 1/2 to 0 and to 2 -> 0.25 each. 4 (p 0.25):
  // (5-4)/(5-2) = 1/3 to 2 (1/12), 2/3 to 5 (1/6). -1 (p 0.125) on the grid.
  // -0.5 (p 0.125): half to -1, half to 0 (0.0625 each).
  // Mean in = 0.5 + 1 - 0.125 - 0.0625 = 1.3125; mean out = -1*0.1875 + 0
  // + 2*(0.25 + 1/12) + 5/6 = -0.1875 + 0.6667 + 0.8333 = 1.3125.
  Vec<T> out4(4);
  rlvalue::categorical_projection(vec<T>({1, 4, -1, -0.5, 0}), vec<T>({0.5, 0.25, 0.125, 0.125, 0}),
                                  vec<T>({-1, 0, 2, 5}), out4);
  CHECK(out4[0] == Approx(0.1875));
  CHECK(out4[1] == Approx(0.3125));
  CHECK(out4[2] == Approx(0.25 + 1.0 / 12));
  CHECK(out4[3] == Approx(1.0 / 6));
  CHECK(out4.dot(vec<T>({-1, 0, 2, 5})) == Approx(1.3125));

  // A single output atom takes everything.
  Vec<T> one(1);
  rlvalue::categorical_projection(vec<T>({-5, 0.3, 9}), vec<T>({0.2, 0.3, 0.5}), vec<T>({1}), one);
  CHECK(one[0] == Approx(1.0));
}

TEMPLATE_TEST_CASE("categorical_projection: a gap wider than the largest finite value",
                   "[targets][categorical]", float, double) {
  using T = TestType;
  // z = (-max, max/4): the gap 1.25 max overflows in T, but the shares do not.
  // 0 sends (max/4 - 0)/(1.25 max) = 0.2 of its mass to z0; -max/4 sends
  // (max/2)/(1.25 max) = 0.4. With p = (1/2, 1/2): out = (0.3, 0.7), and the
  // mean, 0 - max/8, is conserved: -0.3 max + 0.7 max/4 = -0.125 max.
  const T big = std::numeric_limits<T>::max();
  Vec<T> z(2), atoms(2), p(2), out(2);
  z << -big, big / 4;
  atoms << T(0), -big / 4;
  p << T(0.5), T(0.5);
  rlvalue::categorical_projection(atoms, p, z, out);
  CHECK(out[0] == Approx(0.3).epsilon(4 * std::numeric_limits<T>::epsilon()));
  CHECK(out[1] == Approx(0.7).epsilon(4 * std::numeric_limits<T>::epsilon()));
  const double mean_out = double(out[0]) * double(z[0]) + double(out[1]) * double(z[1]);
  CHECK(mean_out == Approx(-0.125 * double(big)).epsilon(8 * std::numeric_limits<T>::epsilon()));
}

TEMPLATE_TEST_CASE("categorical_projection: atoms on the grid keep all their mass",
                   "[targets][categorical]", float, double) {
  using T = TestType;
  // Support -10..10 step 0.5; inputs are grid points in scrambled order,
  // including both ends. C51 implementations that compute l = floor(b),
  // u = ceil(b) and add p*(u-b), p*(b-l) give these atoms weight 0.
  const Vec<T> z = rlvalue::uniform_support<T>({.v_min = -10, .v_max = 10, .num_atoms = 41});
  const Vec<T> atoms = vec<T>({3.5, -10, 10, 0, -2.5, 3.5});
  const Vec<T> probs = vec<T>({0.125, 0.25, 0.0625, 0.3125, 0.1875, 0.0625});
  Vec<T> out(41);
  rlvalue::categorical_projection(atoms, probs, z, out);
  Vec<T> expected = Vec<T>::Zero(41);
  expected[27] = T(0.1875);  // 3.5 twice: (3.5 + 10)/0.5 = 27
  expected[0] = T(0.25);
  expected[40] = T(0.0625);
  expected[20] = T(0.3125);
  expected[15] = T(0.1875);
  CHECK(out == expected);  // exact: dyadic masses, no split
}

TEST_CASE("categorical_projection: mass and mean conserved on random inputs",
          "[targets][categorical]") {
  auto rng = rlvalue::make_rng(81);
  const Eigen::VectorXd z = rlvalue::uniform_support({.v_min = -10, .v_max = 10, .num_atoms = 51});
  const Eigen::VectorXd uneven = (Eigen::VectorXd(6) << -3, -1, -0.25, 0.5, 4, 9).finished();
  for (int trial = 0; trial < 200; ++trial) {
    const Index n = 1 + rlvalue::uniform_index(rng, 40);
    Eigen::VectorXd atoms(n), probs(n);
    for (Index j = 0; j < n; ++j) {
      atoms[j] = -14.0 + 28.0 * rlvalue::uniform01(rng);  // some outside [-10, 10]
      probs[j] = rlvalue::uniform01(rng);
    }
    probs /= probs.sum();
    for (const Eigen::VectorXd* support : {&z, &uneven}) {
      const double lo = (*support)[0], hi = (*support)[support->size() - 1];
      Eigen::VectorXd out(support->size());
      rlvalue::categorical_projection(atoms, probs, *support, out);
      CHECK((out.array() >= 0.0).all());
      CHECK(out.sum() == Approx(1.0).margin(1e-14));
      // The mean of the clipped input is kept (inside the support, the mean).
      const double clipped_mean = probs.dot(atoms.cwiseMax(lo).cwiseMin(hi));
      CHECK(out.dot(*support) == Approx(clipped_mean).margin(1e-12));
      // Input order does not matter (sorted input takes the linear walk).
      std::vector<Index> order(static_cast<std::size_t>(n));
      for (Index j = 0; j < n; ++j) order[static_cast<std::size_t>(j)] = j;
      std::sort(order.begin(), order.end(), [&](Index a, Index b) { return atoms[a] < atoms[b]; });
      Eigen::VectorXd sa(n), sp(n);
      for (Index j = 0; j < n; ++j) {
        sa[j] = atoms[order[static_cast<std::size_t>(j)]];
        sp[j] = probs[order[static_cast<std::size_t>(j)]];
      }
      Eigen::VectorXd sorted_out(support->size());
      rlvalue::categorical_projection(sa, sp, *support, sorted_out);
      CHECK((sorted_out - out).cwiseAbs().maxCoeff() <= 1e-15);
    }
  }
}

TEST_CASE("categorical_projection: Eigen argument kinds", "[targets][categorical]") {
  // Rows of a row-major matrix as input and output, a strided column as
  // support (copied internally), the allocating form.
  Eigen::Matrix<double, 2, 3, Eigen::RowMajor> m;
  m << 0.5, 1.5, 2.5, 0.25, 0.25, 0.5;
  Eigen::Matrix<double, 3, 2> support_cols;
  support_cols << 0, 9, 1, 9, 2, 9;
  Eigen::Matrix<double, 2, 3, Eigen::RowMajor> out = Eigen::Matrix<double, 2, 3, Eigen::RowMajor>::Zero();
  rlvalue::categorical_projection(m.row(0), m.row(1), support_cols.col(0), out.row(1));
  // 0.5 (0.25) -> 0.125, 0.125; 1.5 (0.25) -> 0.125 to 1 and 2; 2.5 (0.5) clipped -> 2.
  CHECK(out(1, 0) == Approx(0.125));
  CHECK(out(1, 1) == Approx(0.25));
  CHECK(out(1, 2) == Approx(0.625));
  CHECK(out.row(0).isZero());
  Eigen::Map<const Eigen::VectorXd> z(support_cols.data(), 3);
  const Eigen::VectorXd alloc = rlvalue::categorical_projection(m.row(0), m.row(1), z);
  CHECK(alloc.transpose() == out.row(1));
}

TEST_CASE("uniform_support: atoms and bad input", "[targets][categorical]") {
  const Eigen::VectorXd z = rlvalue::uniform_support({.v_min = -1, .v_max = 1, .num_atoms = 5});
  CHECK(z == (Eigen::VectorXd(5) << -1, -0.5, 0, 0.5, 1).finished());
  const Eigen::VectorXf zf = rlvalue::uniform_support<float>({.v_min = 0, .v_max = 0.3, .num_atoms = 4});
  CHECK(zf[3] == 0.3f);  // the last atom is v_max exactly
  using rlvalue::UniformSupport;
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::uniform_support(UniformSupport{.v_min = 1, .v_max = 1, .num_atoms = 5});
        }) == "uniform_support: v_min = 1 must be less than v_max = 1");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::uniform_support(UniformSupport{.v_min = 2, .v_max = 1, .num_atoms = 5});
        }) == "uniform_support: v_min = 2 must be less than v_max = 1");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::uniform_support(UniformSupport{.v_min = 0, .v_max = 1, .num_atoms = 1});
        }) == "uniform_support: num_atoms = 1 must be at least 2");
  CHECK(message_of<std::invalid_argument>([] {
          rlvalue::uniform_support(UniformSupport{.v_min = 0, .v_max = INFINITY, .num_atoms = 3});
        }) == "uniform_support: v_max = inf is not finite");
}

TEST_CASE("categorical_projection: bad input", "[targets][categorical]") {
  const Eigen::VectorXd z = (Eigen::VectorXd(4) << 0, 1, 2, 3).finished();
  const Eigen::VectorXd a = (Eigen::VectorXd(2) << 0.5, 1.5).finished();
  const Eigen::VectorXd p = (Eigen::VectorXd(2) << 0.5, 0.5).finished();
  Eigen::VectorXd out = Eigen::VectorXd::Constant(4, 7.0);
  using rlvalue::categorical_projection;
  auto msg = [&](const Eigen::VectorXd& atoms, const Eigen::VectorXd& probs,
                 const Eigen::VectorXd& support, Index out_size) {
    Eigen::VectorXd o = Eigen::VectorXd::Constant(out_size, 7.0);
    const std::string m = message_of<std::invalid_argument>(
        [&] { categorical_projection(atoms, probs, support, o); });
    CHECK((o.array() == 7.0).all());  // nothing written on failure
    return m;
  };
  CHECK(msg(a, p, (Eigen::VectorXd(4) << 0, 2, 1, 3).finished(), 4) ==
        "categorical_projection: atoms_out(2) = 1 must be greater than the atom before it (2): "
        "a support is sorted and has no duplicates");
  CHECK(msg(a, p, (Eigen::VectorXd(4) << 0, 1, 1, 3).finished(), 4) ==
        "categorical_projection: atoms_out(2) = 1 must be greater than the atom before it (1): "
        "a support is sorted and has no duplicates");
  CHECK(msg(a, p, (Eigen::VectorXd(3) << 0, NAN, 3).finished(), 3) ==
        "categorical_projection: atoms_out(1) = nan is not finite");
  CHECK(msg(a, p, Eigen::VectorXd(0), 0) ==
        "categorical_projection: atoms_out size = 0 must be at least 1");
  CHECK(msg(a, (Eigen::VectorXd(2) << 1.25, -0.25).finished(), z, 4) ==
        "categorical_projection: probs_in(1) = -0.25 must be a finite probability >= 0");
  CHECK(msg(a, (Eigen::VectorXd(2) << 0.5, 0.4).finished(), z, 4) ==
        "categorical_projection: sum of probs_in = 0.9 must be 1 (within 1.4901161193847656e-08)");
  CHECK(msg(a, (Eigen::VectorXd(2) << 0.5, NAN).finished(), z, 4) ==
        "categorical_projection: probs_in(1) = nan must be a finite probability >= 0");
  CHECK(msg((Eigen::VectorXd(2) << 0.5, INFINITY).finished(), p, z, 4) ==
        "categorical_projection: atoms_in(1) = inf is not finite");
  CHECK(msg(a, Eigen::VectorXd::Constant(3, 1.0 / 3), z, 4) ==
        "categorical_projection: probs_in has size 3, expected 2");
  CHECK(msg(a, p, z, 3) == "categorical_projection: out has size 3, expected 4");
  // Float probabilities are accepted within sqrt(float epsilon).
  Eigen::VectorXf of(4);
  const Eigen::VectorXf pf = (Eigen::VectorXf(2) << 0.5f, 0.5001f).finished();
  CHECK_NOTHROW(categorical_projection(a.cast<float>(), pf, z.cast<float>(), of));
}
