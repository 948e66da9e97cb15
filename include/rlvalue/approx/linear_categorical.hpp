#pragma once
/// @file
/// LinearCategorical: a categorical distribution per state given by softmax
/// logits linear in the features (C51's output layer on fixed features;
/// Bellemare, Dabney, Munos 2017, arXiv:1707.06887; Bellemare, Dabney, Rowland
/// 2023, "Distributional RL", section 9):
///   logits(s) = W^T phi(s)  (W: F x K),   p(s) = softmax(logits(s)),
/// on a fixed uniform support z. With one-hot features every state has its
/// own logits. Feature buffers are allocated at construction; reads write
/// into them, so one object is not safe to read concurrently.

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/categorical_projection.hpp"

namespace rlvalue {

namespace detail {

/// v = softmax(v) in place, stably: exp(v_i - max v) / sum_j exp(v_j - max v).
template <class V>
void softmax_in_place(V&& v) {
  const auto max = v.maxCoeff();
  v.array() = (v.array() - max).exp();
  v /= v.sum();
}

/// Feature scratch shared by the softmax-of-linear-logits approximators
/// (LinearCategorical, LinearCategoricalQ): `write(map, s)` stores phi(s)
/// (the active indices of a sparse map, or the dense vector) in storage
/// allocated once; `logits` and `add_outer` then read it against a column
/// block of a row-major weight matrix W (F rows), so one feature write
/// serves any number of blocks.
template <FeatureMap Map, class Scalar>
class LinearLogitsScratch {
 public:
  static constexpr bool sparse = SparseFeatureMap<Map>;

  /// Allocates the scratch; std::invalid_argument (naming `where`) for a
  /// sparse map with no active feature.
  LinearLogitsScratch(std::string_view where, const Map& map) {
    if constexpr (sparse) {
      check_at_least_one(where, "num_active", map.num_active());
      active_.resize(static_cast<std::size_t>(map.num_active()));
    } else {
      phi_ = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(map.num_features());
    }
  }

  /// Stores phi(s) (s unchecked).
  void write(const Map& map, const typename Map::state_type& s) {
    if constexpr (sparse) {
      map.write(s, std::span<Index>(active_));
    } else {
      map.write(s, std::span<Scalar>(phi_.data(), static_cast<std::size_t>(phi_.size())));
    }
  }

  /// out = W[:, first : first + n]^T phi (the stored phi; n entries).
  template <class W, class Out>
  void logits(const W& w, Index first, Index n, Out& out) const {
    // Through a block: `out` has n entries already, and an assignment that
    // could resize makes GCC 12 -O3 report a false use-after-free in Eigen.
    auto o = out.head(n);
    if constexpr (sparse) {
      o = w.row(active_[0]).segment(first, n).transpose();
      for (std::size_t i = 1; i < active_.size(); ++i)
        o += w.row(active_[i]).segment(first, n).transpose();
    } else {
      o.noalias() = w.middleCols(first, n).transpose() * phi_;
    }
  }

  /// W[:, first : first + step.size()] += phi step^T (the stored phi).
  template <class W, class Step>
  void add_outer(W& w, Index first, const Step& step) const {
    const Index n = step.size();
    if constexpr (sparse) {
      for (Index i : active_) w.row(i).segment(first, n) += step.transpose();
    } else {
      w.middleCols(first, n).noalias() += phi_ * step.transpose();
    }
  }

 private:
  std::vector<Index> active_;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> phi_;
};

}  // namespace detail

/// Softmax-of-linear-logits distributions over a uniform support.
template <FeatureMap Map, class Scalar = double>
class LinearCategorical {
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
  /// True if the feature map is sparse binary (cost follows the active features).
  static constexpr bool sparse = SparseFeatureMap<Map>;

  /// A valid support (see check_uniform_support); all logits start at 0, so
  /// every p(s) starts uniform. std::invalid_argument otherwise.
  LinearCategorical(Map map, const UniformSupport& support)
      : map_(std::move(map)), scratch_(checked_scratch(map_, support)) {
    z_ = uniform_support<Scalar>(support);
    w_ = parameter_type::Zero(map_.num_features(), z_.size());
  }

  /// The feature map.
  const Map& map() const noexcept { return map_; }
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
  /// The atoms z_1 < ... < z_K.
  const vector_type& support() const noexcept { return z_; }

  /// Throws std::out_of_range naming `where` and `name` (and the value) if the state is not valid.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    map_.check_state(where, name, s);
  }

  /// Writes p(s) = softmax(W^T phi(s)) into `out` (K entries; unchecked
  /// state: callers check it first).
  template <class Out>
  void probabilities_unchecked(const state_type& s, Out& out) const {
    logits_unchecked(s, out);
    detail::softmax_in_place(out);
  }

  /// p(s) as a new vector.
  vector_type probabilities(const state_type& s) const {
    check_state("LinearCategorical::probabilities", "state", s);
    vector_type p(z_.size());
    probabilities_unchecked(s, p);
    return p;
  }

  /// The mean sum_i p_i(s) z_i (allocates a K vector: not for hot loops).
  Scalar mean(const state_type& s) const { return probabilities(s).dot(z_); }

  /// W += phi(s) step^T (step: K entries; s unchecked), i.e. logits(s) move
  /// by |phi(s)|^2 * step.
  template <class Step>
  void add_to_logits(const state_type& s, const Step& step) {
    scratch_.write(map_, s);
    scratch_.add_outer(w_, 0, step);
  }

  /// The F x K weights.
  const parameter_type& parameters() const noexcept { return w_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return w_; }

  /// Writes logits(s) = W^T phi(s) into `out` (K entries; s unchecked).
  template <class Out>
  void logits_unchecked(const state_type& s, Out& out) const {
    scratch_.write(map_, s);
    scratch_.logits(w_, 0, w_.cols(), out);
  }

 private:
  // The support and map checks, in the order the constructor always made them.
  static detail::LinearLogitsScratch<Map, Scalar> checked_scratch(const Map& map,
                                                                  const UniformSupport& support) {
    check_uniform_support("LinearCategorical", support);
    check_at_least_one("LinearCategorical", "num_features", map.num_features());
    return detail::LinearLogitsScratch<Map, Scalar>("LinearCategorical", map);
  }

  Map map_;
  mutable detail::LinearLogitsScratch<Map, Scalar> scratch_;
  vector_type z_;
  parameter_type w_;
};

}  // namespace rlvalue
