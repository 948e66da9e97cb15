// LinearV / LinearQ: bit-identical to TabularV / TabularQ with one-hot
// features under TD0, QLearning, Sarsa and ExpectedSarsa; hand-worked values
// and steps for aggregated, tile-coded and dense features; the gradient
// buffers agree with semi_gradient_step; bad input.

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "../learners/learner_test_support.hpp"
#include "catch.hpp"
#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/fourier_basis.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/polynomial_basis.hpp"
#include "rlvalue/approx/state_aggregation.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/sarsa.hpp"
#include "rlvalue/learners/td0.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(StateValueFunction<LinearV<OneHotMap>> && StateValueFunction<LinearV<OneHotMap, float>>);
static_assert(StateValueFunction<LinearV<TileCoding<2>>> && StateValueFunction<LinearV<FourierBasis<>>>);
static_assert(ActionValueFunction<LinearQ<OneHotMap>> && ActionValueFunction<LinearQ<FourierBasis<2>, float>>);
static_assert(ActionValueFunction<LinearQ<TileCoding<2>, double, ActionFeatures::state_action>>);
static_assert(FiniteStateSpace<LinearV<OneHotMap>> && !FiniteStateSpace<LinearV<TileCoding<>>>);

TEMPLATE_TEST_CASE("LinearV with one-hot features equals TabularV bit for bit under TD0",
                   "[approx][linear]", float, double) {
  using T = TestType;
  TabularV<T> table(7, T(0.25));
  LinearV<OneHotMap, T> linear(OneHotMap(7), T(0.25));
  TD0<TabularV<T>> td_table(table, {.gamma = 0.9, .step_size = 0.3});
  TD0<LinearV<OneHotMap, T>> td_linear(linear, {.gamma = 0.9, .step_size = 0.3});
  Rng rng = make_rng(11);
  for (int k = 0; k < 2000; ++k) {
    const Index s = uniform_index(rng, 7), s2 = uniform_index(rng, 7);
    const T r = static_cast<T>(normal(rng, 0.0, 1.0));
    const bool term = bernoulli(rng, 0.1), trunc = bernoulli(rng, 0.1);
    const Transition<Index, Index, T> t{.state = s, .reward = r, .next_state = s2,
                                        .terminated = term, .truncated = trunc};
    REQUIRE(td_table.update(t) == td_linear.update(t));
  }
  REQUIRE(table.parameters() == linear.parameters());
  // Per-visit step sizes work too (OneHotMap gives num_states()).
  TD0<LinearV<OneHotMap, T>> per_visit(linear, {.step_size = 1.0, .schedule = StepSchedule::per_visit});
  per_visit.update({.state = 2, .reward = T(1), .next_state = 3, .terminated = true});
  CHECK(per_visit.visit_count(2) == 1);
}

TEMPLATE_TEST_CASE("LinearQ with one-hot features equals TabularQ bit for bit",
                   "[approx][linear]", float, double) {
  using T = TestType;
  constexpr Index S = 6, A = 3;
  TabularQ<T> tq(S, A), tsarsa(S, A), texp(S, A);
  LinearQ<OneHotMap, T> lq(OneHotMap(S), A), lsarsa(OneHotMap(S), A), lexp(OneHotMap(S), A);
  const TDConfig config{.gamma = 0.95, .step_size = 0.2};
  QLearning<TabularQ<T>> q1(tq, config);
  QLearning<LinearQ<OneHotMap, T>> q2(lq, config);
  Sarsa<TabularQ<T>> s1(tsarsa, config);
  Sarsa<LinearQ<OneHotMap, T>> s2(lsarsa, config);
  ExpectedSarsa<TabularQ<T>> e1(texp, config);
  ExpectedSarsa<LinearQ<OneHotMap, T>> e2(lexp, config);
  Rng rng = make_rng(5);
  Eigen::Matrix<T, 1, A> probs(T(0.2), T(0.5), T(0.3));
  for (int k = 0; k < 3000; ++k) {
    const Transition<Index, Index, T> t{.state = uniform_index(rng, S), .action = uniform_index(rng, A),
                                        .reward = static_cast<T>(normal(rng, 0.5, 1.0)),
                                        .next_state = uniform_index(rng, S),
                                        .terminated = bernoulli(rng, 0.1), .truncated = bernoulli(rng, 0.05)};
    const Index next_action = uniform_index(rng, A);
    REQUIRE(q1.update(t) == q2.update(t));
    REQUIRE(s1.update(t, next_action) == s2.update(t, next_action));
    REQUIRE(e1.update(t, probs) == e2.update(t, probs));
  }
  REQUIRE(tq.parameters() == lq.parameters());
  REQUIRE(tsarsa.parameters() == lsarsa.parameters());
  REQUIRE(texp.parameters() == lexp.parameters());
  for (Index s = 0; s < S; ++s) CHECK(q1.greedy_action(s) == q2.greedy_action(s));
}

