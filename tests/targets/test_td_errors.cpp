// Layer-1 TD errors: hand-worked numbers, every kind of Eigen argument,
// properties linking the errors, and bad input.

#include "rlvalue/targets/td_errors.hpp"

#include <Eigen/Core>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "targets/sequence_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"

namespace {

using namespace rlvalue_test;

}  // namespace

using rlvalue::Index;

TEMPLATE_TEST_CASE("td_error: hand-worked numbers", "[targets][td_error]", float, double) {
  using T = TestType;
  // r + d*v' - v = 1 + 0.5*2 - 0.5 = 1.5
  CHECK(rlvalue::td_error(T(0.5), T(1), T(0.5), T(2)) == T(1.5));
  // terminal: discount 0 -> r - v = 1 - 0.5 = 0.5, whatever v'
  CHECK(rlvalue::td_error(T(0.5), T(1), T(0), T(123)) == T(0.5));
  // negative: -2 + 0.25*4 - 3 = -4
  CHECK(rlvalue::td_error(T(3), T(-2), T(0.25), T(4)) == T(-4));
  STATIC_REQUIRE(std::is_same_v<decltype(rlvalue::td_error(T(1), 1, 1, 1)), T>);
}

TEMPLATE_TEST_CASE("argmax: largest entry, ties to the lowest index", "[targets][argmax]", float,
                   double) {
  using V = Eigen::Matrix<TestType, Eigen::Dynamic, 1>;
  V v(5);
  v << 1, 3, 2, 3, -1;
  CHECK(rlvalue::argmax(v) == 1);
  v << -5, -4, -4, -6, -4;
  CHECK(rlvalue::argmax(v) == 1);
  v << 7, 7, 7, 7, 7;
  CHECK(rlvalue::argmax(v) == 0);
  v << 0, 0, 0, 0, 1;
  CHECK(rlvalue::argmax(v) == 4);
  CHECK(rlvalue::argmax(v.transpose()) == 4);
  const V empty(0);
  const auto msg = message_of<std::invalid_argument>([&] { (void)rlvalue::argmax(empty); });
  CHECK(msg == "argmax: values.size() = 0 must be at least 1");
}

TEMPLATE_TEST_CASE("argmax: the first entry no later one exceeds, for every length, with ties, "
                   "signed zeros, infinities and NaN",
                   "[targets][argmax]", float, double) {
  using T = TestType;
  // The reference: the scan in order, a later entry taken only when larger.
  auto reference = [](const std::vector<T>& x) {
    Index best = 0;
    for (std::size_t i = 1; i < x.size(); ++i)
      if (x[i] > x[static_cast<std::size_t>(best)]) best = static_cast<Index>(i);
    return best;
  };
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  // Few distinct values, so ties are common.
  const std::array<T, 9> pool{T(-1), T(0), T(-0.0), T(1), T(2), T(2), inf, -inf, nan};
  auto rng = rlvalue::make_rng(77);
  std::size_t checked = 0, not_first = 0;
  for (Index n = 1; n <= 20; ++n) {
    for (int trial = 0; trial < 400; ++trial) {
      std::vector<T> x(static_cast<std::size_t>(n));
      const bool with_nan = trial % 4 == 0;
      for (auto& e : x)
        e = pool[static_cast<std::size_t>(rlvalue::uniform_index(rng, with_nan ? 9 : 8))];
      const Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>> col(x.data(), n);
      const Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> row(x.data(), n);
      INFO("n = " << n << ", trial " << trial);
      const Index expected = reference(x);
      CHECK(rlvalue::argmax(col) == expected);
      CHECK(rlvalue::argmax(row) == expected);
      // Strided (a column of a row-major matrix): the generic expression path.
      Eigen::Matrix<T, Eigen::Dynamic, 2, Eigen::RowMajor> m(n, 2);
      m.col(0) = col;
      m.col(1).setZero();
      CHECK(rlvalue::argmax(m.col(0)) == expected);
      ++checked;
      not_first += expected != 0;
    }
  }
  CHECK(checked == 20 * 400);
  CHECK(not_first > 4000);  // the winner is not just the first entry
  // Hand cases: a NaN first keeps index 0; NaN later is skipped; -0 and +0 tie.
  Eigen::Matrix<T, 8, 1> v;
  v << nan, T(5), T(6), T(1), T(0), T(2), T(3), T(4);
  CHECK(rlvalue::argmax(v) == 0);
  v << T(1), nan, T(6), nan, T(6), T(2), T(3), nan;
  CHECK(rlvalue::argmax(v) == 2);
  v << T(-0.0), T(0), T(-1), T(-2), T(-0.0), T(-3), T(-4), T(0);
  CHECK(rlvalue::argmax(v) == 0);
  v << T(1), T(2), T(3), T(4), T(5), T(6), T(7), T(8);
  CHECK(rlvalue::argmax(v) == 7);
}

