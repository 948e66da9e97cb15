// Gradient-TD prediction: GTD2, TDC, TDRC and off-policy semi-gradient TD.
// Hand-worked steps (non-terminal, terminated, truncated, rho != 1),
// convergence to the TD fixed point on-policy (tabular: mdp/evaluate_policy;
// dense features: the projected fixed point) and off-policy with importance
// ratios (tabular: v_pi of the target policy), properties, bad input.

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "gradient_td_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/learners/gradient_td.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "trace_test_support.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

namespace {

// w = (0, 2), theta = (0.4, 0), gamma 0.9, alpha 0.1, beta 0.5, reg 1.
template <class Learner, class T>
Learner make(TabularV<T>& v) {
  v.parameters() << T(0), T(2);
  Learner l(v, {.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.5, .regularization = 1.0});
  l.secondary() << T(0.4), T(0);
  return l;
}

// Polyak average of the weights over the second half of `episodes` episodes.
template <class Learner, class V>
Eigen::VectorXd averaged_run(Learner& l, V& v, const TabularMDP<double>& mdp, Index episodes,
                             std::uint64_t seed) {
  auto rng = make_rng(seed);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(v.parameters().size());
  Index n = 0;
  for (Index e = 0; e < episodes; ++e) {
    for (const auto& t : rlvalue_test::mrp_episode(mdp, rng)) {
      l.update(t);
      if (e >= episodes / 2) sum += v.parameters().template cast<double>(), ++n;
    }
  }
  return sum / double(n);
}

}  // namespace

TEMPLATE_TEST_CASE("GradientTD: hand-worked steps", "[learners][gradient_td]", float, double) {
  using T = TestType;
  auto tol = [](double x) { return Approx(x).epsilon(1e-5); };
  const Transition<Index, Index, T> t{.state = 0, .reward = T(1), .next_state = 1};
  // delta = 1 + 0.9*2 - 0 = 2.8, h = theta.x = 0.4.
  SECTION("GTD2: theta0 += 0.5*(2.8 - 0.4) = 1.2; w += 0.1*0.4*(e0 - 0.9 e1)") {
    TabularV<T> v(2);
    auto l = make<GTD2<TabularV<T>>>(v);
    CHECK(l.update(t) == tol(2.8));
    CHECK(v.parameters()[0] == tol(0.04));
    CHECK(v.parameters()[1] == tol(2.0 - 0.036));
    CHECK(l.secondary()[0] == tol(1.6));
    CHECK(l.secondary()[1] == T(0));
  }
  SECTION("TDC: w0 += 0.1*2.8 = 0.28, w1 -= 0.1*0.9*0.4 = 0.036") {
    TabularV<T> v(2);
    auto l = make<TDC<TabularV<T>>>(v);
    l.update(t);
    CHECK(v.parameters()[0] == tol(0.28));
    CHECK(v.parameters()[1] == tol(1.964));
    CHECK(l.secondary()[0] == tol(1.6));
  }
  SECTION("TDRC: theta = (1 - 0.5*1)*(0.4, 0) + 1.2 e0 = (1.4, 0); w as TDC") {
    TabularV<T> v(2);
    auto l = make<TDRC<TabularV<T>>>(v);
    l.update(t);
    CHECK(v.parameters()[0] == tol(0.28));
    CHECK(v.parameters()[1] == tol(1.964));
    CHECK(l.secondary()[0] == tol(1.4));
  }
  SECTION("rho = 2: GTD2 theta0 = 0.4 + 0.5*2*2.4 = 2.8, w0 = 0.08, w1 = 2 - 0.072") {
    TabularV<T> v(2);
    auto l = make<GTD2<TabularV<T>>>(v);
    l.update(t, T(2));
    CHECK(l.secondary()[0] == tol(2.8));
    CHECK(v.parameters()[0] == tol(0.08));
    CHECK(v.parameters()[1] == tol(1.928));
  }
  SECTION("rho = 2: off-policy semi-gradient TD w0 = 0.1*2*2.8 = 0.56, theta untouched") {
    TabularV<T> v(2);
    auto l = make<OffPolicyTD<TabularV<T>>>(v);
    l.update(t, T(2));
    CHECK(v.parameters()[0] == tol(0.56));
    CHECK(v.parameters()[1] == T(2));
    CHECK(l.secondary()[0] == tol(0.4));
  }
  SECTION("terminated: delta = 1, no x' term: TDC w0 = 0.1, w1 = 2, theta0 = 0.4 + 0.5*0.6") {
    TabularV<T> v(2);
    auto l = make<TDC<TabularV<T>>>(v);
    auto tt = t;
    tt.terminated = true;
    CHECK(l.update(tt) == tol(1.0));
    CHECK(v.parameters()[0] == tol(0.1));
    CHECK(v.parameters()[1] == T(2));
    CHECK(l.secondary()[0] == tol(0.7));
  }
  SECTION("truncated bootstraps: identical to the non-terminal step") {
    TabularV<T> v(2), v2(2);
    auto l = make<TDC<TabularV<T>>>(v);
    auto l2 = make<TDC<TabularV<T>>>(v2);
    auto tt = t;
    tt.truncated = true;
    l.update(tt);
    l2.update(t);
    CHECK(v.parameters() == v2.parameters());
    CHECK(l.secondary() == l2.secondary());
  }
}

