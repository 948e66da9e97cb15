// update_batch of the multi-critic learners (DoubleQLearning,
// ClippedDoubleQLearning, MaxminQLearning, EnsembleQLearning): bit for bit
// the results of update(t, rng) on each transition in order (critics, target
// critics, visit counts, errors, and the generator's next draw afterwards),
// on batches whose rows are shared from one transition to the next, at every
// prefetch distance, on tables (float and double) and linear critics; the
// whole batch validated before anything is written or drawn; an overflowing
// target mid-batch leaving the state of the sequential calls.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "critic_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"

using rlvalue::CriticUpdate;
using rlvalue::EnsembleReduction;
using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::thrown_message;

namespace {

template <class Scalar>
using Batch = std::vector<rlvalue::Transition<Index, Index, Scalar>>;

// Number of transitions that read (as s') the state the one before wrote.
template <class Scalar>
std::size_t chained(const Batch<Scalar>& batch) {
  std::size_t n = 0;
  for (std::size_t i = 1; i < batch.size(); ++i) n += batch[i].next_state == batch[i - 1].state;
  return n;
}

// ---- The learners under test: each builds one from its critics -----------
// (gamma 0.9; step size 0.3 with the given schedule, omega 0.7.)

struct DoubleQ {
  static constexpr const char* where = "DoubleQLearning::update_batch";
  static constexpr Index critics = 2;
  template <class Q>
  static auto make(std::span<Q> c, StepSchedule schedule, double step_size = 0.3) {
    return rlvalue::DoubleQLearning<Q>(
        c[0], c[1], {.gamma = 0.9, .step_size = step_size, .schedule = schedule, .omega = 0.7});
  }
};

template <CriticUpdate Mode, Index Period, int PolyakPercent>
struct Clipped {
  static constexpr const char* where = "ClippedDoubleQLearning::update_batch";
  static constexpr Index critics = 2;
  template <class Q>
  static auto make(std::span<Q> c, StepSchedule schedule, double step_size = 0.3) {
    return rlvalue::ClippedDoubleQLearning<Q>(
        c[0], c[1], {.gamma = 0.9, .step_size = step_size, .schedule = schedule, .omega = 0.7,
                     .critic_update = Mode, .target_period = Period,
                     .polyak = PolyakPercent / 100.0});
  }
};
using ClippedBoth = Clipped<CriticUpdate::both, 1, 100>;
using ClippedOne = Clipped<CriticUpdate::one_at_random, 1, 100>;
// Target critics: Polyak-averaged copies moving every 3 updates.
using ClippedOneTargets = Clipped<CriticUpdate::one_at_random, 3, 50>;
using ClippedBothTargets = Clipped<CriticUpdate::both, 2, 30>;

// Maxmin<5, 1>: N - M >= 3 (until 2026-12-07 the batch fetched the drawn
// entries just in time for such N and M; kept as a larger ensemble).
template <Index N, Index M>
struct Maxmin {
  static constexpr const char* where = "MaxminQLearning::update_batch";
  static constexpr Index critics = N;
  template <class Q>
  static auto make(std::span<Q> c, StepSchedule schedule, double step_size = 0.3) {
    return rlvalue::MaxminQLearning<Q>(c, {.gamma = 0.9, .step_size = step_size,
                                           .schedule = schedule, .omega = 0.7,
                                           .update_count = M});
  }
};

template <EnsembleReduction R, Index N, Index Subset, Index Updated>
struct Ensemble {
  static constexpr const char* where = "EnsembleQLearning::update_batch";
  static constexpr Index critics = N;
  template <class Q>
  static auto make(std::span<Q> c, StepSchedule schedule, double step_size = 0.3) {
    return rlvalue::EnsembleQLearning<Q>(
        c, {.gamma = 0.9, .step_size = step_size, .schedule = schedule, .omega = 0.7, .reduction = R,
            .subset_size = Subset, .update_count = Updated});
  }
};
using EnsembleMean = Ensemble<EnsembleReduction::mean, 3, 2, 0>;          // all updated
using REDQ = Ensemble<EnsembleReduction::random_subset_min, 4, 2, 1>;      // draws twice
using EnsembleMinTwo = Ensemble<EnsembleReduction::min, 3, 2, 2>;          // Maxmin path

// ---- Critics: distinct values, so every argmax, min and write matters -----

template <class Q>
struct Critics;

template <class S>
struct Critics<TabularQ<S>> {
  static std::vector<TabularQ<S>> make(Index n, Index states, Index actions) {
    std::vector<TabularQ<S>> c;
    for (Index k = 0; k < n; ++k) {
      TabularQ<S> q(states, actions);
      for (Index s = 0; s < states; ++s)
        for (Index a = 0; a < actions; ++a)
          q.parameters()(s, a) =
              static_cast<S>(std::sin(static_cast<double>(s * actions + a) + 1.7 * static_cast<double>(k)));
      c.push_back(q);
    }
    return c;
  }
};

template <class S>
struct Critics<rlvalue::LinearQ<rlvalue::OneHotMap, S>> {
  using Q = rlvalue::LinearQ<rlvalue::OneHotMap, S>;
  static std::vector<Q> make(Index n, Index states, Index actions) {
    std::vector<Q> c;
    for (Index k = 0; k < n; ++k) {
      Q q(rlvalue::OneHotMap(states), actions);
      for (Index s = 0; s < states; ++s)
        for (Index a = 0; a < actions; ++a)
          q.parameters()(s, a) =
              static_cast<S>(std::cos(static_cast<double>(s * actions + a) + 0.9 * static_cast<double>(k)));
      c.push_back(q);
    }
    return c;
  }
};

template <>
struct Critics<rlvalue_test::AffineQ> {
  static std::vector<rlvalue_test::AffineQ> make(Index n, Index states, Index actions) {
    std::vector<rlvalue_test::AffineQ> c;
    for (Index k = 0; k < n; ++k) {
      rlvalue_test::AffineQ q(actions, states);
      for (Index a = 0; a < actions; ++a) {
        q.w(0, a) = std::sin(static_cast<double>(a + 3 * k));
        q.w(1, a) = 0.01 * std::cos(static_cast<double>(a + 5 * k));
      }
      c.push_back(q);
    }
    return c;
  }
};

template <class Q>
bool same(const std::vector<Q>& a, const std::vector<Q>& b) {
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!(a[k].parameters().array() == b[k].parameters().array()).all()) return false;
  return true;
}

