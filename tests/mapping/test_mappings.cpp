// Value mappings (mapping/): hand-worked values, round trips f^-1(f(x)) = x
// over wide ranges, f(initial) = 0, continuity of the log-linear mapping,
// monotonicity, reward decompositions, and domain / config violations.

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mapping/concepts.hpp"
#include "rlvalue/mapping/identity.hpp"
#include "rlvalue/mapping/log_linear.hpp"
#include "rlvalue/mapping/logarithmic.hpp"
#include "rlvalue/mapping/reward_decomposition.hpp"
#include "rlvalue/mapping/signed_hyperbolic.hpp"
#include "rlvalue/mapping/signed_log1p.hpp"

using namespace rlvalue;

namespace {

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (...) {
    FAIL("threw an exception of another type");
  }
  FAIL("did not throw");
  return {};
}

static_assert(ValueMapping<IdentityMapping<double>>);
static_assert(ValueMapping<IdentityMapping<float>>);
static_assert(ValueMapping<LogarithmicMapping<double>>);
static_assert(ValueMapping<LogarithmicMapping<float>>);
static_assert(ValueMapping<LogLinearMapping<double>>);
static_assert(ValueMapping<SignedHyperbolicMapping<float>>);
static_assert(ValueMapping<SignedLog1pMapping<double>>);
static_assert(is_identity_mapping<IdentityMapping<double>>);
static_assert(!is_identity_mapping<LogarithmicMapping<double>>);
static_assert(RewardDecomposition<PolarDecomposition<double>>);
static_assert(RewardDecomposition<MultiScaleDecomposition<float>>);
static_assert(RewardDecomposition<UserDecomposition<double>>);

/// Points +-10^e for e in [lo, hi] in steps of 1/4 decade, and 0 if asked.
std::vector<double> wide_grid(double lo, double hi, bool negatives, bool zero) {
  std::vector<double> xs;
  if (zero) xs.push_back(0.0);
  for (double e = lo; e <= hi + 1e-9; e += 0.25) {
    xs.push_back(std::pow(10.0, e));
    if (negatives) xs.push_back(-std::pow(10.0, e));
  }
  return xs;
}

/// |f^-1(f(x)) - x| <= rel_tol * (|x| + offset). For the offset mappings
/// (log: offset gamma^k; log-linear: o) this is relative accuracy in x + offset,
/// the argument of the logarithm: below the offset f is nearly affine and a
/// double y = f(x) cannot hold x to more digits than x + offset has (no
/// implementation can do better); above it, it is relative accuracy in x.
template <class M>
void check_round_trip(const M& m, const std::vector<double>& xs, double rel_tol,
                      double offset = 0.0) {
  for (double x : xs) {
    const double back = m.inverse(m.forward(x));
    INFO("x = " << x << ", f^-1(f(x)) = " << back << ", error " << std::abs(back - x));
    CHECK(std::abs(back - x) <= rel_tol * (std::abs(x) + offset));
  }
}

template <class M>
void check_increasing(const M& m, std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  for (std::size_t i = 1; i < xs.size(); ++i) {
    INFO("x = " << xs[i - 1] << " < " << xs[i]);
    CHECK(m.forward(xs[i - 1]) < m.forward(xs[i]));
    CHECK(m.inverse(m.forward(xs[i - 1])) <= m.inverse(m.forward(xs[i])));
  }
}

}  // namespace

