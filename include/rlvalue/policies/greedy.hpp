#pragma once
/// @file
/// Greedy policy over an action-value function:
///   pi(a | s) = 1 / |argmax_b q(s, b)|  for a in the argmax set, 0 otherwise,
/// ties broken uniformly at random (Sutton & Barto 2018, sec. 2.2).

#include <Eigen/Core>
#include <random>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/policies/action_value_policy.hpp"
#include "rlvalue/policies/valid_actions.hpp"

namespace rlvalue {

/// Greedy policy: an action of highest q(s, .), uniform among ties; only
/// actions 0..n(s)-1 are considered (see valid_actions.hpp).
///
/// Holds `q` by pointer and reads it at every call, so it follows the
/// learner's updates; `q` must outlive the policy (a temporary is rejected).
/// `probabilities(s)` returns a reference to an internal buffer that the next
/// probabilities() call overwrites; `action(s, rng)` leaves it alone. Neither
/// allocates. Not safe for concurrent use (give each thread its own policy).
template <ActionValueReader Q, ValidActionCount<typename Q::state_type> Mask = AllActions>
class Greedy : public detail::ActionValuePolicyBase<Q, Mask> {
  using Base = detail::ActionValuePolicyBase<Q, Mask>;

 public:
  using typename Base::probability_vector;
  using typename Base::scalar_type;
  using typename Base::state_type;

  /// Greedy in `q` (held by pointer), over the valid actions of `valid_actions`.
  explicit Greedy(const Q& q, Mask valid_actions = Mask{})
      : Base(q, std::move(valid_actions), "Greedy") {}
  Greedy(const Q&&, Mask = Mask{}) = delete;

  /// An argmax of q(s, a) over valid a, uniform among ties (draws from rng
  /// only when there is a tie). std::out_of_range if s is not a state.
  template <std::uniform_random_bit_generator G>
  Index action(const state_type& s, G& rng) {
    decltype(auto) q = this->values(s, "Greedy::action");
    const Index n = this->valid_count(s, "Greedy::action");
    return detail::random_argmax(q, n, rng);
  }

  /// pi(. | s): 1/|argmax| on each maximiser, 0 elsewhere (and on invalid
  /// actions). Overwritten by the next call.
  const probability_vector& probabilities(const state_type& s) {
    decltype(auto) q = this->values(s, "Greedy::probabilities");
    const Index n = this->valid_count(s, "Greedy::probabilities");
    scalar_type max;
    Index ties;
    detail::max_and_ties(q, n, max, ties);
    const scalar_type p = scalar_type(1) / static_cast<scalar_type>(ties);
    this->probs_.setZero();
    for (Index a = 0; a < n; ++a)
      if (q.coeff(a) == max) this->probs_[a] = p;
    return this->probs_;
  }
};

// Deduction guides: not listed in the API reference (the constructors are).
/// @cond
template <class Q>
Greedy(const Q&) -> Greedy<Q>;
template <class Q, class M>
  requires ValidActionCount<M, typename Q::state_type>
Greedy(const Q&, M) -> Greedy<Q, M>;
template <class Q, class Derived>
Greedy(const Q&, const Eigen::DenseBase<Derived>&) -> Greedy<Q, ValidActionCounts>;
/// @endcond

}  // namespace rlvalue