// Everything of the learners that update() changes, beyond the critics:
// visit counts, and for ClippedDoubleQLearning the target critics and the
// update count.
template <class L>
void check_same_state(const L& one, const L& many) {
  CHECK(many.step_sizes().counts() == one.step_sizes().counts());
  if constexpr (requires { one.num_updates(); }) {
    CHECK(many.num_updates() == one.num_updates());
    for (Index k = 0; k < 2; ++k)
      CHECK((many.target_critic(k).parameters().array() ==
             one.target_critic(k).parameters().array())
                .all());
  }
}

// update_batch (in two calls, with errors; and in one call without) against
// update() on each transition in turn: critics, counts, errors, targets and
// the generator's next draw must be equal.
template <class Family, class Q>
void check_batch_equals_sequential(Index states, Index actions, StepSchedule schedule,
                                   Index distance, std::size_t n, std::uint64_t seed) {
  using S = typename Q::scalar_type;
  const auto batch = rlvalue_test::random_batch<S>(states, actions, n, seed);
  const auto start = Critics<Q>::make(Family::critics, states, actions);
  auto c_one = start, c_many = start, c_plain = start;
  auto one = Family::make(std::span<Q>(c_one), schedule);
  auto many = Family::make(std::span<Q>(c_many), schedule);
  auto plain = Family::make(std::span<Q>(c_plain), schedule);
  rlvalue::Rng rng_one = rlvalue::make_rng(seed + 1), rng_many = rng_one, rng_plain = rng_one;
  std::vector<S> expected;
  for (const auto& t : batch) expected.push_back(one.update(t, rng_one));
  std::vector<S> errors(batch.size(), S(-99));
  const auto all = std::span(batch);
  const std::size_t split = n / 3;
  many.update_batch(all.first(split), rng_many, std::span(errors).first(split), distance);
  many.update_batch(all.subspan(split), rng_many, std::span(errors).subspan(split), distance);
  plain.update_batch(all, rng_plain, distance);
  CHECK(same(c_many, c_one));
  CHECK(same(c_plain, c_one));
  check_same_state(one, many);
  check_same_state(one, plain);
  CHECK(errors == expected);
  // The generators drew the same words: their next draws agree.
  const auto next = rng_one();
  CHECK(rng_many() == next);
  CHECK(rng_plain() == next);
  // The test could fail: the critics moved.
  CHECK_FALSE(same(c_one, start));
}