TEST_CASE("LogarithmicMapping: hand-worked values and f(initial) = 0", "[mapping][log]") {
  // c = 1, gamma = 0.5, k = 2: offset = 0.25, d = -ln(0 + 0.25) = ln 4.
  const LogarithmicMapping<double> m({.c = 1.0, .gamma = 0.5, .k = 2.0, .initial_value = 0.0});
  CHECK(m.offset() == 0.25);
  CHECK(m.d() == Approx(std::log(4.0)).epsilon(1e-15));
  CHECK(m.forward(0.0) == 0.0);  // ln(0.25) + ln 4 = 0
  // f(0.75) = ln(1) + ln 4 = 1.3862943611198906
  CHECK(m.forward(0.75) == Approx(1.3862943611198906).epsilon(1e-15));
  // f^-1(ln 4) = exp(ln4 - ln4) - 0.25 = 0.75
  CHECK(m.inverse(std::log(4.0)) == Approx(0.75).epsilon(1e-15));
  // f(-0.125) = ln(0.125) + ln 4 = ln 0.5 = -0.6931471805599453
  CHECK(m.forward(-0.125) == Approx(-0.6931471805599453).epsilon(1e-15));

  // c = 2, initial 1: d = -2 ln(1.25); f(3.75) = 2 ln 4 - 2 ln 1.25 = 2 ln 3.2 = 2.3263016196113617
  const LogarithmicMapping<double> m2({.c = 2.0, .gamma = 0.5, .k = 2.0, .initial_value = 1.0});
  CHECK(m2.forward(3.75) == Approx(2.3263016196113617).epsilon(1e-15));

  // f(initial) = 0 for many configurations (c, gamma, k, initial).
  for (double c : {0.1, 1.0, 7.0})
    for (double gamma : {0.1, 0.9, 0.99, 1.0})
      for (double k : {0.0, 1.0, 200.0})
        for (double init : {0.0, 0.5, -0.5, 100.0}) {
          if (init + std::pow(gamma, k) <= 0.0) continue;
          const LogarithmicMapping<double> mm({.c = c, .gamma = gamma, .k = k, .initial_value = init});
          INFO("c " << c << " gamma " << gamma << " k " << k << " init " << init);
          CHECK(std::abs(mm.forward(init)) <= 1e-15 * (1.0 + std::abs(mm.d())));
          CHECK(std::abs(mm.inverse(0.0) - init) <= 1e-14 * (1.0 + std::abs(init)));
        }
}

TEST_CASE("LogarithmicMapping: round trips over wide ranges", "[mapping][log]") {
  // Relative 1e-12 (in x + gamma^k, see check_round_trip) over x in {0} u
  // [1e-12, 1e12] for the paper's settings (c = 1, k = 200, gamma 0.1 .. 0.99:
  // gamma^k from 1e-200 to 0.13); for x >= gamma^k it is relative in x.
  for (double gamma : {0.1, 0.5, 0.9, 0.99}) {
    const LogarithmicMapping<double> m({.c = 1.0, .gamma = gamma, .k = 200.0});
    check_round_trip(m, wide_grid(-12, 12, false, true), 1e-12, m.offset());
    std::vector<double> above;
    for (double x : wide_grid(-12, 12, false, false))
      if (x >= m.offset()) above.push_back(x);
    check_round_trip(m, above, 1e-12);
    check_increasing(m, wide_grid(-12, 12, false, true));
  }
  const LogarithmicMapping<double> m({.c = 0.5, .gamma = 0.5, .k = 2.0, .initial_value = 3.0});
  // Negative values inside the domain (x > -0.25).
  check_round_trip(m, {-0.2, -0.1, -1e-3, 1e-300, 1e100}, 1e-12, 0.25);
  const LogarithmicMapping<float> mf({.c = 1.0, .gamma = 0.9, .k = 20.0});
  for (float x : {0.0f, 1e-3f, 0.5f, 3.0f, 1e6f})
    CHECK(std::abs(mf.inverse(mf.forward(x)) - x) <= 1e-5f * (std::abs(x) + 1e-3f));
}

