// Control with traces and n-step returns: SarsaLambda, TrueOnlineSarsaLambda,
// QLambda (Watkins, Peng), OffPolicyQLambda (importance sampling, Tree
// Backup, Retrace), NStepSarsa. Hand-worked episodes, termination vs
// truncation, reductions to the one-step learners, linear = tabular,
// convergence to the exact answers of mdp/, bad input.

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/radial_basis.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/learners/n_step_sarsa.hpp"
#include "rlvalue/learners/off_policy_q_lambda.hpp"
#include "rlvalue/learners/q_lambda.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/sarsa.hpp"
#include "rlvalue/learners/sarsa_lambda.hpp"
#include "rlvalue/learners/true_online_sarsa_lambda.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/value_iteration.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

namespace {
using Q2 = TabularQ<double>;
// (s0,a0) -(1)-> s1, a'=1;  (s1,a1) -(0)-> s0, a'=0;  (s0,a0) -(2)-> end.
const std::vector<Transition<>> kEpisode{{.state = 0, .action = 0, .reward = 1.0, .next_state = 1},
                                         {.state = 1, .action = 1, .reward = 0.0, .next_state = 0},
                                         {.state = 0, .action = 0, .reward = 2.0, .next_state = 1, .terminated = true}};
const Index kNext[3] = {1, 0, 0};
}  // namespace

TEST_CASE("SarsaLambda: hand-worked accumulating and replacing traces", "[learners][sarsa_lambda]") {
  // gamma 0.9, lambda 0.5, alpha 0.1, Q = 0.
  // 1: delta = 1, z = e00, Q00 = 0.1.
  // 2: delta = 0 + 0.9*Q00 - 0 = 0.09, z = 0.45 e00 + e11: Q00 = 0.10405, Q11 = 0.009.
  // 3: delta = 2 - 0.10405 = 1.89595; accumulating z = 1.2025 e00 + 0.45 e11:
  //    Q00 = 0.10405 + 0.189595*1.2025 = 0.3320379875, Q11 = 0.009 + 0.189595*0.45 = 0.09431775;
  //    replacing z = e00 + 0.45 e11: Q00 = 0.293645.
  for (const auto& [type, q00] : {std::pair{TraceType::accumulating, 0.3320379875},
                                  std::pair{TraceType::replacing, 0.293645}}) {
    Q2 q(2, 2);
    SarsaLambda<Q2> learner(q, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5, .trace = type});
    CHECK(learner.update(kEpisode[0], kNext[0]) == Approx(1.0));
    CHECK(learner.update(kEpisode[1], kNext[1]) == Approx(0.09));
    CHECK(learner.update(kEpisode[2], kNext[2]) == Approx(1.89595));
    CHECK(learner.q(0, 0) == Approx(q00).epsilon(1e-12));
    CHECK(learner.q(1, 1) == Approx(0.09431775).epsilon(1e-12));
    CHECK(learner.q(0, 1) == 0.0);
    CHECK(learner.trace().values().isZero());
  }
  // Truncated last step: bootstraps from Q(s1, a'=0) = 0 here, so delta is
  // the same, and the trace is cleared.
  Q2 q(2, 2);
  SarsaLambda<Q2> learner(q, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  learner.update(kEpisode[0], 1);
  learner.update(kEpisode[1], 0);
  q.set_value(1, 0, 1.0);  // now the bootstrap is 0.9 * 1: delta = 2.9 - 0.10405
  auto last = kEpisode[2];
  last.terminated = false;
  last.truncated = true;
  CHECK(learner.update(last, 0) == Approx(2.79595));
  CHECK(learner.trace().values().isZero());
}