template <class Family>
void check_tables_and_linear(StepSchedule schedule, Index distance) {
  // 7 states: most transitions share rows with the last few (and 2000
  // transitions are a batch longer than most distances); 3000: few shared.
  for (const Index states : {Index(7), Index(3000)}) {
    INFO("states " << states);
    check_batch_equals_sequential<Family, TabularQ<double>>(states, 5, schedule, distance, 2000, 42);
    check_batch_equals_sequential<Family, TabularQ<float>>(states, 5, schedule, distance, 2000, 43);
  }
  using LinearD = rlvalue::LinearQ<rlvalue::OneHotMap, double>;
  using LinearF = rlvalue::LinearQ<rlvalue::OneHotMap, float>;
  static_assert(!rlvalue::detail::StoredActionRows<LinearD>);
  check_batch_equals_sequential<Family, LinearD>(6, 4, schedule, distance, 600, 44);
  check_batch_equals_sequential<Family, LinearF>(6, 4, schedule, distance, 600, 45);
  if (schedule == StepSchedule::constant)  // AffineQ has no finite state set
    check_batch_equals_sequential<Family, rlvalue_test::AffineQ>(6, 3, schedule, distance, 600, 46);
}

}  // namespace

TEMPLATE_TEST_CASE("multi-critic update_batch equals update(t, rng) in order, bit for bit",
                   "[learners][critics][batch]", DoubleQ, ClippedBoth, ClippedOne,
                   ClippedOneTargets, ClippedBothTargets, (Maxmin<3, 1>), (Maxmin<4, 2>),
                   (Maxmin<5, 1>), EnsembleMean, REDQ, EnsembleMinTwo) {
  const StepSchedule schedule = GENERATE(StepSchedule::constant, StepSchedule::per_visit);
  const Index distance = GENERATE(Index(0), Index(1), Index(16), Index(100000));
  INFO("distance " << distance);
  check_tables_and_linear<TestType>(schedule, distance);
}

TEST_CASE("the batches of the equality test share rows between neighbours",
          "[learners][critics][batch]") {
  const auto batch = rlvalue_test::random_batch<double>(7, 5, 2000, 42);
  CHECK(chained(batch) > 200);  // about 1/7 of 2000
}