TEST_CASE("LogarithmicMapping: domain and config violations", "[mapping][log][errors]") {
  const LogarithmicMapping<double> m({.c = 1.0, .gamma = 0.5, .k = 2.0});
  CHECK(m.in_domain(-0.24));
  CHECK(!m.in_domain(-0.25));
  CHECK(!m.in_domain(std::numeric_limits<double>::infinity()));
  CHECK(!m.in_domain(std::nan("")));
  CHECK(message_of<std::invalid_argument>([&] { (void)m.forward(-0.25); }) ==
        "LogarithmicMapping::forward: x = -0.25 is outside the domain of the logarithmic mapping "
        "(x + gamma^k > 0, gamma^k = 0.25)");
  CHECK(message_of<std::invalid_argument>([&] { (void)m.forward(-3.0); }).find("x = -3") !=
        std::string::npos);
  CHECK(message_of<std::invalid_argument>([&] { m.check_domain("Learner::update", "target", -1.0); })
            .starts_with("Learner::update: target = -1 is outside the domain"));
  using C = LogarithmicMappingConfig;
  CHECK(message_of<std::invalid_argument>([] { LogarithmicMapping<double>(C{.c = 0.0}); }) ==
        "LogarithmicMapping: c = 0 must be positive and finite");
  CHECK(message_of<std::invalid_argument>([] { LogarithmicMapping<double>(C{.c = -1.0}); }) ==
        "LogarithmicMapping: c = -1 must be positive and finite");
  CHECK(message_of<std::invalid_argument>([] { LogarithmicMapping<double>(C{.gamma = 0.0}); }) ==
        "LogarithmicMapping: gamma = 0 is outside (0, 1]");
  CHECK(message_of<std::invalid_argument>([] { LogarithmicMapping<double>(C{.gamma = 1.5}); }) ==
        "LogarithmicMapping: gamma = 1.5 is outside (0, 1]");
  CHECK(message_of<std::invalid_argument>([] { LogarithmicMapping<double>(C{.k = -1.0}); }) ==
        "LogarithmicMapping: k = -1 must be >= 0 and finite");
  CHECK(message_of<std::invalid_argument>(
            [] { LogarithmicMapping<double>(C{.gamma = 0.5, .k = 2.0, .initial_value = -0.25}); }) ==
        "LogarithmicMapping: initial_value = -0.25 must exceed -gamma^k = -0.25");
  CHECK(message_of<std::invalid_argument>(
            [] { LogarithmicMapping<float>(C{.gamma = 0.1, .k = 200.0}); })
            .starts_with("LogarithmicMapping: k = 200 makes the offset gamma^k = 1.0000000000000112e-200 underflow"));
}

TEST_CASE("LogLinearMapping: hand-worked values, C1 break, round trips", "[mapping][loglin]") {
  // c = 2, b = 4, o = 0: f(4) = 0; f(8) = 2*(8/4 - 1) = 2; f(2) = 2 ln(0.5) = -1.3862943611198906;
  // f^-1(2) = 4*(2/2 + 1) = 8; f^-1(-1.386...) = 4 exp(-0.693...) = 2.
  const LogLinearMapping<double> m({.c = 2.0, .break_point = 4.0});
  CHECK(m.forward(4.0) == 0.0);
  CHECK(m.forward(8.0) == 2.0);
  CHECK(m.forward(2.0) == Approx(-1.3862943611198906).epsilon(1e-15));
  CHECK(m.inverse(2.0) == 8.0);
  CHECK(m.inverse(-1.3862943611198906) == Approx(2.0).epsilon(1e-15));
  // The reference form f(x) = c ln x + d (x <= exp(-d/c)), c exp(d/c) x - c above, d = -c ln b.
  const double d = m.d();
  CHECK(d == Approx(-2.0 * std::log(4.0)));
  for (double x : {0.01, 1.0, 3.9, 4.1, 10.0, 1000.0}) {
    const double ref = x <= std::exp(-d / 2.0) ? 2.0 * std::log(x) + d : 2.0 * std::exp(d / 2.0) * x - 2.0;
    CHECK(m.forward(x) == Approx(ref).epsilon(1e-13));
  }
  // Continuous with a continuous derivative c/b = 0.5 at the break.
  const double h = 1e-6;
  CHECK((m.forward(4.0 + h) - m.forward(4.0)) / h == Approx(0.5).epsilon(1e-5));
  CHECK((m.forward(4.0) - m.forward(4.0 - h)) / h == Approx(0.5).epsilon(1e-5));
  // f(initial) = 0 with b = initial + o.
  const LogLinearMapping<double> shifted({.c = 1.0, .break_point = 0.3 + 0.1, .offset = 0.1});
  CHECK(std::abs(shifted.forward(0.3)) <= 1e-15);
  CHECK(shifted.forward(-0.05) < 0.0);  // inside the shifted domain x > -0.1
  check_round_trip(m, wide_grid(-12, 12, false, false), 1e-12);
  check_increasing(m, wide_grid(-12, 12, false, false));
  check_round_trip(shifted, {-0.09, -1e-3, 1e-9, 0.3, 5.0, 1e9}, 1e-12, 0.1);
}

