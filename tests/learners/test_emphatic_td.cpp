// Emphatic TD(lambda): a hand-worked episode (followon, emphasis, trace,
// termination reset), truncation, on-policy and off-policy convergence to
// v_pi with tabular features, bad input.

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "approx/feature_test_support.hpp"
#include "catch.hpp"
#include "gradient_td_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/approx/feature_table.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/emphatic_td.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "trace_test_support.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

TEMPLATE_TEST_CASE("EmphaticTD: hand-worked episode", "[learners][emphatic_td]", float, double) {
  using T = TestType;
  auto tol = [](double x) { return Approx(x).epsilon(1e-5); };
  // gamma 0.9, lambda 0.5, alpha 0.1, interest 1, w = 0.
  // 1: s0 -> s1, r 1, rho 2: F = 1, M = 0.5 + 0.5 = 1, e = 2*(e0) = (2, 0),
  //    delta = 1, w = (0.2, 0).
  // 2: s1 -> s0, r 0, rho 0.5: F = 2*0.9*1 + 1 = 2.8, M = 0.5 + 0.5*2.8 = 1.9,
  //    e = 0.5*(0.45*(2, 0) + 1.9 e1) = (0.45, 0.95), delta = 0.9*0.2 = 0.18,
  //    w += 0.018*e = (0.2081, 0.0171).
  // 3: s0 -> end, r 1, rho 1: F = 0.5*0.9*2.8 + 1 = 2.26, M = 0.5 + 1.13 = 1.63,
  //    e = 0.45*(0.45, 0.95) + 1.63 e0 = (1.8325, 0.4275), delta = 1 - 0.2081 = 0.7919,
  //    w = (0.2081 + 0.145115675, 0.0171 + 0.033853725).
  TabularV<T> v(2);
  EmphaticTD<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  CHECK(l.update({.state = 0, .reward = T(1), .next_state = 1}, T(2)) == tol(1.0));
  CHECK(l.followon() == tol(1.0));
  CHECK(l.trace()[0] == tol(2.0));
  CHECK(v.value(0) == tol(0.2));
  CHECK(l.update({.state = 1, .reward = T(0), .next_state = 0}, T(0.5)) == tol(0.18));
  CHECK(l.followon() == tol(2.8));
  CHECK(l.emphasis() == tol(1.9));
  CHECK(l.trace()[0] == tol(0.45));
  CHECK(l.trace()[1] == tol(0.95));
  CHECK(v.value(0) == tol(0.2081));
  CHECK(v.value(1) == tol(0.0171));
  CHECK(l.update({.state = 0, .reward = T(1), .next_state = 0, .terminated = true}) == tol(0.7919));
  CHECK(v.value(0) == tol(0.353215675));
  CHECK(v.value(1) == tol(0.050953725));
  CHECK(l.trace().isZero());
  CHECK(l.followon() == T(0));
  // The next episode starts afresh: F = i = 1, M = 1, e = x.
  l.update({.state = 1, .reward = T(0), .next_state = 0});
  CHECK(l.followon() == tol(1.0));
  CHECK(l.trace()[1] == tol(1.0));
}