TEMPLATE_TEST_CASE("multi-critic update_batch validates the whole batch before writing or drawing",
                   "[learners][critics][batch]", DoubleQ, ClippedOne, ClippedBothTargets,
                   (Maxmin<3, 1>), REDQ) {
  using Q = TabularQ<double>;
  const auto good = rlvalue_test::random_batch<double>(5, 3, 40, 7);
  const auto start = Critics<Q>::make(TestType::critics, 5, 3);
  auto critics = start;
  auto learner = TestType::make(std::span<Q>(critics), StepSchedule::per_visit);
  rlvalue::Rng rng = rlvalue::make_rng(3);
  const rlvalue::Rng rng_start = rng;
  const std::string where = std::string(TestType::where) + ": ";
  auto unchanged = [&] {
    CHECK(same(critics, start));
    for (Index c : learner.step_sizes().counts()) CHECK(c == 0);
    CHECK(rng == rng_start);
    if constexpr (requires { learner.num_updates(); }) CHECK(learner.num_updates() == 0);
  };
  auto batch = good;
  batch[37].state = 5;
  CHECK(thrown_message<std::out_of_range>([&] { learner.update_batch(batch, rng); }) ==
        where + "batch[37].state = 5 is out of range [0, 5)");
  unchanged();
  batch = good;
  batch[12].action = -1;
  CHECK(thrown_message<std::out_of_range>([&] { learner.update_batch(batch, rng); }) ==
        where + "batch[12].action = -1 is out of range [0, 3)");
  unchanged();
  batch = good;
  batch[20].next_state = 9;
  CHECK(thrown_message<std::out_of_range>([&] { learner.update_batch(batch, rng); }) ==
        where + "batch[20].next_state = 9 is out of range [0, 5)");
  unchanged();
  batch = good;
  batch[21].reward = std::numeric_limits<double>::quiet_NaN();
  CHECK(thrown_message<std::invalid_argument>([&] { learner.update_batch(batch, rng); }) ==
        where + "batch[21].reward = nan is not finite");
  unchanged();
  batch[21].reward = -std::numeric_limits<double>::infinity();
  CHECK(thrown_message<std::invalid_argument>([&] { learner.update_batch(batch, rng); }) ==
        where + "batch[21].reward = -inf is not finite");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] { learner.update_batch(good, rng, -1); }) ==
        where + "prefetch_distance = -1 must be non-negative");
  unchanged();
  std::vector<double> errors(39);
  CHECK(thrown_message<std::invalid_argument>([&] { learner.update_batch(good, rng, errors); }) ==
        where + "errors has size 39, expected 40");
  unchanged();
  errors.resize(41);
  CHECK(thrown_message<std::invalid_argument>([&] { learner.update_batch(good, rng, errors, 0); }) ==
        where + "errors has size 41, expected 40");
  unchanged();
  // An empty batch changes nothing either; the good batch does change it.
  learner.update_batch(std::span<const rlvalue::Transition<>>(), rng);
  unchanged();
  learner.update_batch(good, rng);
  CHECK_FALSE(same(critics, start));
}

TEMPLATE_TEST_CASE("multi-critic update_batch: an overflowing target stops the batch there, "
                   "in the state of the sequential calls",
                   "[learners][critics][batch]", DoubleQ, ClippedBoth, ClippedOne,
                   ClippedOneTargets, (Maxmin<3, 1>), (Maxmin<4, 2>), (Maxmin<5, 1>),
                   EnsembleMean, REDQ, EnsembleMinTwo) {
  using Q = TabularQ<double>;
  constexpr double big = std::numeric_limits<double>::max();
  // States 0..3 hold small values; every critic holds `big` in row 4, so a
  // transition to s' = 4 with reward big overflows whatever is drawn.
  auto start = Critics<Q>::make(TestType::critics, 5, 3);
  for (auto& q : start)
    for (Index a = 0; a < 3; ++a) q.parameters()(4, a) = big;
  auto batch = rlvalue_test::random_batch<double>(4, 3, 12, 9);
  constexpr std::size_t bad = 7;
  batch[bad] = {.state = 1, .action = 2, .reward = big, .next_state = 4};
  const Index distance = GENERATE(Index(0), Index(16));
  auto c_seq = start, c_batch = start;
  auto seq = TestType::make(std::span<Q>(c_seq), StepSchedule::per_visit);
  auto many = TestType::make(std::span<Q>(c_batch), StepSchedule::per_visit);
  rlvalue::Rng rng_seq = rlvalue::make_rng(5), rng_batch = rng_seq;
  std::vector<double> expected;
  std::size_t thrown_at = batch.size();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      expected.push_back(seq.update(batch[i], rng_seq));
    } catch (const std::invalid_argument&) {
      thrown_at = i;
      break;
    }
  }
  REQUIRE(thrown_at == bad);  // the reference stops where the batch must
  std::vector<double> errors(batch.size(), -99.0);
  const std::string message = thrown_message<std::invalid_argument>(
      [&] { many.update_batch(batch, rng_batch, errors, distance); });
  CHECK(message.starts_with(std::string(TestType::where) +
                            ": batch[7].td_error = inf is not finite"));
  CHECK(same(c_batch, c_seq));
  check_same_state(seq, many);
  CHECK(rng_batch == rng_seq);  // entry 7's draws made, as update() makes them
  for (std::size_t i = 0; i < bad; ++i) CHECK(errors[i] == expected[i]);
  CHECK_FALSE(same(c_batch, start));  // the entries before 7 were applied
}

