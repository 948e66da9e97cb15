// two_hot, histogram_mean, bin_centres, hl_gauss: hand-worked numbers,
// inverse and normalisation properties, the HL-Gauss mean away from the
// edges (stated tolerance), behaviour at and beyond the edges, bad input.

#include "rlvalue/targets/histogram_transforms.hpp"

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "targets/sequence_test_support.hpp"

using rlvalue::Index;

namespace {
using rlvalue_test::message_of;
}  // namespace

TEMPLATE_TEST_CASE("two_hot and histogram_mean: hand-worked numbers", "[targets][histogram]",
                   float, double) {
  using T = TestType;
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  const V z = (V(5) << 0, 1, 2, 3, 4).finished();
  // 2.25 lies between z2 and z3: (3 - 2.25)/1 = 0.75 to z2, 0.25 to z3.
  V p = rlvalue::two_hot(T(2.25), z);
  CHECK(p == (V(5) << 0, 0, 0.75, 0.25, 0).finished());
  CHECK(rlvalue::histogram_mean(p, z) == T(2.25));  // 0.75*2 + 0.25*3
  // On an atom: one-hot. Outside: clipped to the end atom.
  CHECK(rlvalue::two_hot(T(3), z) == (V(5) << 0, 0, 0, 1, 0).finished());
  CHECK(rlvalue::two_hot(T(-7), z) == (V(5) << 1, 0, 0, 0, 0).finished());
  CHECK(rlvalue::two_hot(T(4.5), z) == (V(5) << 0, 0, 0, 0, 1).finished());
  // Non-uniform support (0, 1, 5): y = 2 gives (5-2)/4 = 0.75 to 1, 0.25 to 5.
  const V u = (V(3) << 0, 1, 5).finished();
  V q(3);
  rlvalue::two_hot(T(2), u, q);
  CHECK(q[1] == Approx(0.75));
  CHECK(q[2] == Approx(0.25));
  CHECK(rlvalue::histogram_mean(q, u) == Approx(2));
}

TEST_CASE("two_hot: histogram_mean is its inverse inside the support", "[targets][histogram]") {
  auto rng = rlvalue::make_rng(8);
  const Eigen::VectorXd z = Eigen::VectorXd::LinSpaced(51, -10.0, 10.0);
  Eigen::VectorXd p(51);
  for (int i = 0; i < 1000; ++i) {
    const double y = -12.0 + 24.0 * rlvalue::uniform01(rng);
    rlvalue::two_hot(y, z, p);
    CHECK(p.sum() == Approx(1.0).margin(1e-15));
    CHECK((p.array() > 0.0).count() <= 2);
    CHECK(rlvalue::histogram_mean(p, z) == Approx(std::clamp(y, -10.0, 10.0)).margin(1e-13));
  }
}

TEST_CASE("hl_gauss: hand-worked numbers", "[targets][histogram]") {
  // 4 bins of width 1 on [0, 4], sigma = 0.75. For y = 2 the bins [0,1], [1,2]
  // hold Phi(-4/3) - Phi(-8/3) = 0.0873810 and Phi(0) - Phi(-4/3) = 0.4087888,
  // mirrored above 2; total 0.9923396; renormalised: 0.08805541, 0.41194459
  // (values from Python's math.erf).
  const Eigen::VectorXd p = rlvalue::hl_gauss(2.0, 0.0, 4.0, 0.75, 4);
  CHECK(p[0] == Approx(0.0880554106257421).epsilon(1e-12));
  CHECK(p[1] == Approx(0.4119445893742578).epsilon(1e-12));
  CHECK(p[2] == Approx(0.4119445893742578).epsilon(1e-12));
  CHECK(p[3] == Approx(0.0880554106257422).epsilon(1e-12));
  // y = 0.5, off centre and near the lower edge (Python: same formula).
  Eigen::VectorXf pf(4);
  rlvalue::hl_gauss(0.5, 0.0, 4.0, 0.75, pf);
  CHECK(pf[0] == Approx(0.6622220691904225).epsilon(1e-6));
  CHECK(pf[1] == Approx(0.3073452608428492).epsilon(1e-6));
  CHECK(pf[2] == Approx(0.029860728409801984).epsilon(1e-6));
  CHECK(pf[3] == Approx(0.0005719415569263345).epsilon(1e-5));
  const Eigen::VectorXd c = rlvalue::bin_centres(0.0, 4.0, 4);
  CHECK(c == (Eigen::VectorXd(4) << 0.5, 1.5, 2.5, 3.5).finished());
}

TEST_CASE("hl_gauss: sums to one; mean within 1e-6 bin widths of y away from the edges",
          "[targets][histogram]") {
  // 101 bins on [-10, 10] (width w = 0.198), sigma = 0.75 w (the paper's
  // choice). Away from the edges (y in [-8, 8], > 10 sigma inside) the
  // renormalisation does nothing and the mean of the binned Gaussian equals y
  // up to the aliasing term of the Poisson summation formula,
  // ~ (w/pi) * exp(-2 pi^2 sigma^2 / w^2) = (w/pi) * 1.5e-5 ~ 5e-6 w at most;
  // we require 1e-5 w.
  auto rng = rlvalue::make_rng(88);
  const double lo = -10.0, hi = 10.0;
  const Index m = 101;
  const double w = (hi - lo) / double(m);
  const Eigen::VectorXd c = rlvalue::bin_centres(lo, hi, m);
  Eigen::VectorXd p(m);
  double worst = 0.0;
  for (int i = 0; i < 500; ++i) {
    const double y = -8.0 + 16.0 * rlvalue::uniform01(rng);
    rlvalue::hl_gauss(y, lo, hi, 0.75 * w, p);
    CHECK(p.sum() == Approx(1.0).margin(1e-14));
    CHECK((p.array() >= 0.0).all());
    worst = std::max(worst, std::abs(rlvalue::histogram_mean(p, c) - y));
  }
  CHECK(worst <= 1e-5 * w);
  // A sigma much wider than a bin: the mean is still y inside (discretisation
  // error vanishes faster), with the edges far away (sigma = 1, y in [-3, 3]).
  for (double y : {-3.0, 0.1, 2.9}) {
    rlvalue::hl_gauss(y, lo, hi, 1.0, p);
    CHECK(rlvalue::histogram_mean(p, c) == Approx(y).margin(1e-6));
  }
}