TEMPLATE_TEST_CASE("q-value errors: hand-worked numbers", "[targets]", float, double) {
  using T = TestType;
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  V q(3), qn(3), probs(3);
  q << 1, 2, 3;
  qn << 4, 6, 5;
  probs << T(0.25), T(0.5), T(0.25);

  // Q-learning: r + d*max q' - q(a) = 1 + 0.5*6 - 2 = 2
  CHECK(rlvalue::q_learning_error(q, 1, T(1), T(0.5), qn) == T(2));
  // terminal: 1 + 0 - 2 = -1
  CHECK(rlvalue::q_learning_error(q, 1, T(1), T(0), qn) == T(-1));
  // SARSA with a' = 2: 1 + 0.5*5 - 3 = 0.5 (action 2)
  CHECK(rlvalue::sarsa_error(q, 2, T(1), T(0.5), qn, 2) == T(0.5));
  // SARSA with a' = 0: 1 + 0.5*4 - 1 = 2 (action 0)
  CHECK(rlvalue::sarsa_error(q, 0, T(1), T(0.5), qn, 0) == T(2));
  // Expected SARSA: sum pi q' = 0.25*4 + 0.5*6 + 0.25*5 = 5.25; 1 + 0.5*5.25 - 2 = 1.625
  CHECK(rlvalue::expected_sarsa_error(q, 1, T(1), T(0.5), qn, probs) == T(1.625));
  // Double Q: selector argmax = 2 (values 0, 1, 9), value q_next_value(2) = 5:
  // 1 + 0.5*5 - 1 = 2.5 (action 0)
  V selector(3);
  selector << 0, 1, 9;
  CHECK(rlvalue::double_q_error(q, 0, T(1), T(0.5), qn, selector) == T(2.5));
  // Double Q selector ties go to the lowest index: argmax(2, 2, 1) = 0 -> q'(0) = 4:
  // 0 + 1*4 - 3 = 1 (action 2)
  selector << 2, 2, 1;
  CHECK(rlvalue::double_q_error(q, 2, T(0), T(1), qn, selector) == T(1));
}

TEST_CASE("q-value errors accept rows, Maps, column-major rows and row-major rows",
          "[targets]") {
  // Row-major table, as in TabularQ: rows are contiguous blocks.
  rlvalue::TabularQ<double> table(2, 3);
  table.parameters() << 1, 2, 3, 4, 6, 5;
  const double expected = 1 + 0.5 * 6 - 2;  // = 2
  CHECK(rlvalue::q_learning_error(table.action_values(0), 1, 1.0, 0.5, table.action_values(1)) ==
        expected);

  // Column-major matrix rows (strided).
  Eigen::MatrixXd cm(2, 3);
  cm << 1, 2, 3, 4, 6, 5;
  CHECK(rlvalue::q_learning_error(cm.row(0), 1, 1.0, 0.5, cm.row(1)) == expected);

  // Raw memory through Map, and a column vector mixed with a row.
  double raw[] = {1, 2, 3, 4, 6, 5};
  Eigen::Map<const Eigen::VectorXd> q0(raw, 3), q1(raw + 3, 3);
  CHECK(rlvalue::q_learning_error(q0, 1, 1.0, 0.5, q1) == expected);
  CHECK(rlvalue::q_learning_error(q0, 1, 1.0, 0.5, cm.row(1)) == expected);

  // Probabilities as a float Map against double values.
  float p[] = {0.0f, 0.0f, 1.0f};
  Eigen::Map<const Eigen::VectorXf> probs(p, 3);
  // 1 + 0.5*5 - 2 = 1.5
  CHECK(rlvalue::expected_sarsa_error(cm.row(0), 1, 1.0, 0.5, cm.row(1), probs) == 1.5);

  // Fixed-size vectors.
  const Eigen::Vector3d qa(1, 2, 3), qb(4, 6, 5);
  CHECK(rlvalue::sarsa_error(qa, 1, 1.0, 0.5, qb, 1) == 1 + 0.5 * 6 - 2);
}