TEST_CASE("QLambda: Watkins cuts after a non-greedy action; Peng's variant", "[learners][q_lambda]") {
  // Episode: (s0,a0,1,s1) a'=1 | (s1,a1,0,s0) a'=1 | (s0,a1,2,end).
  const std::vector<Transition<>> ep{{.state = 0, .action = 0, .reward = 1.0, .next_state = 1},
                                     {.state = 1, .action = 1, .reward = 0.0, .next_state = 0},
                                     {.state = 0, .action = 1, .reward = 2.0, .next_state = 0, .terminated = true}};
  // Watkins, gamma 0.9, lambda 0.5, alpha 0.1:
  // 1: delta = 1, Q00 = 0.1 (a'=1 ties at 0 in s1: greedy, trace kept).
  // 2: delta = 0.9*0.1 = 0.09, z = 0.45 e00 + e11: Q00 = 0.10405, Q11 = 0.009;
  //    a' = 1 in s0 where Q(s0,.) = (0.1, 0): not greedy, z = 0.
  // 3: delta = 2, z = e01: Q01 = 0.2, Q00 unchanged at 0.10405.
  Q2 q(2, 2);
  QLambda<Q2> watkins(q, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  watkins.update(ep[0], 1);
  watkins.update(ep[1], 1);
  CHECK(watkins.trace().values().isZero());
  CHECK(watkins.update(ep[2], 0) == Approx(2.0));
  CHECK(q.value(0, 0) == Approx(0.10405).epsilon(1e-12));
  CHECK(q.value(0, 1) == Approx(0.2).epsilon(1e-12));
  CHECK(q.value(1, 1) == Approx(0.009).epsilon(1e-12));
  // Peng: e' = r + gamma V(s') - V(s), e = r + gamma V(s') - Q(s, a).
  // 1: e = 1: Q00 = 0.1, z = e00.
  // 2: V(s0) = 0.1, V(s1) = 0: e' = 0.09, e = 0.09; z = 0.45 e00: Q00 = 0.10405;
  //    Q11 = 0.009; z = 0.45 e00 + e11.
  // 3: V(s0) = 0.10405: e' = 1.89595, e = 2; z = 0.2025 e00 + 0.45 e11:
  //    Q00 = 0.10405 + 0.189595*0.2025 = 0.1424429875, Q11 = 0.09431775, Q01 = 0.2.
  Q2 p(2, 2);
  QLambda<Q2> peng(p, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5, .variant = QLambdaVariant::peng});
  for (int k = 0; k < 3; ++k) peng.update(ep[static_cast<std::size_t>(k)], 1);
  CHECK(p.value(0, 0) == Approx(0.1424429875).epsilon(1e-12));
  CHECK(p.value(1, 1) == Approx(0.09431775).epsilon(1e-12));
  CHECK(p.value(0, 1) == Approx(0.2).epsilon(1e-12));
  CHECK(peng.trace().values().isZero());
}

TEST_CASE("OffPolicyQLambda: hand-worked importance sampling, Tree Backup, Retrace",
          "[learners][off_policy]") {
  // gamma 0.9, lambda 1, alpha 0.1; target pi = (0.8, 0.2) everywhere,
  // behaviour mu = 0.5 for every action.
  // 1: (s0,a0,1,s1): delta = 1; z = e00; Q00 = 0.1.
  // 2: (s1,a0,0,s0): delta = 0.9*(0.8*0.1 + 0.2*0) - 0 = 0.072; pi/mu = 1.6, so
  //    c = 1.6 (IS), 0.8 (TB), 1 (Retrace); z = 0.9 c e00 + e10:
  //    Q00 = 0.1 + 0.0072*0.9c = 0.110368 (IS), 0.105184 (TB), 0.10648 (Retrace); Q10 = 0.0072.
  const Eigen::RowVector2d pi(0.8, 0.2);
  const Transition<> t1{.state = 0, .action = 0, .reward = 1.0, .next_state = 1};
  const Transition<> t2{.state = 1, .action = 0, .reward = 0.0, .next_state = 0};
  const OffPolicyLambdaConfig config{.gamma = 0.9, .step_size = 0.1, .lambda = 1.0};
  auto run = [&](auto& learner, Q2& q, double expected) {
    CHECK(learner.update(t1, pi, 0.8, 0.5) == Approx(1.0));
    CHECK(learner.update(t2, pi, 0.8, 0.5) == Approx(0.072));
    CHECK(q.value(0, 0) == Approx(expected).epsilon(1e-12));
    CHECK(q.value(1, 0) == Approx(0.0072).epsilon(1e-12));
  };
  Q2 qa(2, 2), qb(2, 2), qc(2, 2);
  ImportanceSamplingQLambda<Q2> is(qa, config);
  TreeBackupLambda<Q2> tb(qb, config);
  RetraceLambda<Q2> retrace(qc, config);
  run(is, qa, 0.110368);
  run(tb, qb, 0.105184);
  run(retrace, qc, 0.10648);
  // Termination clears the trace (and does not bootstrap).
  CHECK(retrace.update({.state = 0, .action = 1, .reward = 1.0, .next_state = 1, .terminated = true}, pi, 0.2, 0.5) ==
        Approx(1.0));
  CHECK(retrace.trace().values().isZero());
}

