// float and double agree (issue 10): every estimator family, run in float and
// in double on the same data, ends at the same numbers to float precision.
//
// Data: 3000 transitions of episodes of a Garnet MDP (6 states, 3 actions,
// rewards in [-1, 1) rounded to float, so both types see the same numbers),
// uniformly random actions, episodes cut (truncated) after 20 steps; the
// randomised learners get generators with the same seed in both types (their
// draws do not depend on the values). Values are of order 1 to 10.
//
// Tolerance: |float - double| <= 1e-4 * max(1, max |double|) on every entry.
// Why: float rounds each operation to a relative 6e-8; an update adds a few
// such errors of the size of the values, and the learners are contractions
// with constant step alpha (>= 0.05 here), so the accumulated error stays
// near eps * |values| * (few / alpha), about 1e-5 relative in the worst case
// here (traces multiply the per-step error by 1/(1 - gamma*lambda) ~ 3, the
// log mapping by c*|mapped value|). Measured with these seeds (printed on
// failure): at most 1.3e-6, except QuantileTD at 1.8e-5, whose sign-based
// step does not damp rounding errors (they add up as a random walk) - still
// 5x inside the bound. The sequence functions are one backward recursion with
// factor gamma*lambda < 1: their error is a few eps of the largest value.
// Every header below supports float (nothing was skipped).

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "catch.hpp"
#include "rlvalue/rlvalue.hpp"

using namespace rlvalue;

namespace {

constexpr double kRelTol = 1e-4;
constexpr Index kStates = 6, kActions = 3;

struct Sample {
  Transition<> t;
  Index next_action;  // the action taken after t (a uniform draw after an episode end)
};

std::vector<Sample> make_stream(std::size_t n, std::uint64_t seed) {
  auto mdp_rng = make_rng(2024);
  const auto mdp = random_mdp(kStates, kActions, 3, mdp_rng, {.termination_probability = 0.1});
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  auto rng = make_rng(seed);
  std::vector<Sample> out;
  out.reserve(n);
  while (out.size() < n) {
    env.reset_to(uniform_index(rng, kStates));
    Index a = uniform_index(rng, kActions);
    for (int k = 0; k < 20 && out.size() < n; ++k) {
      const Index s = env.state();
      const auto step = env.step(a, rng);
      const Index next_a = uniform_index(rng, kActions);
      const bool cut = !step.terminated && (k == 19 || out.size() + 1 == n);
      out.push_back({{.state = s, .action = a, .reward = double(float(step.reward)),
                      .next_state = step.next_state, .terminated = step.terminated,
                      .truncated = cut},
                     next_a});
      if (step.terminated) break;
      a = next_a;
    }
  }
  return out;
}

const std::vector<Sample>& stream() {
  static const std::vector<Sample> data = make_stream(3000, 77);
  return data;
}

template <class T>
Transition<Index, Index, T> as(const Transition<>& t) {
  return {.state = t.state, .action = t.action, .reward = static_cast<T>(t.reward),
          .next_state = t.next_state, .terminated = t.terminated, .truncated = t.truncated};
}

template <class M>
Eigen::MatrixXd to_double(const M& m) {
  return m.template cast<double>();
}

// Stacks two parameter tables (same number of columns) vertically.
template <class A, class B>
Eigen::MatrixXd stack(const A& a, const B& b) {
  Eigen::MatrixXd out(a.rows() + b.rows(), a.cols());
  out << a.template cast<double>(), b.template cast<double>();
  return out;
}

// Runs `run(float{})` and `run(double{})` and checks the stated tolerance.
template <class Run>
void check_agree(const char* name, Run&& run) {
  const Eigen::MatrixXd f = run(float{});
  const Eigen::MatrixXd d = run(double{});
  REQUIRE(f.rows() == d.rows());
  REQUIRE(f.cols() == d.cols());
  REQUIRE(d.allFinite());
  REQUIRE(f.allFinite());
  const double scale = std::max(1.0, d.cwiseAbs().maxCoeff());
  const double error = (f - d).cwiseAbs().maxCoeff();
  INFO(name << ": max |float - double| = " << error << ", max |double| = " << scale);
  CHECK(error <= kRelTol * scale);
  CHECK(d.cwiseAbs().maxCoeff() > 0.05);  // the run moved the estimates
}

}  // namespace

