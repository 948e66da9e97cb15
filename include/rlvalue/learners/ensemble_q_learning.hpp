#pragma once
/// @file
/// EnsembleQLearning<Q>: Q-learning with N critics and a reduced target,
///   y = r + gamma * max_a' reduce_k Q_k(s', a'),
///   Q_k(s, a) += alpha * (y - Q_k(s, a))   for each updated critic k,
/// no bootstrap when s' is terminal (`terminated`); `truncated` bootstraps.
/// reduce is the ensemble mean, the min over all N (Maxmin Q-learning, Lan,
/// Pan, Fyshe, White 2020, arXiv:2002.06487), or the min over a random subset
/// of M critics drawn afresh on each update (REDQ, Chen, Wang, Zhou, Ross 2021,
/// arXiv:2101.05982, where every critic regresses to y). The updated critics:
/// all N (the default, as in REDQ), or a uniformly random subset of
/// `update_count` of them (as in Maxmin Q-learning). Critics that start equal
/// and are all updated stay equal, whatever the reduction: tabular ensembles
/// need different initial values or update_count < N to differ.
///
/// The reported estimate (q, action_values, greedy_action, value; what a
/// behaviour policy acts on) is min_k Q_k for the `min` reduction (Maxmin's
/// Q^min) and the mean otherwise (REDQ's policy maximises the ensemble mean).
/// `update_batch` applies a replay batch in order, bit for bit as update() on
/// each transition (subset draws included), prefetching the table rows of
/// the transitions a few steps ahead.

#include <Eigen/Core>
#include <concepts>
#include <cstddef>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/critic_ensemble.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/critic_targets.hpp"
#include "rlvalue/targets/ensemble.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

namespace detail {

struct EnsembleQLearningNames {
  static constexpr std::string_view construct = "EnsembleQLearning";
  static constexpr std::string_view update = "EnsembleQLearning::update";
  static constexpr std::string_view update_batch = "EnsembleQLearning::update_batch";
  static constexpr std::string_view q = "EnsembleQLearning::q";
  static constexpr std::string_view greedy_action = "EnsembleQLearning::greedy_action";
  static constexpr std::string_view value = "EnsembleQLearning::value";
  static constexpr std::string_view visit_count = "EnsembleQLearning::visit_count";
};

template <class Q>
std::vector<Q*> critic_pointers(std::span<Q> critics) {
  std::vector<Q*> p;
  p.reserve(critics.size());
  for (Q& c : critics) p.push_back(&c);
  return p;
}

/// The N-critic update shared by EnsembleQLearning and MaxminQLearning:
/// reduced target, then a subset of the critics regresses to it. Buffers are
/// allocated here, at construction.
template <ActionValueFunction Q, class Names>
class EnsembleLearner : public CriticEnsemble<Q, Names> {
  using Base = CriticEnsemble<Q, Names>;

 public:
  using typename Base::scalar_type;
  using typename Base::state_type;
  using typename Base::transition_type;

  /// One update: the target (drawing the reduction's subset when it is a
  /// strict random subset), then, when update_count < N, the updated critics
  /// (a uniformly random update_count-subset, draw_random_subset). Returns
  /// the mean error of the updated critics, y - mean_k Q_k(s, a). Throws
  /// std::out_of_range for a bad state, action or next_state and
  /// std::invalid_argument for a non-finite reward or error; a throwing
  /// update changes no critic and no count.
  // flatten: as in ClippedDoubleQLearning::update, the calls would cost more
  // than their bodies around the N + M cache misses.
  template <std::uniform_random_bit_generator G>
  [[gnu::flatten]] scalar_type update(const transition_type& t, G& rng) {
    this->check_transition(t);
    // Rejected before any draw, so a rejected transition leaves rng as it was.
    check_finite(Names::update, "reward", t.reward);
    return step<false>(t, rng, kNotBatch, false);
  }