TEMPLATE_TEST_CASE("Trace control learners reduce to the one-step learners at lambda = 0 / n = 1",
                   "[learners][sarsa_lambda][q_lambda]", float, double) {
  using T = TestType;
  using Q = TabularQ<T>;
  constexpr Index S = 5, A = 3;
  Q sa(S, A), sl(S, A), ql(S, A), qw(S, A), qp(S, A), es(S, A), tb(S, A), ns(S, A), to(S, A);
  const TDConfig one{.gamma = 0.9, .step_size = 0.2};
  Sarsa<Q> sarsa(sa, one);
  SarsaLambda<Q> sarsa0(sl, {.gamma = 0.9, .step_size = 0.2, .lambda = 0.0});
  NStepSarsa<Q> nstep1(ns, {.gamma = 0.9, .step_size = 0.2, .n = 1});
  TrueOnlineSarsaLambda<Q> online0(to, {.gamma = 0.9, .step_size = 0.2, .lambda = 0.0});
  QLearning<Q> qlearning(ql, one);
  QLambda<Q> watkins0(qw, {.gamma = 0.9, .step_size = 0.2, .lambda = 0.0});
  QLambda<Q> peng0(qp, {.gamma = 0.9, .step_size = 0.2, .lambda = 0.0, .variant = QLambdaVariant::peng});
  ExpectedSarsa<Q> expected(es, one);
  TreeBackupLambda<Q> tree0(tb, {.gamma = 0.9, .step_size = 0.2, .lambda = 0.0});
  Rng rng = make_rng(12);
  const Eigen::Matrix<T, 1, A> probs(T(0.5), T(0.25), T(0.25));
  for (int k = 0; k < 2000; ++k) {
    const Transition<Index, Index, T> t{.state = uniform_index(rng, S), .action = uniform_index(rng, A),
                                        .reward = static_cast<T>(normal(rng, 0.0, 1.0)),
                                        .next_state = uniform_index(rng, S),
                                        .terminated = bernoulli(rng, 0.1), .truncated = bernoulli(rng, 0.05)};
    const Index next = uniform_index(rng, A);
    REQUIRE(sarsa.update(t, next) == sarsa0.update(t, next));
    nstep1.update(t, next);
    online0.update(t, next);
    REQUIRE(qlearning.update(t) == watkins0.update(t, next));
    peng0.update(t, next);
    REQUIRE(expected.update(t, probs) == tree0.update(t, probs, 0.5, 0.5));
  }
  CHECK(sa.parameters() == sl.parameters());
  CHECK(sa.parameters() == ns.parameters());
  CHECK((sa.parameters() - to.parameters()).cwiseAbs().maxCoeff() < (std::is_same_v<T, float> ? 1e-4 : 1e-12));
  CHECK(ql.parameters() == qw.parameters());
  CHECK(ql.parameters() == qp.parameters());
  CHECK(es.parameters() == tb.parameters());
}

