// LinearCategoricalTD (softmax logits linear in the features, cross-entropy
// step): hand-worked updates for sparse (one-hot) and dense features,
// terminated vs truncated, the cross-entropy minimiser, convergence to a
// closed-form return distribution, bad input.

#include "rlvalue/learners/linear_categorical_td.hpp"

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_categorical.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"

using rlvalue::Index;
using rlvalue::LinearCategorical;
using rlvalue::LinearCategoricalTD;
using rlvalue::OneHotMap;
using rlvalue::StepSchedule;
using rlvalue_test::thrown_message;

namespace {
// phi(s) = (1, s) on states 0..9: a dense map.
struct AffineStateMap {
  using state_type = Index;
  Index num_features() const { return 2; }
  void write(Index s, std::span<double> out) const { out[0] = 1.0, out[1] = double(s); }
  void write(Index s, std::span<float> out) const { out[0] = 1.0f, out[1] = float(s); }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, 10);
  }
};
}  // namespace

TEST_CASE("LinearCategoricalTD: hand-worked updates (one-hot and dense)",
          "[learners][categorical][linear]") {
  using Approx1 = LinearCategorical<OneHotMap>;
  Approx1 f(OneHotMap(2), {.v_min = 0, .v_max = 2, .num_atoms = 3});
  LinearCategoricalTD<Approx1> ctd(f, {.gamma = 1.0, .step_size = 0.3});
  CHECK(ctd.value(0) == Approx(1.0));  // uniform over (0, 1, 2)

  // Terminated, r = 1: m = (0, 1, 0); p(0) uniform: loss = ln 3;
  // grad = p - m = (1/3, -2/3, 1/3); W[0] -= 0.3 grad = (-0.1, 0.2, -0.1).
  CHECK(ctd.update({.state = 0, .reward = 1.0, .next_state = 1, .terminated = true}) ==
        Approx(std::log(3.0)));
  CHECK(f.parameters()(0, 0) == Approx(-0.1));
  CHECK(f.parameters()(0, 1) == Approx(0.2));
  CHECK(f.parameters()(0, 2) == Approx(-0.1));
  CHECK(f.parameters().row(1).isZero());

  // Truncated, s = 1 -> 0, r = 0: bootstraps; 0 + z is on the grid so
  // m = p(0) = softmax(-0.1, 0.2, -0.1) = (0.298520, 0.402960, 0.298520);
  // p(1) uniform: W[1] = -0.3 (1/3 - m) = (-0.0104440, 0.0208880, -0.0104440)
  // (values from Python's math.exp). Loss = -sum m ln(1/3) = ln 3.
  CHECK(ctd.update({.state = 1, .reward = 0.0, .next_state = 0, .truncated = true}) ==
        Approx(std::log(3.0)));
  CHECK(f.parameters()(1, 0) == Approx(-0.010443986677431493));
  CHECK(f.parameters()(1, 1) == Approx(0.020887973354862987));
  CHECK(f.parameters()(1, 2) == Approx(-0.010443986677431493));

  // Dense features phi(2) = (1, 2): W -= 0.3 phi (p - m)^T with the same
  // first step: rows (-0.1, 0.2, -0.1) and 2 * that.
  using Approx2 = LinearCategorical<AffineStateMap>;
  Approx2 g(AffineStateMap{}, {.v_min = 0, .v_max = 2, .num_atoms = 3});
  LinearCategoricalTD<Approx2> dense(g, {.gamma = 0.9, .step_size = 0.3});
  dense.update({.state = 2, .reward = 1.0, .next_state = 3, .terminated = true});
  CHECK(g.parameters()(0, 1) == Approx(0.2));
  CHECK(g.parameters()(1, 0) == Approx(-0.2));
  CHECK(g.parameters()(1, 1) == Approx(0.4));
  // logits(4) = (-0.1, 0.2, -0.1) + 4 (-0.2, 0.4, -0.2) = (-0.9, 1.8, -0.9).
  const Eigen::VectorXd p = g.probabilities(4);
  const double e = std::exp(-2.7);
  CHECK(p[1] == Approx(1.0 / (1.0 + 2.0 * e)));
}