TEST_CASE("float and double agree: state-value learners", "[reliability][float_double]") {
  const auto& data = stream();
  check_agree("TD0", [&](auto tag) {
    using T = decltype(tag);
    TabularV<T> v(kStates);
    TD0<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.1});
    for (const auto& x : data) l.update(as<T>(x.t));
    return to_double(v.parameters());
  });
  check_agree("TDLambda", [&](auto tag) {
    using T = decltype(tag);
    TabularV<T> v(kStates);
    TDLambda<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.05, .lambda = 0.8});
    for (const auto& x : data) l.update(as<T>(x.t));
    return to_double(v.parameters());
  });
  check_agree("TrueOnlineTDLambda", [&](auto tag) {
    using T = decltype(tag);
    TabularV<T> v(kStates);
    TrueOnlineTDLambda<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.05, .lambda = 0.8});
    for (const auto& x : data) l.update(as<T>(x.t));
    return to_double(v.parameters());
  });
  check_agree("NStepTD", [&](auto tag) {
    using T = decltype(tag);
    TabularV<T> v(kStates);
    NStepTD<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.1, .n = 3});
    for (const auto& x : data) l.update(as<T>(x.t));
    return to_double(v.parameters());
  });
  check_agree("GTD2", [&](auto tag) {
    using T = decltype(tag);
    TabularV<T> v(kStates);
    GTD2<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.2});
    for (const auto& x : data) l.update(as<T>(x.t));
    return stack(v.parameters(), l.secondary());
  });
  check_agree("TDC", [&](auto tag) {
    using T = decltype(tag);
    TabularV<T> v(kStates);
    TDC<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.2});
    for (const auto& x : data) l.update(as<T>(x.t));
    return stack(v.parameters(), l.secondary());
  });
}

TEST_CASE("float and double agree: action-value learners", "[reliability][float_double]") {
  const auto& data = stream();
  check_agree("QLearning", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> q(kStates, kActions);
    QLearning<TabularQ<T>> l(q, {.gamma = 0.9, .step_size = 0.1});
    for (const auto& x : data) l.update(as<T>(x.t));
    return to_double(q.parameters());
  });
  check_agree("Sarsa", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> q(kStates, kActions);
    Sarsa<TabularQ<T>> l(q, {.gamma = 0.9, .step_size = 0.1});
    for (const auto& x : data) l.update(as<T>(x.t), x.next_action);
    return to_double(q.parameters());
  });
  check_agree("ExpectedSarsa", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> q(kStates, kActions);
    ExpectedSarsa<TabularQ<T>> l(q, {.gamma = 0.9, .step_size = 0.1});
    const Eigen::Matrix<T, 3, 1> probs(T(0.25), T(0.25), T(0.5));
    for (const auto& x : data) l.update(as<T>(x.t), probs);
    return to_double(q.parameters());
  });
  check_agree("SarsaLambda", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> q(kStates, kActions);
    SarsaLambda<TabularQ<T>> l(q, {.gamma = 0.9, .step_size = 0.05, .lambda = 0.8});
    for (const auto& x : data) l.update(as<T>(x.t), x.next_action);
    return to_double(q.parameters());
  });
  for (const auto variant : {QLambdaVariant::watkins, QLambdaVariant::peng}) {
    check_agree(variant == QLambdaVariant::watkins ? "QLambda (Watkins)" : "QLambda (Peng)",
                [&](auto tag) {
                  using T = decltype(tag);
                  TabularQ<T> q(kStates, kActions);
                  QLambda<TabularQ<T>> l(q, {.gamma = 0.9, .step_size = 0.05, .lambda = 0.8,
                                             .variant = variant});
                  for (const auto& x : data) l.update(as<T>(x.t), x.next_action);
                  return to_double(q.parameters());
                });
  }
}

TEST_CASE("float and double agree: double and ensemble Q-learning",
          "[reliability][float_double]") {
  const auto& data = stream();
  check_agree("DoubleQLearning", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> qa(kStates, kActions), qb(kStates, kActions);
    DoubleQLearning<TabularQ<T>> l(qa, qb, {.gamma = 0.9, .step_size = 0.1});
    auto rng = make_rng(5);
    for (const auto& x : data) l.update(as<T>(x.t), rng);
    return stack(qa.parameters(), qb.parameters());
  });
  check_agree("ClippedDoubleQLearning", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> q1(kStates, kActions), q2(kStates, kActions);
    ClippedDoubleQLearning<TabularQ<T>> l(
        q1, q2, {.gamma = 0.9, .step_size = 0.1, .critic_update = CriticUpdate::one_at_random,
                 .target_period = 2, .polyak = 0.5});
    auto rng = make_rng(6);
    for (const auto& x : data) l.update(as<T>(x.t), rng);
    return stack(q1.parameters(), q2.parameters());
  });
  check_agree("MaxminQLearning", [&](auto tag) {
    using T = decltype(tag);
    std::vector<TabularQ<T>> critics(3, TabularQ<T>(kStates, kActions));
    MaxminQLearning<TabularQ<T>> l(std::span<TabularQ<T>>(critics),
                                   {.gamma = 0.9, .step_size = 0.1, .update_count = 1});
    auto rng = make_rng(7);
    for (const auto& x : data) l.update(as<T>(x.t), rng);
    return stack(stack(critics[0].parameters(), critics[1].parameters()),
                 critics[2].parameters());
  });
}