TEST_CASE("Trace control learners: linear with one-hot features equals tabular", "[learners][sarsa_lambda]") {
  using L = LinearQ<OneHotMap>;
  Q2 t1(4, 2), t2(4, 2);
  L l1(OneHotMap(4), 2), l2(OneHotMap(4), 2);
  SarsaLambda<Q2> a(t1, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.7, .trace = TraceType::replacing});
  SarsaLambda<L> b(l1, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.7, .trace = TraceType::replacing});
  TrueOnlineSarsaLambda<Q2> c(t2, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.7});
  TrueOnlineSarsaLambda<L> d(l2, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.7});
  Rng rng = make_rng(6);
  for (int k = 0; k < 1000; ++k) {
    const Transition<> t{.state = uniform_index(rng, 4), .action = uniform_index(rng, 2),
                         .reward = normal(rng, 0.0, 1.0), .next_state = uniform_index(rng, 4),
                         .terminated = bernoulli(rng, 0.1)};
    const Index next = uniform_index(rng, 2);
    REQUIRE(a.update(t, next) == b.update(t, next));
    REQUIRE(c.update(t, next) == d.update(t, next));
  }
  CHECK(t1.parameters() == l1.parameters());
  CHECK(t2.parameters() == l2.parameters());
  // Sparse traces give the same answer as dense ones with zero tolerance.
  Q2 t3(4, 2), t4(4, 2);
  SarsaLambda<Q2> dense(t3, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.7});
  SarsaLambda<Q2, SparseTrace<double>> sparse(t4, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.7, .trace_tolerance = 0.0});
  for (int k = 0; k < 1000; ++k) {
    const Transition<> t{.state = uniform_index(rng, 4), .action = uniform_index(rng, 2),
                         .reward = normal(rng, 0.0, 1.0), .next_state = uniform_index(rng, 4),
                         .terminated = bernoulli(rng, 0.1)};
    const Index next = uniform_index(rng, 2);
    dense.update(t, next);
    sparse.update(t, next);
  }
  CHECK(t3.parameters() == t4.parameters());
}

TEST_CASE("NStepSarsa: hand-worked, termination vs truncation", "[learners][n_step]") {
  // n = 2, gamma 0.9, alpha 0.5 on kEpisode:
  // step 2: G(s0,a0) = 1 + 0.9*0 + 0.81*Q(s0,a'=0) = 1 -> Q00 = 0.5.
  // end (terminated): G(s1,a1) = 0 + 0.9*2 = 1.8 -> Q11 = 0.9; G(s0,a0) = 2 -> Q00 = 0.5 + 0.5*1.5 = 1.25.
  // end (truncated at s1 with a' = 0, Q10 = 0): the same numbers; with Q10 = 1:
  //   G(s1,a1) = 1.8 + 0.81 = 2.61 -> 1.305; G(s0,a0) = 2 + 0.9 = 2.9 -> 0.5 + 1.2 = 1.7.
  for (const bool truncate : {false, true}) {
    Q2 q(2, 2);
    if (truncate) q.set_value(1, 0, 1.0);
    NStepSarsa<Q2> learner(q, {.gamma = 0.9, .step_size = 0.5, .n = 2});
    CHECK(learner.update(kEpisode[0], kNext[0]) == 0);
    CHECK(learner.update(kEpisode[1], kNext[1]) == 1);
    CHECK(q.value(0, 0) == 0.5);
    auto last = kEpisode[2];
    last.terminated = !truncate;
    last.truncated = truncate;
    CHECK(learner.update(last, 0) == 2);
    CHECK(q.value(1, 1) == Approx(truncate ? 1.305 : 0.9));
    CHECK(q.value(0, 0) == Approx(truncate ? 1.7 : 1.25));
  }
}