TEST_CASE("LinearV: hand-worked values and steps", "[approx][linear]") {
  // Aggregation of 4 states in pairs; TD(0) with alpha 0.5, gamma 1:
  // w = (0, 0). (s=1 -> s'=2, r=1): delta = 1 + w1 - w0 = 1, w0 = 0.5.
  // (s=0 -> s'=3, r=0): delta = 0 + w1 - w0 = -0.5, w0 = 0.25; v(1) = v(0) = 0.25.
  LinearV<StateAggregation> agg(StateAggregation(4, 2));
  TD0<LinearV<StateAggregation>> td(agg, {.gamma = 1.0, .step_size = 0.5});
  CHECK(td.update({.state = 1, .reward = 1.0, .next_state = 2}) == 1.0);
  CHECK(td.update({.state = 0, .reward = 0.0, .next_state = 3}) == -0.5);
  CHECK(agg.value(1) == 0.25);
  CHECK(agg.value(3) == 0.0);

  // Tile coding (1-D, 2 tilings; x = 0.3 -> tiles {0, 4}): v = w0 + w4.
  LinearV<TileCoding<>> tiles(TileCoding<>({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}}), 0.5);
  Eigen::VectorXd x(1);
  x << 0.3;
  CHECK(tiles.value(x) == 1.0);  // 2 active weights of 0.5
  tiles.semi_gradient_step(x, 0.25);  // w0 = w4 = 0.75
  CHECK(tiles.value(x) == 1.5);
  x << 0.6;  // tiles {1, 4}: 0.5 + 0.75
  CHECK(tiles.value(x) == 1.25);
  CHECK(std::vector<Index>(tiles.features(x).begin(), tiles.features(x).end()) == std::vector<Index>{1, 4});

  // Dense: polynomial (1, s) in 1-D, w = (1, 2): v(3) = 7; a step of 0.5
  // gives w = (1.5, 3.5), v(3) = 12.
  LinearV<PolynomialBasis<1>> poly(PolynomialBasis<1>(1, 1));
  poly.parameters() << 1.0, 2.0;
  const Eigen::Matrix<double, 1, 1> three(3.0);
  CHECK(poly.value(three) == 7.0);
  poly.semi_gradient_step(three, 0.5);
  CHECK(poly.parameters() == Eigen::Vector2d(1.5, 3.5));
  CHECK(poly.value(three) == 12.0);
  CHECK(poly.features(three)[1] == 3.0);
}

TEST_CASE("LinearQ: layouts, hand-worked values", "[approx][linear]") {
  // Per-action blocks over 1-D tiles {0, 4} (x = 0.3): W is 6 x 2.
  using Tiles = TileCoding<>;
  Tiles map({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}});
  LinearQ<Tiles> q(map, 2);
  Eigen::VectorXd x(1);
  x << 0.3;
  q.semi_gradient_step(x, 1, 0.5);  // W(0,1) = W(4,1) = 0.5
  CHECK(q.value(x, 1) == 1.0);
  CHECK(q.value(x, 0) == 0.0);
  CHECK(q.action_values(x) == Eigen::RowVector2d(0.0, 1.0));
  CHECK(q.parameters()(4, 1) == 0.5);

  // State-action tile coding: (s, a) tiles are disjoint across actions
  // without hashing, so a step on (x, 2) moves only q(x, 2).
  Tiles sa_map({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}, .num_actions = 3});
  LinearQ<Tiles, double, ActionFeatures::state_action> sa(sa_map);
  CHECK(sa.num_actions() == 3);
  CHECK(sa.parameters().size() == 18);
  sa.semi_gradient_step(x, 2, 0.25);  // indices 12 + {0, 4}
  CHECK(sa.action_values(x) == Eigen::RowVector3d(0.0, 0.0, 0.5));
  CHECK(sa.parameters()[12] == 0.25);
  CHECK(sa.parameters()[16] == 0.25);

  // Dense blocks: Fourier order 1 in 1-D over [0, 1]; phi(0) = (1, 1).
  LinearQ<FourierBasis<1>> fq(FourierBasis<1>({.order = 1, .low = {0.0}, .high = {1.0}}), 2);
  const Eigen::Matrix<double, 1, 1> zero(0.0);
  fq.semi_gradient_step(zero, 0, 2.0);
  CHECK(fq.value(zero, 0) == 4.0);
  CHECK(fq.value(zero, 1) == 0.0);
}

