// update_batch of DoubleQLearning, of ClippedDoubleQLearning with one
// critic updated at random and of REDQ (EnsembleQLearning), on tables larger than kPrefetchToL2Bytes (the
// rows and entries of upcoming transitions are prefetched into the L2). The
// critics, target critics, visit counts, errors and the generator's state
// afterwards must be those of update(t, rng) on each transition in turn, for
// a 64-bit generator, a 32-bit one (two words per coin) and one that cannot
// be copied, and when a target overflows mid-batch. (Until 2026-12-07 a copy
// of a copyable generator foresaw each coin here, to prefetch only the drawn
// critic's entry; the second draw cost more than the line it saved.) The
// ensembles whose draws leave lines unused (REDQ's random subset of the rows
// of s'; Maxmin with N - M >= 3 entries not written) do draw ahead on a copy
// of a copyable generator, to prefetch only the drawn lines: rng itself must
// be drawn exactly as by the sequential calls.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"

// A named namespace: the test build compiles several files as one (unity).
namespace critics_far_batch_test {

using rlvalue::Index;
using rlvalue::StepSchedule;
using Q = rlvalue::TabularQ<double>;

// The learners under test, each made from its two critics.
struct DoubleQ {
  static constexpr Index critics = 2;
  static constexpr const char* where = "DoubleQLearning::update_batch";
  static auto make(std::vector<Q>& c) {
    return rlvalue::DoubleQLearning<Q>(
        c[0], c[1], {.gamma = 0.9, .step_size = 0.3, .schedule = StepSchedule::per_visit, .omega = 0.7});
  }
};
template <Index Period, int PolyakPercent>
struct ClippedOne {
  static constexpr Index critics = 2;
  static constexpr const char* where = "ClippedDoubleQLearning::update_batch";
  static auto make(std::vector<Q>& c) {
    return rlvalue::ClippedDoubleQLearning<Q>(
        c[0], c[1], {.gamma = 0.9, .step_size = 0.3, .schedule = StepSchedule::per_visit,
                     .omega = 0.7, .critic_update = rlvalue::CriticUpdate::one_at_random,
                     .target_period = Period, .polyak = PolyakPercent / 100.0});
  }
};

// REDQ's reduction on two critics (the min over one drawn of the two, one
// updated): out of cache its batch reads every row of s' before the draw,
// where update() and the batch in cache read only the drawn one.
struct REDQ {
  static constexpr Index critics = 2;
  static constexpr const char* where = "EnsembleQLearning::update_batch";
  static auto make(std::vector<Q>& c) {
    return rlvalue::EnsembleQLearning<Q>(
        std::span<Q>(c), {.gamma = 0.9, .step_size = 0.3, .schedule = StepSchedule::per_visit,
                          .omega = 0.7, .reduction = rlvalue::EnsembleReduction::random_subset_min,
                          .subset_size = 1, .update_count = 1});
  }
};

// Four critics: the min over two drawn of the four, two updated (both
// draws are subsets, draw_random_subset), and Maxmin with one of the four
// updated (one uniform_index per update; three entries no update writes).
struct REDQ4 {
  static constexpr Index critics = 4;
  static constexpr const char* where = "EnsembleQLearning::update_batch";
  static auto make(std::vector<Q>& c) {
    return rlvalue::EnsembleQLearning<Q>(
        std::span<Q>(c), {.gamma = 0.9, .step_size = 0.3, .schedule = StepSchedule::per_visit,
                          .omega = 0.7, .reduction = rlvalue::EnsembleReduction::random_subset_min,
                          .subset_size = 2, .update_count = 2});
  }
};
struct Maxmin4 {
  static constexpr Index critics = 4;
  static constexpr const char* where = "MaxminQLearning::update_batch";
  static auto make(std::vector<Q>& c) {
    return rlvalue::MaxminQLearning<Q>(
        std::span<Q>(c), {.gamma = 0.9, .step_size = 0.3, .schedule = StepSchedule::per_visit,
                          .omega = 0.7, .update_count = 1});
  }
};

// Everything update() changes beyond the critics: visit counts, and for
// ClippedDoubleQLearning the update count and the target critics. (Target
// copies are not tested here: moving them copies whole 19 MB tables, and
// the far path differs from the near one only in its prefetches.)
template <class L>
bool same_state(const L& a, const L& b) {
  bool same = a.step_sizes().counts() == b.step_sizes().counts();
  if constexpr (requires { a.num_updates(); }) {
    same = same && a.num_updates() == b.num_updates();
    for (Index k = 0; k < 2; ++k)
      same = same && (a.target_critic(k).parameters().array() ==
                      b.target_critic(k).parameters().array())
                         .all();
  }
  return same;
}

constexpr Index kStates = 300'000, kActions = 8;  // 19.2 MB per critic

// A generator that can be moved but not copied.
class MoveOnlyRng {
 public:
  using result_type = std::uint64_t;
  explicit MoveOnlyRng(std::uint64_t seed) : g_(seed) {}
  MoveOnlyRng(const MoveOnlyRng&) = delete;
  MoveOnlyRng& operator=(const MoveOnlyRng&) = delete;
  MoveOnlyRng(MoveOnlyRng&&) = default;
  MoveOnlyRng& operator=(MoveOnlyRng&&) = default;
  static constexpr result_type min() { return rlvalue::Rng::min(); }
  static constexpr result_type max() { return rlvalue::Rng::max(); }
  result_type operator()() { return g_(); }

