#pragma once
// LinearV: a linear state-value function over a feature map
// (Sutton & Barto 2nd ed. section 9.4):
//   v(s; w) = w . phi(s),   grad_w v(s) = phi(s).
// With sparse binary features v(s) is the sum of the active weights; with
// OneHotMap it is TabularV exactly (same sums, bit for bit).
//
// Feature computations write into scratch storage held by the approximator
// (allocated at construction), so the const reads value/features are not safe
// to call concurrently on one object, and the span or vector returned by
// features(s) is valid until the next call.

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

/// v(s; w) = w . phi(s) for a FeatureMap (sparse binary or dense).
template <FeatureMap Map, class Scalar = double>
class LinearV {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = typename Map::state_type;
  /// The feature map type.
  using map_type = Map;
  /// Eigen storage of the parameters.
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  /// True if the feature map is sparse binary (cost follows the active features).
  static constexpr bool sparse = SparseFeatureMap<Map>;
  /// Gradient of v(s) in the parameters: BinaryGradient for sparse maps, DenseGradient otherwise.
  using gradient_type = std::conditional_t<sparse, BinaryGradient, DenseGradient<Scalar>>;

  /// Every weight starts at `initial_weight` (finite; std::invalid_argument
  /// otherwise). With binary features v(s) then starts at
  /// num_active() * initial_weight.
  explicit LinearV(Map map, Scalar initial_weight = Scalar(0)) : map_(std::move(map)) {
    check_finite("LinearV", "initial_weight", initial_weight);
    check_at_least_one("LinearV", "num_features", map_.num_features());
    w_ = parameter_type::Constant(map_.num_features(), initial_weight);
    if constexpr (sparse) {
      check_at_least_one("LinearV", "num_active", map_.num_active());
      active_.resize(static_cast<std::size_t>(map_.num_active()));
    } else {
      phi_ = parameter_type::Zero(map_.num_features());
    }
  }

  /// The feature map.
  const Map& map() const noexcept { return map_; }
  /// Number of features.
  Index num_features() const noexcept { return w_.size(); }
  /// Number of parameters (length of parameters()).
  Index num_parameters() const noexcept { return w_.size(); }
  /// States 0..num_states()-1 when the map is over a finite state set.
  Index num_states() const
    requires requires(const Map& m) { m.num_states(); }
  {
    return map_.num_states();
  }

  /// Throws (map's check) naming `where` and `name` unless s is a valid state.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    map_.check_state(where, name, s);
  }

  /// v(s) = w . phi(s).
  Scalar value(const state_type& s) const {
    check_state("LinearV::value", "state", s);
    return value_unchecked(s);
  }

  /// phi(s): a span of active indices (sparse) or the dense vector; a view of
  /// scratch storage valid until the next call on this object.
  auto features(const state_type& s) const {
    check_state("LinearV::features", "state", s);
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(active_));
      return std::span<const Index>(active_);
    } else {
      map_.write(s, std::span<Scalar>(phi_.data(), static_cast<std::size_t>(phi_.size())));
      return static_cast<const parameter_type&>(phi_);
    }
  }

  /// w += scaled_error * phi(s). std::invalid_argument for a non-finite
  /// scaled_error or one that would overflow a weight (nothing is written).
  void semi_gradient_step(const state_type& s, Scalar scaled_error) {
    check_state("LinearV::semi_gradient_step", "state", s);
    check_finite("LinearV::semi_gradient_step", "scaled_error", scaled_error);
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(active_));
      if (!detail::repeated_adds_stay_finite(std::span<const Index>(active_), scaled_error,
                                             [&](Index i) { return w_[i]; })) [[unlikely]]
        reject_overflow(scaled_error);
      for (Index i : active_) w_[i] += scaled_error;
    } else {
      write_dense(s);
      if (!detail::dense_add_stays_finite(w_, scaled_error, phi_)) [[unlikely]]
        reject_overflow(scaled_error);
      w_.noalias() += scaled_error * phi_;
    }
  }

  /// phi(s) read in place from a map that stores it (DenseFeatureView): a
  /// pointer to num_features() values, valid while the map is unchanged (s
  /// is not checked: callers check it first). Learners use it, when the map
  /// offers it, instead of copying phi(s) with gradient().
  const Scalar* feature_view(const state_type& s) const noexcept
    requires DenseFeatureView<Map, Scalar>
  {
    return map_.view(s);
  }

  /// A gradient buffer for gradient() (allocates; call once).
  gradient_type make_gradient() const {
    if constexpr (sparse) {
      return BinaryGradient(map_.num_active());
    } else {
      return DenseGradient<Scalar>(map_.num_features());
    }
  }
  /// g = phi(s) (s is not checked: callers check it first).
  void gradient(const state_type& s, gradient_type& g) const noexcept {
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(g.indices));
      g.count = map_.num_active();
    } else {
      map_.write(s, std::span<Scalar>(g.values.data(), static_cast<std::size_t>(g.values.size())));
      g.stride = 1;
      g.offset = 0;
    }
  }

  /// The weights w.
  const parameter_type& parameters() const noexcept { return w_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return w_; }

 private:
  Scalar value_unchecked(const state_type& s) const {
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(active_));
      Scalar v = w_[active_[0]];
      for (std::size_t i = 1; i < active_.size(); ++i) v += w_[active_[i]];
      return v;
    } else {
      write_dense(s);
      return w_.dot(phi_);
    }
  }
  void write_dense(const state_type& s) const {
    map_.write(s, std::span<Scalar>(phi_.data(), static_cast<std::size_t>(phi_.size())));
  }

  Map map_;
  [[noreturn]] static void reject_overflow(Scalar scaled_error) {
    fail_check("LinearV::semi_gradient_step", "scaled_error", scaled_error,
               "times phi(s) overflows a weight; nothing was written");
  }

  parameter_type w_;
  mutable std::vector<Index> active_;
  mutable parameter_type phi_;
};

}  // namespace rlvalue