TEST_CASE("GradientTD: TDC from theta = 0 takes the TD(0) step; rho = 0 changes nothing",
          "[learners][gradient_td]") {
  TabularV<double> v(3), v_td(3);
  v.parameters() << 0.5, -1, 2;
  v_td.parameters() = v.parameters();
  TDC<TabularV<double>> tdc(v, {.gamma = 0.7, .step_size = 0.3});
  TD0<TabularV<double>> td(v_td, {.gamma = 0.7, .step_size = 0.3});
  const Transition<> t{.state = 1, .reward = 0.25, .next_state = 2};
  tdc.update(t);
  td.update(t);
  CHECK(v.parameters().isApprox(v_td.parameters(), 1e-15));

  const Eigen::VectorXd w = v.parameters();
  const Eigen::VectorXd theta = tdc.secondary();
  tdc.update(t, 0.0);
  CHECK(v.parameters() == w);
  CHECK(tdc.secondary() == theta);
}

TEST_CASE("GradientTD: on-policy tabular convergence to v_pi (mdp/evaluate_policy)",
          "[learners][gradient_td][convergence]") {
  // Garnet MRP, 6 states, gamma 0.9; 100000 episodes, alpha 0.005, beta 0.02,
  // weights averaged over the second half. Tolerance 0.015 (|v| <= 2.3). The
  // constant step sizes leave an O(alpha) bias (TDRC: 0.03 at alpha = 0.02,
  // 0.005 at 0.005, not shrinking with more episodes), hence the small alpha.
  const auto mdp = rlvalue_test::garnet_mrp(6, 11);
  const double gamma = 0.9;
  const Eigen::VectorXd truth = evaluate_policy(mdp, Eigen::MatrixXd::Ones(6, 1), gamma);
  const GradientTDConfig config{.gamma = gamma, .step_size = 0.005, .secondary_step_size = 0.02,
                                .regularization = 1.0};
  {
    TabularV<double> v(6);
    GTD2<TabularV<double>> l(v, config);
    CHECK((averaged_run(l, v, mdp, 100000, 1) - truth).cwiseAbs().maxCoeff() < 0.015);
  }
  {
    TabularV<double> v(6);
    TDC<TabularV<double>> l(v, config);
    CHECK((averaged_run(l, v, mdp, 100000, 1) - truth).cwiseAbs().maxCoeff() < 0.015);
  }
  {
    TabularV<double> v(6);
    TDRC<TabularV<double>> l(v, config);
    CHECK((averaged_run(l, v, mdp, 100000, 1) - truth).cwiseAbs().maxCoeff() < 0.015);
  }
}

TEST_CASE("GradientTD: dense features converge to the TD fixed point Phi w*",
          "[learners][gradient_td][convergence]") {
  // w* solves Phi^T H (r + gamma P Phi w - Phi w) = 0 (H: on-policy visits).
  const auto mdp = rlvalue_test::garnet_mrp(6, 11);
  const double gamma = 0.9;
  const Eigen::MatrixXd phi = rlvalue_test::garnet_features();
  const Eigen::VectorXd w_star = rlvalue_test::td_lambda_fixed_point(
      mdp, phi, gamma, 0.0, Eigen::VectorXd::Constant(6, 1.0 / 6));
  using V = LinearV<rlvalue_test::MatrixMap>;
  const GradientTDConfig config{.gamma = gamma, .step_size = 0.01, .secondary_step_size = 0.05,
                                .regularization = 1.0};
  {
    V v{rlvalue_test::MatrixMap(phi)};
    TDC<V> l(v, config);
    CHECK((averaged_run(l, v, mdp, 10000, 2) - w_star).cwiseAbs().maxCoeff() < 0.05);
  }
  {
    V v{rlvalue_test::MatrixMap(phi)};
    TDRC<V> l(v, config);
    CHECK((averaged_run(l, v, mdp, 10000, 2) - w_star).cwiseAbs().maxCoeff() < 0.05);
  }
  {
    V v{rlvalue_test::MatrixMap(phi)};
    GTD2<V> l(v, config);
    CHECK((averaged_run(l, v, mdp, 10000, 2) - w_star).cwiseAbs().maxCoeff() < 0.05);
  }
}

