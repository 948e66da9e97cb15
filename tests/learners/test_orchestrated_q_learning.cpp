// OrchestratedQLearning, LogQLearning, QDecomposition, GeometricDecay:
// hand-worked Log Q updates (terminated vs truncated), OVM with one identity
// channel = QLearning to the last bit, Log Q through OVM = LogQLearning,
// Q-decomposition's aggregate = Q-learning on the summed reward, linear
// (one-hot LinearQ) = tabular, binary tiles with beta/w = sqrt(1/w)-valued
// tiles with beta (the chain example's features), convergence of Log
// Q-learning to Q* of value_iteration on a random MDP with rewards of both
// signs, bad input leaving every channel unchanged.

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/learners/geometric_decay.hpp"
#include "rlvalue/learners/log_q_learning.hpp"
#include "rlvalue/learners/orchestrated_q_learning.hpp"
#include "rlvalue/learners/q_decomposition.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/mapping/identity.hpp"
#include "rlvalue/mapping/log_linear.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/value_iteration.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

namespace {

template <class T>
struct Identity1 {
  void operator()(T r, std::span<T> out) const { out[0] = r; }
};
template <class T>
using SingleIdentityOVM =
    OrchestratedQLearning<TabularQ<T>, UserDecomposition<T, Identity1<T>>, ChannelPack<IdentityMapping<T>>>;

static_assert(ActionValueReader<LogQLearning<TabularQ<double>>>);
static_assert(std::is_base_of_v<LogQLearningOVM<TabularQ<float>>, LogQLearning<TabularQ<float>>>);
static_assert(!std::is_constructible_v<LogQLearning<TabularQ<double>>, TabularQ<double>&&,
                                       TabularQ<double>&, LogQLearningConfig>);

/// Random transitions on a 4-state, 3-action space: rewards in [-2, 2],
/// about 10% terminated and 10% truncated, some self-transitions.
template <class T>
std::vector<Transition<Index, Index, T>> random_transitions(int n, std::uint64_t seed) {
  Rng rng = make_rng(seed);
  std::vector<Transition<Index, Index, T>> ts;
  for (int i = 0; i < n; ++i) {
    const double u = uniform01(rng);
    ts.push_back({.state = uniform_index(rng, 4), .action = uniform_index(rng, 3),
                  .reward = T(-2.0 + 4.0 * uniform01(rng)), .next_state = uniform_index(rng, 4),
                  .terminated = u < 0.1, .truncated = u >= 0.1 && u < 0.2});
  }
  return ts;
}

TabularMDP<double> signed_garnet() {
  auto rng = make_rng(3);  // a seed whose Q* has both signs and action gaps > 0.4
  return random_mdp(5, 2, 2, rng,
                    {.reward_min = -1.0, .reward_max = 1.0, .termination_probability = 0.1});
}

/// 1-D tile coding of the Log Q chain over `n` integer states: tiling t of w
/// activates tile (s + t) / w of n / w + 2. Binary (sparse) form.
struct ChainTilesBinary {
  using state_type = Index;
  Index n, w;
  Index tiles() const noexcept { return n / w + 2; }
  Index num_features() const noexcept { return w * tiles(); }
  Index num_active() const noexcept { return w; }
  void write(Index s, std::span<Index> out) const noexcept {
    for (Index t = 0; t < w; ++t) out[static_cast<std::size_t>(t)] = t * tiles() + (s + t) / w;
  }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, n);
  }
};

/// The same tiles as dense features of value `v` (the paper: v = sqrt(1/w)).
struct ChainTilesValued {
  using state_type = Index;
  ChainTilesBinary tiles;
  double v;
  Index num_features() const noexcept { return tiles.num_features(); }
  template <class T>
  void write(Index s, std::span<T> out) const noexcept {
    std::fill(out.begin(), out.end(), T(0));
    for (Index t = 0; t < tiles.w; ++t)
      out[static_cast<std::size_t>(t * tiles.tiles() + (s + t) / tiles.w)] = static_cast<T>(v);
  }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    tiles.check_state(where, name, s);
  }
};

}  // namespace

