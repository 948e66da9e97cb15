#pragma once
/// @file
/// LinearQ: a linear action-value function (Sutton & Barto 2nd ed. section
/// 10.1) in one of two layouts:
///   ActionFeatures::per_action_blocks  q(s, a) = phi(s) . W[:, a], W a
///       row-major F x A matrix (one weight block per action over the state
///       features; grad = phi(s) in column a). With OneHotMap this is TabularQ
///       exactly (bit for bit).
///   ActionFeatures::state_action       q(s, a) = w . phi(s, a), phi a
///       StateActionFeatureMap (tile coding with the action as an extra
///       integer input, as in Sutton & Barto's Mountain Car).
/// action_values(s) returns the num_actions() values by value in a row vector
/// with fixed capacity (max_linear_q_actions): no allocation, and two rows
/// (of s and s') can be alive at once, as the one-step learners need.
/// Feature scratch is held by the object: const reads are not thread-safe.

#include <Eigen/Core>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// How LinearQ gives actions their own parameters.
enum class ActionFeatures { per_action_blocks, state_action };

/// Largest number of actions LinearQ supports (capacity of action_values).
inline constexpr int max_linear_q_actions = 64;

/// Linear q(s, a; w) over a feature map; see the header comment for layouts.
template <FeatureMap Map, class Scalar = double,
          ActionFeatures Layout = ActionFeatures::per_action_blocks>
class LinearQ {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = typename Map::state_type;
  /// The feature map type.
  using map_type = Map;
  /// True if the feature map is sparse binary (cost follows the active features).
  static constexpr bool sparse = SparseFeatureMap<Map>;
  /// True for one weight block per action (ActionFeatures::per_action_blocks).
  static constexpr bool blocks = Layout == ActionFeatures::per_action_blocks;
  static_assert(blocks || StateActionFeatureMap<Map>,
                "rlvalue::LinearQ: the state_action layout needs a StateActionFeatureMap");
  /// Eigen storage of the parameters.
  using parameter_type =
      std::conditional_t<blocks, Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                         Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>;
  /// Gradient of q(s, a) in the parameters: BinaryGradient for sparse maps, DenseGradient otherwise.
  using gradient_type = std::conditional_t<sparse, BinaryGradient, DenseGradient<Scalar>>;
  /// Row of action values (fixed capacity, no heap).
  using action_values_type =
      Eigen::Matrix<Scalar, 1, Eigen::Dynamic, Eigen::RowMajor, 1, max_linear_q_actions>;

  /// Per-action blocks: num_actions in [1, max_linear_q_actions]. The
  /// state_action layout takes the map's num_actions() and passes
  /// num_actions = 0 or the same number. Every weight starts at
  /// `initial_weight` (finite). std::invalid_argument otherwise.
  LinearQ(Map map, Index num_actions, Scalar initial_weight = Scalar(0)) : map_(std::move(map)) {
    constexpr std::string_view where = "LinearQ";
    check_finite(where, "initial_weight", initial_weight);
    if constexpr (blocks) {
      actions_ = num_actions;
    } else {
      actions_ = map_.num_actions();
      if (num_actions != 0 && num_actions != actions_)
        fail_check(where, "num_actions", num_actions,
                   "differs from the map's num_actions() = " + detail::format_value(actions_));
    }
    check_at_least_one(where, "num_actions", actions_);
    if (actions_ > max_linear_q_actions)
      fail_check(where, "num_actions", actions_, "exceeds max_linear_q_actions = 64");
    check_at_least_one(where, "num_features", map_.num_features());
    if constexpr (blocks) {
      w_ = parameter_type::Constant(map_.num_features(), actions_, initial_weight);
    } else {
      w_ = parameter_type::Constant(map_.num_features(), initial_weight);
    }
    if constexpr (sparse) {
      check_at_least_one(where, "num_active", map_.num_active());
      active_.resize(static_cast<std::size_t>(map_.num_active()));
    } else {
      phi_ = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(map_.num_features());
    }
  }
  /// The state_action layout with zero weights: the number of actions comes
  /// from the map (for other initial weights pass num_actions = 0).
  explicit LinearQ(Map map)
    requires(!blocks)
      : LinearQ(std::move(map), 0, Scalar(0)) {}

  /// The feature map.
  const Map& map() const noexcept { return map_; }
  /// Number of actions.
  Index num_actions() const noexcept { return actions_; }
  /// Number of features.
  Index num_features() const noexcept { return map_.num_features(); }
  /// Number of parameters (length of parameters()).
  Index num_parameters() const noexcept { return w_.size(); }
  /// Number of states.
  Index num_states() const
    requires requires(const Map& m) { m.num_states(); }
  {
    return map_.num_states();
  }