TEST_CASE("LogLinearMapping: domain and config violations", "[mapping][loglin][errors]") {
  const LogLinearMapping<double> m({.c = 1.0, .break_point = 1.0});
  CHECK(message_of<std::invalid_argument>([&] { (void)m.forward(0.0); }) ==
        "LogLinearMapping::forward: x = 0 is outside the domain of the log-linear mapping "
        "(x + offset > 0, offset = 0)");
  CHECK(!m.in_domain(std::nan("")));
  using C = LogLinearMappingConfig;
  CHECK(message_of<std::invalid_argument>([] { LogLinearMapping<double>(C{.c = 0.0}); }) ==
        "LogLinearMapping: c = 0 must be positive and finite");
  CHECK(message_of<std::invalid_argument>([] { LogLinearMapping<double>(C{.break_point = -2.0}); }) ==
        "LogLinearMapping: break_point = -2 must be positive and finite");
  CHECK(message_of<std::invalid_argument>([] { LogLinearMapping<double>(C{.offset = -0.5}); }) ==
        "LogLinearMapping: offset = -0.5 must be >= 0 and finite");
}

TEST_CASE("signed_hyperbolic / signed_parabolic: hand-worked values", "[mapping][rescaling]") {
  // h(3, 0) = sqrt(4) - 1 = 1; h(-3, 0.5) = -1 + 0.5*(-3) = -2.5; h(8, 0.1) = 3 - 1 + 0.8 = 2.8.
  CHECK(signed_hyperbolic(3.0, 0.0) == 1.0);
  CHECK(signed_hyperbolic(-3.0, 0.5) == -2.5);
  CHECK(signed_hyperbolic(8.0, 0.1) == Approx(2.8).epsilon(1e-15));
  CHECK(signed_hyperbolic(0.0, 0.1) == 0.0);
  // h^-1(1, 0) = (1 + 1)^2 - 1 = 3.
  CHECK(signed_parabolic(1.0, 0.0) == 3.0);
  // h^-1(2.8, 0.1): a = 2.8 + 1 + 0.1 = 3.9, s = sqrt(1 + 0.4*3.9) = sqrt(2.56) = 1.6,
  // z = 2*3.9/2.6 = 3, z^2 - 1 = 8.
  CHECK(signed_parabolic(2.8, 0.1) == Approx(8.0).epsilon(1e-15));
  CHECK(signed_parabolic(-2.8, 0.1) == Approx(-8.0).epsilon(1e-15));
  // Against the textbook (rlax) forms where they are well conditioned.
  for (double x : {-50.0, -2.0, -0.7, 0.3, 1.5, 20.0, 400.0}) {
    const double eps = 1e-3;
    const double h = (x > 0 ? 1 : -1) * (std::sqrt(std::abs(x) + 1) - 1) + eps * x;
    CHECK(signed_hyperbolic(x, eps) == Approx(h).epsilon(1e-13));
    const double z = std::sqrt(1 + 4 * eps * (eps + 1 + std::abs(x))) / 2 / eps - 1 / 2.0 / eps;
    CHECK(signed_parabolic(x, eps) == Approx((x > 0 ? 1 : -1) * (z * z - 1)).epsilon(1e-10));
  }
  // Default eps is 1e-3 (rlax), and the Eigen overloads are element-wise.
  CHECK(signed_hyperbolic(5.0) == signed_hyperbolic(5.0, 1e-3));
  Eigen::ArrayXd xs(4);
  xs << -3.0, 0.0, 8.0, 1e6;
  const Eigen::ArrayXd hs = signed_hyperbolic(xs, 0.1);
  const Eigen::ArrayXd back = signed_parabolic(hs, 0.1);
  for (Eigen::Index i = 0; i < xs.size(); ++i) {
    CHECK(hs[i] == signed_hyperbolic(xs[i], 0.1));
    CHECK(back[i] == Approx(xs[i]).epsilon(1e-13).margin(1e-300));
  }
  CHECK(signed_hyperbolic(8.0f, 0.1f) == Approx(2.8f));
}