TEMPLATE_TEST_CASE("LogQLearning: hand-worked updates, terminated vs truncated",
                   "[learners][log_q]", float, double) {
  using T = TestType;
  // c = 1, gamma = 0.5, k = 2: offset gamma^k = 0.25, d = -ln(0.25) = ln 4,
  // f(x) = ln(x + 0.25) + ln 4, f^-1(y) = exp(y - ln 4) - 0.25; beta_reg = 0.5, beta_log = 0.1.
  const LogQLearningConfig config{.gamma = 0.5, .step_size = 0.1, .regular_step_size = 0.5,
                                  .c = 1.0, .k = 2.0};
  const double ln4 = std::log(4.0);
  {
    TabularQ<T> qp(2, 2), qn(2, 2);
    LogQLearning<TabularQ<T>> lq(qp, qn, config);
    // All values 0 (regular 0). (0, 0, r = 1, s' = 1): a~ = 0 (tie).
    // +: U = 1 + 0.5*0 = 1, q = 0, U^ = 0.5, f(0.5) = ln(0.75) + ln 4 = ln 3; Q~+ = 0.1 ln 3.
    // -: U = 0, U^ = 0, f(0) = 0; unchanged. Returned error: 1*(1 - 0) - 1*(0 - 0) = 1.
    CHECK(lq.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1}) == Approx(1.0));
    CHECK(qp.parameters()(0, 0) == Approx(0.1 * std::log(3.0)).epsilon(1e-6));
    CHECK(qn.parameters()(0, 0) == T(0));
    CHECK(lq.channel_q(0, 0, 0) == Approx(std::exp(0.1 * std::log(3.0) - ln4) - 0.25).epsilon(1e-6));
  }
  auto prepared = [&](TabularQ<T>& qp, TabularQ<T>& qn) {
    // Q~+(1, 1) = ln 2 (regular exp(ln 2 - ln 4) - 0.25 = 0.25); Q~-(1, 0) = ln 3 (regular 0.5).
    qp.set_value(1, 1, T(std::log(2.0)));
    qn.set_value(1, 0, T(std::log(3.0)));
  };
  for (int mode = 0; mode < 3; ++mode) {  // 0 plain, 1 truncated, 2 terminated
    TabularQ<T> qp(2, 2), qn(2, 2);
    prepared(qp, qn);
    LogQLearning<TabularQ<T>> lq(qp, qn, config);
    // Aggregate at s' = 1: a0: 0 - 0.5 = -0.5, a1: 0.25 - 0 = 0.25 -> a~ = 1.
    CHECK(lq.greedy_action(1) == 1);
    CHECK(lq.q(1, 0) == Approx(-0.5));
    CHECK(lq.value(1) == Approx(0.25));
    const T error = lq.update({.state = 0, .action = 1, .reward = T(-2), .next_state = 1,
                               .terminated = mode == 2, .truncated = mode == 1});
    if (mode < 2) {
      // +: r+ = 0, U = 0.5*0.25 = 0.125, q = 0, U^ = 0.0625, f = ln(0.3125) + ln 4 = ln 1.25;
      //    Q~+(0, 1) = 0.1 ln 1.25 = 0.022314355131420976.
      // -: r- = 2, v' = f^-1(Q~-(1, a~ = 1) = 0) = 0, U = 2, U^ = 1, f(1) = ln 1.25 + ln 4 = ln 5;
      //    Q~-(0, 1) = 0.1 ln 5 = 0.16094379124341003.  Error: 0.125 - 2 = -1.875.
      CHECK(qp.parameters()(0, 1) == Approx(0.022314355131420976).epsilon(1e-6));
      CHECK(error == Approx(-1.875));
    } else {
      // Terminated: no bootstrap. +: U = 0, U^ = 0, unchanged. -: as above. Error: 0 - 2 = -2.
      CHECK(qp.parameters()(0, 1) == T(0));
      CHECK(error == Approx(-2.0));
    }
    CHECK(qn.parameters()(0, 1) == Approx(0.16094379124341003).epsilon(1e-6));
    // Nothing else changed.
    CHECK(qp.parameters()(1, 1) == T(std::log(2.0)));
    CHECK(qn.parameters()(1, 0) == T(std::log(3.0)));
    CHECK(qp.parameters()(0, 0) == T(0));
    CHECK(qn.parameters()(0, 0) == T(0));
  }
}