namespace {
// semi_gradient_step(s, x) == (w += x * g) and v(s) == g . w, g = gradient(s).
template <class V, class S>
void check_v_gradient(V& v, const S& s) {
  v.parameters().setLinSpaced(v.parameters().size(), -1.0, 2.0);
  const auto before = v.parameters();
  auto g = make_gradient(v);
  write_gradient(v, s, g);
  CHECK(gradient_dot(g, before.data()) == Approx(v.value(s)).epsilon(1e-12));
  auto expected = before;
  gradient_add(expected.data(), 0.3, g);
  v.semi_gradient_step(s, 0.3);
  CHECK(v.parameters() == expected);
}
template <class Q, class S>
void check_q_gradient(Q& q, const S& s, Index a) {
  Eigen::Map<Eigen::VectorXd>(q.parameters().data(), q.parameters().size())
      .setLinSpaced(q.parameters().size(), -1.0, 2.0);
  const auto before = q.parameters();
  auto g = make_gradient(q);
  write_gradient(q, s, a, g);
  CHECK(gradient_dot(g, before.data()) == Approx(q.value(s, a)).epsilon(1e-12));
  auto expected = before;
  gradient_add(expected.data(), 0.3, g);
  q.semi_gradient_step(s, a, 0.3);
  CHECK(q.parameters() == expected);
}
}  // namespace

TEST_CASE("Linear approximators: gradient buffers agree with semi_gradient_step", "[approx][linear]") {
  TabularV<double> table(5);
  check_v_gradient(table, Index(3));
  TabularQ<double> tq(5, 3);
  check_q_gradient(tq, Index(3), 2);
  LinearV<StateAggregation> agg(StateAggregation(9, 3));
  check_v_gradient(agg, Index(7));
  using Tiles = TileCoding<2>;
  const TileCodingConfig tc{.num_tilings = 4, .low = {0, 0}, .high = {1, 1}, .tiles = {3, 3}, .num_actions = 2};
  LinearV<Tiles> tv{Tiles(tc)};
  check_v_gradient(tv, Eigen::Vector2d(0.3, 0.8));
  LinearQ<Tiles> tblocks(Tiles(tc), 3);
  check_q_gradient(tblocks, Eigen::Vector2d(0.3, 0.8), 1);
  LinearQ<Tiles, double, ActionFeatures::state_action> tsa{Tiles(tc)};
  check_q_gradient(tsa, Eigen::Vector2d(0.3, 0.8), 1);
  using Fourier = FourierBasis<2>;
  const FourierBasisConfig fc{.order = 2, .low = {0, 0}, .high = {1, 1}};
  LinearV<Fourier> fv{Fourier(fc)};
  check_v_gradient(fv, Eigen::Vector2d(0.3, 0.8));
  LinearQ<Fourier> fq(Fourier(fc), 3);
  check_q_gradient(fq, Eigen::Vector2d(0.3, 0.8), 2);
}

