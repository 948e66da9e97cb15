#pragma once
/// @file
/// What Greedy, EpsilonGreedy and Softmax share: a non-owning pointer to an
/// action-value function, the valid-action count, the probability buffer, and
/// argmax with ties broken uniformly at random. Not a public extension point.

#include <Eigen/Core>
#include <concepts>
#include <random>
#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/policies/valid_actions.hpp"

namespace rlvalue::detail {

/// Largest of values(0..n-1) and how many actions attain it.
template <class Values, class Scalar>
void max_and_ties(const Values& values, Index n, Scalar& max, Index& ties) {
  max = values.coeff(0);
  ties = 1;
  for (Index a = 1; a < n; ++a) {
    const Scalar v = values.coeff(a);
    if (v > max) {
      max = v;
      ties = 1;
    } else if (v == max) {
      ++ties;
    }
  }
}

/// The k-th (from 0) action among 0..n-1 whose value equals `max`.
template <class Values, class Scalar>
Index kth_maximiser(const Values& values, Index n, Scalar max, Index k) {
  for (Index a = 0; a < n; ++a)
    if (values.coeff(a) == max && k-- == 0) return a;
  return n - 1;  // unreachable when k < number of maximisers
}

/// An argmax of values(0..n-1), uniform over ties. Draws from `rng` only when
/// there is more than one maximiser.
template <class Values, std::uniform_random_bit_generator G>
Index random_argmax(const Values& values, Index n, G& rng) {
  using Scalar = std::remove_cvref_t<decltype(values.coeff(0))>;
  Scalar max;
  Index ties;
  max_and_ties(values, n, max, ties);
  const Index k = ties == 1 ? 0 : uniform_index(rng, ties);
  return kth_maximiser(values, n, max, k);
}

/// Base of the policies derived from an action-value function Q (held by
/// pointer: Q must outlive the policy) with valid-action count Mask.
template <class Q, class Mask>
class ActionValuePolicyBase {
 public:
  using state_type = typename Q::state_type;
  using scalar_type = typename Q::scalar_type;
  using probability_vector = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;

  /// Number of actions (columns of q).
  Index num_actions() const noexcept { return num_actions_; }
  /// The action-value function the policy reads.
  const Q& q() const noexcept { return *q_; }
  /// The valid-action count.
  const Mask& valid_actions() const noexcept { return mask_; }

 protected:
  ActionValuePolicyBase(const Q& q, Mask mask, std::string_view where)
      : q_(&q), mask_(std::move(mask)), num_actions_(q.num_actions()) {
    check_mask_fits(mask_, num_actions_, where);
    if constexpr (FiniteStateSpace<Q> && requires { mask_.num_states(); })
      check_size(where, "valid action counts", static_cast<Index>(mask_.num_states()),
                 static_cast<Index>(q.num_states()));
    probs_.resize(num_actions_);
    if constexpr (!has_direct_values) values_.resize(num_actions_);
  }

  /// n(s), checked against num_actions().
  Index valid_count(const state_type& s, std::string_view where) const {
    return detail::valid_count(mask_, s, num_actions_, where);
  }

  /// q(s, .) after checking s: the approximator's own row when it has direct
  /// storage (tables), else evaluated into a preallocated buffer.
  decltype(auto) values(const state_type& s, std::string_view where) {
    q_->check_state(where, "state", s);
    if constexpr (has_direct_values) {
      return q_->action_values(s);
    } else {
      values_.noalias() = q_->action_values(s);
      return static_cast<const row_type&>(values_);
    }
  }

  using row_type = Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>;
  static constexpr bool has_direct_values =
      requires(const Q& cq, const state_type& s) { cq.action_values(s).data(); };

  const Q* q_;
  Mask mask_;
  Index num_actions_;
  probability_vector probs_;  // returned by probabilities(s)
  row_type values_;           // used only when q(s, .) is a lazy expression
};

}  // namespace rlvalue::detail
