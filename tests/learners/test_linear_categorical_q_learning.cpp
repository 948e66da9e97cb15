// LinearCategoricalQLearning (C51 on fixed features: per-action softmax
// logits, greedy next action by the mean, cross-entropy step on (s, a) only):
// hand-worked updates with dense features (float and double), one-hot
// features equal to tabular logits (by hand and against a reference written
// from the formula), termination vs truncation, convergence of the greedy
// policy and the means to Q* of a deterministic MDP (mdp/value_iteration),
// bad input (nothing changes, byte for byte).

#include "rlvalue/learners/linear_categorical_q_learning.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_categorical_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"
#include "rlvalue/mdp/value_iteration.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"
#include "rlvalue/targets/categorical_projection.hpp"

using rlvalue::Index;
using rlvalue::LinearCategoricalQ;
using rlvalue::LinearCategoricalQLearning;
using rlvalue::OneHotMap;
using rlvalue::StepSchedule;
using rlvalue_test::thrown_message;

namespace {
// phi(s) = (1, s) on states 0..9: a dense map with 2 features.
struct AffineMap {
  using state_type = Index;
  Index num_features() const { return 2; }
  void write(Index s, std::span<double> out) const { out[0] = 1.0, out[1] = double(s); }
  void write(Index s, std::span<float> out) const { out[0] = 1.0f, out[1] = float(s); }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, 10);
  }
};

template <class Matrix>
bool same_bytes(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(typename Matrix::Scalar) * std::size_t(a.size())) ==
             0;
}
}  // namespace

static_assert(!std::is_constructible_v<
                  LinearCategoricalQLearning<LinearCategoricalQ<OneHotMap>>,
                  LinearCategoricalQ<OneHotMap>&&, rlvalue::TDConfig>,
              "a temporary approximator would dangle");