TEST_CASE("SignedHyperbolicMapping and SignedLog1pMapping: round trips", "[mapping][rescaling]") {
  for (double eps : {0.0, 1e-3, 0.5}) {
    INFO("eps = " << eps);
    const SignedHyperbolicMapping<double> m(eps);
    CHECK(m.forward(0.0) == 0.0);
    check_round_trip(m, wide_grid(-12, 12, true, true), 1e-12);
    check_increasing(m, wide_grid(-12, 12, true, true));
  }
  // Huge magnitudes: no intermediate overflow before the result would.
  const SignedHyperbolicMapping<double> m(1e-3);
  check_round_trip(m, {1e200, -1e250, 1e300}, 1e-12);

  const SignedLog1pMapping<double> l;
  // f(e - 1) = 1, f(-(e^2 - 1)) = -2.
  CHECK(l.forward(std::exp(1.0) - 1.0) == Approx(1.0).epsilon(1e-15));
  CHECK(l.forward(-(std::exp(2.0) - 1.0)) == Approx(-2.0).epsilon(1e-15));
  CHECK(l.inverse(1.0) == Approx(std::exp(1.0) - 1.0).epsilon(1e-15));
  CHECK(l.forward(0.0) == 0.0);
  check_round_trip(l, wide_grid(-12, 12, true, true), 1e-12);
  check_round_trip(l, {1e300, -1e300, 1e-300}, 1e-12);
  check_increasing(l, wide_grid(-12, 12, true, true));

  const IdentityMapping<double> id;
  check_round_trip(id, wide_grid(-300, 300, true, true), 0.0);
}

TEST_CASE("signed rescalings: bad input", "[mapping][rescaling][errors]") {
  CHECK(message_of<std::invalid_argument>([] { (void)signed_hyperbolic(1.0, -1.0); }) ==
        "signed_hyperbolic: eps = -1 must be >= 0 and finite");
  CHECK(message_of<std::invalid_argument>([] { (void)signed_parabolic(1.0, std::nan("")); }) ==
        "signed_parabolic: eps = nan must be >= 0 and finite");
  CHECK(message_of<std::invalid_argument>([] { SignedHyperbolicMapping<double>(-0.5); }) ==
        "SignedHyperbolicMapping: eps = -0.5 must be >= 0 and finite");
  const SignedHyperbolicMapping<double> m;
  CHECK(message_of<std::invalid_argument>([&] {
          (void)m.forward(std::numeric_limits<double>::infinity());
        }) == "SignedHyperbolicMapping::forward: x = inf is not finite");
  const SignedLog1pMapping<double> l;
  CHECK(message_of<std::invalid_argument>([&] { (void)l.forward(std::nan("")); }) ==
        "SignedLog1pMapping::forward: x = nan is not finite");
  const IdentityMapping<double> id;
  CHECK(message_of<std::invalid_argument>([&] { (void)id.forward(-std::numeric_limits<double>::infinity()); }) ==
        "IdentityMapping::forward: x = -inf is not finite");
}

TEST_CASE("PolarDecomposition: channels and weights", "[mapping][decomposition]") {
  const PolarDecomposition<double> p;
  std::array<double, 2> out{};
  p.decompose(2.5, out);
  CHECK(out == std::array<double, 2>{2.5, 0.0});
  p.decompose(-1.5, out);
  CHECK(out == std::array<double, 2>{0.0, 1.5});
  p.decompose(0.0, out);
  CHECK(out == std::array<double, 2>{0.0, 0.0});
  CHECK(p.weight(0) == 1.0);
  CHECK(p.weight(1) == -1.0);
  CHECK(message_of<std::invalid_argument>([&] { p.decompose(std::nan(""), out); }) ==
        "PolarDecomposition::decompose: reward = nan is not finite");
  std::array<double, 3> wrong{};
  CHECK(message_of<std::invalid_argument>([&] { p.decompose(1.0, wrong); }) ==
        "PolarDecomposition::decompose: out has size 3, expected 2");
}