namespace {
// Garnet (6 states, 3 actions, termination 0.1 per step), gamma 0.9.
TabularMDP<double> control_garnet() {
  auto rng = make_rng(2024);
  return random_mdp(6, 3, 3, rng, {.reward_min = -1.0, .reward_max = 1.0, .termination_probability = 0.1});
}
Eigen::MatrixXd fixed_policy() {
  Eigen::MatrixXd pi(6, 3);
  for (Index s = 0; s < 6; ++s)
    for (Index a = 0; a < 3; ++a) pi(s, a) = 1.0 + double((s + a) % 3);
  for (Index s = 0; s < 6; ++s) pi.row(s) /= pi.row(s).sum();
  return pi;
}
// Runs `episodes` episodes from uniform starts with behaviour `mu`; `learn`
// is called as learn(transition, next_action); returns the average of Q over
// the second half of the episodes.
template <class Learn>
Eigen::MatrixXd run_control(const TabularMDP<double>& mdp, const Eigen::MatrixXd& mu, Q2& q, Learn learn,
                            int episodes, std::uint64_t seed) {
  MDPEnvironment<const TabularMDP<double>&> env(mdp, Eigen::VectorXd::Constant(6, 1.0 / 6.0));
  Rng rng = make_rng(seed);
  Eigen::MatrixXd average = Eigen::MatrixXd::Zero(6, 3);
  for (int e = 0; e < episodes; ++e) {
    Index s = env.reset(rng);
    Index a = sample_discrete(rng, mu.row(s));
    for (bool done = false; !done;) {
      const auto step = env.step(a, rng);
      const Index next = step.terminated ? 0 : sample_discrete(rng, mu.row(step.next_state));
      learn(Transition<>{.state = s, .action = a, .reward = step.reward, .next_state = step.next_state,
                         .terminated = step.terminated},
            next);
      s = step.next_state;
      a = next;
      done = step.terminated;
    }
    if (e >= episodes / 2) average += q.parameters() / double(episodes - episodes / 2);
  }
  return average;
}
}  // namespace

TEST_CASE("Trace control learners converge to the exact answers of mdp/", "[learners][convergence]") {
  // Alpha 0.005, 40000 episodes, Q averaged over the second half. Values lie
  // in about [-3, 1.5]; tolerance 0.07; the measured errors with these seeds
  // are 0.008 (Tree Backup) to 0.033 (n-step SARSA, Watkins).
  const auto mdp = control_garnet();
  const double gamma = 0.9, tol = 0.07;
  const Eigen::MatrixXd pi = fixed_policy();
  const Eigen::MatrixXd q_pi = q_from_v(mdp, evaluate_policy(mdp, pi, gamma), gamma);
  const Eigen::MatrixXd uniform = Eigen::MatrixXd::Constant(6, 3, 1.0 / 3.0);
  auto err = [](const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); };
  {  // on-policy evaluation of pi
    Q2 q(6, 3);
    SarsaLambda<Q2> learner(q, {.gamma = gamma, .step_size = 0.005, .lambda = 0.8});
    const double e = err(run_control(mdp, pi, q, [&](const Transition<>& t, Index n) { learner.update(t, n); }, 40000, 1), q_pi);
    INFO("SarsaLambda " << e);
    CHECK(e < tol);
  }
  {
    Q2 q(6, 3);
    TrueOnlineSarsaLambda<Q2> learner(q, {.gamma = gamma, .step_size = 0.005, .lambda = 0.8});
    const double e = err(run_control(mdp, pi, q, [&](const Transition<>& t, Index n) { learner.update(t, n); }, 40000, 2), q_pi);
    INFO("TrueOnlineSarsaLambda " << e);
    CHECK(e < tol);
  }
  {
    Q2 q(6, 3);
    NStepSarsa<Q2> learner(q, {.gamma = gamma, .step_size = 0.005, .n = 3});
    const double e = err(run_control(mdp, pi, q, [&](const Transition<>& t, Index n) { learner.update(t, n); }, 40000, 3), q_pi);
    INFO("NStepSarsa " << e);
    CHECK(e < tol);
  }
  // Off-policy evaluation of pi from uniform behaviour.
  auto off_policy = [&](auto& learner, Q2& q, std::uint64_t seed) {
    return err(run_control(mdp, uniform, q,
                           [&](const Transition<>& t, Index) {
                             learner.update(t, pi.row(t.next_state), pi(t.state, t.action), 1.0 / 3.0);
                           },
                           40000, seed),
               q_pi);
  };
  const OffPolicyLambdaConfig off{.gamma = gamma, .step_size = 0.005, .lambda = 0.8};
  {
    Q2 q(6, 3);
    RetraceLambda<Q2> learner(q, off);
    const double e = off_policy(learner, q, 4);
    INFO("Retrace " << e);
    CHECK(e < tol);
  }
  {
    Q2 q(6, 3);
    TreeBackupLambda<Q2> learner(q, off);
    const double e = off_policy(learner, q, 5);
    INFO("TreeBackup " << e);
    CHECK(e < tol);
  }
  {
    Q2 q(6, 3);
    ImportanceSamplingQLambda<Q2> learner(q, off);
    const double e = off_policy(learner, q, 6);
    INFO("ImportanceSampling " << e);
    CHECK(e < tol);
  }
  {  // Watkins's Q(lambda) from uniform behaviour learns Q*.
    const auto exact = value_iteration(mdp, gamma);
    Q2 q(6, 3);
    QLambda<Q2> learner(q, {.gamma = gamma, .step_size = 0.005, .lambda = 0.8});
    const double e = err(run_control(mdp, uniform, q, [&](const Transition<>& t, Index n) { learner.update(t, n); }, 40000, 7), exact.q);
    INFO("Watkins Q(lambda) " << e);
    CHECK(e < tol);
  }
}