TEST_CASE("GradientTD: off-policy with importance ratios converges to v_pi of the target",
          "[learners][gradient_td][convergence]") {
  // TinyMDP, behaviour uniform, target pi = (0.9, 0.1) in every state,
  // gamma 0.9; rho = pi(a|s) / 0.5. Tabular: the fixed point is v_pi.
  using rlvalue_test::TinyMDP;
  const double gamma = 0.9;
  Eigen::MatrixXd pi(3, 2);
  pi << 0.9, 0.1, 0.9, 0.1, 0.9, 0.1;
  const Eigen::MatrixXd q = TinyMDP::policy_q(pi, gamma);
  const Eigen::VectorXd truth = (pi.array() * q.array()).rowwise().sum();
  auto run = [&](auto& learner, TabularV<double>& v) {
    auto rng = make_rng(5);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(3);
    const Index steps = 400000;
    Index s = 0;
    for (Index i = 0; i < steps; ++i) {
      const Index a = bernoulli(rng, 0.5) ? 1 : 0;
      auto t = TinyMDP::step(s, a, rng);
      learner.update(t, pi(s, a) / 0.5);
      s = t.terminated ? uniform_index(rng, 3) : t.next_state;
      if (i >= steps / 2) sum += v.parameters();
    }
    return Eigen::VectorXd(sum / double(steps - steps / 2));
  };
  const GradientTDConfig config{.gamma = gamma, .step_size = 0.005, .secondary_step_size = 0.02};
  {
    TabularV<double> v(3);
    TDC<TabularV<double>> l(v, config);
    CHECK((run(l, v) - truth).cwiseAbs().maxCoeff() < 0.05);
  }
  {
    TabularV<double> v(3);
    GTD2<TabularV<double>> l(v, config);
    CHECK((run(l, v) - truth).cwiseAbs().maxCoeff() < 0.05);
  }
  {
    TabularV<double> v(3);
    TDRC<TabularV<double>> l(v, config);
    CHECK((run(l, v) - truth).cwiseAbs().maxCoeff() < 0.05);
  }
}

TEST_CASE("GradientTD: bad input", "[learners][gradient_td][errors]") {
  TabularV<double> v(2);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { TDC<TabularV<double>> l(v, {.gamma = 1.5}); }),
                 "TDC: gamma = 1.5"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { GTD2<TabularV<double>> l(v, {.step_size = 0.0}); }),
                 "GTD2: step_size = 0"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { TDRC<TabularV<double>> l(v, {.secondary_step_size = -1.0}); }),
                 "TDRC: secondary_step_size = -1"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { TDRC<TabularV<double>> l(v, {.regularization = -0.5}); }),
                 "TDRC: regularization = -0.5"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   TDRC<TabularV<double>> l(v, {.secondary_step_size = 0.5, .regularization = 3});
                 }),
                 "times secondary_step_size must be <= 1"));

  v.parameters() << 1, 2;
  TDRC<TabularV<double>> l(v, {.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.5});
  l.secondary() << 0.3, -0.2;
  const Eigen::VectorXd w = v.parameters();
  const Eigen::VectorXd theta = l.secondary();
  const Transition<> good{.state = 0, .reward = 1, .next_state = 1};
  CHECK(contains(thrown_message<std::invalid_argument>([&] { l.update(good, -0.5); }),
                 "TDRC::update: rho = -0.5 must be a finite importance ratio >= 0"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] { l.update(good, NAN); }), "rho = nan"));
  CHECK(contains(thrown_message<std::out_of_range>([&] {
                   l.update({.state = 0, .reward = 1, .next_state = 7});
                 }),
                 "next_state = 7"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   l.update({.state = 0, .reward = INFINITY, .next_state = 1});
                 }),
                 "reward = inf"));
  l.secondary()[0] = INFINITY;
  CHECK(contains(thrown_message<std::invalid_argument>([&] { l.update(good); }), "h = inf"));
  l.secondary() = theta;
  CHECK(v.parameters() == w);
  CHECK(l.secondary() == theta);
}