TEST_CASE("LogQLearning: the regular-space step is exact at beta_reg = 1", "[learners][log_q]") {
  // gamma = 0.8, k = 200: offset o = 0.8^200 = 4.15e-20. Q~+(0, 0) = f(0.1); a terminal
  // step with r = 3e-20 and beta_reg = beta_log = 1 must give Q~+(0, 0) = f(3e-20)
  // = ln((3e-20 + o) / o) = 0.544. Evaluated as q + (U - q), the step would round to
  // 0.1 + (3e-20 - 0.1) = 0 and give f(0) = 0; near -o such a rounding error leaves
  // the mapping's domain.
  TabularQ<double> qp(2, 1), qn(2, 1);
  LogQLearning<TabularQ<double>> lq(qp, qn, {.gamma = 0.8, .step_size = 1.0, .regular_step_size = 1.0});
  const auto f = LogQLearning<TabularQ<double>>::mapping({.gamma = 0.8});
  qp.set_value(0, 0, f.forward(0.1));
  lq.update({.state = 0, .action = 0, .reward = 3e-20, .next_state = 1, .terminated = true});
  const double o = std::pow(0.8, 200.0);
  CHECK(qp.parameters()(0, 0) == Approx(std::log((3e-20 + o) / o)).margin(1e-12));
  CHECK(qp.parameters()(0, 0) > 0.5);
}

TEMPLATE_TEST_CASE("OVM with one identity channel equals QLearning to the last bit",
                   "[learners][ovm][property]", float, double) {
  using T = TestType;
  const double beta_reg = 0.7, beta_f = 0.3;
  TabularQ<T> q1(4, 3), q2(4, 3);
  SingleIdentityOVM<T> ovm({&q1}, UserDecomposition<T, Identity1<T>>({1.0}), {IdentityMapping<T>{}},
                           {.gamma = 0.9, .step_size = beta_f, .regular_step_size = beta_reg});
  QLearning<TabularQ<T>> ql(q2, {.gamma = 0.9, .step_size = beta_reg * beta_f});
  for (const auto& t : random_transitions<T>(5000, 11)) {
    const T e1 = ovm.update(t);
    const T e2 = ql.update(t);
    REQUIRE(e1 == e2);
    REQUIRE(q1.parameters() == q2.parameters());
  }
  CHECK(q1.parameters().cwiseAbs().maxCoeff() > T(0.5));  // it did learn something
  for (Index s = 0; s < 4; ++s) {
    CHECK(ovm.greedy_action(s) == ql.greedy_action(s));
    CHECK(ovm.value(s) == ql.value(s));
  }
}

TEMPLATE_TEST_CASE("Log Q-learning built through OVM equals LogQLearning", "[learners][ovm][log_q]",
                   float, double) {
  using T = TestType;
  const LogQLearningConfig config{.gamma = 0.8, .step_size = 0.2, .regular_step_size = 0.6,
                                  .c = 0.5, .k = 30.0};
  TabularQ<T> p1(4, 3), n1(4, 3), p2(4, 3), n2(4, 3);
  LogQLearning<TabularQ<T>> alias(p1, n1, config);
  const LogarithmicMapping<T> f({.c = 0.5, .gamma = 0.8, .k = 30.0});
  OrchestratedQLearning<TabularQ<T>, PolarDecomposition<T>,
                        ChannelPack<LogarithmicMapping<T>, LogarithmicMapping<T>>>
      ovm({&p2, &n2}, PolarDecomposition<T>{}, {f, f},
          {.gamma = 0.8, .step_size = 0.2, .regular_step_size = 0.6});
  for (const auto& t : random_transitions<T>(3000, 12)) {
    REQUIRE(alias.update(t) == ovm.update(t));
    REQUIRE(p1.parameters() == p2.parameters());
    REQUIRE(n1.parameters() == n2.parameters());
  }
  CHECK(p1.parameters().cwiseAbs().maxCoeff() > T(0.5));
  for (Index s = 0; s < 4; ++s)
    for (Index a = 0; a < 3; ++a) CHECK(alias.q(s, a) == ovm.q(s, a));
}

