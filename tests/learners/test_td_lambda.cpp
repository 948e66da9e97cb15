// Prediction with traces and n-step returns: TDLambda (accumulating,
// replacing, dutch; dense and sparse traces), TrueOnlineTDLambda,
// OfflineLambdaReturn, NStepTD. Hand-worked episodes, termination vs
// truncation, forward view = backward view, true online = online
// lambda-return, convergence to mdp/ exact values (tabular) and to the
// TD(lambda) fixed point (state aggregation), bad input.

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/radial_basis.hpp"
#include "rlvalue/approx/state_aggregation.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/learners/n_step_td.hpp"
#include "rlvalue/learners/offline_lambda_return.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/learners/true_online_td_lambda.hpp"
#include "rlvalue/envs/random_walk.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "trace_test_support.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

namespace {
// The episode s0 -(1)-> s1 -(0)-> s0 -(2)-> end, on 2 states.
std::vector<Transition<>> revisit_episode(bool truncate_last = false) {
  return {{.state = 0, .reward = 1.0, .next_state = 1},
          {.state = 1, .reward = 0.0, .next_state = 0},
          {.state = 0, .reward = 2.0, .next_state = 1, .terminated = !truncate_last,
           .truncated = truncate_last}};
}
}  // namespace

TEST_CASE("TDLambda: hand-worked accumulating, replacing and dutch traces", "[learners][td_lambda]") {
  // gamma 0.9, lambda 0.5 (gamma*lambda = 0.45), alpha 0.1, w = 0.
  // 1: delta = 1, z = (1, 0), w = (0.1, 0).
  // 2: delta = 0 + 0.9*0.1 - 0 = 0.09, z = (0.45, 1), w += 0.009 z = (0.10405, 0.009).
  // 3: delta = 2 - 0.10405 = 1.89595, alpha*delta = 0.189595;
  //    accumulating z = 0.45 (0.45, 1) + (1, 0) = (1.2025, 0.45):
  //      w0 = 0.10405 + 0.189595*1.2025 = 0.3320379875, w1 = 0.009 + 0.189595*0.45 = 0.09431775
  //    replacing z = (1, 0.45): w0 = 0.10405 + 0.189595 = 0.293645
  //    dutch z' = (0.2025, 0.45); 1 - 0.1*0.2025 = 0.97975; z = (1.18225, 0.45):
  //      w0 = 0.10405 + 0.189595*1.18225 = 0.32819868875
  struct Case {
    TraceType type;
    double w0;
  };
  for (const Case c : {Case{TraceType::accumulating, 0.3320379875}, Case{TraceType::replacing, 0.293645},
                       Case{TraceType::dutch, 0.32819868875}}) {
    TabularV<double> v(2);
    TDLambda<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5, .trace = c.type});
    const auto episode = revisit_episode();
    CHECK(td.update(episode[0]) == Approx(1.0));
    CHECK(td.update(episode[1]) == Approx(0.09));
    CHECK(v.value(0) == Approx(0.10405));
    CHECK(td.update(episode[2]) == Approx(1.89595));
    CHECK(v.value(0) == Approx(c.w0).epsilon(1e-12));
    CHECK(v.value(1) == Approx(0.09431775).epsilon(1e-12));
    CHECK(td.trace().values().isZero());  // cleared at termination
  }
}

TEST_CASE("TDLambda: truncation bootstraps, then clears the trace", "[learners][td_lambda]") {
  // As above, accumulating, but the last step is truncated with s' = s1:
  // delta = 2 + 0.9*0.009 - 0.10405 = 1.90405; w0 = 0.10405 + 0.190405*1.2025.
  TabularV<double> v(2);
  TDLambda<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  const auto episode = revisit_episode(true);
  td.update(episode[0]);
  td.update(episode[1]);
  CHECK(td.update(episode[2]) == Approx(1.90405));
  CHECK(v.value(0) == Approx(0.10405 + 0.190405 * 1.2025).epsilon(1e-12));
  CHECK(td.trace().values().isZero());
  // The next episode starts with a fresh trace: only s1 moves.
  const double w0 = v.value(0);
  td.update({.state = 1, .reward = 1.0, .next_state = 1, .terminated = true});
  CHECK(v.value(0) == w0);
}