TEMPLATE_TEST_CASE("LinearCategoricalQLearning: hand-worked, 2 features x 2 actions x 3 atoms",
                   "[learners][categorical][linear]", float, double) {
  using T = TestType;
  using A = LinearCategoricalQ<AffineMap, T>;
  // Support z = (0, 1, 2); phi(s) = (1, s); W is 2 x 6, block a = columns 3a..3a+2.
  A f(AffineMap{}, 2, {.v_min = 0, .v_max = 2, .num_atoms = 3});
  LinearCategoricalQLearning<A> cql(f, {.gamma = 0.5, .step_size = 0.5});
  REQUIRE(f.parameters().rows() == 2);
  REQUIRE(f.parameters().cols() == 6);
  CHECK(cql.q(3, 1) == Approx(1.0));  // uniform over (0, 1, 2)

  // Step 1: s = 1 (phi = (1, 1)), a = 1, r = 1, s' = 2. Every p uniform: both
  // means 1, tie -> a* = 0. r + 0.5 z = (1, 1.5, 2), mass 1/3 each:
  // m = (0, 1/3 + 1/6, 1/6 + 1/3) = (0, 1/2, 1/2). p(1, 1) uniform: loss ln 3;
  // W_1 += 0.5 phi (m - 1/3)^T: both rows of block 1 = (-1/6, 1/12, 1/12).
  CHECK(cql.update({.state = 1, .action = 1, .reward = T(1), .next_state = 2}) ==
        Approx(std::log(3.0)));
  for (Index i = 0; i < 2; ++i) {
    CHECK(f.parameters()(i, 3) == Approx(-1.0 / 6));
    CHECK(f.parameters()(i, 4) == Approx(1.0 / 12));
    CHECK(f.parameters()(i, 5) == Approx(1.0 / 12));
    CHECK(f.parameters().row(i).head(3).isZero());  // action 0's block is untouched
  }
  const auto after_first = f.parameters();

  // Step 2: s = 0 (phi = (1, 0)), a = 0, r = 0, s' = 2. logits(2, 1) =
  // (1, 2) . block 1 = (-1/2, 1/4, 1/4): p(2, 1) = (e, 1, 1) / (e + 2) with
  // e = exp(-3/4), mean 3/(e + 2) = 1.21341 > 1 = mean p(2, 0): a* = 1.
  // 0 + 0.5 z = (0, 0.5, 1): m = (p0 + p1/2, p1/2 + p2, 0)
  //   = ((e + 1/2)/(e + 2), (3/2)/(e + 2), 0) = (0.393294, 0.606706, 0).
  // p(0, 0) uniform: loss ln 3; W_0 row 0 += 0.5 (m - 1/3); row 1 (phi_1 = 0) stays 0.
  const double e = std::exp(-0.75);
  CHECK(cql.q(2, 1) == Approx(3.0 / (e + 2.0)));
  CHECK(cql.greedy_action(2) == 1);
  const double m0 = (e + 0.5) / (e + 2.0), m1 = 1.5 / (e + 2.0);
  CHECK(m0 == Approx(0.39329384700783565));  // values from Python's math.exp
  CHECK(cql.update({.state = 0, .action = 0, .reward = T(0), .next_state = 2}) ==
        Approx(std::log(3.0)));
  CHECK(f.parameters()(0, 0) == Approx(0.5 * (m0 - 1.0 / 3)));  // 0.0299803
  CHECK(f.parameters()(0, 1) == Approx(0.5 * (m1 - 1.0 / 3)));  // 0.136686
  CHECK(f.parameters()(0, 2) == Approx(-1.0 / 6));
  CHECK(f.parameters().row(1).head(3).isZero());
  CHECK(f.parameters().rightCols(3) == after_first.rightCols(3));  // block 1 untouched

  // Reads: p(0, 0) = softmax(row 0 of block 0), q the mean, value the max.
  const auto p = cql.probabilities(0, 0);
  const double ea = std::exp(0.5 * (m0 - 1.0 / 3)), eb = std::exp(0.5 * (m1 - 1.0 / 3)),
               ec = std::exp(-1.0 / 6);
  CHECK(p[1] == Approx(eb / (ea + eb + ec)));
  CHECK(cql.q(0, 0) == Approx((eb + 2 * ec) / (ea + eb + ec)));
  const auto row = cql.action_values(2);
  CHECK(row.size() == 2);
  CHECK(row[1] == Approx(3.0 / (e + 2.0)));
  CHECK(cql.value(2) == Approx(row.maxCoeff()));
}

TEST_CASE("LinearCategoricalQLearning: terminated ignores s', truncated bootstraps like no flag",
          "[learners][categorical][linear]") {
  using A = LinearCategoricalQ<AffineMap>;
  // Three copies in the state after step 1 of the hand-worked case, then the
  // transition s = 0, a = 0, r = 0, s' = 2 with each flag.
  auto make = [] {
    A f(AffineMap{}, 2, {.v_min = 0, .v_max = 2, .num_atoms = 3});
    LinearCategoricalQLearning<A> cql(f, {.gamma = 0.5, .step_size = 0.5});
    cql.update({.state = 1, .action = 1, .reward = 1.0, .next_state = 2});
    return f;
  };
  A plain = make(), truncated = make(), terminated = make();
  LinearCategoricalQLearning<A> l_plain(plain, {.gamma = 0.5, .step_size = 0.5});
  LinearCategoricalQLearning<A> l_trunc(truncated, {.gamma = 0.5, .step_size = 0.5});
  LinearCategoricalQLearning<A> l_term(terminated, {.gamma = 0.5, .step_size = 0.5});
  l_plain.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 2});
  l_trunc.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 2, .truncated = true});
  // Terminated: m = two_hot(0) = (1, 0, 0) whatever p(2, .) is; p(0, 0)
  // uniform: W_0 row 0 += 0.5 ((1, 0, 0) - 1/3) = (1/3, -1/6, -1/6).
  CHECK(l_term.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 2,
                       .terminated = true}) == Approx(std::log(3.0)));
  CHECK(same_bytes(plain.parameters(), truncated.parameters()));
  const double e = std::exp(-0.75);  // m(0) = (e + 1/2)/(e + 2), as in the hand-worked case
  CHECK(truncated.parameters()(0, 0) == Approx(0.5 * ((e + 0.5) / (e + 2) - 1.0 / 3)));
  CHECK(terminated.parameters()(0, 0) == Approx(1.0 / 3));
  CHECK(terminated.parameters()(0, 1) == Approx(-1.0 / 6));
  CHECK(terminated.parameters()(0, 2) == Approx(-1.0 / 6));
  // Terminated with a reward between atoms: two_hot(1.25) = (0, 0.75, 0.25).
  A g(AffineMap{}, 2, {.v_min = 0, .v_max = 2, .num_atoms = 3});
  LinearCategoricalQLearning<A> l_g(g, {.gamma = 0.5, .step_size = 0.3});
  l_g.update({.state = 0, .action = 1, .reward = 1.25, .next_state = 9, .terminated = true});
  CHECK(g.parameters()(0, 3) == Approx(0.3 * (0.0 - 1.0 / 3)));
  CHECK(g.parameters()(0, 4) == Approx(0.3 * (0.75 - 1.0 / 3)));
  CHECK(g.parameters()(0, 5) == Approx(0.3 * (0.25 - 1.0 / 3)));
}