TEST_CASE("OVM on one-hot LinearQ equals OVM on TabularQ; run-time channels",
          "[learners][ovm][linear]") {
  using Lin = LinearQ<OneHotMap>;
  Lin lp(OneHotMap(4), 3), ln(OneHotMap(4), 3);
  TabularQ<double> tp(4, 3), tn(4, 3);
  const LogarithmicMapping<double> f({.gamma = 0.9, .k = 50.0});
  using Dyn = ChannelVector<LogarithmicMapping<double>>;
  OrchestratedQLearning<Lin, PolarDecomposition<double>, Dyn> linear(
      {&lp, &ln}, {}, Dyn{{f, f}}, {.gamma = 0.9, .step_size = 0.3, .regular_step_size = 0.5});
  LogQLearning<TabularQ<double>> tabular(tp, tn, {.gamma = 0.9, .step_size = 0.3,
                                                  .regular_step_size = 0.5, .k = 50.0});
  for (const auto& t : random_transitions<double>(3000, 13)) {
    REQUIRE(linear.update(t) == tabular.update(t));
  }
  for (Index s = 0; s < 4; ++s) {
    CHECK(linear.action_values(s) == tabular.action_values(s));
    CHECK(lp.parameters().row(s) == tp.parameters().row(s));
    CHECK(ln.parameters().row(s) == tn.parameters().row(s));
  }
}

TEST_CASE("LogQLearning on tiles: binary features with beta/w = valued features with beta/(w v^2)",
          "[learners][log_q][linear]") {
  // The chain example's claim: binary tiles with the mapped-space step
  // divided by w are the same algorithm as the paper's sqrt(1/w)-valued
  // tiles (and any value v with the step divided by w v^2), including what
  // other states read back through f^-1 (generalisation). The gradient is
  // phi itself: a normalised phi would break the v = 1.7 case.
  const Index n = 12, w = 3;
  const double beta = 0.6, beta_reg = 0.5, gamma = 0.9;
  Rng rng = make_rng(29);
  std::vector<Transition<>> ts;
  for (int i = 0; i < 4000; ++i) {
    const Index s = uniform_index(rng, n), a = uniform_index(rng, 2);
    const double u = uniform01(rng);
    const double r = u < 0.1 ? 1.0 : (u < 0.2 ? -1.0 : 0.0);
    ts.push_back({.state = s, .action = a, .reward = r,
                  .next_state = std::min<Index>(n - 1, std::max<Index>(0, s + (a == 0 ? -1 : 1))),
                  .terminated = u < 0.2});
  }
  using Bin = LinearQ<ChainTilesBinary>;
  using Val = LinearQ<ChainTilesValued>;
  const ChainTilesBinary tiles{n, w};
  Bin bp(tiles, 2), bn(tiles, 2);
  LogQLearning<Bin> binary(bp, bn, {.gamma = gamma, .step_size = beta / double(w),
                                    .regular_step_size = beta_reg, .k = 20.0});
  for (const double v : {std::sqrt(1.0 / double(w)), 1.7}) {
    CAPTURE(v);
    Val vp(ChainTilesValued{tiles, v}, 2), vn(ChainTilesValued{tiles, v}, 2);
    bp.parameters().setZero();
    bn.parameters().setZero();
    LogQLearning<Val> valued(vp, vn, {.gamma = gamma, .step_size = beta / (double(w) * v * v),
                                      .regular_step_size = beta_reg, .k = 20.0});
    for (const auto& t : ts) {
      binary.update(t);
      valued.update(t);
    }
    double largest = 0.0;
    for (Index s = 0; s < n; ++s)
      for (Index a = 0; a < 2; ++a)
        for (Index j = 0; j < 2; ++j) {
          const double x = binary.approximator(j).value(s, a);
          CHECK(valued.approximator(j).value(s, a) == Approx(x).margin(1e-9).epsilon(1e-9));
          CHECK(valued.channel_q(j, s, a) ==
                Approx(binary.channel_q(j, s, a)).margin(1e-9).epsilon(1e-9));
          largest = std::max(largest, std::abs(x));
        }
    CHECK(largest > 1.0);  // the estimates moved far from their initial 0
    for (Index s = 0; s < n; ++s) CHECK(valued.greedy_action(s) == binary.greedy_action(s));
  }
}