  /// Applies update(t, rng) to every transition of `batch` in order: the
  /// critics, the visit counts, `errors` (if given) and the state of `rng`
  /// afterwards are bit for bit those of calling update(batch[i], rng) for
  /// i = 0, 1, ... in turn, whatever the transitions share (a row written by
  /// one and read by the next included): the subsets (of the reduction and
  /// of the updated critics) are drawn when their transition is processed,
  /// never ahead.
  /// The whole batch is validated before anything is written or drawn: a
  /// bad index (std::out_of_range) or a non-finite reward
  /// (std::invalid_argument) in any transition throws naming it
  /// ("batch[i].state"), with the learner and `rng` unchanged. Only a target
  /// that overflows although every input is finite is found during the pass:
  /// that throws std::invalid_argument naming "batch[i].td_error", with the
  /// state (critics, counts, rng) that of the sequential calls up to the one
  /// that threw: entries before i applied, entry i's draws made (update()
  /// draws before it checks the errors), nothing of entry i written.
  /// `errors` is empty (not wanted) or has batch.size() entries (else
  /// std::invalid_argument, nothing changed); errors[i] receives what
  /// update() would return for batch[i]. prefetch_distance >= 0 (else
  /// std::invalid_argument, nothing changed).
  /// For tables (TabularQ), the transition `prefetch_distance` steps ahead
  /// has prefetched the rows Q_k(s', .) of all N critics (read; a random
  /// subset may be the one reduced) and the entries Q_k(s, a) of all N
  /// (written; the updated ones are drawn later), so that the random
  /// accesses of tables larger than the cache overlap (0: no prefetch;
  /// kDefaultPrefetchDistance suits x86-64). Tables out of cache with a
  /// copyable generator, when the draws leave lines unused (a random subset
  /// of the rows reduced, or N - update_count >= 3): a copy of `rng` makes
  /// each transition's draws prefetch_distance steps early, as the update
  /// will make them, and only the drawn rows and entries are prefetched
  /// (`rng` itself is drawn as stated above; the copy is discarded). Other
  /// approximators: a plain loop. No allocation.
  template <std::uniform_random_bit_generator G>
  __attribute__((flatten)) void update_batch(std::span<const transition_type> batch, G& rng,
                                             std::span<scalar_type> errors,
                                             Index prefetch_distance = kDefaultPrefetchDistance) {
    this->check_batch_call(batch, errors.size(), prefetch_distance);
    const Index n = this->num_critics();
    bool tables = true;
    for (Index k = 0; k < n; ++k) {
      layouts_[static_cast<std::size_t>(k)] = Base::prefetch_layout(this->critic_ref(k));
      tables = tables && layouts_[static_cast<std::size_t>(k)].data != nullptr;
    }
    const std::size_t ahead = tables ? static_cast<std::size_t>(prefetch_distance) : 0;
    const TableLayout<scalar_type>* const layouts = layouts_.data();
    bool far = false;  // tables out of cache
    for (Index k = 0; k < n; ++k) far = far || layouts[k].far;
    scalar_type* const out = errors.empty() ? nullptr : errors.data();
    // Out of cache, when the draws leave lines of an update unused, a copy
    // of rng (the scout) makes each transition's draws `ahead` steps early,
    // exactly as step() will make them from rng, and only the drawn lines
    // are prefetched (prefetch_drawn); the copy is then discarded, and
    // step() reads only the drawn rows. Otherwise every row and entry is
    // prefetched ahead, even the N - M entries that no update will write.
    // (Until 2026-12-07 the batch requested only the M drawn entries, just
    // in time, when N - M >= 3: that paid a miss on the step's path to save
    // lines. With the tables' huge pages the lines cost less than the miss:
    // 1,000,000 x 8, M = 1, bench_critics medians of 3, two runs: N = 4
    // 5.2-6.1 -> 13.9-14.6 M updates/s, N = 8 5.1 -> 6.1-6.8.)
    const bool scouting = std::copy_constructible<G> && ahead > 0 && far && scout_saves_lines();
    const bool read_all_rows = far && !scouting;
    const auto pass = [&](auto direct) {
      const auto apply = [&](std::size_t i) {
        const scalar_type error =
            step<true, decltype(direct)::value>(batch[i], rng, i, read_all_rows);
        if (out != nullptr) out[i] = error;
      };
      if constexpr (std::copy_constructible<G>) {
        if (scouting) {
          G scout = rng;
          Base::batch_pass(
              batch, ahead,
              [&](const transition_type& t) __attribute__((always_inline)) {
                prefetch_drawn(t, scout, layouts);
              },
              apply);
          return;
        }
      }
      Base::batch_pass(
          batch, ahead,
          [&](const transition_type& t) __attribute__((always_inline)) {
            for (Index k = 0; k < n; ++k) Base::prefetch_table_row(layouts[k], t.next_state);
            for (Index k = 0; k < n; ++k) Base::prefetch_table_entry(layouts[k], t.state, t.action);
          },
          apply);
    };
    // TabularQ critics: rows and entries straight from the tables' storage,
    // looked up once for the batch (its indices are validated); other
    // approximators through their interface.
    if constexpr (kTables) {
      for (Index k = 0; k < n; ++k)
        tables_[static_cast<std::size_t>(k)] = this->critic_ref(k).parameters().data();
      stride_ = this->critic_ref(0).parameters().cols();
      pass(std::true_type{});
    } else {
      pass(std::false_type{});
    }
  }

