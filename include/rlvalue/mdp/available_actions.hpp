#pragma once
/// @file
/// Actions available in a state. Some finite MDPs offer fewer actions in some
/// states than num_actions() (the table width): Sutton & Barto's Example 6.7
/// has 2 actions in A and 10 in B. Such an MDP also defines
/// `num_actions(s)`: the actions of state s are 0..num_actions(s)-1, a prefix
/// of 0..num_actions()-1, and `outcomes(s, a)` throws std::out_of_range for
/// the others. Every solver in mdp/ reads only the available actions, and
/// reports Q(s, a) = -infinity for the others (a masked action: never a max).

#include <concepts>
#include <limits>
#include <string>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// An MDP (or environment) whose available actions depend on the state:
/// `m.num_actions(s)` actions, 0..num_actions(s)-1, in state s.
template <class M>
concept StateDependentActions = requires(const M& m, Index s) {
  { m.num_actions(s) } -> std::convertible_to<Index>;
};

/// Number of actions available in state s: m.num_actions(s) where the MDP
/// defines it, else m.num_actions().
template <class M>
Index num_available_actions(const M& m, Index s) {
  if constexpr (StateDependentActions<M>) {
    return static_cast<Index>(m.num_actions(s));
  } else {
    return static_cast<Index>(m.num_actions());
  }
}

/// The value the solvers of mdp/ give an action that is not available:
/// -infinity, so that max and argmax never pick it.
inline constexpr double masked_action_value = -std::numeric_limits<double>::infinity();

/// Throws std::out_of_range unless 0 <= action < num_actions_in_state, with a
/// message naming `where`, the action, and the state, e.g.
/// "MaximizationBias::step (state = 0): action = 5 is out of range [0, 2)".
inline void check_action_in_state(std::string_view where, Index state, Index action,
                                  Index num_actions_in_state) {
  if (action < 0 || action >= num_actions_in_state) [[unlikely]] {
    std::string context(where);
    context.append(" (state = ").append(detail::format_value(state)).append(")");
    check_index(context, "action", action, num_actions_in_state);
  }
}

}  // namespace rlvalue
