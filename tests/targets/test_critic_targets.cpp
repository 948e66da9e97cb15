// Layer-1 critic targets: clipped double-Q (discrete and continuous), maxmin,
// the ensemble reductions and random subsets, Polyak averaging, target policy
// smoothing. Hand-worked numbers, properties, bad input.

#include "rlvalue/targets/critic_targets.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "learners/critic_test_support.hpp"
#include "learners/learner_test_support.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/ensemble.hpp"
#include "rlvalue/targets/polyak.hpp"
#include "rlvalue/targets/target_policy_smoothing.hpp"
#include "rlvalue/targets/td_errors.hpp"

using rlvalue::Index;
using rlvalue_test::ScriptedBits;
using rlvalue_test::thrown_message;

TEMPLATE_TEST_CASE("clipped_double_q_target: hand-worked numbers", "[targets][clipped]", float,
                   double) {
  using T = TestType;
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  V q1(3), q2(3);
  q1 << 1, 4, 2;
  q2 << 3, 2.5, 5;
  // a* = argmax q1 = 1; min(q1(1), q2(1)) = min(4, 2.5) = 2.5; y = 1 + 0.9*2.5 = 3.25.
  // (q2's own max, 5 at action 2, plays no part.)
  CHECK(rlvalue::clipped_double_q_target(T(1), T(0.9), q1, q2) == Approx(3.25));
  // q2 above q1 at a*: min(4, 6) = 4; y = 1 + 0.9*4 = 4.6.
  q2 << 0, 6, 0;
  CHECK(rlvalue::clipped_double_q_target(T(1), T(0.9), q1, q2) == Approx(4.6));
  // Tie in q1 goes to the lowest index: q1 = (2, 2, 1) -> a* = 0; min(2, 7) = 2; y = 0 + 0.5*2 = 1.
  q1 << 2, 2, 1;
  q2 << 7, 3, 0;
  CHECK(rlvalue::clipped_double_q_target(T(0), T(0.5), q1, q2) == T(1));
  // Terminal: discount 0 gives the reward.
  CHECK(rlvalue::clipped_double_q_target(T(-2), T(0), q1, q2) == T(-2));
  // Rows of a table (no copy) work as well: rows 0 and 1 of a row-major table.
  auto tab = rlvalue_test::table<T>(2, 3, {1, 4, 2, 3, 2.5, 5});
  CHECK(rlvalue::clipped_double_q_target(T(1), T(0.9), tab.action_values(0), tab.action_values(1)) ==
        Approx(3.25));
  // Continuous form: y = 0.5 + 0.99 * min(2, 1.5) = 1.985.
  CHECK(rlvalue::clipped_double_q_target(T(0.5), T(0.99), T(2), T(1.5)) == Approx(1.985));
  CHECK(rlvalue::clipped_double_q_target(T(0.5), T(0.99), T(1.5), T(2)) == Approx(1.985));
}

TEST_CASE("clipped_double_q_target: never above the Q-learning target of either critic",
          "[targets][clipped]") {
  // Property over random rows: y <= r + d * max q1 and y <= r + d * max q2
  // (d >= 0), with equality to Q-learning's target when q2 == q1.
  auto rng = rlvalue::make_rng(5);
  int violations = 0;
  for (int i = 0; i < 1000; ++i) {
    Eigen::VectorXd q1(4), q2(4);
    for (Index a = 0; a < 4; ++a) {
      q1(a) = rlvalue::normal(rng, 0.0, 1.0);
      q2(a) = rlvalue::normal(rng, 0.0, 1.0);
    }
    const double y = rlvalue::clipped_double_q_target(0.3, 0.9, q1, q2);
    violations += (y > 0.3 + 0.9 * q1.maxCoeff() || y > 0.3 + 0.9 * q2.maxCoeff()) ? 1 : 0;
    CHECK(rlvalue::clipped_double_q_target(0.3, 0.9, q1, q1) == 0.3 + 0.9 * q1.maxCoeff());
  }
  CHECK(violations == 0);
}