TEST_CASE("QDecomposition: the aggregate follows Q-learning on the summed reward",
          "[learners][qdecomposition][property]") {
  // With identity mappings and the shared greedy action, sum_j w_j Q_j
  // obeys Q <- Q + alpha (sum_j w_j r_j + gamma Q(s', a~) - Q), a~ = argmax Q(s', .):
  // Q-learning on r = r_0 + 2 r_1 - 0.5 r_2 (up to rounding).
  TabularQ<double> a(4, 3), b(4, 3), c(4, 3), total(4, 3);
  QDecomposition<TabularQ<double>> qd({&a, &b, &c}, {1.0, 2.0, -0.5}, {.gamma = 0.9, .step_size = 0.2});
  QLearning<TabularQ<double>> ql(total, {.gamma = 0.9, .step_size = 0.2});
  Rng rng = make_rng(5);
  for (const auto& t : random_transitions<double>(4000, 14)) {
    const std::array<double, 3> r{uniform01(rng), uniform01(rng) - 0.5, 2.0 * uniform01(rng)};
    auto summed = t;
    summed.reward = r[0] + 2.0 * r[1] - 0.5 * r[2];
    const double e1 = qd.update(t, r);
    const double e2 = ql.update(summed);
    REQUIRE(e1 == Approx(e2).margin(1e-9));
  }
  for (Index s = 0; s < 4; ++s)
    for (Index act = 0; act < 3; ++act) {
      CHECK(qd.q(s, act) == Approx(total.parameters()(s, act)).margin(1e-9));
      CHECK(qd.q(s, act) == Approx(a.parameters()(s, act) + 2.0 * b.parameters()(s, act) -
                                   0.5 * c.parameters()(s, act)).margin(1e-12));
    }
  CHECK(thrown_message<std::invalid_argument>([&] {
          qd.update({.state = 0, .action = 0, .reward = 1.0, .next_state = 1});
        }) == "UserDecomposition::decompose: this decomposition has no reward split; pass the "
              "channel rewards to update");
}

TEST_CASE("LogQLearning converges to Q* on a random MDP with rewards of both signs",
          "[learners][log_q][convergence]") {
  // Garnet(5 states, 2 actions, 2 successors), rewards uniform in [-1, 1],
  // termination probability 0.1 per step; gamma 0.9 and 0.5 (k = 200, c = 1).
  // Generative-model samples (uniform s, a), seed 21, 10^6 updates.
  // beta_log = 0.5 fixed; beta_reg_t = 1 / (1 + t / 10)^0.7 decays, so the
  // regular-space step (which Q-learning's convergence needs to vanish) goes to
  // 0 and the Jensen gap of averaging in log space, O(beta_reg^2), with it.
  // Exact Q* from value_iteration; tolerance 0.03 on every entry (measured
  // max errors 0.013 and 0.011; 0.024 / 0.013 after 3e5 updates and 0.007 /
  // 0.005 after 3e6: the error shrinks with samples), greedy policy optimal.
  const auto mdp = signed_garnet();
  for (double gamma : {0.9, 0.5}) {
    INFO("gamma = " << gamma);
    const auto exact = value_iteration(mdp, gamma);
    REQUIRE(exact.converged);
    REQUIRE(exact.q.minCoeff() < 0.0);
    REQUIRE(exact.q.maxCoeff() > 0.0);
    MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
    TabularQ<double> qp(5, 2), qn(5, 2);
    LogQLearning<TabularQ<double>> lq(qp, qn, {.gamma = gamma, .step_size = 0.5, .regular_step_size = 1.0});
    Rng rng = make_rng(21);
    for (int i = 0; i < 1000000; ++i) {
      lq.set_step_sizes(1.0 / std::pow(1.0 + i / 10.0, 0.7), 0.5);
      const Index s = uniform_index(rng, 5);
      const Index a = uniform_index(rng, 2);
      env.reset_to(s);
      const auto step = env.step(a, rng);
      lq.update({.state = s, .action = a, .reward = step.reward, .next_state = step.next_state,
                 .terminated = step.terminated});
    }
    double worst = 0.0;
    for (Index s = 0; s < 5; ++s) {
      for (Index a = 0; a < 2; ++a) worst = std::max(worst, std::abs(lq.q(s, a) - exact.q(s, a)));
      CHECK(lq.greedy_action(s) == exact.policy(s));
    }
    INFO("max |Q - Q*| = " << worst);
    CHECK(worst < 0.03);
  }
}