TEMPLATE_TEST_CASE("TDLambda: lambda = 0 is TD(0); sparse = dense traces; float works",
                   "[learners][td_lambda]", float, double) {
  using T = TestType;
  TabularV<T> a(5), b(5), c(5), d(5);
  TD0<TabularV<T>> td0(a, {.gamma = 1.0, .step_size = 0.1});
  TDLambda<TabularV<T>> lambda0(b, {.gamma = 1.0, .step_size = 0.1, .lambda = 0.0});
  TDLambda<TabularV<T>> dense(c, {.gamma = 1.0, .step_size = 0.1, .lambda = 0.8, .trace = TraceType::dutch});
  TDLambda<TabularV<T>, SparseTrace<T>> sparse(
      d, {.gamma = 1.0, .step_size = 0.1, .lambda = 0.8, .trace = TraceType::dutch, .trace_tolerance = 0.0});
  Rng rng = make_rng(4);
  for (int e = 0; e < 200; ++e)
    for (const auto& t : rlvalue_test::random_walk_episode<T>(rng)) {
      REQUIRE(td0.update(t) == lambda0.update(t));
      REQUIRE(dense.update(t) == sparse.update(t));
    }
  CHECK(a.parameters() == b.parameters());
  CHECK(c.parameters() == d.parameters());
  for (Index s = 0; s < 5; ++s) CHECK(c.value(s) == Approx(rlvalue_test::walk_true_value(s)).margin(0.2));
}

TEST_CASE("SparseTrace: cost follows the active entries, not the table", "[learners][td_lambda][sparse]") {
  // A 100000-state chain walked left to right: with gamma*lambda = 0.5 and
  // tolerance 1e-3 an entry survives 9 decays (0.5^9 = 0.00195 >= 1e-3 >
  // 0.5^10), so at most 10 entries are ever held.
  TabularV<double> v(100000);
  TDLambda<TabularV<double>, SparseTrace<double>> td(
      v, {.gamma = 1.0, .step_size = 0.1, .lambda = 0.5, .trace_tolerance = 1e-3});
  Index most = 0;
  for (Index s = 0; s + 1 < 5000; ++s) {
    td.update({.state = s, .reward = 1.0, .next_state = s + 1});
    most = std::max(most, td.trace().active_count());
  }
  CHECK(most == 10);
  td.update({.state = 4999, .reward = 1.0, .next_state = 5000, .truncated = true});
  CHECK(td.trace().active_count() == 0);
  CHECK_THROWS_AS(SparseTrace<double>(10, -1.0), std::invalid_argument);
}