TEMPLATE_TEST_CASE("maxmin_target: hand-worked numbers", "[targets][maxmin]", float, double) {
  using T = TestType;
  Eigen::Matrix<T, 3, 3, Eigen::RowMajor> q;
  q << 1, 5, 3,  //
      2, 4, 6,   //
      0, 7, 2;
  // min over critics per action: (0, 4, 2); max = 4; y = -1 + 0.5*4 = 1.
  CHECK(rlvalue::maxmin_target(T(-1), T(0.5), q) == T(1));
  // Column-major copy: same.
  const Eigen::Matrix<T, 3, 3> qc = q;
  CHECK(rlvalue::maxmin_target(T(-1), T(0.5), qc) == T(1));
  // N = 1 is Q-learning's target: 2 + 0.5 * max(1, 5, 3) = 4.5.
  CHECK(rlvalue::maxmin_target(T(2), T(0.5), q.topRows(1)) == T(4.5));
  // Terminal.
  CHECK(rlvalue::maxmin_target(T(2), T(0), q) == T(2));
  // All negative: mins (-3, -2) -> max -2; y = 0 + 1 * -2.
  Eigen::Matrix<T, 2, 2> neg;
  neg << -1, -2, -3, -2;
  CHECK(rlvalue::maxmin_target(T(0), T(1), neg) == T(-2));
}

TEST_CASE("maxmin_target: decreases as critics are added", "[targets][maxmin]") {
  // Property: adding a row can only lower (or keep) max_a min_k.
  auto rng = rlvalue::make_rng(6);
  Eigen::MatrixXd q(6, 5);
  for (Index k = 0; k < 6; ++k)
    for (Index a = 0; a < 5; ++a) q(k, a) = rlvalue::normal(rng, 0.0, 1.0);
  double previous = std::numeric_limits<double>::infinity();
  for (Index n = 1; n <= 6; ++n) {
    const double y = rlvalue::maxmin_target(0.0, 1.0, q.topRows(n));
    CHECK(y <= previous);
    previous = y;
  }
  CHECK(previous < rlvalue::maxmin_target(0.0, 1.0, q.topRows(1)));  // strictly, for this seed
}

TEMPLATE_TEST_CASE("ensemble reductions: hand-worked numbers", "[targets][ensemble]", float,
                   double) {
  using T = TestType;
  Eigen::Matrix<T, 3, 3, Eigen::RowMajor> q;
  q << 1, 5, 3,  //
      2, 4, 6,   //
      0, 7, 2;
  Eigen::Matrix<T, 1, 3> out;
  // mean: (1+2+0)/3 = 1, (5+4+7)/3 = 16/3, (3+6+2)/3 = 11/3.
  rlvalue::ensemble_mean(q, out);
  CHECK(out(0) == Approx(1.0));
  CHECK(out(1) == Approx(16.0 / 3.0));
  CHECK(out(2) == Approx(11.0 / 3.0));
  // min: (0, 4, 2).
  rlvalue::ensemble_min(q, out);
  CHECK(out == Eigen::Matrix<T, 1, 3>(0, 4, 2));
  // subset {0, 1}: (min(1,2), min(5,4), min(3,6)) = (1, 4, 3); subset {2}: row 2.
  rlvalue::ensemble_subset_min(q, std::vector<Index>{0, 1}, out);
  CHECK(out == Eigen::Matrix<T, 1, 3>(1, 4, 3));
  rlvalue::ensemble_subset_min(q, std::vector<Index>{2}, out);
  CHECK(out == Eigen::Matrix<T, 1, 3>(0, 7, 2));
  // A block of a bigger matrix as the output.
  Eigen::Matrix<T, 2, 3> big = Eigen::Matrix<T, 2, 3>::Zero();
  rlvalue::ensemble_min(q, big.row(1));
  CHECK(big.row(1) == Eigen::Matrix<T, 1, 3>(0, 4, 2));
  CHECK(big.row(0).isZero());
  // Scalar forms over a vector of critic values.
  Eigen::Matrix<T, 4, 1> v(3, -1, 2, 0);
  CHECK(rlvalue::ensemble_mean(v) == Approx(1.0));
  CHECK(rlvalue::ensemble_min(v) == T(-1));
  CHECK(rlvalue::ensemble_subset_min(v, std::vector<Index>{0, 2}) == T(2));
}