TEST_CASE("q-value errors: properties", "[targets]") {
  rlvalue::Rng rng = rlvalue::make_rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Eigen::VectorXd q(4), qn(4), other(4);
    for (Index i = 0; i < 4; ++i) {
      q(i) = rlvalue::normal(rng, 0, 3);
      qn(i) = rlvalue::normal(rng, 0, 3);
      other(i) = rlvalue::normal(rng, 0, 3);
    }
    if (trial % 5 == 0) qn(3) = qn(1);  // include ties
    const Index a = rlvalue::uniform_index(rng, 4);
    const double r = rlvalue::normal(rng, 0, 1);
    const double d = rlvalue::uniform01(rng);
    const Index greedy = rlvalue::argmax(qn);
    const double ql = rlvalue::q_learning_error(q, a, r, d, qn);
    // SARSA with the greedy next action is Q-learning, bit for bit.
    CHECK(rlvalue::sarsa_error(q, a, r, d, qn, greedy) == ql);
    // Expected SARSA with a one-hot greedy distribution is Q-learning.
    Eigen::VectorXd one_hot = Eigen::VectorXd::Zero(4);
    one_hot(greedy) = 1.0;
    CHECK(rlvalue::expected_sarsa_error(q, a, r, d, qn, one_hot) == ql);
    // Double Q with the same table selecting and evaluating is Q-learning.
    CHECK(rlvalue::double_q_error(q, a, r, d, qn, qn) == ql);
    // Double Q evaluates the selector's argmax in the other table.
    CHECK(rlvalue::double_q_error(q, a, r, d, other, qn) == (r + d * other(greedy)) - q(a));
    // Q-learning's target dominates SARSA's for any next action.
    for (Index b = 0; b < 4; ++b) CHECK(rlvalue::sarsa_error(q, a, r, d, qn, b) <= ql);
    // Every q error is td_error with the matching bootstrap value.
    CHECK(ql == rlvalue::td_error(q(a), r, d, qn.maxCoeff()));
  }
}

TEMPLATE_TEST_CASE("q_learning_error takes the max of rows of every length", "[targets]", float,
                   double) {
  // The row maximum has an unrolled path for up to 8 entries and four running
  // maxima beyond: check every length 1..21 with the maximum at every position.
  using T = TestType;
  rlvalue::Rng rng = rlvalue::make_rng(17);
  for (Index n = 1; n <= 21; ++n) {
    for (Index where = 0; where < n; ++where) {
      Eigen::Matrix<T, Eigen::Dynamic, 1> next(n), q(n);
      for (Index i = 0; i < n; ++i) next(i) = static_cast<T>(rlvalue::uniform01(rng) * 10.0 - 20.0);
      next(where) = T(3);  // the unique maximum (all others are below -10)
      q.setZero();
      INFO("n = " << n << ", max at " << where);
      // r + d*max - q(0) = 1 + 0.5*3 - 0 = 2.5
      CHECK(rlvalue::q_learning_error(q, 0, T(1), T(0.5), next) == T(2.5));
      CHECK(rlvalue::argmax(next) == where);
    }
  }
}