TEST_CASE("float and double agree: distributional learners", "[reliability][float_double]") {
  const auto& data = stream();
  check_agree("CategoricalTD", [&](auto tag) {
    using T = decltype(tag);
    CategoricalTable<T> table(kStates, {.v_min = -12.0, .v_max = 12.0, .num_atoms = 51});
    CategoricalTD<CategoricalTable<T>> l(table, {.gamma = 0.9, .step_size = 0.1});
    for (const auto& x : data) l.update(as<T>(x.t));
    Eigen::MatrixXd out(kStates, table.num_atoms() + 1);  // probabilities, then the mean
    out.leftCols(table.num_atoms()) = table.parameters().template cast<double>();
    for (Index s = 0; s < kStates; ++s) out(s, table.num_atoms()) = double(table.mean(s));
    return out;
  });
  check_agree("QuantileTD", [&](auto tag) {
    using T = decltype(tag);
    QuantileTable<T> table(kStates, 1, 8);
    QuantileTD<QuantileTable<T>> l(table, {.gamma = 0.9, .step_size = 0.05});
    for (const auto& x : data) l.update(as<T>(x.t));
    return to_double(table.parameters());
  });
}

TEST_CASE("float and double agree: mapping-based learners", "[reliability][float_double]") {
  const auto& data = stream();
  check_agree("LogQLearning", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> p(kStates, kActions), n(kStates, kActions);
    LogQLearning<TabularQ<T>> l(p, n, {.gamma = 0.9, .step_size = 0.1, .regular_step_size = 0.5,
                                       .c = 1.0, .k = 20.0});
    for (const auto& x : data) l.update(as<T>(x.t));
    Eigen::MatrixXd q(kStates, kActions);
    for (Index s = 0; s < kStates; ++s)
      for (Index a = 0; a < kActions; ++a) q(s, a) = double(l.q(s, a));
    return stack(stack(p.parameters(), n.parameters()), q);
  });
  check_agree("OrchestratedQLearning (log-linear channels)", [&](auto tag) {
    using T = decltype(tag);
    TabularQ<T> p(kStates, kActions), n(kStates, kActions);
    const LogLinearMapping<T> f({.c = 1.0, .break_point = 0.1, .offset = 0.1});  // f(0) = 0
    OrchestratedQLearning<TabularQ<T>, PolarDecomposition<T>,
                          ChannelPack<LogLinearMapping<T>, LogLinearMapping<T>>>
        l({&p, &n}, PolarDecomposition<T>{}, {f, f},
          {.gamma = 0.9, .step_size = 0.2, .regular_step_size = 0.5});
    for (const auto& x : data) l.update(as<T>(x.t));
    return stack(p.parameters(), n.parameters());
  });
}

TEST_CASE("float and double agree: sequence functions", "[reliability][float_double]") {
  constexpr Index T = 256, B = 4;
  auto rng = make_rng(31);
  auto draw = [&](double lo, double hi) { return double(float(lo + (hi - lo) * uniform01(rng))); };
  Eigen::MatrixXd rewards(T, B), values(T, B), next_values(T, B), discounts(T, B), rhos(T, B),
      expected_next_q(T, B);
  for (Index b = 0; b < B; ++b) {
    for (Index t = 0; t < T; ++t) {
      rewards(t, b) = draw(-1.0, 1.0);
      values(t, b) = draw(-5.0, 5.0);
      rhos(t, b) = draw(0.2, 2.0);
      discounts(t, b) = uniform01(rng) < 0.05 ? 0.0 : double(0.9f);
    }
    for (Index t = 0; t < T; ++t) {
      next_values(t, b) = t + 1 < T ? values(t + 1, b) : draw(-5.0, 5.0);
      expected_next_q(t, b) = next_values(t, b) + draw(-0.5, 0.5);
    }
  }
  const Eigen::MatrixXf rf = rewards.cast<float>(), vf = values.cast<float>(),
                        nf = next_values.cast<float>(), df = discounts.cast<float>(),
                        pf = rhos.cast<float>(), ef = expected_next_q.cast<float>();
  auto compare = [](const char* name, const Eigen::MatrixXf& f, const Eigen::MatrixXd& d) {
    REQUIRE(d.allFinite());
    const double scale = std::max(1.0, d.cwiseAbs().maxCoeff());
    const double error = (f.cast<double>() - d).cwiseAbs().maxCoeff();
    INFO(name << ": max |float - double| = " << error << ", max |double| = " << scale);
    CHECK(error <= kRelTol * scale);
  };
  compare("lambda_returns", lambda_returns(rf, df, nf, 0.95f),
          lambda_returns(rewards, discounts, next_values, 0.95));
  compare("n_step_returns", n_step_returns(rf, df, nf, 5),
          n_step_returns(rewards, discounts, next_values, 5));
  compare("gae", gae(rf, vf, nf, df, 0.95f), gae(rewards, values, next_values, discounts, 0.95));
  const auto vt_f = vtrace(vf, nf, rf, df, pf, 0.95f);
  const auto vt_d = vtrace(values, next_values, rewards, discounts, rhos, 0.95);
  compare("vtrace vs", vt_f.vs, vt_d.vs);
  compare("vtrace pg_advantages", vt_f.pg_advantages, vt_d.pg_advantages);
  compare("retrace_returns", retrace_returns(rf, df, ef, nf, pf, 0.95f),
          retrace_returns(rewards, discounts, expected_next_q, next_values, rhos, 0.95));
}