TEST_CASE("random subsets: scripted draws and uniformity", "[targets][ensemble]") {
  std::vector<Index> idx(3);
  // Draw 1: uniform_index(3) = 2 -> swap(0, 2) -> (2, 1, 0);
  // draw 2: uniform_index(2) = 1 -> j = 2 -> swap(1, 2) -> (2, 0, 1). Subset {2, 0}.
  ScriptedBits rng{2, 1};
  rlvalue::draw_random_subset(rng, 2, std::span<Index>(idx));
  CHECK(idx == std::vector<Index>{2, 0, 1});
  CHECK(rng.calls == 2);
  // REDQ-style reduction with the same draws: min of rows 2 and 0 = (0, 5, 2).
  Eigen::Matrix<double, 3, 3, Eigen::RowMajor> q;
  q << 1, 5, 3, 2, 4, 6, 0, 7, 2;
  Eigen::RowVector3d out;
  ScriptedBits rng2{2, 1};
  rlvalue::ensemble_random_subset_min(q, 2, rng2, std::span<Index>(idx), out);
  CHECK(out == Eigen::RowVector3d(0, 5, 2));
  // m = n takes every index (still n draws).
  ScriptedBits rng3{0, 0, 0};
  rlvalue::draw_random_subset(rng3, 3, std::span<Index>(idx));
  CHECK(idx == std::vector<Index>{0, 1, 2});

  // Uniformity: each of the 4 members is in a 2-subset with probability 1/2.
  // 40000 draws: sd of a frequency 0.0025; tolerance 0.0125 = 5 sd.
  auto real = rlvalue::make_rng(17);
  std::vector<Index> members(4);
  std::vector<int> hits(4, 0);
  for (int i = 0; i < 40000; ++i) {
    rlvalue::draw_random_subset(real, 2, std::span<Index>(members));
    CHECK(members[0] != members[1]);
    ++hits[static_cast<std::size_t>(members[0])];
    ++hits[static_cast<std::size_t>(members[1])];
  }
  for (int h : hits) CHECK(h / 40000.0 == Approx(0.5).margin(0.0125));
}

TEST_CASE("random subsets: the learners' sparse draw equals the full shuffle's subset",
          "[targets][ensemble]") {
  // detail::draw_subset_prefix (the learners' draw) against draw_random_subset:
  // the same first m indices from the same draws, for every n <= 12 and
  // m <= n (m = 1 and 2 without the shuffle, the full shuffle otherwise),
  // 200 draws each; the generators stay in step.
  auto a = rlvalue::make_rng(23), b = rlvalue::make_rng(23);
  for (Index n = 1; n <= 12; ++n)
    for (Index m = 1; m <= n; ++m)
      for (int rep = 0; rep < 200; ++rep) {
        std::vector<Index> full(static_cast<std::size_t>(n)), prefix(static_cast<std::size_t>(n), -1);
        rlvalue::draw_random_subset(a, m, std::span<Index>(full));
        rlvalue::detail::draw_subset_prefix(b, m, std::span<Index>(prefix));
        INFO("n = " << n << ", m = " << m << ", draw " << rep);
        REQUIRE(std::equal(full.begin(), full.begin() + m, prefix.begin()));
        REQUIRE(a() == b());
      }
  // Scripted: n = 8, m = 2, draws 5 then 6 (j = 7): v = (5, 7), and a draw
  // that lands on the position the first one moved (5 then 4: j = 5): (5, 0).
  std::vector<Index> idx(8, -1);
  ScriptedBits rng{5, 6};
  rlvalue::detail::draw_subset_prefix(rng, 2, std::span<Index>(idx));
  CHECK((idx[0] == 5 && idx[1] == 7));
  ScriptedBits rng2{5, 4};
  rlvalue::detail::draw_subset_prefix(rng2, 2, std::span<Index>(idx));
  CHECK((idx[0] == 5 && idx[1] == 0));
  CHECK(rng2.calls == 2);
}