TEST_CASE("hl_gauss: at and beyond the edges", "[targets][histogram]") {
  const Eigen::VectorXd c = rlvalue::bin_centres(0.0, 1.0, 10);
  Eigen::VectorXd p(10);
  // Near the lower edge the renormalised Gaussian is cut on one side: the
  // mean moves inside (above y).
  rlvalue::hl_gauss(0.01, 0.0, 1.0, 0.075, p);
  CHECK(p.sum() == Approx(1.0).margin(1e-14));
  CHECK(rlvalue::histogram_mean(p, c) > 0.01);
  // Far outside: everything in the nearest end bin (normaliser underflows, or
  // nearly so).
  rlvalue::hl_gauss(1e6, 0.0, 1.0, 0.075, p);
  CHECK(p[9] == 1.0);
  CHECK(p.head(9).isZero());
  rlvalue::hl_gauss(-1e6, 0.0, 1.0, 0.075, p);
  CHECK(p[0] == 1.0);
  // Moderately outside (5 sigma): a valid distribution piled at the end.
  rlvalue::hl_gauss(1.375, 0.0, 1.0, 0.075, p);
  CHECK(p.sum() == Approx(1.0).margin(1e-12));
  CHECK(p[9] > 0.5);
  CHECK(p.allFinite());
}

TEST_CASE("histogram transforms: bad input", "[targets][histogram]") {
  Eigen::VectorXd p = Eigen::VectorXd::Constant(4, 7.0);
  const Eigen::VectorXd z = (Eigen::VectorXd(4) << 0, 1, 1, 3).finished();
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::two_hot(0.5, z, p); }) ==
        "two_hot: support(2) = 1 must be greater than the atom before it (1): a support is "
        "sorted and has no duplicates");
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::two_hot(NAN, Eigen::VectorXd::LinSpaced(4, 0, 3), p);
        }) == "two_hot: y = nan is not finite");
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::two_hot(1.0, Eigen::VectorXd::LinSpaced(3, 0, 3), p);
        }) == "two_hot: out has size 4, expected 3");
  CHECK((p.array() == 7.0).all());
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::hl_gauss(0.5, 1.0, 1.0, 0.1, p); }) ==
        "hl_gauss: v_min = 1 must be less than v_max = 1");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::hl_gauss(0.5, 2.0, 1.0, 0.1, p); }) ==
        "hl_gauss: v_min = 2 must be less than v_max = 1");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::hl_gauss(0.5, 0.0, 1.0, 0.0, p); }) ==
        "hl_gauss: sigma = 0 must be positive and finite");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::hl_gauss(INFINITY, 0.0, 1.0, 0.1, p); }) ==
        "hl_gauss: y = inf is not finite");
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::hl_gauss(0.5, 0.0, 1.0, 0.1, 0); }) ==
        "hl_gauss: num_bins = 0 must be at least 1");
  CHECK((p.array() == 7.0).all());
  // An interval wider than the largest double: its bins cannot be cut.
  CHECK(message_of<std::invalid_argument>([&] { rlvalue::hl_gauss(0.0, -1e308, 1e308, 1e307, p); }) ==
        "hl_gauss: v_max - v_min = inf is not finite (v_min = -1e+308, v_max = 1e+308)");
  CHECK((p.array() == 7.0).all());
  CHECK(message_of<std::invalid_argument>([] { rlvalue::bin_centres(0.0, 1.0, 0); }) ==
        "bin_centres: num_bins = 0 must be at least 1");
  CHECK(message_of<std::invalid_argument>([] { rlvalue::bin_centres(-1e308, 1e308, 4); }) ==
        "bin_centres: v_max - v_min = inf is not finite (v_min = -1e+308, v_max = 1e+308)");
  // Centres beyond float's range, and an interval too narrow for 4 distinct
  // float centres (all round to 1).
  CHECK(message_of<std::invalid_argument>([] { rlvalue::bin_centres<float>(-1e300, 1e300, 4); }) ==
        "bin_centres: num_bins = 4 gives centres that are not finite and strictly increasing on "
        "[-1e+300, 1e+300] in this scalar type (centre 0 = -inf)");
  CHECK(message_of<std::invalid_argument>([] { rlvalue::bin_centres<float>(1.0, 1.0 + 1e-12, 4); }) ==
        "bin_centres: num_bins = 4 gives centres that are not finite and strictly increasing on "
        "[1, 1.000000000001] in this scalar type (centre 1 = 1)");
  CHECK(rlvalue::bin_centres(1.0, 1.0 + 1e-12, 4).size() == 4);  // distinct in double
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::histogram_mean(Eigen::VectorXd::Ones(3), Eigen::VectorXd::Ones(4));
        }) == "histogram_mean: probs has size 3, expected 4");
}
