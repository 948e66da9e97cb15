#pragma once
/// @file
/// What a learner needs of a value-function approximator. Tabular tables are
/// the one-hot special case of linear approximators: both expose the value of
/// a state, the features of a state, the parameters, and a semi-gradient step
///   w += scaled_error * grad_w v(s)
/// so a learner is written once for both.

#include <concepts>
#include <string_view>

#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// A state-value approximator v(s; w).
template <class V>
concept StateValueFunction =
    requires(V& v, const V& cv, const typename V::state_type& s, typename V::scalar_type x,
             std::string_view name) {
      typename V::scalar_type;
      typename V::state_type;
      { cv.value(s) } -> std::convertible_to<typename V::scalar_type>;
      v.semi_gradient_step(s, x);
      cv.check_state(name, name, s);
      cv.features(s);
      cv.parameters();
    };

/// Something action values can be read from: all num_actions() values of a
/// state as an Eigen row expression, `action_values(s)`. What policies need;
/// approximators and the combined estimates of multi-critic learners
/// (DoubleQLearning, MaxminQLearning, ...) both model it.
template <class Q>
concept ActionValueReader =
    requires(const Q& cq, const typename Q::state_type& s, std::string_view name) {
      typename Q::scalar_type;
      typename Q::state_type;
      { cq.num_actions() } -> std::convertible_to<Index>;
      cq.action_values(s);
      cq.check_state(name, name, s);
    };

/// An action-value approximator q(s, a; w) over actions 0..num_actions()-1.
/// `action_values(s)` is an Eigen row expression of all num_actions() values.
template <class Q>
concept ActionValueFunction =
    ActionValueReader<Q> &&
    requires(Q& q, const Q& cq, const typename Q::state_type& s, Index a,
             typename Q::scalar_type x, std::string_view name) {
      { cq.num_actions() } -> std::convertible_to<Index>;
      { cq.value(s, a) } -> std::convertible_to<typename Q::scalar_type>;
      cq.action_values(s);
      q.semi_gradient_step(s, a, x);
      cq.check_state(name, name, s);
      cq.check_action(name, name, a);
      cq.features(s);
      cq.parameters();
    };

/// Approximators over the finite state set 0..num_states()-1 (tables, and
/// linear maps over finite states). Learners that count visits per state
/// (1/n step sizes, first-visit Monte Carlo) need this.
template <class F>
concept FiniteStateSpace = requires(const F& f) {
  { f.num_states() } -> std::convertible_to<Index>;
};

}  // namespace rlvalue