  /// Throws std::out_of_range naming `where` and `name` (and the value) if the state is not valid.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    map_.check_state(where, name, s);
  }
  /// Throws std::out_of_range naming `where` and `name` (and the value) if the action is not in [0, num_actions()).
  void check_action(std::string_view where, std::string_view name, Index a) const {
    check_index(where, name, a, actions_);
  }

  /// q(s, a).
  Scalar value(const state_type& s, Index a) const {
    check_state("LinearQ::value", "state", s);
    check_action("LinearQ::value", "action", a);
    if constexpr (blocks) {
      if constexpr (sparse) {
        write_state(s);
        Scalar v = w_(active_[0], a);
        for (std::size_t i = 1; i < active_.size(); ++i) v += w_(active_[i], a);
        return v;
      } else {
        write_state(s);
        return phi_.dot(w_.col(a));
      }
    } else {
      return sa_value(s, a);
    }
  }

  /// q(s, .) as a row of num_actions() values (by value, no heap).
  action_values_type action_values(const state_type& s) const {
    check_state("LinearQ::action_values", "state", s);
    action_values_type row(actions_);
    if constexpr (blocks) {
      write_state(s);
      if constexpr (sparse) {
        row = w_.row(active_[0]);
        for (std::size_t i = 1; i < active_.size(); ++i) row += w_.row(active_[i]);
      } else {
        row.noalias() = phi_.transpose() * w_;
      }
    } else {
      for (Index a = 0; a < actions_; ++a) row[a] = sa_value(s, a);
    }
    return row;
  }

  /// State features phi(s) (per-action blocks: the features every block
  /// shares; state_action: the map's state-only features). A view of
  /// scratch storage valid until the next call.
  auto features(const state_type& s) const {
    check_state("LinearQ::features", "state", s);
    write_state(s);
    if constexpr (sparse) {
      return std::span<const Index>(active_);
    } else {
      return static_cast<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>&>(phi_);
    }
  }

  /// w += scaled_error * grad_w q(s, a). std::invalid_argument for a
  /// non-finite scaled_error or one that would overflow a weight (nothing is
  /// written).
  void semi_gradient_step(const state_type& s, Index a, Scalar scaled_error) {
    check_state("LinearQ::semi_gradient_step", "state", s);
    check_action("LinearQ::semi_gradient_step", "action", a);
    check_finite("LinearQ::semi_gradient_step", "scaled_error", scaled_error);
    if constexpr (blocks) {
      write_state(s);
      if constexpr (sparse) {
        if (!detail::repeated_adds_stay_finite(std::span<const Index>(active_), scaled_error,
                                               [&](Index f) { return w_(f, a); })) [[unlikely]]
          reject_overflow(scaled_error);
        for (Index f : active_) w_(f, a) += scaled_error;
      } else {
        if (!detail::dense_add_stays_finite(w_.col(a), scaled_error, phi_)) [[unlikely]]
          reject_overflow(scaled_error);
        w_.col(a).noalias() += scaled_error * phi_;
      }
    } else {
      map_.write(s, a, std::span<Index>(active_));
      if (!detail::repeated_adds_stay_finite(std::span<const Index>(active_), scaled_error,
                                             [&](Index f) { return w_[f]; })) [[unlikely]]
        reject_overflow(scaled_error);
      for (Index f : active_) w_[f] += scaled_error;
    }
  }

  /// A gradient buffer for gradient() (allocates; call once).
  gradient_type make_gradient() const {
    if constexpr (sparse) {
      return BinaryGradient(map_.num_active());
    } else {
      return DenseGradient<Scalar>(map_.num_features());
    }
  }
  /// g = grad_w q(s, a) over the flat (row-major) parameters; s, a unchecked.
  void gradient(const state_type& s, Index a, gradient_type& g) const noexcept {
    if constexpr (blocks) {
      if constexpr (sparse) {
        map_.write(s, std::span<Index>(g.indices));
        for (Index& f : g.indices) f = f * actions_ + a;
        g.count = map_.num_active();
      } else {
        map_.write(s, std::span<Scalar>(g.values.data(), static_cast<std::size_t>(g.values.size())));
        g.stride = actions_;
        g.offset = a;
      }
    } else {
      map_.write(s, a, std::span<Index>(g.indices));
      g.count = map_.num_active();
    }
  }

  /// The weights: F x A row-major (per-action blocks) or a vector of F.
  const parameter_type& parameters() const noexcept { return w_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return w_; }

 private:
  void write_state(const state_type& s) const {
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(active_));
    } else {
      map_.write(s, std::span<Scalar>(phi_.data(), static_cast<std::size_t>(phi_.size())));
    }
  }
  Scalar sa_value(const state_type& s, Index a) const {
    map_.write(s, a, std::span<Index>(active_));
    Scalar v = w_[active_[0]];
    for (std::size_t i = 1; i < active_.size(); ++i) v += w_[active_[i]];
    return v;
  }

  Map map_;
  Index actions_ = 0;
  [[noreturn]] static void reject_overflow(Scalar scaled_error) {
    fail_check("LinearQ::semi_gradient_step", "scaled_error", scaled_error,
               "times grad q(s, a) overflows a weight; nothing was written");
  }

  parameter_type w_;
  mutable std::vector<Index> active_;
  mutable Eigen::Matrix<Scalar, Eigen::Dynamic, 1> phi_;
};

}  // namespace rlvalue
