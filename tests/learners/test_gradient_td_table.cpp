// Gradient-TD on a TabularV reads and writes the table's entries directly
// (x = e_s, x' = e_s'); on LinearV<OneHotMap> it takes the general path
// through the approximator's gradients. Both must give the same weights,
// secondary weights and errors bit for bit, for every correction, on a
// stream with terminations, truncations, self-loops (s' = s) and importance
// ratios, and must reject the same overflowing steps with the same message,
// writing nothing.

#include <Eigen/Core>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/gradient_td.hpp"

using namespace rlvalue;

namespace {

constexpr Index kStates = 5;

template <class T>
struct Step {
  Transition<Index, Index, T> t;
  T rho;
};

// Random transitions over 5 states: about 1 in 5 a self-loop, 1 in 8
// terminated, 1 in 8 truncated; rho in {0, 0.5, 1, 2.5}.
template <class T>
std::vector<Step<T>> stream(std::size_t n) {
  auto rng = make_rng(41);
  std::vector<Step<T>> out(n);
  const T rhos[] = {T(0), T(0.5), T(1), T(2.5)};
  for (auto& s : out) {
    s.t.state = uniform_index(rng, kStates);
    s.t.next_state = uniform01(rng) < 0.2 ? s.t.state : uniform_index(rng, kStates);
    s.t.reward = static_cast<T>(uniform01(rng) * 2.0 - 0.7);
    const double u = uniform01(rng);
    s.t.terminated = u < 0.125;
    s.t.truncated = u >= 0.125 && u < 0.25;
    s.rho = rhos[uniform_index(rng, 4)];
  }
  return out;
}

template <template <class> class Learner, class T>
void check_same_as_general_path() {
  using Table = TabularV<T>;
  using Linear = LinearV<OneHotMap, T>;
  const GradientTDConfig config{
      .gamma = 0.9, .step_size = 0.3, .secondary_step_size = 0.2, .regularization = 0.5};
  Table table(kStates);
  Linear linear{OneHotMap(kStates)};
  Learner<Table> a(table, config);
  Learner<Linear> b(linear, config);
  std::size_t i = 0;
  for (const auto& s : stream<T>(4000)) {
    const T da = a.update(s.t, s.rho);
    const T db = b.update(s.t, s.rho);
    REQUIRE(da == db);
    REQUIRE(table.parameters() == linear.parameters());
    REQUIRE(a.secondary() == b.secondary());
    ++i;
  }
  CHECK(i == 4000);
  // The stream moved the weights away from zero (the check above is not
  // vacuous).
  CHECK(table.parameters().cwiseAbs().maxCoeff() > T(0.1));
}

// One step from given w(s), w(s'), theta(s), reward and rho on both paths:
// either both throw the same message and write nothing, or both write the
// same weights. Returns the message ("" when the step was taken).
template <template <class> class Learner, class T>
std::string same_step_or_same_rejection(const Transition<Index, Index, T>& t, T w_s, T w_next,
                                        T theta_s, T rho) {
  const GradientTDConfig config{
      .gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.9, .regularization = 0.5};
  TabularV<T> table(kStates);
  LinearV<OneHotMap, T> linear{OneHotMap(kStates)};
  Learner<TabularV<T>> a(table, config);
  Learner<LinearV<OneHotMap, T>> b(linear, config);
  Eigen::Matrix<T, -1, 1> w = Eigen::Matrix<T, -1, 1>::LinSpaced(kStates, T(-1), T(1));
  Eigen::Matrix<T, -1, 1> theta = -w;
  w(t.next_state) = w_next;
  w(t.state) = w_s;
  theta(t.state) = theta_s;
  table.parameters() = w;
  linear.parameters() = w;
  a.secondary() = theta;
  b.secondary() = theta;
  std::string ma, mb;
  try {
    a.update(t, rho);
  } catch (const std::invalid_argument& e) {
    ma = e.what();
  }
  try {
    b.update(t, rho);
  } catch (const std::invalid_argument& e) {
    mb = e.what();
  }
  REQUIRE(ma == mb);
  REQUIRE(table.parameters() == linear.parameters());
  REQUIRE(a.secondary() == b.secondary());
  if (!ma.empty()) {
    REQUIRE(table.parameters() == w);
    REQUIRE(a.secondary() == theta);
  }
  return ma;
}

// Every combination of extreme weights, rewards, ratios and transition kinds
// (s' != s, s' = s, terminated); counts the rejections by kind.
template <template <class> class Learner, class T>
void check_extremes(bool secondary) {
  const T m = std::numeric_limits<T>::max();
  const T values[] = {T(0), T(0.6) * m, T(-0.6) * m, T(0.95) * m, T(-0.95) * m};
  const T rewards[] = {T(0), T(1), T(0.5) * m, T(-0.5) * m};
  const T rhos[] = {T(0.5), T(1), T(2.5), T(25)};
  const Transition<Index, Index, T> kinds[] = {{.state = 1, .next_state = 3},
                                                {.state = 2, .next_state = 2},
                                                {.state = 4, .next_state = 0, .terminated = true}};
  int taken = 0, weight = 0, theta = 0, other = 0;
  for (auto t : kinds)
    for (const T r : rewards)
      for (const T w_s : values)
        for (const T w_next : values)
          for (const T h : values)
            for (const T rho : rhos) {
              t.reward = r;
              const std::string msg = same_step_or_same_rejection<Learner, T>(t, w_s, w_next, h, rho);
              if (msg.empty()) {
                ++taken;
              } else if (msg.find("w + step") != std::string::npos) {
                ++weight;
              } else if (msg.find("theta + step") != std::string::npos) {
                ++theta;
              } else {
                ++other;
              }
            }
  // Each branch of the checks was reached.
  CHECK(taken > 0);
  CHECK(weight > 0);
  CHECK(other > 0);
  if (secondary) CHECK(theta > 0);
}

}  // namespace

TEMPLATE_TEST_CASE("GradientTD: a TabularV steps exactly as the general path on one-hot features",
                   "[learners][gradient_td]", float, double) {
  check_same_as_general_path<TDC, TestType>();
  check_same_as_general_path<GTD2, TestType>();
  check_same_as_general_path<TDRC, TestType>();
  check_same_as_general_path<OffPolicyTD, TestType>();
}

TEMPLATE_TEST_CASE("GradientTD: a TabularV rejects the same overflowing steps as the general path",
                   "[learners][gradient_td][errors]", float, double) {
  check_extremes<TDC, TestType>(true);
  check_extremes<GTD2, TestType>(true);
  check_extremes<TDRC, TestType>(true);
  check_extremes<OffPolicyTD, TestType>(false);
}