// A finite error whose step overflows the entry (a step size above 1) is
// rejected by the table, in a batch as in update(): TabularQ's message, the
// entry not written, its visit not counted, everything before it applied.
// (The batches of every multi-critic learner write TabularQ entries
// directly; this checks that the table's rejection, its message and the
// untaken count survive.)
template <class Family, class S>
void check_step_overflow(StepSchedule schedule, Index distance) {
  using Q = TabularQ<S>;
  constexpr S big = std::numeric_limits<S>::max();
  auto start = Critics<Q>::make(Family::critics, 5, 3);
  // Row 4 holds -0.4 * max in every critic: a terminal transition from
  // (4, 1) with reward 0.4 * max has error 0.8 * max (finite), and the step
  // 4 * error overflows.
  for (auto& q : start)
    for (Index a = 0; a < 3; ++a) q.parameters()(4, a) = S(-0.4) * big;
  auto batch = rlvalue_test::random_batch<S>(4, 3, 12, 21);
  constexpr std::size_t bad = 5;
  batch[bad] = {.state = 4, .action = 1, .reward = S(0.4) * big, .next_state = 0,
                .terminated = true};
  auto c_seq = start, c_batch = start;
  auto seq = Family::make(std::span<Q>(c_seq), schedule, 4.0);
  auto many = Family::make(std::span<Q>(c_batch), schedule, 4.0);
  rlvalue::Rng rng_seq = rlvalue::make_rng(8), rng_batch = rng_seq;
  std::vector<S> expected;
  std::string expected_message;
  std::size_t thrown_at = batch.size();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      expected.push_back(seq.update(batch[i], rng_seq));
    } catch (const std::invalid_argument& e) {
      expected_message = e.what();
      thrown_at = i;
      break;
    }
  }
  REQUIRE(thrown_at == bad);  // the reference stops where the batch must
  CHECK(expected_message.starts_with("TabularQ::semi_gradient_step: q(s, a) + scaled_error"));
  std::vector<S> errors(batch.size(), S(-99));
  CHECK(thrown_message<std::invalid_argument>(
            [&] { many.update_batch(batch, rng_batch, errors, distance); }) == expected_message);
  CHECK(same(c_batch, c_seq));
  check_same_state(seq, many);
  CHECK(rng_batch == rng_seq);
  for (std::size_t i = 0; i < bad; ++i) CHECK(errors[i] == expected[i]);
  for (const auto& q : c_batch) CHECK(q.parameters()(4, 1) == S(-0.4) * big);  // not written
  CHECK_FALSE(same(c_batch, start));  // the entries before it were applied
}

TEMPLATE_TEST_CASE("multi-critic update_batch: a step that overflows the entry stops the batch "
                   "there, in the state of the sequential calls",
                   "[learners][critics][batch]", DoubleQ, ClippedBoth, ClippedOne,
                   ClippedOneTargets, (Maxmin<3, 1>), (Maxmin<4, 2>), (Maxmin<5, 1>),
                   EnsembleMean, REDQ, EnsembleMinTwo) {
  const Index distance = GENERATE(Index(0), Index(16));
  const auto schedule = GENERATE(StepSchedule::constant, StepSchedule::per_visit);
  check_step_overflow<TestType, double>(schedule, distance);
  check_step_overflow<TestType, float>(schedule, distance);
}