TEST_CASE("EmphaticTD: truncation bootstraps, then resets", "[learners][emphatic_td]") {
  TabularV<double> v(2), v2(2);
  v.parameters() << 1, 2;
  v2.parameters() << 1, 2;
  EmphaticTD<TabularV<double>> a(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  EmphaticTD<TabularV<double>> b(v2, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  // delta = 0 + 0.9*2 - 1 = 0.8 in both; a truncates, b continues.
  CHECK(a.update({.state = 0, .reward = 0, .next_state = 1, .truncated = true}) == Approx(0.8));
  CHECK(b.update({.state = 0, .reward = 0, .next_state = 1}) == Approx(0.8));
  CHECK(v.parameters() == v2.parameters());
  CHECK(a.trace().isZero());
  CHECK(a.followon() == 0.0);
  CHECK(b.followon() == 1.0);
}

TEST_CASE("EmphaticTD: convergence to v_pi on- and off-policy (tabular)",
          "[learners][emphatic_td][convergence]") {
  SECTION("on-policy Garnet MRP, lambda 0 and 0.8") {
    // 6 states, gamma 0.9, alpha 0.002, 100000 episodes averaged over the
    // second half; tolerance 0.02.
    const auto mdp = rlvalue_test::garnet_mrp(6, 11);
    const Eigen::VectorXd truth = evaluate_policy(mdp, Eigen::MatrixXd::Ones(6, 1), 0.9);
    for (double lambda : {0.0, 0.8}) {
      TabularV<double> v(6);
      EmphaticTD<TabularV<double>> l(v, {.gamma = 0.9, .step_size = 0.002, .lambda = lambda});
      auto rng = make_rng(3);
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(6);
      Index n = 0;
      for (Index e = 0; e < 100000; ++e)
        for (const auto& t : rlvalue_test::mrp_episode(mdp, rng)) {
          l.update(t);
          if (e >= 50000) sum += v.parameters(), ++n;
        }
      CHECK((sum / double(n) - truth).cwiseAbs().maxCoeff() < 0.02);
    }
  }
  SECTION("off-policy TinyMDP, behaviour uniform, target (0.9, 0.1)") {
    using rlvalue_test::TinyMDP;
    Eigen::MatrixXd pi(3, 2);
    pi << 0.9, 0.1, 0.9, 0.1, 0.9, 0.1;
    const Eigen::MatrixXd q = TinyMDP::policy_q(pi, 0.9);
    const Eigen::VectorXd truth = (pi.array() * q.array()).rowwise().sum();
    TabularV<double> v(3);
    EmphaticTD<TabularV<double>> l(v, {.gamma = 0.9, .step_size = 0.001, .lambda = 0.0});
    auto rng = make_rng(8);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(3);
    const Index steps = 600000;
    Index s = uniform_index(rng, 3);
    for (Index i = 0; i < steps; ++i) {
      const Index a = bernoulli(rng, 0.5) ? 1 : 0;
      const auto t = TinyMDP::step(s, a, rng);
      l.update(t, pi(s, a) / 0.5);
      s = t.terminated ? uniform_index(rng, 3) : t.next_state;
      if (i >= steps / 2) sum += v.parameters();
    }
    CHECK((sum / double(steps - steps / 2) - truth).cwiseAbs().maxCoeff() < 0.05);
  }
}

TEST_CASE("EmphaticTD: bad input", "[learners][emphatic_td][errors]") {
  TabularV<double> v(2);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { EmphaticTD<TabularV<double>> l(v, {.lambda = 1.5}); }),
                 "EmphaticTD: lambda = 1.5"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { EmphaticTD<TabularV<double>> l(v, {.step_size = -1}); }),
                 "EmphaticTD: step_size = -1"));
  EmphaticTD<TabularV<double>> l(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  l.update({.state = 0, .reward = 1, .next_state = 1}, 2.0);
  const Eigen::VectorXd w = v.parameters(), e = l.trace();
  const double F = l.followon();
  const Transition<> good{.state = 1, .reward = 1, .next_state = 0};
  CHECK(contains(thrown_message<std::invalid_argument>([&] { l.update(good, -0.1); }),
                 "EmphaticTD::update: rho = -0.1 must be a finite importance ratio >= 0"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] { l.update(good, 1.0, -1.0); }),
                 "interest = -1"));
  CHECK(contains(thrown_message<std::out_of_range>([&] {
                   l.update({.state = 1, .reward = 1, .next_state = 5});
                 }),
                 "next_state = 5"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   l.update({.state = 1, .reward = INFINITY, .next_state = 0});
                 }),
                 "reward = inf"));
  CHECK(v.parameters() == w);
  CHECK(l.trace() == e);
  CHECK(l.followon() == F);
}

