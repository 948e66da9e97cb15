#pragma once
/// @file
/// The concepts every layer is written against: Environment, FiniteMDP, Policy.

#include <concepts>
#include <iterator>
#include <type_traits>
#include <utility>

#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Something a step returns: next state, reward, and the two episode ends.
template <class S, class State>
concept StepResult = requires(const S& s) {
  { s.next_state } -> std::convertible_to<State>;
  { s.reward } -> std::convertible_to<double>;
  { s.terminated } -> std::convertible_to<bool>;
  { s.truncated } -> std::convertible_to<bool>;
};

/// An environment (the Gymnasium contract): `reset(rng)` gives the first state,
/// `step(action, rng)` a Step with termination and truncation kept apart.
/// Checked with rlvalue::Rng; implementations take any generator.
template <class E>
concept Environment = requires(E& e, Rng& rng, const typename E::action_type& a) {
  typename E::state_type;
  typename E::action_type;
  { e.reset(rng) } -> std::convertible_to<typename E::state_type>;
  { e.step(a, rng) } -> StepResult<typename E::state_type>;
};

/// An outcome-like record: {next_state, probability, reward, terminal}.
template <class O>
concept OutcomeLike = requires(const O& o) {
  { o.next_state } -> std::convertible_to<Index>;
  { o.probability } -> std::convertible_to<double>;
  { o.reward } -> std::convertible_to<double>;
  { o.terminal } -> std::convertible_to<bool>;
};

namespace detail {

/// A range a range-based for can walk: begin(r) and end(r) (members, free
/// functions found by lookup, or arrays) that compare, advance and
/// dereference. (Written out rather than std::ranges::input_range: <ranges>
/// is a sizeable part of the compile time of every includer.)
template <class R>
concept ForRange = requires(R& r) {
  std::begin(r) != std::end(r);
  ++std::declval<decltype(std::begin(r))&>();
  *std::begin(r);
};

/// The element type of a ForRange, without reference or cv-qualifiers.
template <class R>
using for_range_value_t = std::remove_cvref_t<decltype(*std::begin(std::declval<R&>()))>;

}  // namespace detail

/// A finite MDP with known dynamics: states 0..num_states()-1, actions
/// 0..num_actions()-1, and `outcomes(s, a)`, a range of Outcome-like records
/// whose probabilities sum to 1.
template <class M>
concept FiniteMDP = requires(const M& m, Index s, Index a) {
  { m.num_states() } -> std::convertible_to<Index>;
  { m.num_actions() } -> std::convertible_to<Index>;
  requires detail::ForRange<decltype(m.outcomes(s, a))>;
  requires OutcomeLike<detail::for_range_value_t<decltype(m.outcomes(s, a))>>;
};

/// A policy: `action(s, rng)` picks an action.
template <class P, class State = Index>
concept Policy = requires(P& p, const State& s, Rng& rng) {
  { p.action(s, rng) } -> std::convertible_to<Index>;
};

/// A stochastic policy over finitely many actions whose distribution can be
/// read: `probabilities(s)` is a vector of num_actions() probabilities
/// (Expected SARSA, exact evaluation).
template <class P, class State = Index>
concept FinitePolicy = Policy<P, State> && requires(P& p, const State& s) {
  { p.num_actions() } -> std::convertible_to<Index>;
  p.probabilities(s);
};

}  // namespace rlvalue