  /// update_batch without the errors.
  template <std::uniform_random_bit_generator G>
  void update_batch(std::span<const transition_type> batch, G& rng,
                    Index prefetch_distance = kDefaultPrefetchDistance) {
    update_batch(batch, rng, std::span<scalar_type>(), prefetch_distance);
  }

  EnsembleReduction reduction() const noexcept { return reduction_; }
  Index subset_size() const noexcept { return subset_size_; }
  Index update_count() const noexcept { return update_count_; }

 private:
  // The update of a validated transition (update() after its checks);
  // `entry` names the batch entry in the error message (kNotBatch:
  // update()). kBatch: update_batch prefetched the rows and entries ahead,
  // so none is requested here (update() requests the rows of s' and, once
  // drawn before a min-over-all target, the updated entries). `all_rows`: a
  // batch on tables out of cache that does not draw ahead (reduced_target
  // then reads every row before its draw).
  // kDirect (TabularQ critics, update_batch): the rows Q_k(s', .) and the
  // entries Q_k(s, a) are read and written in the tables' storage (tables_,
  // stride_, set by update_batch) instead of through the critics' checked
  // interface: the same values, arithmetic and checks, so the same bits and
  // exceptions (a result that is not finite is still rejected by
  // TabularQ::semi_gradient_step, with its message).
  template <bool kBatch, bool kDirect = false, class G>
  scalar_type step(const transition_type& t, G& rng, std::size_t entry, bool all_rows) {
    const Index n = this->num_critics();
    scalar_type y;
    if (min_over_all()) {
      // The target draws nothing, so drawing the updated critics first
      // consumes rng exactly as target-then-draw does; knowing them early
      // lets every miss of this update (N rows of s', M entries of (s, a))
      // be requested at once.
      draw_update_subset(rng);
      if constexpr (!kBatch) {
        for (Index k = 0; k < n; ++k) this->prefetch_row(k, t.next_state);
        for (Index i = 0; i < update_count_; ++i)
          this->prefetch_entry(update_order_[static_cast<std::size_t>(i)], t.state, t.action);
      }
      y = min_target<kDirect>(t, nullptr, n);
    } else {
      y = reduced_target<kDirect>(t, rng, kBatch && all_rows);
      draw_update_subset(rng);
    }
    scalar_type sum = scalar_type(0);
    for (Index i = 0; i < update_count_; ++i) {
      const Index k = update_order_[static_cast<std::size_t>(i)];
      if constexpr (kDirect) {
        const scalar_type error = y - entry_of(k, t);
        Base::check_error(entry, t, error);
        errors_[static_cast<std::size_t>(i)] = error;
      } else {
        errors_[static_cast<std::size_t>(i)] = this->checked_error(t, k, y, entry);
      }
      sum += errors_[static_cast<std::size_t>(i)];
    }
    if (update_count_ > 1)
      for (Index i = 0; i < update_count_; ++i) {
        const Index k = update_order_[static_cast<std::size_t>(i)];
        const scalar_type error = errors_[static_cast<std::size_t>(i)];
        if constexpr (kDirect)
          this->check_entry_step(t, k, error, entry_of(k, t), this->slot(k, t.state, t.action));
        else
          this->check_step(t, k, error);
      }
    for (Index i = 0; i < update_count_; ++i) {
      const Index k = update_order_[static_cast<std::size_t>(i)];
      const scalar_type error = errors_[static_cast<std::size_t>(i)];
      if constexpr (kDirect)
        this->apply_to_entry(t, k, error, entry_of(k, t), this->slot(k, t.state, t.action));
      else
        this->apply(t, k, error);
    }
    return update_count_ == 1 ? sum : sum / static_cast<scalar_type>(update_count_);
  }

