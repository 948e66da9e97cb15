#pragma once
/// @file
/// Softmax (Boltzmann) policy over an action-value function (Sutton & Barto
/// 2018, sec. 2.8 and 13.1):
///   pi(a | s) = exp(q(s, a) / tau) / sum_b exp(q(s, b) / tau),
/// computed as exp((q(s, a) - max_b q(s, b)) / tau) so large values cannot
/// overflow (the largest term is exactly 1).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/policies/action_value_policy.hpp"
#include "rlvalue/policies/valid_actions.hpp"

namespace rlvalue {

/// Softmax policy over q with temperature tau > 0; only actions 0..n(s)-1
/// are chosen or get probability (see valid_actions.hpp).
///
/// Holds `q` by pointer (it must outlive the policy; a temporary is rejected)
/// and reads it at every call. `probabilities(s)` returns a reference to an
/// internal buffer that the next probabilities() call overwrites;
/// `action(s, rng)` leaves it alone. Neither allocates. Not safe for
/// concurrent use.
template <ActionValueReader Q, ValidActionCount<typename Q::state_type> Mask = AllActions>
class Softmax : public detail::ActionValuePolicyBase<Q, Mask> {
  using Base = detail::ActionValuePolicyBase<Q, Mask>;

 public:
  using typename Base::probability_vector;
  using typename Base::scalar_type;
  using typename Base::state_type;

  /// std::invalid_argument unless temperature > 0 and finite.
  Softmax(const Q& q, double temperature, Mask valid_actions = Mask{})
      : Base(q, std::move(valid_actions), "Softmax") {
    set_temperature(temperature);
  }
  Softmax(const Q&&, double, Mask = Mask{}) = delete;

  /// Temperature tau > 0 of pi(a|s) proportional to exp(q(s, a) / tau).
  double temperature() const noexcept { return temperature_; }
  /// std::invalid_argument unless temperature > 0 and finite (unchanged then).
  void set_temperature(double temperature) {
    check_positive("Softmax", "temperature", temperature);
    temperature_ = temperature;
  }

  /// An action drawn from pi(. | s) with one uniform01 draw (inverse CDF over
  /// the valid actions in index order).
  template <std::uniform_random_bit_generator G>
  Index action(const state_type& s, G& rng) {
    decltype(auto) q = this->values(s, "Softmax::action");
    const Index n = this->valid_count(s, "Softmax::action");
    const double max = max_value(q, n);
    double total = 0.0;
    for (Index a = 0; a < n; ++a) total += weight(q, a, max);
    const double u = uniform01(rng) * total;
    double cumulative = 0.0;
    for (Index a = 0; a + 1 < n; ++a) {
      cumulative += weight(q, a, max);
      if (u < cumulative) return a;
    }
    return n - 1;
  }

  /// pi(. | s), 0 on invalid actions. Overwritten by the next call.
  const probability_vector& probabilities(const state_type& s) {
    decltype(auto) q = this->values(s, "Softmax::probabilities");
    const Index n = this->valid_count(s, "Softmax::probabilities");
    const double max = max_value(q, n);
    double total = 0.0;
    this->probs_.setZero();
    for (Index a = 0; a < n; ++a) {
      const double w = weight(q, a, max);
      this->probs_[a] = static_cast<scalar_type>(w);
      total += w;
    }
    this->probs_.head(n) /= static_cast<scalar_type>(total);
    return this->probs_;
  }

 private:
  template <class Values>
  static double max_value(const Values& q, Index n) {
    double max = static_cast<double>(q.coeff(0));
    for (Index a = 1; a < n; ++a) max = std::max(max, static_cast<double>(q.coeff(a)));
    return max;
  }
  /// exp((q_a - max) / tau), in (0, 1].
  template <class Values>
  double weight(const Values& q, Index a, double max) const {
    return std::exp((static_cast<double>(q.coeff(a)) - max) / temperature_);
  }

  double temperature_ = 1.0;
};

// Deduction guides: not listed in the API reference (the constructors are).
/// @cond
template <class Q>
Softmax(const Q&, double) -> Softmax<Q>;
template <class Q, class M>
  requires ValidActionCount<M, typename Q::state_type>
Softmax(const Q&, double, M) -> Softmax<Q, M>;
template <class Q, class Derived>
Softmax(const Q&, double, const Eigen::DenseBase<Derived>&) -> Softmax<Q, ValidActionCounts>;
/// @endcond

}  // namespace rlvalue