TEST_CASE("q-value errors: bad shapes and indices", "[targets][errors]") {
  const Eigen::VectorXd q = Eigen::VectorXd::Zero(3);
  const Eigen::VectorXd qn = Eigen::VectorXd::Zero(3);
  const Eigen::VectorXd short_row = Eigen::VectorXd::Zero(2);

  CHECK(message_of<std::out_of_range>([&] { (void)rlvalue::q_learning_error(q, 3, 0.0, 1.0, qn); }) ==
        "q_learning_error: action = 3 is out of range [0, 3)");
  CHECK(message_of<std::out_of_range>([&] { (void)rlvalue::q_learning_error(q, -1, 0.0, 1.0, qn); }) ==
        "q_learning_error: action = -1 is out of range [0, 3)");
  CHECK(message_of<std::invalid_argument>(
            [&] { (void)rlvalue::q_learning_error(q, 0, 0.0, 1.0, short_row); }) ==
        "q_learning_error: q_next_row has size 2, expected 3");
  CHECK(message_of<std::out_of_range>([&] { (void)rlvalue::sarsa_error(q, 0, 0.0, 1.0, qn, 5); }) ==
        "sarsa_error: next_action = 5 is out of range [0, 3)");
  // next_action is checked even with discount 0 (terminal).
  CHECK(message_of<std::out_of_range>([&] { (void)rlvalue::sarsa_error(q, 0, 0.0, 0.0, qn, -2); }) ==
        "sarsa_error: next_action = -2 is out of range [0, 3)");
  CHECK(message_of<std::out_of_range>([&] { (void)rlvalue::sarsa_error(q, 4, 0.0, 1.0, qn, 0); }) ==
        "sarsa_error: action = 4 is out of range [0, 3)");
  CHECK(message_of<std::invalid_argument>(
            [&] { (void)rlvalue::expected_sarsa_error(q, 0, 0.0, 1.0, qn, short_row); }) ==
        "expected_sarsa_error: next_probs has size 2, expected 3");
  CHECK(message_of<std::out_of_range>(
            [&] { (void)rlvalue::expected_sarsa_error(q, 7, 0.0, 1.0, qn, qn); }) ==
        "expected_sarsa_error: action = 7 is out of range [0, 3)");
  CHECK(message_of<std::invalid_argument>(
            [&] { (void)rlvalue::double_q_error(q, 0, 0.0, 1.0, qn, short_row); }) ==
        "double_q_error: q_next_selector has size 2, expected 3");
  CHECK(message_of<std::invalid_argument>(
            [&] { (void)rlvalue::double_q_error(q, 0, 0.0, 1.0, short_row, qn); }) ==
        "double_q_error: q_next_value has size 2, expected 3");
}

TEMPLATE_TEST_CASE("persistent_q_learning_error and qv_learning_error: hand-worked numbers",
                   "[targets][td_errors][persistent][qv]", float, double) {
  using T = TestType;
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  Vec q(3), qn(3);
  q << T(1), T(2), T(3);
  qn << T(4), T(8), T(2);
  // Persistent: action 2, gap scale 0.25: corrected = 0.75 * max(4, 8, 2) + 0.25 * qn(2)
  //   = 6 + 0.5 = 6.5; delta = 1 + 0.5 * 6.5 - q(2) = 1 + 3.25 - 3 = 1.25.
  CHECK(rlvalue::persistent_q_learning_error(q, 2, T(1), T(0.5), qn, T(0.25)) == T(1.25));
  // Scale 0 is Q-learning; scale 1 bootstraps on the repeated action (SARSA
  // with next_action = action).
  CHECK(rlvalue::persistent_q_learning_error(q, 2, T(1), T(0.5), qn, T(0)) ==
        rlvalue::q_learning_error(q, 2, T(1), T(0.5), qn));
  CHECK(rlvalue::persistent_q_learning_error(q, 2, T(1), T(0.5), qn, T(1)) ==
        rlvalue::sarsa_error(q, 2, T(1), T(0.5), qn, 2));
  // Terminal (discount 0): r - q(a).
  CHECK(rlvalue::persistent_q_learning_error(q, 0, T(1), T(0), qn, T(0.5)) == T(0));
  // QV: delta = 1 + 0.5 * v_next(=6) - q(1) = 1 + 3 - 2 = 2.
  CHECK(rlvalue::qv_learning_error(q, 1, T(1), T(0.5), T(6)) == T(2));
  CHECK(rlvalue::qv_learning_error(q, 1, T(1), T(0), T(6)) == T(-1));

  using rlvalue_test::message_of;
  CHECK(message_of<std::invalid_argument>([&] {
          (void)rlvalue::persistent_q_learning_error(q, 0, T(0), T(1), qn, T(1.5));
        }) == "persistent_q_learning_error: action_gap_scale = 1.5 is outside [0, 1]");
  CHECK(message_of<std::out_of_range>([&] {
          (void)rlvalue::persistent_q_learning_error(q, 3, T(0), T(1), qn, T(0.5));
        }) == "persistent_q_learning_error: action = 3 is out of range [0, 3)");
  CHECK(message_of<std::out_of_range>([&] { (void)rlvalue::qv_learning_error(q, -1, T(0), T(1), T(0)); }) ==
        "qv_learning_error: action = -1 is out of range [0, 3)");
}