 private:
  rlvalue::Rng g_;
};

// n critics with distinct values, so that every argmax and write matters.
std::vector<Q> far_critics(Index n) {
  std::vector<Q> c;
  for (Index k = 0; k < n; ++k) {
    Q q(kStates, kActions);
    double* w = q.parameters().data();
    for (Index i = 0; i < kStates * kActions; ++i) w[i] = std::sin(static_cast<double>(i) + 1.7 * static_cast<double>(k));
    c.push_back(std::move(q));
  }
  return c;
}

// 3000 random transitions, every third one reading as s' the row the one
// before wrote (so a prefetched row is also one just written).
std::vector<rlvalue::Transition<>> far_batch(std::uint64_t seed) {
  auto batch = rlvalue_test::random_batch<double>(kStates, kActions, 3000, seed);
  for (std::size_t i = 1; i < batch.size(); i += 3) batch[i].next_state = batch[i - 1].state;
  return batch;
}

bool same(const std::vector<Q>& a, const std::vector<Q>& b) {
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!(a[k].parameters().array() == b[k].parameters().array()).all()) return false;
  return true;
}

template <class Family, class G>
void check_equals_sequential(G rng_one, G rng_many, Index distance) {
  const std::vector<Q> start = far_critics(Family::critics);
  REQUIRE(rlvalue::detail::table_layout(start[0]).far);
  const auto batch = far_batch(21);
  auto c_one = start, c_many = start;
  auto one = Family::make(c_one), many = Family::make(c_many);
  std::vector<double> expected;
  for (const auto& t : batch) expected.push_back(one.update(t, rng_one));
  std::vector<double> errors(batch.size(), -99.0);
  const auto all = std::span(batch);
  many.update_batch(all.first(1000), rng_many, std::span(errors).first(1000), distance);
  many.update_batch(all.subspan(1000), rng_many, std::span(errors).subspan(1000), distance);
  CHECK(same(c_many, c_one));
  // Compared as bools: on failure Catch would print millions of counts.
  const bool same_counts_and_targets = same_state(one, many);
  const bool same_errors = errors == expected;
  CHECK(same_counts_and_targets);
  CHECK(same_errors);
  CHECK(rng_many() == rng_one());  // the same words were drawn
  CHECK_FALSE(same(c_one, start));  // the test could fail: the critics moved
}

TEMPLATE_TEST_CASE("update_batch out of cache: the sequential calls, bit for bit",
                   "[learners][critics][batch]", DoubleQ, (ClippedOne<1, 100>), REDQ, REDQ4,
                   Maxmin4) {
  const Index distance = GENERATE(Index(1), Index(32), Index(5000));
  INFO("distance " << distance);
  SECTION("rlvalue::Rng") {
    check_equals_sequential<TestType>(rlvalue::make_rng(3), rlvalue::make_rng(3), distance);
  }
  SECTION("a 32-bit generator (two words per coin)") {
    check_equals_sequential<TestType>(std::mt19937(4), std::mt19937(4), distance);
  }
  SECTION("a generator that cannot be copied") {
    check_equals_sequential<TestType>(MoveOnlyRng(5), MoveOnlyRng(5), distance);
  }
}

TEMPLATE_TEST_CASE("update_batch out of cache: an overflowing target stops the batch in the "
                   "state of the sequential calls",
                   "[learners][critics][batch]", DoubleQ, (ClippedOne<1, 100>), REDQ, REDQ4,
                   Maxmin4) {
  constexpr double big = std::numeric_limits<double>::max();
  std::vector<Q> start = far_critics(TestType::critics);
  constexpr Index hot = 123'456;  // both critics hold `big` in this row
  for (auto& q : start)
    for (Index a = 0; a < kActions; ++a) q.parameters()(hot, a) = big;
  auto batch = far_batch(22);
  constexpr std::size_t bad = 1500;
  batch[bad] = {.state = 7, .action = 2, .reward = big, .next_state = hot};
  auto c_seq = start, c_batch = start;
  auto seq = TestType::make(c_seq), many = TestType::make(c_batch);
  rlvalue::Rng rng_seq = rlvalue::make_rng(6), rng_batch = rng_seq;
  std::size_t thrown_at = batch.size();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      seq.update(batch[i], rng_seq);
    } catch (const std::invalid_argument&) {
      thrown_at = i;
      break;
    }
  }
  REQUIRE(thrown_at == bad);
  const std::string message = rlvalue_test::thrown_message<std::invalid_argument>(
      [&] { many.update_batch(batch, rng_batch, 32); });
  CHECK(message.starts_with(std::string(TestType::where) +
                            ": batch[1500].td_error = inf is not finite"));
  CHECK(same(c_batch, c_seq));
  const bool same_counts_and_targets = same_state(seq, many);
  CHECK(same_counts_and_targets);
  CHECK(rng_batch == rng_seq);  // entry 1500's coin drawn, as update() draws it
  CHECK_FALSE(same(c_batch, start));
}

}  // namespace critics_far_batch_test