TEST_CASE("OfflineLambdaReturn: hand-worked, forward view = offline TD(lambda) backward view",
          "[learners][lambda_return]") {
  // w = 0, gamma 0.9, lambda 0.5, alpha 0.1, the revisit episode:
  // G_2 = 2; G_1 = 0 + 0.9*(0.5*0 + 0.5*2) = 0.9; G_0 = 1 + 0.9*(0.5*0 + 0.5*0.9) = 1.405.
  // Sequential (the book): v(s0) = 0.1405, v(s1) = 0.09, then v(s0) += 0.1*(2 - 0.1405)
  // = 0.1405 + 0.18595 = 0.32645. Fixed predictions: v(s0) = 0.1405 + 0.2 = 0.3405.
  for (const bool sequential : {true, false}) {
    TabularV<double> v(2);
    OfflineLambdaReturn<TabularV<double>> offline(
        v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5, .sequential = sequential});
    const auto episode = revisit_episode();
    CHECK(offline.update(episode[0]) == 0);
    CHECK(offline.update(episode[1]) == 0);
    CHECK(v.value(0) == 0.0);
    CHECK(offline.update(episode[2]) == 3);
    CHECK(v.value(0) == Approx(sequential ? 0.32645 : 0.3405).epsilon(1e-12));
    CHECK(v.value(1) == Approx(0.09).epsilon(1e-12));
  }

  // Forward = backward on random episodes, tabular and aggregated features,
  // terminated and truncated: offline TD(lambda) sums alpha*delta_t*z_t with
  // the weights held fixed, computed here independently.
  const auto mdp = rlvalue_test::garnet_mrp(8, 21);
  Rng rng = make_rng(9);
  for (int trial = 0; trial < 20; ++trial) {
    auto ep = rlvalue_test::mrp_episode(mdp, rng);
    if (trial % 2 == 1 && ep.size() > 2) {  // cut the episode: truncated
      ep.resize(ep.size() / 2);
      ep.back().terminated = false;
      ep.back().truncated = true;
    }
    const double gamma = 0.95, lambda = 0.7, alpha = 0.05;
    LinearV<StateAggregation> agg(StateAggregation(8, 3));
    agg.parameters().setLinSpaced(-0.5, 1.0);
    Eigen::VectorXd w = agg.parameters();
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(w.size()), z = sum;
    for (const auto& t : ep) {
      const Index f = t.state / 3, f2 = t.next_state / 3;
      const double delta = t.reward + (t.terminated ? 0.0 : gamma * w(f2)) - w(f);
      z *= gamma * lambda;
      z(f) += 1.0;
      sum += alpha * delta * z;
    }
    OfflineLambdaReturn<LinearV<StateAggregation>> forward(
        agg, {.gamma = gamma, .step_size = alpha, .lambda = lambda, .sequential = false});
    for (const auto& t : ep) forward.update(t);
    CHECK((agg.parameters() - (w + sum)).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(forward.pending() == 0);
  }
}

TEST_CASE("TrueOnlineTDLambda equals the online lambda-return algorithm", "[learners][true_online]") {
  // Dense RBF features over positions 0..4; brute-force online lambda-return
  // (S&B eq. 12.9-12.10): at horizon h redo all updates t < h from the
  // episode's initial weights with the truncated lambda-returns G^lambda_{t:h},
  // the n-step returns bootstrapping with the horizon weights W[t+n-1].
  using Map = RadialBasis<1>;
  using S = Map::state_type;
  Eigen::MatrixXd centres(3, 1);
  centres << 0.0, 2.0, 4.0;
  const Map map(centres, 1.5);
  const double gamma = 0.9, lambda = 0.8, alpha = 0.1;
  auto x = [&](double s) {
    Eigen::VectorXd phi(3);
    map.write(S(s), std::span<double>(phi.data(), 3));
    return phi;
  };
  for (const bool truncate : {false, true}) {
    const std::vector<double> states{2, 3, 2, 1, 2, 3, 4, 3};  // S_0..S_T, T = 7
    const std::vector<double> rewards{0.5, -1.0, 0.0, 2.0, 1.0, 0.0, 3.0};  // R_1..R_T
    const Index T = 7;
    Eigen::VectorXd w0(3);
    w0 << 0.3, -0.2, 0.5;
    std::vector<Eigen::VectorXd> W{w0};
    for (Index h = 1; h <= T; ++h) {
      auto bootstrap = [&](Index k) {  // v(S_k, W[k-1]), 0 at a terminal S_T
        return (k == T && !truncate) ? 0.0 : W[static_cast<std::size_t>(k - 1)].dot(x(states[k]));
      };
      auto n_step = [&](Index t, Index n) {
        double g = 0.0;
        for (Index i = 1; i <= n; ++i) g += std::pow(gamma, double(i - 1)) * rewards[t + i - 1];
        return g + std::pow(gamma, double(n)) * bootstrap(t + n);
      };
      Eigen::VectorXd w = w0;
      for (Index t = 0; t < h; ++t) {
        double g = 0.0;
        for (Index n = 1; n <= h - t - 1; ++n) g += (1 - lambda) * std::pow(lambda, double(n - 1)) * n_step(t, n);
        g += std::pow(lambda, double(h - t - 1)) * n_step(t, h - t);
        w += alpha * (g - w.dot(x(states[t]))) * x(states[t]);
      }
      W.push_back(w);
    }
    LinearV<Map> v(map);
    v.parameters() = w0;
    TrueOnlineTDLambda<LinearV<Map>> learner(v, {.gamma = gamma, .step_size = alpha, .lambda = lambda});
    for (Index t = 0; t < T; ++t) {
      const bool last = t == T - 1;
      learner.update({.state = S(states[t]), .reward = rewards[t], .next_state = S(states[t + 1]),
                      .terminated = last && !truncate, .truncated = last && truncate});
      CHECK((v.parameters() - W[static_cast<std::size_t>(t + 1)]).cwiseAbs().maxCoeff() < 1e-12);
    }
    CHECK(learner.trace().values().isZero());
  }
}

