#pragma once
// LinearCategorical: a categorical distribution per state given by softmax
// logits linear in the features (C51's output layer on fixed features;
// Bellemare, Dabney, Munos 2017, arXiv:1707.06887; Bellemare, Dabney, Rowland
// 2023, "Distributional RL", section 9):
//   logits(s) = W^T phi(s)  (W: F x K),   p(s) = softmax(logits(s)),
// on a fixed uniform support z. With one-hot features every state has its
// own logits. Feature buffers are allocated at construction; reads write
// into them, so one object is not safe to read concurrently.

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

/// Softmax-of-linear-logits distributions over a uniform support.
template <FeatureMap Map, class Scalar = double>
class LinearCategorical {
 public:
  using scalar_type = Scalar;
  using state_type = typename Map::state_type;
  using map_type = Map;
  using vector_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  static constexpr bool sparse = SparseFeatureMap<Map>;

  /// A valid support (see check_uniform_support); all logits start at 0, so
  /// every p(s) starts uniform. std::invalid_argument otherwise.
  LinearCategorical(Map map, const UniformSupport& support) : map_(std::move(map)) {
    check_uniform_support("LinearCategorical", support);
    check_at_least_one("LinearCategorical", "num_features", map_.num_features());
    z_ = uniform_support<Scalar>(support);
    w_ = parameter_type::Zero(map_.num_features(), z_.size());
    if constexpr (sparse) {
      check_at_least_one("LinearCategorical", "num_active", map_.num_active());
      active_.resize(static_cast<std::size_t>(map_.num_active()));
    } else {
      phi_ = vector_type::Zero(map_.num_features());
    }
  }

  const Map& map() const noexcept { return map_; }
  Index num_atoms() const noexcept { return z_.size(); }
  Index num_features() const noexcept { return w_.rows(); }
  /// States 0..num_states()-1 when the map is over a finite state set.
  Index num_states() const
    requires requires(const Map& m) { m.num_states(); }
  {
    return map_.num_states();
  }
  const vector_type& support() const noexcept { return z_; }

  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    map_.check_state(where, name, s);
  }

  /// Writes p(s) = softmax(W^T phi(s)) into `out` (K entries; unchecked
  /// state: callers check it first).
  template <class Out>
  void probabilities_unchecked(const state_type& s, Out& out) const {
    logits_unchecked(s, out);
    const Scalar max = out.maxCoeff();
    out.array() = (out.array() - max).exp();
    out /= out.sum();
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
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(active_));
      for (Index i : active_) w_.row(i) += step.transpose();
    } else {
      map_.write(s, std::span<Scalar>(phi_.data(), static_cast<std::size_t>(phi_.size())));
      w_.noalias() += phi_ * step.transpose();
    }
  }

  /// The F x K weights.
  const parameter_type& parameters() const noexcept { return w_; }
  parameter_type& parameters() noexcept { return w_; }

  /// Writes logits(s) = W^T phi(s) into `out` (K entries; s unchecked).
  template <class Out>
  void logits_unchecked(const state_type& s, Out& out) const {
    if constexpr (sparse) {
      map_.write(s, std::span<Index>(active_));
      out = w_.row(active_[0]).transpose();
      for (std::size_t i = 1; i < active_.size(); ++i) out += w_.row(active_[i]).transpose();
    } else {
      map_.write(s, std::span<Scalar>(phi_.data(), static_cast<std::size_t>(phi_.size())));
      out.noalias() = w_.transpose() * phi_;
    }
  }

 private:
  Map map_;
  vector_type z_;
  parameter_type w_;
  mutable std::vector<Index> active_;
  mutable vector_type phi_;
};

}  // namespace rlvalue