 protected:
  EnsembleLearner(std::span<Q> critics, double gamma, double step_size, StepSchedule schedule,
                  double omega, EnsembleReduction reduction, Index subset_size,
                  Index update_count, CombinedEstimate combine)
      : Base(std::span<Q* const>(critic_pointers(critics)), gamma, step_size, schedule, omega,
             combine),
        reduction_(reduction),
        subset_size_(subset_size),
        update_count_(update_count) {
    const Index n = this->num_critics();
    if (reduction != EnsembleReduction::mean && reduction != EnsembleReduction::min &&
        reduction != EnsembleReduction::random_subset_min) [[unlikely]]
      fail_check(Names::construct, "reduction", static_cast<int>(reduction),
                 "is not an EnsembleReduction");
    if (reduction == EnsembleReduction::random_subset_min)
      check_in_range(Names::construct, "subset_size", subset_size, Index(1), n);
    check_in_range(Names::construct, "update_count", update_count, Index(1), n);
    next_.resize(n, this->num_actions());
    reduced_.resize(this->num_actions());
    target_order_.resize(static_cast<std::size_t>(n));
    update_order_.resize(static_cast<std::size_t>(n));
    std::iota(update_order_.begin(), update_order_.end(), Index(0));
    scout_target_.resize(static_cast<std::size_t>(n));
    scout_update_ = update_order_;
    errors_.resize(static_cast<std::size_t>(n));
    layouts_.resize(static_cast<std::size_t>(n));
    tables_.resize(static_cast<std::size_t>(n));
  }

 private:
  // The reduction is the min over all N critics (Maxmin): no draw in the target.
  bool min_over_all() const noexcept {
    return reduction_ == EnsembleReduction::min ||
           (reduction_ == EnsembleReduction::random_subset_min &&
            subset_size_ == this->num_critics());
  }

  // update_order_[0, update_count) = the critics to update: all of them
  // (the identity, set at construction, no draw) or the random subset
  // draw_random_subset would draw (draw_subset_prefix: for one critic the
  // single draw uniform_index(rng, N), without rewriting all N indices).
  template <class G>
  void draw_update_subset(G& rng) {
    draw_update_subset(rng, update_order_);
  }
  template <class G>
  void draw_update_subset(G& rng, std::vector<Index>& order) const {
    const Index n = this->num_critics();
    if (update_count_ == n) return;
    draw_subset_prefix(rng, update_count_, std::span<Index>(order));
  }

  // The reduction reads a random subset of the rows of s' (REDQ).
  bool subset_target() const noexcept {
    return reduction_ == EnsembleReduction::random_subset_min && subset_size_ < this->num_critics();
  }

  // Whether prefetching only the drawn lines (prefetch_drawn) saves enough
  // lines to pay for the scout's draws: a strict random subset of the rows
  // of s' (REDQ), or at least kScoutMinSavedEntries entries that no update
  // writes (Maxmin with N - M >= 3).
  static constexpr Index kScoutMinSavedEntries = 3;
  bool scout_saves_lines() const noexcept {
    return subset_target() || this->num_critics() - update_count_ >= kScoutMinSavedEntries;
  }

  // update_batch out of cache: makes the draws of step() for t on `scout`,
  // in step()'s order (the reduction's subset, if it draws one, then the
  // updated critics; min_over_all draws only the latter), and prefetches
  // the rows of s' the target reads and the entries (s, a) the update
  // writes.
  template <class G>
  [[gnu::always_inline]] void prefetch_drawn(const transition_type& t, G& scout,
                                             const TableLayout<scalar_type>* layouts) {
    const Index n = this->num_critics();
    if (subset_target()) {
      draw_subset_prefix(scout, subset_size_, std::span<Index>(scout_target_));
      for (Index i = 0; i < subset_size_; ++i)
        Base::prefetch_table_row(layouts[scout_target_[static_cast<std::size_t>(i)]],
                                 t.next_state, true);
    } else {
      for (Index k = 0; k < n; ++k) Base::prefetch_table_row(layouts[k], t.next_state, true);
    }
    draw_update_subset(scout, scout_update_);
    for (Index i = 0; i < update_count_; ++i)
      Base::prefetch_table_entry(layouts[scout_update_[static_cast<std::size_t>(i)]], t.state,
                                 t.action, true);
  }

