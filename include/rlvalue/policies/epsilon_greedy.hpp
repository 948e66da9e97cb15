#pragma once
/// @file
/// Epsilon-greedy policy over an action-value function (Sutton & Barto 2018,
/// sec. 2.2 and 5.4): with probability epsilon a uniformly random valid action,
/// otherwise a greedy one (uniform among ties), so
///   pi(a | s) = epsilon / n(s) + (1 - epsilon) / |argmax| * [a in argmax].

#include <Eigen/Core>
#include <random>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/policies/action_value_policy.hpp"
#include "rlvalue/policies/valid_actions.hpp"

namespace rlvalue {

/// Epsilon-greedy policy over q, epsilon in [0, 1]; only actions 0..n(s)-1
/// are chosen or get probability (see valid_actions.hpp).
///
/// Holds `q` by pointer (it must outlive the policy; a temporary is rejected)
/// and reads it at every call. `probabilities(s)` returns a reference to an
/// internal buffer that the next probabilities() call overwrites;
/// `action(s, rng)` leaves it alone. Neither allocates. Not safe for
/// concurrent use.
template <ActionValueReader Q, ValidActionCount<typename Q::state_type> Mask = AllActions>
class EpsilonGreedy : public detail::ActionValuePolicyBase<Q, Mask> {
  using Base = detail::ActionValuePolicyBase<Q, Mask>;

 public:
  using typename Base::probability_vector;
  using typename Base::scalar_type;
  using typename Base::state_type;

  /// std::invalid_argument unless 0 <= epsilon <= 1.
  EpsilonGreedy(const Q& q, double epsilon, Mask valid_actions = Mask{})
      : Base(q, std::move(valid_actions), "EpsilonGreedy") {
    set_epsilon(epsilon);
  }
  EpsilonGreedy(const Q&&, double, Mask = Mask{}) = delete;

  /// Exploration rate epsilon in [0, 1].
  double epsilon() const noexcept { return epsilon_; }
  /// std::invalid_argument unless 0 <= epsilon <= 1 (the policy is unchanged).
  void set_epsilon(double epsilon) {
    check_unit_interval("EpsilonGreedy", "epsilon", epsilon);
    epsilon_ = epsilon;
  }

  /// With probability epsilon a uniform valid action, else a greedy one
  /// (uniform among ties). Draws one uniform01 when epsilon > 0, then one
  /// index for exploration or for a tie.
  template <std::uniform_random_bit_generator G>
  Index action(const state_type& s, G& rng) {
    decltype(auto) q = this->values(s, "EpsilonGreedy::action");
    const Index n = this->valid_count(s, "EpsilonGreedy::action");
    if (epsilon_ > 0.0 && uniform01(rng) < epsilon_) return uniform_index(rng, n);
    return detail::random_argmax(q, n, rng);
  }

  /// pi(. | s) = epsilon/n(s) on every valid action plus (1-epsilon)/|argmax|
  /// on each maximiser; 0 on invalid actions. Overwritten by the next call.
  const probability_vector& probabilities(const state_type& s) {
    decltype(auto) q = this->values(s, "EpsilonGreedy::probabilities");
    const Index n = this->valid_count(s, "EpsilonGreedy::probabilities");
    scalar_type max;
    Index ties;
    detail::max_and_ties(q, n, max, ties);
    const auto explore = static_cast<scalar_type>(epsilon_ / static_cast<double>(n));
    const auto exploit = static_cast<scalar_type>((1.0 - epsilon_) / static_cast<double>(ties));
    this->probs_.setZero();
    for (Index a = 0; a < n; ++a) this->probs_[a] = q.coeff(a) == max ? explore + exploit : explore;
    return this->probs_;
  }

 private:
  double epsilon_ = 0.0;
};

// Deduction guides: not listed in the API reference (the constructors are).
/// @cond
template <class Q>
EpsilonGreedy(const Q&, double) -> EpsilonGreedy<Q>;
template <class Q, class M>
  requires ValidActionCount<M, typename Q::state_type>
EpsilonGreedy(const Q&, double, M) -> EpsilonGreedy<Q, M>;
template <class Q, class Derived>
EpsilonGreedy(const Q&, double, const Eigen::DenseBase<Derived>&)
    -> EpsilonGreedy<Q, ValidActionCounts>;
/// @endcond

}  // namespace rlvalue
