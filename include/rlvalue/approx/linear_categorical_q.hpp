#pragma once
/// @file
/// LinearCategoricalQ: one categorical distribution per (state, action) given
/// by softmax logits linear in the state features, with a separate weight
/// block per action (C51's output layer on fixed features; Bellemare, Dabney,
/// Munos 2017, arXiv:1707.06887; Bellemare, Dabney, Rowland 2023,
/// "Distributional RL", section 9):
///   logits(s, a) = W_a^T phi(s),   p(s, a) = softmax(logits(s, a)),
/// on a fixed uniform support z of K atoms. W is one row-major
/// F x (A*K) matrix; W_a, the block of action a, is its columns
/// [a*K, (a+1)*K), so the logits of every action of s are W^T phi(s) in one
/// pass (block a = logits(s, a)), as LinearQ's per-action blocks give q(s, .).
/// With OneHotMap every (s, a) has its own logits (the tabular-logit case).
/// Feature and read buffers are allocated at construction; reads write into
/// them, so one object is not safe to read concurrently.

#include <Eigen/Core>
#include <string_view>
#include <utility>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/approx/linear_categorical.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/categorical_projection.hpp"

namespace rlvalue {

/// Largest number of actions LinearCategoricalQ supports (the capacity of
/// its action_values row).
inline constexpr int max_linear_categorical_q_actions = 64;

/// Softmax-of-linear-logits distributions p(s, a) over a uniform support,
/// one weight block per action; see the header comment.
template <FeatureMap Map, class Scalar = double>
class LinearCategoricalQ {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = typename Map::state_type;
  /// The feature map type.
  using map_type = Map;
  /// Column vector type (support, probabilities, logits).
  using vector_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  /// Eigen storage of the parameters.
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// Row of the A means (fixed capacity, no heap).
  using action_values_type = Eigen::Matrix<Scalar, 1, Eigen::Dynamic, Eigen::RowMajor, 1,
                                           max_linear_categorical_q_actions>;
  /// True if the feature map is sparse binary (cost follows the active features).
  static constexpr bool sparse = SparseFeatureMap<Map>;

  /// num_actions in [1, max_linear_categorical_q_actions] and a valid
  /// support (see check_uniform_support); all logits start at 0, so every
  /// p(s, a) starts uniform. std::invalid_argument otherwise.
  LinearCategoricalQ(Map map, Index num_actions, const UniformSupport& support)
      : map_(std::move(map)), scratch_(checked_scratch(map_, num_actions, support)) {
    actions_ = num_actions;
    z_ = uniform_support<Scalar>(support);
    w_ = parameter_type::Zero(map_.num_features(), actions_ * z_.size());
    all_ = vector_type::Zero(actions_ * z_.size());
  }

  /// The feature map.
  const Map& map() const noexcept { return map_; }
  /// Number of actions.
  Index num_actions() const noexcept { return actions_; }
  /// Number of atoms of the support.
  Index num_atoms() const noexcept { return z_.size(); }
  /// Number of features.
  Index num_features() const noexcept { return w_.rows(); }
  /// States 0..num_states()-1 when the map is over a finite state set.
  Index num_states() const
    requires requires(const Map& m) { m.num_states(); }
  {
    return map_.num_states();
  }
  /// The atoms z (K entries).
  const vector_type& support() const noexcept { return z_; }

  /// Throws std::out_of_range naming `where` and `name` (and the value) if the state is not valid.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    map_.check_state(where, name, s);
  }
  /// std::out_of_range unless 0 <= a < num_actions().
  void check_action(std::string_view where, std::string_view name, Index a) const {
    check_index(where, name, a, actions_);
  }

  /// Writes logits(s, a) = W_a^T phi(s) into `out` (K entries; s and a
  /// unchecked: callers check them first).
  template <class Out>
  void logits_unchecked(const state_type& s, Index a, Out& out) const {
    scratch_.write(map_, s);
    scratch_.logits(w_, a * z_.size(), z_.size(), out);
  }

  /// Writes p(s, a) for every action into `out` (A*K entries, block a =
  /// p(s, a) = out[a*K, (a+1)*K)): one feature write, one pass over W,
  /// A softmaxes. s unchecked.
  template <class Out>
  void all_probabilities_unchecked(const state_type& s, Out& out) const {
    scratch_.write(map_, s);
    scratch_.logits(w_, 0, w_.cols(), out);
    const Index K = z_.size();
    for (Index a = 0; a < actions_; ++a) detail::softmax_in_place(out.segment(a * K, K));
  }

  /// The means sum_i p_i(s, a) z_i of every action from the A*K
  /// probabilities written by all_probabilities_unchecked.
  template <class All>
  action_values_type means(const All& all) const {
    action_values_type row(actions_);
    const Index K = z_.size();
    for (Index a = 0; a < actions_; ++a) row[a] = all.segment(a * K, K).dot(z_);
    return row;
  }

  /// p(s, a) as a new vector (allocates).
  vector_type probabilities(const state_type& s, Index a) const {
    check_state("LinearCategoricalQ::probabilities", "state", s);
    check_action("LinearCategoricalQ::probabilities", "action", a);
    vector_type p(z_.size());
    logits_unchecked(s, a, p);
    detail::softmax_in_place(p);
    return p;
  }

  /// The means q(s, .) of every action (by value, no heap).
  action_values_type action_values(const state_type& s) const {
    check_state("LinearCategoricalQ::action_values", "state", s);
    all_probabilities_unchecked(s, all_);
    return means(all_);
  }

  /// q(s, a), the mean of p(s, a) (no heap).
  Scalar value(const state_type& s, Index a) const {
    check_state("LinearCategoricalQ::value", "state", s);
    check_action("LinearCategoricalQ::value", "action", a);
    auto block = all_.head(z_.size());
    logits_unchecked(s, a, block);
    detail::softmax_in_place(block);
    return block.dot(z_);
  }

  /// W_a += phi(s) step^T (step: K entries; s and a unchecked), i.e.
  /// logits(s, a) move by |phi(s)|^2 * step and no other action's do.
  template <class Step>
  void add_to_logits(const state_type& s, Index a, const Step& step) {
    scratch_.write(map_, s);
    scratch_.add_outer(w_, a * z_.size(), step);
  }

  /// The F x (A*K) weights (block a: columns a*K .. a*K + K - 1).
  const parameter_type& parameters() const noexcept { return w_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return w_; }

 private:
  static detail::LinearLogitsScratch<Map, Scalar> checked_scratch(const Map& map,
                                                                  Index num_actions,
                                                                  const UniformSupport& support) {
    constexpr std::string_view where = "LinearCategoricalQ";
    check_at_least_one(where, "num_actions", num_actions);
    if (num_actions > max_linear_categorical_q_actions) [[unlikely]]
      fail_check(where, "num_actions", num_actions,
                 "exceeds max_linear_categorical_q_actions = 64");
    check_uniform_support(where, support);
    check_at_least_one(where, "num_features", map.num_features());
    return detail::LinearLogitsScratch<Map, Scalar>(where, map);
  }

  Map map_;
  mutable detail::LinearLogitsScratch<Map, Scalar> scratch_;
  Index actions_ = 0;
  vector_type z_;
  parameter_type w_;
  mutable vector_type all_;  // read buffer: A*K probabilities
};

}  // namespace rlvalue