TEST_CASE("LinearCategoricalQLearning: one-hot features are tabular logits",
          "[learners][categorical][linear]") {
  using A = LinearCategoricalQ<OneHotMap>;
  SECTION("by hand") {
    // Tabular logits L(s, a) += alpha (m - softmax(L(s, a))); one-hot phi(s)
    // = e_s makes W row s, block a exactly L(s, a). Support (0, 1, 2),
    // gamma = 1, alpha = 0.3.
    A f(OneHotMap(2), 2, {.v_min = 0, .v_max = 2, .num_atoms = 3});
    LinearCategoricalQLearning<A> cql(f, {.gamma = 1.0, .step_size = 0.3});
    // (0, 1) terminated, r = 2: m = (0, 0, 1); L(0, 1) = 0.3 ((0, 0, 1) - 1/3)
    // = (-0.1, -0.1, 0.2); nothing else moves.
    cql.update({.state = 0, .action = 1, .reward = 2.0, .next_state = 1, .terminated = true});
    CHECK(f.parameters()(0, 3) == Approx(-0.1));
    CHECK(f.parameters()(0, 4) == Approx(-0.1));
    CHECK(f.parameters()(0, 5) == Approx(0.2));
    CHECK(f.parameters().row(0).head(3).isZero());
    CHECK(f.parameters().row(1).isZero());
    // (1, 0) -> 0, r = 0: mean p(0, 1) = (e^-0.1 + 2 e^0.2) / (2 e^-0.1 + e^0.2)
    // = 1.21 > 1 = mean p(0, 0), a* = 1; 0 + z is on the grid, so
    // m = p(0, 1) = (e^-0.1, e^-0.1, e^0.2) / (2 e^-0.1 + e^0.2) and
    // L(1, 0) = 0.3 (m - 1/3).
    const double lo = std::exp(-0.1), hi = std::exp(0.2), sum = 2 * lo + hi;
    CHECK(cql.greedy_action(0) == 1);
    CHECK(cql.q(0, 1) == Approx((lo + 2 * hi) / sum));
    cql.update({.state = 1, .action = 0, .reward = 0.0, .next_state = 0});
    CHECK(f.parameters()(1, 0) == Approx(0.3 * (lo / sum - 1.0 / 3)));
    CHECK(f.parameters()(1, 1) == Approx(0.3 * (lo / sum - 1.0 / 3)));
    CHECK(f.parameters()(1, 2) == Approx(0.3 * (hi / sum - 1.0 / 3)));
    CHECK(f.parameters().row(1).tail(3).isZero());
  }
  SECTION("against a tabular-logit reference on 500 random transitions") {
    // The reference keeps L (S*A rows of K logits) and applies the formula
    // with the public categorical_projection; both must agree to 1e-12.
    constexpr Index S = 4, Acts = 3, K = 5;
    constexpr double gamma = 0.9, alpha = 0.4;
    A f(OneHotMap(S), Acts, {.v_min = -2, .v_max = 2, .num_atoms = K});
    LinearCategoricalQLearning<A> cql(f, {.gamma = gamma, .step_size = alpha});
    Eigen::MatrixXd L = Eigen::MatrixXd::Zero(S * Acts, K);
    const Eigen::VectorXd z = Eigen::VectorXd::LinSpaced(K, -2.0, 2.0);
    auto softmax = [](const Eigen::VectorXd& x) {
      const Eigen::VectorXd e = (x.array() - x.maxCoeff()).exp().matrix();
      return Eigen::VectorXd(e / e.sum());
    };
    auto rng = rlvalue::make_rng(17);
    for (int k = 0; k < 500; ++k) {
      const Index s = rlvalue::uniform_index(rng, S), a = rlvalue::uniform_index(rng, Acts),
                  s2 = rlvalue::uniform_index(rng, S);
      const double r = 2.0 * rlvalue::uniform01(rng) - 1.0;
      const bool term = rlvalue::uniform01(rng) < 0.2;
      const bool trunc = !term && rlvalue::uniform01(rng) < 0.2;
      Eigen::VectorXd m(K);
      if (term) {
        m = rlvalue::categorical_projection(Eigen::VectorXd::Constant(1, r),
                                            Eigen::VectorXd::Ones(1), z);
      } else {
        Index best = 0;
        double best_mean = -1e300;
        for (Index b = 0; b < Acts; ++b) {
          const double mean = softmax(L.row(s2 * Acts + b).transpose()).dot(z);
          if (mean > best_mean) best_mean = mean, best = b;
        }
        const Eigen::VectorXd shifted = (r + gamma * z.array()).matrix();
        const Eigen::VectorXd next = softmax(L.row(s2 * Acts + best).transpose());
        m = rlvalue::categorical_projection(shifted, next, z);
      }
      L.row(s * Acts + a) += alpha * (m - softmax(L.row(s * Acts + a).transpose())).transpose();
      cql.update({.state = s, .action = a, .reward = r, .next_state = s2, .terminated = term,
                  .truncated = trunc});
    }
    for (Index s = 0; s < S; ++s)
      for (Index a = 0; a < Acts; ++a)
        for (Index k = 0; k < K; ++k) {
          INFO("s " << s << " a " << a << " k " << k);
          CHECK(f.parameters()(s, a * K + k) == Approx(L(s * Acts + a, k)).margin(1e-12));
        }
    CHECK(L.cwiseAbs().maxCoeff() > 0.5);  // the run did move the logits
  }
}