TEST_CASE("LinearCategoricalTD: one-hot features learn the target frequencies",
          "[learners][categorical][linear]") {
  // Terminal rewards 0 (prob 1/4) or 2 (prob 3/4): the cross-entropy minimiser
  // is p = (1/4, 0, 3/4). Per-visit step 2/n^0.6, 20000 samples (seed 3):
  // within 0.02 of 1/4 and 3/4, and p(1) below 0.02.
  using A = LinearCategorical<OneHotMap>;
  A f(OneHotMap(1), {.v_min = 0, .v_max = 2, .num_atoms = 3});
  LinearCategoricalTD<A> ctd(f, {.gamma = 1.0, .step_size = 2.0,
                                 .schedule = StepSchedule::per_visit, .omega = 0.6});
  auto rng = rlvalue::make_rng(3);
  for (int k = 0; k < 20000; ++k)
    ctd.update({.state = 0, .reward = rlvalue::bernoulli(rng, 0.75) ? 2.0 : 0.0, .next_state = 0,
                .terminated = true});
  const Eigen::VectorXd p = f.probabilities(0);
  CHECK(p[0] == Approx(0.25).margin(0.02));
  CHECK(p[2] == Approx(0.75).margin(0.02));
  CHECK(p[1] < 0.02);
}

TEST_CASE("LinearCategoricalTD: converges to the binomial return distribution of a chain",
          "[learners][categorical][linear]") {
  // The chain of the CategoricalTD test: 4 steps, rewards 0/1 with
  // probability 1/2, gamma = 1: the return from s is Binomial(4 - s, 1/2).
  // One-hot features, per-visit step 2/n^0.7, 100000 episodes (seed 4):
  // every probability within 0.03. (Softmax logits approach a zero target
  // probability only like 1/sum(alpha), so the steps must sum to a few
  // hundred (here ~210) while ending small (6e-4, SGD noise ~0.01).)
  using A = LinearCategorical<OneHotMap>;
  A f(OneHotMap(4), {.v_min = 0, .v_max = 4, .num_atoms = 5});
  LinearCategoricalTD<A> ctd(f, {.gamma = 1.0, .step_size = 2.0,
                                 .schedule = StepSchedule::per_visit, .omega = 0.7});
  auto rng = rlvalue::make_rng(4);
  for (int e = 0; e < 100000; ++e)
    for (Index s = 0; s < 4; ++s)
      ctd.update({.state = s, .reward = rlvalue::bernoulli(rng, 0.5) ? 1.0 : 0.0,
                  .next_state = s == 3 ? 3 : s + 1, .terminated = s == 3});
  for (Index s = 0; s < 4; ++s) {
    const Index n = 4 - s;
    const Eigen::VectorXd p = f.probabilities(s);
    for (Index k = 0; k <= 4; ++k) {
      double binom = 0.0;
      if (k <= n) {
        binom = std::pow(0.5, double(n));
        for (Index i = 0; i < k; ++i) binom *= double(n - i) / double(i + 1);
      }
      INFO("state " << s << " atom " << k);
      CHECK(p[k] == Approx(binom).margin(0.03));
    }
    CHECK(ctd.value(s) == Approx(0.5 * double(n)).margin(0.05));
  }
}

TEST_CASE("LinearCategoricalTD: bad input changes nothing", "[learners][categorical][linear]") {
  using A = LinearCategorical<OneHotMap>;
  CHECK(thrown_message<std::invalid_argument>([] {
          A(OneHotMap(2), {.v_min = 0, .v_max = 0, .num_atoms = 3});
        }) == "LinearCategorical: v_min = 0 must be less than v_max = 0");
  A f(OneHotMap(2), {.v_min = 0, .v_max = 2, .num_atoms = 3});
  CHECK(thrown_message<std::invalid_argument>([&] {
          LinearCategoricalTD<A>(f, {.gamma = 2.0});
        }) == "LinearCategoricalTD: gamma = 2 is outside [0, 1]");
  LinearCategoricalTD<A> ctd(f, {.gamma = 0.9, .step_size = 0.5});
  ctd.update({.state = 0, .reward = 1.0, .next_state = 1});
  const auto before = f.parameters();
  CHECK(thrown_message<std::out_of_range>([&] { ctd.update({.state = 2, .next_state = 0}); }) ==
        "LinearCategoricalTD::update: state = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] {
          ctd.update({.state = 0, .next_state = 5, .terminated = true});
        }) == "LinearCategoricalTD::update: next_state = 5 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          ctd.update({.state = 0, .reward = NAN, .next_state = 1});
        }) == "LinearCategoricalTD::update: reward = nan is not finite");
  CHECK(f.parameters() == before);
}