TEST_CASE("OrchestratedQLearning: bad input throws and changes no channel", "[learners][ovm][errors]") {
  // Channel 0 identity, channel 1 log-linear (b = 1, o = 0: regular value 1 at
  // parameter 0, domain x > 0). A negative channel-1 reward on a terminal step
  // drives its target out of the domain: U = -1, q = 1, U^ = 1 + 1*(-1 - 1) = -1.
  using Pack = ChannelPack<IdentityMapping<double>, LogLinearMapping<double>>;
  using Decomp = UserDecomposition<double>;
  TabularQ<double> q0(3, 2), q1(3, 2);
  OrchestratedQLearning<TabularQ<double>, Decomp, Pack> ovm(
      {&q0, &q1}, Decomp({1.0, 1.0}), Pack(IdentityMapping<double>{}, LogLinearMapping<double>(LogLinearMappingConfig{})),
      {.gamma = 0.5, .step_size = 0.5, .regular_step_size = 1.0});
  const std::array<double, 2> ok{1.0, 0.5};
  ovm.update({.state = 0, .action = 1, .next_state = 1}, ok);
  const Eigen::MatrixXd before0 = q0.parameters(), before1 = q1.parameters();
  REQUIRE(before0(0, 1) != 0.0);
  auto unchanged = [&] {
    CHECK(q0.parameters() == before0);
    CHECK(q1.parameters() == before1);
  };
  const std::string w = "OrchestratedQLearning::update: ";
  CHECK(thrown_message<std::invalid_argument>([&] {
          ovm.update({.state = 0, .action = 0, .next_state = 1, .terminated = true},
                     std::array<double, 2>{1.0, -1.0});
        }) == w + "regular_target[1] = -1 is outside the domain of the log-linear mapping (x + offset > 0, offset = 0)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>([&] { ovm.update({.state = 3, .action = 0, .next_state = 1}, ok); }) ==
        w + "state = 3 is out of range [0, 3)");
  CHECK(thrown_message<std::out_of_range>([&] { ovm.update({.state = 0, .action = 2, .next_state = 1}, ok); }) ==
        w + "action = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] {
          ovm.update({.state = 0, .action = 0, .next_state = -1, .terminated = true}, ok);
        }) == w + "next_state = -1 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] {
          ovm.update({.state = 0, .action = 0, .next_state = 1}, std::array<double, 2>{std::nan(""), 0.0});
        }) == w + "channel_rewards[0] = nan is not finite");
  CHECK(thrown_message<std::invalid_argument>([&] {
          ovm.update({.state = 0, .action = 0, .next_state = 1}, std::array<double, 1>{1.0});
        }) == w + "channel_rewards has size 1, expected 2");
  unchanged();
  // Overflow on channel 0 after channel 1 would be fine: still nothing written.
  // U_0 = 1e308 + 0.5 * 1.7e308 overflows.
  q0.set_value(1, 0, 1.7e308);
  q0.set_value(1, 1, 1.7e308);
  const Eigen::MatrixXd big0 = q0.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   ovm.update({.state = 0, .action = 0, .next_state = 1}, std::array<double, 2>{1e308, 0.5});
                 }),
                 w + "td_error[0] = inf is not finite"));
  CHECK(q0.parameters() == big0);
  CHECK(q1.parameters() == before1);

  // Log Q-learning: a NaN reward is named as such.
  TabularQ<double> p(2, 2), n(2, 2);
  LogQLearning<TabularQ<double>> lq(p, n, {.gamma = 0.9});
  CHECK(thrown_message<std::invalid_argument>([&] {
          lq.update({.state = 0, .action = 0, .reward = std::nan(""), .next_state = 1});
        }) == "LogQLearning::update: reward = nan is not finite");
  CHECK(p.parameters().isZero());
  CHECK(n.parameters().isZero());
}