TEST_CASE("DenseTrace::emphatic_apply equals decay, add, decay, apply", "[learners][emphatic]") {
  using rlvalue::DenseGradient;
  using rlvalue::DenseTrace;
  constexpr rlvalue::Index n = 11;
  auto rng = rlvalue::make_rng(77);
  const auto draw = [&] { return 2.0 * rlvalue::uniform01(rng) - 1.0; };
  // (c, r, k): the fused pass, and the zero cases that take the four-pass path.
  const double cases[][3] = {{0.45, 1.7, 0.03}, {0.45, 1.7, 0.0}, {0.0, 1.7, 0.03}, {0.45, 0.0, 0.03}};
  for (const auto& cs : cases) {
    for (const rlvalue::Index stride : {rlvalue::Index(1), rlvalue::Index(2)}) {
      DenseGradient<double> g(stride == 1 ? n : n / 2);
      g.stride = stride;
      for (rlvalue::Index i = 0; i < g.values.size(); ++i) g.values[i] = draw();
      DenseTrace<double> fused(n), steps(n);
      std::vector<double> w_fused(n), w_steps(n);
      for (rlvalue::Index i = 0; i < n; ++i) w_fused[i] = w_steps[i] = draw();
      // A non-zero starting trace, the same in both.
      DenseGradient<double> start(n);
      for (rlvalue::Index i = 0; i < n; ++i) start.values[i] = draw();
      fused.add(1.0, start);
      steps.add(1.0, start);
      const double m = 0.8;
      fused.emphatic_apply(cs[0], m, g, cs[1], cs[2], w_fused.data());
      steps.decay(cs[0]);
      steps.add(m, g);
      steps.decay(cs[1]);
      if (cs[2] != 0.0) steps.apply(cs[2], w_steps.data());
      CHECK((fused.values().array() == steps.values().array()).all());
      CHECK(w_fused == w_steps);
      CHECK_FALSE((fused.values().array() == start.values.array()).all());  // it moved
    }
  }
}

TEMPLATE_TEST_CASE("EmphaticTD: features read in place through view(s) give the copies' bits",
                   "[learners][emphatic_td]", float, double) {
  using T = TestType;
  // Dense features stored in a table, one column per state, read in place
  // (FeatureTable's view(s)) or copied (the same table without view(s)).
  using Viewed = FeatureTable<T>;
  using Copied = rlvalue_test::WithoutView<FeatureTable<T>>;
  static_assert(DenseFeatureView<Viewed, T>);
  static_assert(!DenseFeatureView<Copied, T>);
  const Index d = 13, states = 9;  // 13: not a multiple of any packet size
  auto rng = make_rng(515);
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> table(d, states);
  for (Index j = 0; j < states; ++j)
    for (Index i = 0; i < d; ++i) table(i, j) = static_cast<T>(uniform01(rng) - 0.5);
  LinearV<Viewed, T> va{Viewed(table)};
  LinearV<Copied, T> vb{Copied(Viewed(table))};
  CHECK(va.feature_view(4) == va.map().view(4));
  const EmphaticTDConfig config{.gamma = 0.9, .step_size = 0.05, .lambda = 0.7};
  EmphaticTD<LinearV<Viewed, T>> a(va, config);
  EmphaticTD<LinearV<Copied, T>> b(vb, config);
  Index s = 0;
  for (int k = 0; k < 3000; ++k) {
    Transition<Index, Index, T> t{.state = s, .reward = static_cast<T>(uniform01(rng) - 0.3),
                                  .next_state = uniform_index(rng, states)};
    const double u = uniform01(rng);
    t.terminated = u < 0.03;
    t.truncated = !t.terminated && u < 0.05;
    // rho 0 now and then: the trace step's other path.
    const T rho = uniform01(rng) < 0.05 ? T(0) : static_cast<T>(2.0 * uniform01(rng));
    const T interest = static_cast<T>(uniform01(rng));
    const T da = a.update(t, rho, interest), db = b.update(t, rho, interest);
    REQUIRE(da == db);
    s = (t.terminated || t.truncated) ? uniform_index(rng, states) : t.next_state;
  }
  CHECK((va.parameters().array() == vb.parameters().array()).all());
  CHECK((a.trace().array() == b.trace().array()).all());
  CHECK(a.followon() == b.followon());
  // A bad state is still rejected before any feature is read, and nothing
  // changes.
  const auto w = va.parameters();
  CHECK_THROWS_AS(a.update({.state = states, .reward = T(0), .next_state = 0}), std::out_of_range);
  CHECK((va.parameters().array() == w.array()).all());
}
