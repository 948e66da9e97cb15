#pragma once
/// @file
/// The episode loop: reset, then act / step / learn until the environment
/// terminates or truncates, or a step cap is reached (which truncates).
///
/// An Agent picks the first action with `start(s, rng)` and, for every
/// transition, learns from it and returns the next action with
/// `step(transition, rng)`. Returning the next action from `step` serves SARSA,
/// which needs a' before it updates; at truncation an agent may still pick a'
/// to bootstrap on q(s', a'). After the last transition of an episode
/// (terminated or truncated) the returned action is discarded.

#include <concepts>
#include <random>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// The transition type an episode of environment E produces.
template <Environment E>
using episode_transition_t = Transition<
    typename E::state_type, typename E::action_type,
    std::remove_cvref_t<decltype(std::declval<E&>()
                                     .step(std::declval<const typename E::action_type&>(),
                                           std::declval<Rng&>())
                                     .reward)>>;

/// An agent acting and learning in environment E with generator G.
template <class A, class E, class G = Rng>
concept Agent =
    Environment<E> && std::uniform_random_bit_generator<G> &&
    requires(A& agent, const typename E::state_type& s, const episode_transition_t<E>& t, G& rng) {
      { agent.start(s, rng) } -> std::convertible_to<typename E::action_type>;
      { agent.step(t, rng) } -> std::convertible_to<typename E::action_type>;
    };

/// What one episode gave.
struct EpisodeResult {
  double total_reward = 0.0;  ///< undiscounted sum of rewards
  Index steps = 0;            ///< number of transitions
  bool terminated = false;    ///< the last transition reached a terminal state
  bool truncated = false;     ///< the episode was cut (by the env or the step cap)
};

/// Runs one episode of `env` with `agent`: s = reset; a = start(s); then
/// repeatedly step the env, hand the transition to agent.step, and continue
/// with the action it returns, until the env terminates or truncates or
/// `max_steps` transitions were made. At the cap, unless the env terminated,
/// the last transition has truncated = true. std::invalid_argument unless
/// max_steps >= 1.
template <Environment E, std::uniform_random_bit_generator G, Agent<E, G> A>
EpisodeResult run_episode(E& env, A& agent, G& rng, Index max_steps) {
  check_at_least_one("run_episode", "max_steps", max_steps);
  using transition_type = episode_transition_t<E>;
  EpisodeResult result;
  typename E::state_type state = env.reset(rng);
  typename E::action_type action = agent.start(std::as_const(state), rng);
  while (true) {
    auto step = env.step(std::as_const(action), rng);
    ++result.steps;
    const bool terminated = static_cast<bool>(step.terminated);
    const bool truncated =
        static_cast<bool>(step.truncated) || (!terminated && result.steps == max_steps);
    const transition_type transition{.state = std::move(state),
                                      .action = std::move(action),
                                      .reward = step.reward,
                                      .next_state = step.next_state,
                                      .terminated = terminated,
                                      .truncated = truncated};
    result.total_reward += static_cast<double>(transition.reward);
    action = agent.step(transition, rng);
    if (terminated || truncated) {
      result.terminated = terminated;
      result.truncated = truncated;
      return result;
    }
    state = std::move(step.next_state);
  }
}

/// An Agent made of two callables: `select(s, rng) -> action` and
/// `learn(transition)`. step() learns first, then selects the next action
/// (so the choice sees the update), skipping the selection when the episode
/// ended.
template <class Select, class Learn>
class CallbackAgent {
 public:
  /// An agent from a selector select(s, rng) -> action and a learner learn(transition).
  CallbackAgent(Select select, Learn learn)
      : select_(std::forward<Select>(select)), learn_(std::forward<Learn>(learn)) {}

  /// The first action: select(s, rng).
  template <class State, class G>
  auto start(const State& s, G& rng) {
    return select_(s, rng);
  }

  /// Calls learn(transition), then returns select(next_state, rng), or the
  /// transition's action if the episode ended (terminated or truncated).
  template <class T, class G>
  auto step(const T& transition, G& rng)
      -> std::invoke_result_t<Select&, decltype((transition.next_state)), G&> {
    learn_(transition);
    if (transition.terminated || transition.truncated) return transition.action;
    return select_(transition.next_state, rng);
  }

 private:
  Select select_;
  Learn learn_;
};

/// run_episode with an agent given as `select(s, rng) -> action` and
/// `learn(const transition&)` (e.g. Q-learning with an epsilon-greedy
/// policy). Agents that need the next action before they learn (SARSA) use
/// the Agent form.
template <Environment E, class Select, class Learn, std::uniform_random_bit_generator G>
  requires Agent<CallbackAgent<Select&, Learn&>, E, G>
EpisodeResult run_episode(E& env, Select&& select, Learn&& learn, G& rng, Index max_steps) {
  CallbackAgent<Select&, Learn&> agent(select, learn);
  return run_episode(env, agent, rng, max_steps);
}

}  // namespace rlvalue