TEST_CASE("OrchestratedQLearning: bad configuration", "[learners][ovm][errors]") {
  using Pack = ChannelPack<IdentityMapping<double>, IdentityMapping<double>>;
  using Decomp = UserDecomposition<double>;
  TabularQ<double> a(2, 2), b(2, 2), c(2, 3);
  auto make = [&](std::vector<TabularQ<double>*> qs, OrchestratedQLearningConfig cfg,
                  std::vector<double> weights = {1.0, 1.0}) {
    OrchestratedQLearning<TabularQ<double>, Decomp, Pack> o(std::move(qs), Decomp(std::move(weights)), Pack({}, {}), cfg);
  };
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, &b}, {.gamma = 1.5}); }) ==
        "OrchestratedQLearning: gamma = 1.5 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, &b}, {.step_size = 0.0}); }) ==
        "OrchestratedQLearning: step_size = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, &b}, {.regular_step_size = 1.5}); }) ==
        "OrchestratedQLearning: regular_step_size = 1.5 is outside (0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a}, {}); }) ==
        "OrchestratedQLearning: estimators has size 1, expected 2");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, &b}, {}, {1.0, 1.0, 1.0}); }) ==
        "OrchestratedQLearning: decomposition channels has size 3, expected 2");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, &a}, {}); }) ==
        "OrchestratedQLearning: estimators[1] is the same approximator as estimators[0]");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, nullptr}, {}); }) ==
        "OrchestratedQLearning: estimators[1] is null");
  CHECK(thrown_message<std::invalid_argument>([&] { make({&a, &c}, {}); }) ==
        "OrchestratedQLearning: estimators[1].num_actions() has size 3, expected 2");
  TabularQ<double> p(2, 2), n(2, 2);
  LogQLearning<TabularQ<double>> lq(p, n, {.gamma = 0.9});
  CHECK(thrown_message<std::invalid_argument>([&] { lq.set_step_sizes(0.5, -1.0); }) ==
        "LogQLearning: step_size = -1 must be positive and finite");
  CHECK(lq.config().step_size == 0.01);  // unchanged
  CHECK(thrown_message<std::invalid_argument>([&] { LogQLearning<TabularQ<double>>(p, n, {.gamma = 0.0}); }) ==
        "LogQLearning: LogarithmicMapping: gamma = 0 is outside (0, 1]");
  CHECK(thrown_message<std::out_of_range>([&] { (void)lq.q(0, 2); }) ==
        "LogQLearning::q: action = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)lq.greedy_action(5); }) ==
        "LogQLearning::greedy_action: state = 5 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)lq.channel_q(2, 0, 0); }) ==
        "LogQLearning::channel_q: channel = 2 is out of range [0, 2)");
}

TEST_CASE("GeometricDecay: values, floor, bad config", "[learners][step_size]") {
  // initial 1, final 0.01 over 10000: value(n) = 0.01^(n/10000); value(5000) = 0.1.
  const GeometricDecay d({.initial = 1.0, .final = 0.01, .num_steps = 10000});
  CHECK(d.value(0) == 1.0);
  CHECK(d.value(5000) == Approx(0.1).epsilon(1e-14));
  CHECK(d.value(10000) == 0.01);
  CHECK(d.value(123456) == 0.01);
  CHECK(std::pow(d.factor(), 10000) == Approx(0.01).epsilon(1e-10));
  CHECK(d.value(1) == Approx(d.factor()).epsilon(1e-15));
  for (Index n = 1; n <= 10000; n += 37) CHECK(d.value(n) < d.value(n - 1));
  const GeometricDecay flat({.initial = 0.5, .final = 0.5, .num_steps = 3});
  CHECK(flat.value(2) == 0.5);
  CHECK(thrown_message<std::invalid_argument>([] { GeometricDecay({.initial = 0.1, .final = 1.0}); }) ==
        "GeometricDecay: final = 1 must not exceed initial = 0.1");
  CHECK(thrown_message<std::invalid_argument>([] { GeometricDecay({.final = 0.0}); }) ==
        "GeometricDecay: final = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([] { GeometricDecay({.num_steps = 0}); }) ==
        "GeometricDecay: num_steps = 0 must be at least 1");
  CHECK(thrown_message<std::invalid_argument>([&] { (void)d.value(-1); }) ==
        "GeometricDecay::value: n = -1 must be >= 0");
}