TEST_CASE("LinearCategoricalQLearning: greedy policy and means converge to Q* (value_iteration)",
          "[learners][categorical][linear]") {
  // Deterministic 3-state corridor, gamma = 0.9. Action 0 (left) costs 0.1
  // and moves left (state 0 stays); action 1 (right) is free and moves
  // right; right from state 2 pays 1 and terminates. Q* = [[0.629, 0.81],
  // [0.629, 0.9], [0.71, 1]]; the optimal policy is "right" everywhere.
  // Support [-1, 2], 13 atoms: every bootstrapped r + gamma*z lies in
  // [-1, 1.8], so the projection keeps means and the fixed point's means are
  // exactly Q*. Behaviour: epsilon-greedy (0.3) on the learner itself from a
  // uniform start, episodes cut at 4 steps (truncated: bootstrap); 6000
  // episodes, seed 23, alpha = 0.5, one-hot features. Tolerance 0.01 on every
  // mean: the softmax keeps mass ~1/(alpha n) on atoms whose target mass is
  // 0 (n visits), which biases the means by up to 3.3e-3 here (seeds 1, 2,
  // 3 and 23 alike).
  rlvalue::TabularMDP<>::Builder b(3, 2);
  b.add(0, 0, 0, 1.0, -0.1).add(0, 1, 1, 1.0, 0.0);
  b.add(1, 0, 0, 1.0, -0.1).add(1, 1, 2, 1.0, 0.0);
  b.add(2, 0, 1, 1.0, -0.1).add(2, 1, 2, 1.0, 1.0, true);
  const rlvalue::TabularMDP<> mdp = std::move(b).build();
  const auto exact = rlvalue::value_iteration(mdp, 0.9);
  REQUIRE(exact.converged);
  CHECK(exact.q(0, 0) == Approx(0.629));
  CHECK(exact.q(2, 1) == Approx(1.0));

  using A = LinearCategoricalQ<OneHotMap>;
  A f(OneHotMap(3), 2, {.v_min = -1, .v_max = 2, .num_atoms = 13});
  LinearCategoricalQLearning<A> cql(f, {.gamma = 0.9, .step_size = 0.5});
  rlvalue::EpsilonGreedy policy(cql, 0.3);
  rlvalue::MDPEnvironment env(mdp, Eigen::VectorXd::Constant(3, 1.0 / 3));
  auto rng = rlvalue::make_rng(23);
  int truncations = 0;
  for (int episode = 0; episode < 6000; ++episode) {
    Index s = env.reset(rng);
    for (int t = 0; t < 4; ++t) {
      const Index a = policy.action(s, rng);
      const auto step = env.step(a, rng);
      const bool cut = !step.terminated && t == 3;
      truncations += cut ? 1 : 0;
      cql.update({.state = s, .action = a, .reward = step.reward, .next_state = step.next_state,
                  .terminated = step.terminated, .truncated = cut});
      if (step.terminated) break;
      s = step.next_state;
    }
  }
  CHECK(truncations > 100);  // the truncated path was exercised
  for (Index s = 0; s < 3; ++s) {
    CHECK(cql.greedy_action(s) == exact.policy(s));
    for (Index a = 0; a < 2; ++a) {
      INFO("s " << s << " a " << a);
      CHECK(cql.q(s, a) == Approx(exact.q(s, a)).margin(0.01));
    }
  }
}