TEST_CASE("Trace control learners: bad input", "[learners][sarsa_lambda][errors]") {
  Q2 q(3, 2);
  CHECK(thrown_message<std::invalid_argument>([&] { SarsaLambda<Q2>(q, {.lambda = 1.5}); }) ==
        "SarsaLambda: lambda = 1.5 is outside [0, 1]");
  CHECK_THROWS_AS(TrueOnlineSarsaLambda<Q2>(q, {.lambda = -1.0}), std::invalid_argument);
  CHECK_THROWS_AS(QLambda<Q2>(q, {.lambda = 2.0}), std::invalid_argument);
  CHECK(contains(thrown_message<std::invalid_argument>([&] { QLambda<Q2>(q, {.trace = TraceType::dutch}); }),
                 "dutch"));
  CHECK_THROWS_AS(RetraceLambda<Q2>(q, {.lambda = 1.01}), std::invalid_argument);
  CHECK_THROWS_AS(NStepSarsa<Q2>(q, {.n = 0}), std::invalid_argument);
  using Dense = LinearQ<RadialBasis<1>>;
  Dense dense(RadialBasis<1>(Eigen::MatrixXd::Zero(2, 1), 1.0), 2);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { SarsaLambda<Dense>(dense, {.trace = TraceType::replacing}); }),
                 "needs binary features"));

  SarsaLambda<Q2> learner(q, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  learner.update({.state = 0, .action = 1, .reward = 1.0, .next_state = 1}, 0);
  const Eigen::MatrixXd before = q.parameters().cast<double>();
  const Eigen::VectorXd z = learner.trace().values();
  CHECK(thrown_message<std::out_of_range>([&] {
          learner.update({.state = 1, .action = 0, .reward = 1.0, .next_state = 2}, 2);
        }) == "SarsaLambda::update: next_action = 2 is out of range [0, 2)");
  CHECK_THROWS_AS(learner.update({.state = 1, .action = 2, .reward = 1.0, .next_state = 2}, 0), std::out_of_range);
  CHECK_THROWS_AS(learner.update({.state = 1, .action = 0, .reward = NAN, .next_state = 2}, 0), std::invalid_argument);
  CHECK(Eigen::MatrixXd(q.parameters()) == before);
  CHECK(learner.trace().values() == z);

  RetraceLambda<Q2> retrace(q, {});
  const Eigen::RowVector2d ok(0.5, 0.5);
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   retrace.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1}, ok, 0.5, 0.0);
                 }),
                 "mu = 0 is outside (0, 1]"));
  CHECK_THROWS_AS(retrace.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1}, ok, 1.5, 0.5),
                  std::invalid_argument);
  CHECK_THROWS_AS(retrace.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1},
                                 Eigen::RowVector2d(0.5, 0.6), 0.5, 0.5),
                  std::invalid_argument);
  CHECK_THROWS_AS(retrace.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1},
                                 Eigen::RowVector3d(0.5, 0.5, 0.0), 0.5, 0.5),
                  std::invalid_argument);
  CHECK(Eigen::MatrixXd(q.parameters()) == before);
}