TEST_CASE("NStepTD: hand-worked, termination vs truncation, n = 1 is TD(0)", "[learners][n_step]") {
  // n = 2, gamma 0.9, alpha 0.5, episode s0 -(1)-> s1 -(0)-> s2 -(2)-> end.
  // Step 2: G(s0) = 1 + 0.9*0 + 0.81*v(s2) = 1, v(s0) = 0.5.
  // End (terminated): G(s1) = 0 + 0.9*2 = 1.8 -> 0.9; G(s2) = 2 -> 1.
  // End (truncated at s0, v(s0) = 0.5): G(s1) = 1.8 + 0.81*0.5 = 2.205 -> 1.1025;
  //                                      G(s2) = 2 + 0.45 = 2.45 -> 1.225.
  for (const bool truncate : {false, true}) {
    TabularV<double> v(3);
    NStepTD<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 0.5, .n = 2});
    CHECK(td.update({.state = 0, .reward = 1.0, .next_state = 1}) == 0);
    CHECK(td.update({.state = 1, .reward = 0.0, .next_state = 2}) == 1);
    CHECK(v.value(0) == 0.5);
    CHECK(td.update({.state = 2, .reward = 2.0, .next_state = 0, .terminated = !truncate,
                     .truncated = truncate}) == 2);
    CHECK(v.value(1) == Approx(truncate ? 1.1025 : 0.9));
    CHECK(v.value(2) == Approx(truncate ? 1.225 : 1.0));
    CHECK(td.pending() == 0);
  }
  TabularV<double> a(5), b(5);
  TD0<TabularV<double>> td0(a, {.gamma = 1.0, .step_size = 0.1});
  NStepTD<TabularV<double>> one(b, {.gamma = 1.0, .step_size = 0.1, .n = 1});
  Rng rng = make_rng(8);
  for (int e = 0; e < 100; ++e)
    for (const auto& t : rlvalue_test::random_walk_episode(rng)) {
      td0.update(t);
      one.update(t);
    }
  CHECK(a.parameters() == b.parameters());
}

TEST_CASE("Trace learners converge to the exact values of mdp/ (tabular)", "[learners][convergence]") {
  // Garnet MRP, 6 states, gamma 0.9, uniform starts; constant alpha 0.002,
  // weights averaged over the last 50000 of 60000 episodes (Polyak-Ruppert)
  // to remove most of the step-size noise. Tolerance 0.05 on values between
  // -2.1 and -0.7; the measured errors with these seeds are 0.011 to 0.020.
  const auto mdp = rlvalue_test::garnet_mrp(6, 33);
  const Eigen::VectorXd exact = evaluate_policy(mdp, Eigen::MatrixXd::Ones(6, 1), 0.9);
  auto run = [&](auto make_learner, std::uint64_t seed) {
    TabularV<double> v(6);
    auto learner = make_learner(v);
    Rng rng = make_rng(seed);
    Eigen::VectorXd average = Eigen::VectorXd::Zero(6);
    for (int e = 0; e < 60000; ++e) {
      for (const auto& t : rlvalue_test::mrp_episode(mdp, rng)) learner.update(t);
      if (e >= 10000) average += v.parameters() / 50000.0;
    }
    return (average - exact).cwiseAbs().maxCoeff();
  };
  using V = TabularV<double>;
  const double tol = 0.05, alpha = 0.002;
  for (const TraceType type : {TraceType::accumulating, TraceType::replacing, TraceType::dutch}) {
    const double err = run([&](V& v) { return TDLambda<V>(v, {.gamma = 0.9, .step_size = alpha, .lambda = 0.8, .trace = type}); }, 1);
    INFO("TDLambda trace " << int(type) << " max error " << err);
    CHECK(err < tol);
  }
  double err = run([&](V& v) { return TrueOnlineTDLambda<V>(v, {.gamma = 0.9, .step_size = alpha, .lambda = 0.8}); }, 2);
  INFO("TrueOnlineTDLambda max error " << err);
  CHECK(err < tol);
  err = run([&](V& v) { return OfflineLambdaReturn<V>(v, {.gamma = 0.9, .step_size = alpha, .lambda = 0.8}); }, 3);
  INFO("OfflineLambdaReturn max error " << err);
  CHECK(err < tol);
  err = run([&](V& v) { return NStepTD<V>(v, {.gamma = 0.9, .step_size = alpha, .n = 3}); }, 4);
  INFO("NStepTD max error " << err);
  CHECK(err < tol);
  err = run([&](V& v) { return TDLambda<V, SparseTrace<double>>(v, {.gamma = 0.9, .step_size = alpha, .lambda = 0.8}); }, 5);
  INFO("TDLambda sparse max error " << err);
  CHECK(err < tol);
}