TEST_CASE("LinearCategoricalQLearning: bad input throws, names it, changes nothing",
          "[learners][categorical][linear]") {
  using A = LinearCategoricalQ<OneHotMap>;
  CHECK(thrown_message<std::invalid_argument>([] {
          A(OneHotMap(2), 0, {.v_min = 0, .v_max = 2, .num_atoms = 3});
        }) == "LinearCategoricalQ: num_actions = 0 must be at least 1");
  CHECK(thrown_message<std::invalid_argument>([] {
          A(OneHotMap(2), 65, {.v_min = 0, .v_max = 2, .num_atoms = 3});
        }) == "LinearCategoricalQ: num_actions = 65 exceeds max_linear_categorical_q_actions = 64");
  CHECK(thrown_message<std::invalid_argument>([] {
          A(OneHotMap(2), 2, {.v_min = 1, .v_max = 1, .num_atoms = 3});
        }) == "LinearCategoricalQ: v_min = 1 must be less than v_max = 1");
  CHECK(thrown_message<std::invalid_argument>([] {
          A(OneHotMap(2), 2, {.v_min = 0, .v_max = 1, .num_atoms = 1});
        }) == "LinearCategoricalQ: num_atoms = 1 must be at least 2");

  A f(OneHotMap(2), 2, {.v_min = 0, .v_max = 2, .num_atoms = 3});
  CHECK(thrown_message<std::invalid_argument>([&] {
          LinearCategoricalQLearning<A>(f, {.gamma = 1.5});
        }) == "LinearCategoricalQLearning: gamma = 1.5 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] {
          LinearCategoricalQLearning<A>(f, {.step_size = 0.0});
        }) == "LinearCategoricalQLearning: step_size = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([&] {
          LinearCategoricalQLearning<A>(f, {.step_size = 0.1, .omega = 0.0});
        }) == "LinearCategoricalQLearning: omega = 0 is outside (0, 1]");
  using D = LinearCategoricalQ<AffineMap>;  // no num_states(): no visit counts
  D g(AffineMap{}, 2, {.v_min = 0, .v_max = 2, .num_atoms = 3});
  CHECK(thrown_message<std::invalid_argument>([&] {
          LinearCategoricalQLearning<D>(g, {.step_size = 1.0, .schedule = StepSchedule::per_visit});
        }) == "LinearCategoricalQLearning: schedule = per_visit needs an approximator over a "
              "finite state space (one with num_states())");

  LinearCategoricalQLearning<A> cql(f, {.gamma = 0.9, .step_size = 1.0,
                                        .schedule = StepSchedule::per_visit, .omega = 0.8});
  cql.update({.state = 0, .action = 1, .reward = 1.0, .next_state = 1});
  cql.update({.state = 1, .action = 0, .reward = 0.5, .next_state = 0});
  const auto before = f.parameters();
  auto unchanged = [&] {
    return same_bytes(f.parameters(), before) && cql.visit_count(0, 1) == 1 &&
           cql.visit_count(1, 0) == 1 && cql.visit_count(0, 0) == 0 && cql.visit_count(1, 1) == 0;
  };
  REQUIRE(unchanged());
  CHECK(thrown_message<std::out_of_range>([&] {
          cql.update({.state = 2, .action = 0, .next_state = 0});
        }) == "LinearCategoricalQLearning::update: state = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] {
          cql.update({.state = -1, .action = 0, .next_state = 0});
        }) == "LinearCategoricalQLearning::update: state = -1 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] {
          cql.update({.state = 0, .action = 2, .next_state = 0});
        }) == "LinearCategoricalQLearning::update: action = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] {
          cql.update({.state = 0, .action = 0, .next_state = 5, .terminated = true});
        }) == "LinearCategoricalQLearning::update: next_state = 5 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          cql.update({.state = 0, .action = 0, .reward = NAN, .next_state = 1});
        }) == "LinearCategoricalQLearning::update: reward = nan is not finite");
  CHECK(thrown_message<std::invalid_argument>([&] {
          cql.update({.state = 0, .action = 0, .reward = -INFINITY, .next_state = 1,
                      .terminated = true});
        }) == "LinearCategoricalQLearning::update: reward = -inf is not finite");
  CHECK(unchanged());
  // Reads name their arguments too.
  CHECK(thrown_message<std::out_of_range>([&] { (void)cql.q(0, 3); }) ==
        "LinearCategoricalQLearning::q: action = 3 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)cql.greedy_action(7); }) ==
        "LinearCategoricalQLearning::greedy_action: state = 7 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)cql.probabilities(0, -1); }) ==
        "LinearCategoricalQ::probabilities: action = -1 is out of range [0, 2)");

  // A non-finite logit of (s, a) gives a non-finite loss: rejected before
  // anything is written (the visit is not counted either).
  f.parameters()(1, 4) = INFINITY;  // logits(1, 1)
  const auto poisoned = f.parameters();
  CHECK(thrown_message<std::invalid_argument>([&] {
          cql.update({.state = 1, .action = 1, .reward = 0.0, .next_state = 0});
        }) == "LinearCategoricalQLearning::update: cross_entropy = nan is not finite (a logit is "
              "not finite); nothing was updated");
  CHECK(same_bytes(f.parameters(), poisoned));
  CHECK(cql.visit_count(1, 1) == 0);
}