TEMPLATE_TEST_CASE("polyak_update: hand-worked numbers", "[targets][polyak]", float, double) {
  using T = TestType;
  using M = Eigen::Matrix<T, 2, 2, Eigen::RowMajor>;
  M online, target;
  online << 1, 2, -4, 0;
  target << 3, 6, 4, 8;
  // tau = 0.25: 0.25*1 + 0.75*3 = 2.5; 0.25*2 + 0.75*6 = 5; 0.25*-4 + 0.75*4 = 2; 0 + 0.75*8 = 6.
  rlvalue::polyak_update(online, target, 0.25);
  CHECK(target == M{{T(2.5), T(5)}, {T(2), T(6)}});
  // tau = 0: unchanged; tau = 1: a copy.
  rlvalue::polyak_update(online, target, 0.0);
  CHECK(target == M{{T(2.5), T(5)}, {T(2), T(6)}});
  rlvalue::polyak_update(online, target, 1.0);
  CHECK(target == online);
  // A block as the target.
  Eigen::Matrix<T, 3, 2> big = Eigen::Matrix<T, 3, 2>::Zero();
  rlvalue::polyak_update(online, big.topRows(2), 0.5);
  CHECK(big(1, 0) == T(-2));
  CHECK(big.row(2).isZero());
  // Repeated averaging converges geometrically: after n steps the gap is (1-tau)^n.
  M t2 = M::Zero();
  M ones = M::Ones();
  for (int i = 0; i < 10; ++i) rlvalue::polyak_update(ones, t2, 0.5);
  CHECK(t2(0, 0) == Approx(1.0 - std::pow(0.5, 10)));
}

TEST_CASE("polyak_update: bad input throws and writes nothing", "[targets][polyak][errors]") {
  Eigen::MatrixXd online = Eigen::MatrixXd::Ones(2, 3), target = Eigen::MatrixXd::Zero(2, 3);
  CHECK(thrown_message<std::invalid_argument>([&] { rlvalue::polyak_update(online, target, 1.5); }) ==
        "polyak_update: tau = 1.5 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { rlvalue::polyak_update(online, target, std::nan("")); }) ==
        "polyak_update: tau = nan is outside [0, 1]");
  Eigen::MatrixXd small = Eigen::MatrixXd::Zero(3, 3);
  CHECK(thrown_message<std::invalid_argument>([&] { rlvalue::polyak_update(online, small, 0.5); }) ==
        "polyak_update: target.rows() has size 3, expected 2");
  CHECK(small.isZero());
  CHECK(target.isZero());
}

TEMPLATE_TEST_CASE("target_policy_smoothing: the formula, draw by draw", "[targets][smoothing]",
                   float, double) {
  using T = TestType;
  // Replaying the generator: a~ = clip(a + clip(normal(0, sigma), -c, c), low, high).
  auto rng = rlvalue::make_rng(21);
  auto replay = rng;
  for (int i = 0; i < 200; ++i) {
    const T a = T(0.9);
    const T got = rlvalue::target_policy_smoothing(a, 0.2, 0.5, T(-1), T(1), rng);
    const double eps = std::clamp(rlvalue::normal(replay, 0.0, 0.2), -0.5, 0.5);
    const T expected = std::clamp(static_cast<T>(static_cast<double>(a) + eps), T(-1), T(1));
    CHECK(got == expected);
  }
  // sigma = 0: no noise, only the bounds: 0.3 -> 0.3, 2 -> 1, -3 -> -1.
  CHECK(rlvalue::target_policy_smoothing(T(0.3), 0.0, 0.5, T(-1), T(1), rng) == T(0.3));
  CHECK(rlvalue::target_policy_smoothing(T(2), 0.0, 0.5, T(-1), T(1), rng) == T(1));
  CHECK(rlvalue::target_policy_smoothing(T(-3), 0.0, 0.5, T(-1), T(1), rng) == T(-1));
  // Huge sigma: the noise is clipped to exactly +-c (wide bounds).
  int clipped = 0;
  for (int i = 0; i < 100; ++i) {
    const T x = rlvalue::target_policy_smoothing(T(0), 1e6, 0.5, T(-10), T(10), rng);
    clipped += (x == T(0.5) || x == T(-0.5)) ? 1 : 0;
  }
  CHECK(clipped == 100);
}

TEST_CASE("target_policy_smoothing: vector actions", "[targets][smoothing]") {
  auto rng = rlvalue::make_rng(22);
  auto replay = rng;
  const Eigen::Vector3d a(0.0, 0.95, -2.0), low(-1, -1, -1), high(1, 1, 1);
  Eigen::Vector3d out;
  rlvalue::target_policy_smoothing(a, 0.2, 0.5, low, high, rng, out);
  for (Index i = 0; i < 3; ++i) {
    const double eps = std::clamp(rlvalue::normal(replay, 0.0, 0.2), -0.5, 0.5);
    CHECK(out(i) == std::clamp(a(i) + eps, low(i), high(i)));
  }
  CHECK(out(2) >= -1.0);
  // In place.
  Eigen::Vector3d b = a;
  auto rng2 = rlvalue::make_rng(22);
  rlvalue::target_policy_smoothing(b, 0.2, 0.5, low, high, rng2, b);
  CHECK(b == out);
}