  static constexpr bool kTables = std::is_same_v<Q, TabularQ<scalar_type>>;

  // The row Q_k(s, .): in table k's storage (kDirect: update_batch on
  // TabularQ critics) or through the critic.
  template <bool kDirect>
  auto row_of(Index k, const state_type& s) const {
    if constexpr (kDirect) {
      return Eigen::Map<const Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>>(
          tables_[static_cast<std::size_t>(k)] + static_cast<Index>(s) * stride_,
          this->num_actions());
    } else {
      return this->critic_ref(k).action_values(s);
    }
  }
  // The entry Q_k(s, a) of transition t in table k's storage (kDirect only).
  scalar_type& entry_of(Index k, const transition_type& t) const {
    return tables_[static_cast<std::size_t>(k)][static_cast<Index>(t.state) * stride_ + t.action];
  }

  // maxmin_target(r, discount, [Q_k(s', .)]_{k in critics}) without copying
  // the rows: reduced_(a) = min_k Q_k(s', a) accumulated critic by critic
  // in the order of `critics` (the same comparisons in the same order as
  // ensemble_min over those rows, so the same value), then the max. All N
  // critics for Maxmin (critics null: critic i is i); REDQ's drawn subset,
  // in drawn order.
  template <bool kDirect>
  scalar_type min_target(const transition_type& t, const Index* critics, Index count) {
    const Index num_actions = this->num_actions();
    scalar_type* m = reduced_.data();
    const auto critic = [critics](Index i) { return critics == nullptr ? i : critics[i]; };
    const auto first = row_of<kDirect>(critic(0), t.next_state);
    if (count == 1) {
      for (Index a = 0; a < num_actions; ++a) m[a] = first.coeff(a);
    } else {
      // The first two critics in one pass (the comparison of the second
      // against the first one's value, as when m starts as a copy of the
      // first row).
      const auto second = row_of<kDirect>(critic(1), t.next_state);
      for (Index a = 0; a < num_actions; ++a) {
        const scalar_type x = second.coeff(a), m0 = first.coeff(a);
        m[a] = x < m0 ? x : m0;
      }
    }
    for (Index i = 2; i < count; ++i) {
      const auto row = row_of<kDirect>(critic(i), t.next_state);
      for (Index a = 0; a < num_actions; ++a) {
        const scalar_type x = row.coeff(a);
        m[a] = x < m[a] ? x : m[a];
      }
    }
    return t.reward + this->discount(t) * detail::max_coeff(reduced_);
  }

  template <bool kDirect, class G>
  scalar_type reduced_target(const transition_type& t, G& rng, bool all_rows) {
    const scalar_type discount = this->discount(t);
    const Index n = this->num_critics();
    if (reduction_ == EnsembleReduction::random_subset_min && subset_size_ < n && !all_rows) {
      // ensemble_random_subset_min(all N rows, m, rng, ...) in its two
      // steps, reading only the drawn rows: draw_random_subset (the same
      // draws), then the min over the drawn rows in drawn order, in place
      // (min_target: the same comparisons in the same order as
      // ensemble_subset_min). A batch on tables out of cache (all_rows)
      // that does not draw ahead (a generator that cannot be copied) reads
      // every row instead, before the draw: their misses then overlap
      // (measured, 1,000,000 x 8, N = 8: 3.5 against 6.3 M updates/s for
      // the drawn rows only).
      draw_subset_prefix(rng, subset_size_, std::span<Index>(target_order_));
      return min_target<kDirect>(t, target_order_.data(), subset_size_);
    }
    for (Index k = 0; k < n; ++k) next_.row(k) = row_of<kDirect>(k, t.next_state);
    switch (reduction_) {
      case EnsembleReduction::mean:
        ensemble_mean(next_, reduced_);
        break;
      case EnsembleReduction::random_subset_min:
        if (subset_size_ < n) {
          ensemble_random_subset_min(next_, subset_size_, rng, std::span<Index>(target_order_),
                                     reduced_);
          break;
        }
        [[fallthrough]];
      case EnsembleReduction::min:  // min over all N (step() takes min_target)
        return maxmin_target(t.reward, discount, next_);
    }
    return t.reward + discount * detail::max_coeff(reduced_);
  }