TEST_CASE("Trace learners converge to the TD(lambda) fixed point with aggregated features",
          "[learners][convergence]") {
  // The 19-state random walk (-1/+1, gamma 1, start in the centre) with
  // states aggregated in groups of 5. The TD(lambda) fixed point depends on
  // lambda (lambda = 1: the visit-weighted least-squares fit of the true
  // values); each learner is checked against its own lambda, and the two
  // fixed points differ by more than 5 times the tolerance. alpha 0.002,
  // weights averaged over episodes 5001-20000; measured errors below 0.013.
  const RandomWalk walk = RandomWalk::sutton_barto_19();
  Eigen::MatrixXd Phi = Eigen::MatrixXd::Zero(19, 4);
  for (Index s = 0; s < 19; ++s) Phi(s, s / 5) = 1.0;
  Eigen::VectorXd start = Eigen::VectorXd::Zero(19);
  start(9) = 1.0;
  const Eigen::VectorXd fixed0 = rlvalue_test::td_lambda_fixed_point(walk, Phi, 1.0, 0.0, start);
  const Eigen::VectorXd fixed8 = rlvalue_test::td_lambda_fixed_point(walk, Phi, 1.0, 0.8, start);
  const double tol = 0.02;
  INFO("fixed points " << fixed0.transpose() << " | " << fixed8.transpose());
  REQUIRE((fixed0 - fixed8).cwiseAbs().maxCoeff() > 5 * tol);
  using V = LinearV<StateAggregation>;
  auto run = [&](auto make_learner, std::uint64_t seed) {
    V v(StateAggregation(19, 5));
    auto learner = make_learner(v);
    Rng rng = make_rng(seed);
    RandomWalk env = walk;
    Eigen::VectorXd average = Eigen::VectorXd::Zero(4);
    for (int e = 0; e < 20000; ++e) {
      Index s = env.reset(rng);
      for (bool done = false; !done;) {
        const auto step = env.step(0, rng);
        learner.update({.state = s, .reward = step.reward, .next_state = step.next_state,
                        .terminated = step.terminated});
        s = step.next_state;
        done = step.terminated;
      }
      if (e >= 5000) average += v.parameters() / 15000.0;
    }
    return average;
  };
  Eigen::VectorXd w = run([](V& v) { return TDLambda<V>(v, {.gamma = 1.0, .step_size = 0.002, .lambda = 0.0}); }, 1);
  INFO("TD(0) " << w.transpose());
  CHECK((w - fixed0).cwiseAbs().maxCoeff() < tol);
  w = run([](V& v) { return TDLambda<V>(v, {.gamma = 1.0, .step_size = 0.002, .lambda = 0.8}); }, 2);
  INFO("TD(0.8) " << w.transpose());
  CHECK((w - fixed8).cwiseAbs().maxCoeff() < tol);
  w = run([](V& v) { return TrueOnlineTDLambda<V>(v, {.gamma = 1.0, .step_size = 0.002, .lambda = 0.8}); }, 3);
  INFO("true online TD(0.8) " << w.transpose());
  CHECK((w - fixed8).cwiseAbs().maxCoeff() < tol);
  w = run([](V& v) { return OfflineLambdaReturn<V>(v, {.gamma = 1.0, .step_size = 0.002, .lambda = 0.8}); }, 4);
  INFO("offline lambda-return 0.8 " << w.transpose());
  CHECK((w - fixed8).cwiseAbs().maxCoeff() < tol);
}