TEST_CASE("critic targets: bad input", "[targets][errors]") {
  Eigen::VectorXd q3(3), q2(2), empty(0);
  q3 << 1, 2, 3;
  q2 << 1, 2;
  CHECK(thrown_message<std::invalid_argument>(
            [&] { (void)rlvalue::clipped_double_q_target(0.0, 1.0, q3, q2); }) ==
        "clipped_double_q_target: q2_next has size 2, expected 3");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { (void)rlvalue::clipped_double_q_target(0.0, 1.0, empty, empty); }) ==
        "clipped_double_q_target: q1_next.size() = 0 must be at least 1");
  Eigen::MatrixXd none(0, 3);
  CHECK(thrown_message<std::invalid_argument>([&] { (void)rlvalue::maxmin_target(0.0, 1.0, none); }) ==
        "maxmin_target: q_next.rows() = 0 must be at least 1");
  Eigen::MatrixXd q(2, 3);
  q << 1, 2, 3, 4, 5, 6;
  Eigen::RowVectorXd out = Eigen::RowVectorXd::Zero(2);
  CHECK(thrown_message<std::invalid_argument>([&] { rlvalue::ensemble_mean(q, out); }) ==
        "ensemble_mean: out has size 2, expected 3");
  Eigen::RowVectorXd out3 = Eigen::RowVectorXd::Zero(3);
  CHECK(thrown_message<std::out_of_range>(
            [&] { rlvalue::ensemble_subset_min(q, std::vector<Index>{0, 2}, out3); }) ==
        "ensemble_subset_min: subset member = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { rlvalue::ensemble_subset_min(q, std::vector<Index>{}, out3); }) ==
        "ensemble_subset_min: subset.size() = 0 must be at least 1");
  CHECK(out3.isZero());
  std::vector<Index> idx(2);
  auto rng = rlvalue::make_rng(0);
  CHECK(thrown_message<std::invalid_argument>(
            [&] { rlvalue::draw_random_subset(rng, 3, std::span<Index>(idx)); }) ==
        "draw_random_subset: subset_size = 3 is outside [1, 2]");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { rlvalue::ensemble_random_subset_min(q, 0, rng, std::span<Index>(idx), out3); }) ==
        "ensemble_random_subset_min: subset_size = 0 is outside [1, 2]");

  CHECK(thrown_message<std::invalid_argument>(
            [&] { (void)rlvalue::target_policy_smoothing(0.0, -0.1, 0.5, -1.0, 1.0, rng); }) ==
        "target_policy_smoothing: sigma = -0.1 must not be negative");
  CHECK(thrown_message<std::invalid_argument>([&] {
          (void)rlvalue::target_policy_smoothing(0.0, 0.2, std::nan(""), -1.0, 1.0, rng);
        }) == "target_policy_smoothing: noise_clip = nan is not finite");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { (void)rlvalue::target_policy_smoothing(0.0, 0.2, 0.5, 1.0, -1.0, rng); }) ==
        "target_policy_smoothing: low = 1 must not exceed high = -1");
  CHECK(thrown_message<std::invalid_argument>([&] {
          (void)rlvalue::target_policy_smoothing(std::numeric_limits<double>::infinity(), 0.2, 0.5,
                                                 -1.0, 1.0, rng);
        }) == "target_policy_smoothing: action = inf is not finite");
  const Eigen::Vector2d a(0, 0), low(-1, 2), high(1, 1);
  Eigen::Vector2d o(7, 7);
  CHECK(thrown_message<std::invalid_argument>(
            [&] { rlvalue::target_policy_smoothing(a, 0.2, 0.5, low, high, rng, o); }) ==
        "target_policy_smoothing: low(1) = 2 must not exceed high = 1");
  CHECK(o == Eigen::Vector2d(7, 7));
  Eigen::Vector3d o3;
  CHECK(thrown_message<std::invalid_argument>(
            [&] { rlvalue::target_policy_smoothing(a, 0.2, 0.5, low, high, rng, o3); }) ==
        "target_policy_smoothing: out has size 3, expected 2");
}