  using Rows = Eigen::Matrix<scalar_type, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  EnsembleReduction reduction_;
  Index subset_size_;
  Index update_count_;
  Rows next_;                                           // row k = Q_k(s', .)
  Eigen::Matrix<scalar_type, 1, Eigen::Dynamic> reduced_;  // reduce_k Q_k(s', .)
  std::vector<Index> target_order_;                     // the reduction's subset draws
  std::vector<Index> update_order_;                     // [0, update_count): critics to update
  std::vector<Index> scout_target_;                     // prefetch_drawn's draws, ahead of
  std::vector<Index> scout_update_;                     //   target_order_ and update_order_
  std::vector<scalar_type> errors_;                     // their errors, checked before writing
  std::vector<TableLayout<scalar_type>> layouts_;       // update_batch's prefetch addresses
  std::vector<scalar_type*> tables_;                    // update_batch: TabularQ storage
  Index stride_ = 0;                                    // entries per state in tables_
};

}  // namespace detail

/// Config of EnsembleQLearning. gamma in [0, 1]; step size fields as in
/// TDConfig (per-visit counts are per critic); subset_size in [1, N] (read
/// for random_subset_min only; REDQ uses 2); update_count in [0, N], 0 (the
/// default) meaning all N critics.
struct EnsembleQConfig {
  /// Discount gamma in [0, 1].
  double gamma = 1.0;
  /// Step size alpha > 0: the constant, or the scale of the per-visit schedule alpha_n = step_size / n^omega.
  double step_size = 0.1;
  /// Step-size schedule: constant, or per-visit alpha_n = step_size / n^omega.
  StepSchedule schedule = StepSchedule::constant;
  /// Exponent omega in (0, 1] of the per-visit schedule alpha_n = step_size / n^omega.
  double omega = 1.0;
  /// How the critics are combined in the target (EnsembleReduction).
  EnsembleReduction reduction = EnsembleReduction::mean;
  Index subset_size = 2;   ///< M of random_subset_min
  Index update_count = 0;  ///< critics updated per step; 0 = all
};

/// Ensemble Q-learning on N >= 1 action-value approximators of the same shape
/// (`critics`: contiguous, e.g. a std::vector<TabularQ<double>> that the
/// caller keeps alive and does not resize). Config validated at construction
/// (std::invalid_argument naming the field and value).
template <ActionValueFunction Q>
class EnsembleQLearning : public detail::EnsembleLearner<Q, detail::EnsembleQLearningNames> {
  using Base = detail::EnsembleLearner<Q, detail::EnsembleQLearningNames>;

 public:
  /// The config aggregate, validated at construction.
  using config_type = EnsembleQConfig;

  /// Binds the learner to the N critics of `critics` (held by pointer; N >= 1) and validates `config`.
  EnsembleQLearning(std::span<Q> critics, const EnsembleQConfig& config)
      : Base(critics, config.gamma, config.step_size, config.schedule, config.omega,
             config.reduction, config.subset_size,
             resolved_update_count(config.update_count, static_cast<Index>(critics.size())),
             config.reduction == EnsembleReduction::min ? CombinedEstimate::min
                                                        : CombinedEstimate::mean),
        /// The config given at construction.
        config_(config) {}

  /// The config given at construction.
  const EnsembleQConfig& config() const noexcept { return config_; }

 private:
  // update_count in [0, n], 0 meaning all n critics.
  static Index resolved_update_count(Index update_count, Index n) {
    if (update_count < 0 || update_count > n) [[unlikely]]
      fail_check(detail::EnsembleQLearningNames::construct, "update_count", update_count,
                 "is outside [0, " + detail::format_value(n) + "] (0 updates every critic)");
    return update_count == 0 ? n : update_count;
  }

  EnsembleQConfig config_;
};

}  // namespace rlvalue