TEST_CASE("MultiScaleDecomposition: channels in [0, 1] that sum back to r", "[mapping][decomposition]") {
  const MultiScaleDecomposition<double> d({1.0, 10.0, 100.0});
  REQUIRE(d.num_channels() == 6);
  const std::array<double, 6> weights{1, 9, 90, -1, -9, -90};
  for (Index j = 0; j < 6; ++j) CHECK(d.weight(j) == weights[static_cast<std::size_t>(j)]);
  std::array<double, 6> out{};
  // r = 5.5: (5.5 - 0)/1 -> 1, (5.5 - 1)/9 = 0.5, (5.5 - 10)/90 -> 0; 1*1 + 9*0.5 = 5.5.
  d.decompose(5.5, out);
  CHECK(out == std::array<double, 6>{1.0, 0.5, 0.0, 0.0, 0.0, 0.0});
  // r = -50: negative channels 1, 1, (50 - 10)/90 = 4/9; -(1 + 9 + 40) = -50.
  d.decompose(-50.0, out);
  CHECK(out[3] == 1.0);
  CHECK(out[4] == 1.0);
  CHECK(out[5] == Approx(4.0 / 9.0));
  rlvalue::Rng rng = rlvalue::make_rng(3);
  for (int i = 0; i < 1000; ++i) {
    const double r = -100.0 + 200.0 * rlvalue::uniform01(rng);
    d.decompose(r, out);
    double sum = 0.0;
    for (Index j = 0; j < 6; ++j) {
      CHECK(out[static_cast<std::size_t>(j)] >= 0.0);
      CHECK(out[static_cast<std::size_t>(j)] <= 1.0);
      sum += d.weight(j) * out[static_cast<std::size_t>(j)];
    }
    CHECK(std::abs(sum - r) <= 1e-12 * 100.0);
  }
  CHECK(message_of<std::invalid_argument>([&] { d.decompose(100.5, out); }) ==
        "MultiScaleDecomposition::decompose: reward = 100.5 has magnitude above the largest bound 100");
  CHECK(message_of<std::invalid_argument>([] { MultiScaleDecomposition<double>({1.0, 1.0}); }) ==
        "MultiScaleDecomposition: bounds[1] = 1 must exceed the previous bound 1");
  CHECK(message_of<std::invalid_argument>([] { MultiScaleDecomposition<double>({0.0}); }) ==
        "MultiScaleDecomposition: bounds[0] = 0 must be positive and finite");
  CHECK(message_of<std::invalid_argument>([] { MultiScaleDecomposition<double>({}); }) ==
        "MultiScaleDecomposition: bounds.size() = 0 must be at least 1");
}

TEST_CASE("UserDecomposition: callable split, weights, no split", "[mapping][decomposition]") {
  auto halves = [](double r, std::span<double> out) { out[0] = 0.25 * r; out[1] = 0.75 * r; };
  const UserDecomposition<double, decltype(halves)> d({2.0, 2.0 / 3.0}, halves);
  std::array<double, 2> out{};
  d.decompose(4.0, out);  // (1, 3); 2*1 + (2/3)*3 = 4
  CHECK(out == std::array<double, 2>{1.0, 3.0});
  CHECK(d.weight(1) == 2.0 / 3.0);
  auto bad = [](double, std::span<double> out) { out[0] = 0.0; out[1] = std::nan(""); };
  const UserDecomposition<double, decltype(bad)> b({1.0, 1.0}, bad);
  CHECK(message_of<std::invalid_argument>([&] { b.decompose(1.0, out); }) ==
        "UserDecomposition::decompose: channel_rewards[1] = nan is not finite");
  const UserDecomposition<double> none({1.0, 1.0});
  CHECK(message_of<std::invalid_argument>([&] { none.decompose(1.0, out); }) ==
        "UserDecomposition::decompose: this decomposition has no reward split; pass the channel "
        "rewards to update");
  CHECK(message_of<std::invalid_argument>([] { UserDecomposition<double>({1.0, std::nan("")}); }) ==
        "UserDecomposition: weights[1] = nan is not finite");
  CHECK(message_of<std::invalid_argument>([] { UserDecomposition<double>(std::vector<double>{}); }) ==
        "UserDecomposition: weights.size() = 0 must be at least 1");
}