TEST_CASE("Trace learners: bad input", "[learners][td_lambda][errors]") {
  TabularV<double> v(3);
  using V = TabularV<double>;
  CHECK(thrown_message<std::invalid_argument>([&] { TDLambda<V>(v, {.lambda = 1.5}); }) ==
        "TDLambda: lambda = 1.5 is outside [0, 1]");
  CHECK_THROWS_AS(TDLambda<V>(v, {.lambda = -0.1}), std::invalid_argument);
  CHECK_THROWS_AS(TDLambda<V>(v, {.gamma = 1.1}), std::invalid_argument);
  CHECK(contains(thrown_message<std::invalid_argument>([&] { TDLambda<V>(v, {.step_size = 0.0}); }),
                 "step_size = 0"));
  CHECK_THROWS_AS(TrueOnlineTDLambda<V>(v, {.lambda = 2.0}), std::invalid_argument);
  CHECK_THROWS_AS(OfflineLambdaReturn<V>(v, {.lambda = NAN}), std::invalid_argument);
  CHECK(contains(thrown_message<std::invalid_argument>([&] { NStepTD<V>(v, {.n = 0}); }), "n = 0"));
  // Replacing traces need binary features.
  using Dense = LinearV<RadialBasis<1>>;
  Dense dense(RadialBasis<1>(Eigen::MatrixXd::Zero(2, 1), 1.0));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { TDLambda<Dense>(dense, {.trace = TraceType::replacing}); }),
                 "needs binary features"));
  // Feature dimension mismatch (dynamic dense features) is rejected.
  using DynamicDense = LinearV<RadialBasis<>>;
  DynamicDense dyn(RadialBasis<>(Eigen::MatrixXd::Zero(2, 2), 1.0));
  TDLambda<DynamicDense> dyn_td(dyn, {});
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   dyn_td.update({.state = Eigen::VectorXd::Zero(3), .reward = 0.0, .next_state = Eigen::VectorXd::Zero(2)});
                 }),
                 "state has size 3, expected 2"));

  // A throwing update changes nothing: weights and trace.
  TDLambda<V> td(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  td.update({.state = 0, .reward = 1.0, .next_state = 1});
  const Eigen::VectorXd w = v.parameters(), z = td.trace().values();
  CHECK_THROWS_AS(td.update({.state = 3, .reward = 1.0, .next_state = 1}), std::out_of_range);
  CHECK_THROWS_AS(td.update({.state = 1, .reward = 1.0, .next_state = -1}), std::out_of_range);
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   td.update({.state = 1, .reward = NAN, .next_state = 2});
                 }),
                 "reward = nan"));
  CHECK(v.parameters() == w);
  CHECK(td.trace().values() == z);
  TrueOnlineTDLambda<V> online(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  online.update({.state = 0, .reward = 1.0, .next_state = 1});
  const Eigen::VectorXd w2 = v.parameters();
  CHECK_THROWS_AS(online.update({.state = 1, .reward = INFINITY, .next_state = 2}), std::invalid_argument);
  CHECK(v.parameters() == w2);
  NStepTD<V> nstep(v, {.n = 3});
  CHECK_THROWS_AS(nstep.update({.state = 1, .reward = NAN, .next_state = 2}), std::invalid_argument);
  CHECK(nstep.pending() == 0);
  OfflineLambdaReturn<V> offline(v, {});
  CHECK_THROWS_AS(offline.update({.state = 1, .reward = 0.0, .next_state = 7}), std::out_of_range);
  CHECK(offline.pending() == 0);
}