TEMPLATE_TEST_CASE("Dense gradients: dot products and sums of |g| in one pass", "[approx][linear]",
                   float, double) {
  using Vec = Eigen::Matrix<TestType, Eigen::Dynamic, 1>;
  // Small integers: every partial sum is exact, so any order gives the
  // textbook value, and a skipped or repeated entry changes it.
  for (Index n = 0; n <= 41; ++n) {
    Vec x(n), p(n);
    TestType dot = 0, abs_sum = 0;
    for (Index i = 0; i < n; ++i) {
      x[i] = TestType((i % 7) - 3);
      p[i] = TestType(i + 1);
      dot += x[i] * p[i];
      abs_sum += std::abs(x[i]);
    }
    DenseGradient<TestType> g(n);
    g.values = x;
    TestType got_abs = -1;
    CHECK(gradient_dot(g, p.data()) == dot);
    CHECK(gradient_dot_abs_sum(g, p.data(), got_abs) == dot);
    CHECK(got_abs == abs_sum);
    CHECK(gradient_abs_sum<TestType>(g) == abs_sum);
  }
  // Rounded sums: Eigen's own reduction order on aligned vectors (the
  // vectors' storage is aligned; the offset is a whole number of packets),
  // bit for bit unless the compiler may contract products and sums (FMA).
  const auto same = [](TestType got, TestType want) {
#if defined(__FMA__)
    return got == Approx(want).epsilon(1e-5);
#else
    return got == want;
#endif
  };
  auto rng = make_rng(77);
  for (Index n : {3, 4, 7, 8, 15, 16, 17, 64, 101}) {
    Vec x(n), p(n + 8);
    for (Index i = 0; i < n; ++i) x[i] = TestType(uniform01(rng) - 0.5);
    for (Index i = 0; i < n + 8; ++i) p[i] = TestType(uniform01(rng) - 0.5);
    DenseGradient<TestType> g(n);
    g.values = x;
    g.offset = 8;
    TestType got_abs = -1;
    CHECK(same(gradient_dot(g, p.data()), x.dot(p.segment(8, n))));
    CHECK(same(gradient_dot_abs_sum(g, p.data(), got_abs), x.dot(p.segment(8, n))));
    CHECK(same(got_abs, x.cwiseAbs().sum()));
  }
  // Strided: entries i * stride + offset.
  DenseGradient<TestType> g(3);
  g.values << 1, -2, 4;
  g.stride = 3;
  g.offset = 1;
  const TestType p[9] = {100, 1, 100, 100, 10, 100, 100, 100, 100};
  TestType got_abs = -1;
  CHECK(gradient_dot(g, p) == TestType(1 * 1 - 2 * 10 + 4 * 100));
  CHECK(gradient_dot_abs_sum(g, p, got_abs) == TestType(381));
  CHECK(got_abs == TestType(7));
}

TEST_CASE("Linear approximators: bad input", "[approx][linear][errors]") {
  LinearV<OneHotMap> v(OneHotMap(3));
  CHECK(thrown_message<std::out_of_range>([&] { (void)v.value(3); }) ==
        "LinearV::value: state = 3 is out of range [0, 3)");
  CHECK_THROWS_AS(v.semi_gradient_step(-1, 1.0), std::out_of_range);
  CHECK(contains(thrown_message<std::invalid_argument>([] { LinearV<OneHotMap>(OneHotMap(3), NAN); }),
                 "initial_weight = nan"));
  LinearQ<OneHotMap> q(OneHotMap(3), 2);
  CHECK(thrown_message<std::out_of_range>([&] { (void)q.value(0, 2); }) ==
        "LinearQ::value: action = 2 is out of range [0, 2)");
  CHECK_THROWS_AS(q.action_values(5), std::out_of_range);
  CHECK_THROWS_AS(LinearQ<OneHotMap>(OneHotMap(3), 0), std::invalid_argument);
  CHECK(contains(thrown_message<std::invalid_argument>([] { LinearQ<OneHotMap>(OneHotMap(3), 65); }),
                 "num_actions = 65 exceeds max_linear_q_actions"));
  // Feature dimension mismatch and tile-coding bounds surface through the approximator.
  LinearV<FourierBasis<>> f(FourierBasis<>({.order = 1, .low = {0, 0}, .high = {1, 1}}));
  CHECK(thrown_message<std::invalid_argument>([&] { (void)f.value(Eigen::VectorXd::Zero(3)); }) ==
        "LinearV::value: state has size 3, expected 2");
  LinearQ<TileCoding<>> t(TileCoding<>({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}}), 2);
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   t.semi_gradient_step(Eigen::VectorXd::Constant(1, 1.5), 0, 1.0);
                 }),
                 "LinearQ::semi_gradient_step: state[0] = 1.5 is outside [0, 1]"));
  CHECK(t.parameters().isZero());
  TileCoding<> sa_map({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}, .num_actions = 3});
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   LinearQ<TileCoding<>, double, ActionFeatures::state_action>(sa_map, 2);
                 }),
                 "num_actions = 2 differs from the map's num_actions() = 3"));
}
