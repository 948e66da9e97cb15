#pragma once
/// @file
/// Random finite MDPs: Garnet(S, A, b) (Archibald, McKinnon & Thomas 1995;
/// Bhatnagar, Sutton, Ghavamzadeh & Lee 2009, "Natural actor-critic
/// algorithms", sec. 6): each (s, a) has b distinct successors chosen
/// uniformly, with probabilities given by a uniform random partition of [0, 1].

#include <algorithm>
#include <concepts>
#include <numeric>
#include <random>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

namespace rlvalue {

/// Options of random_mdp. Each outcome's reward is drawn uniformly from
/// [reward_min, reward_max) (finite, reward_min <= reward_max; equal bounds
/// give a constant reward). With termination_probability = q > 0, every
/// (s, a) also gets a terminal outcome of probability q (next_state = s,
/// reward drawn like the others) and the b successors share 1 - q: every
/// policy then terminates, so gamma = 1 is solvable.
struct RandomMDPOptions {
  /// Rewards are uniform in [reward_min, reward_max) (finite).
  double reward_min = -1.0;
  /// Upper bound, >= reward_min (equal bounds: a constant reward).
  double reward_max = 1.0;
  /// q in [0, 1]: probability of the extra terminal outcome of every (s, a); 0: none.
  double termination_probability = 0.0;
};

/// A Garnet(num_states, num_actions, branching) MDP drawn with `rng` (any
/// uniform random bit generator; the same generator state gives the same
/// MDP on every platform). For each (s, a), in order s = 0.., a = 0..:
/// `branching` distinct successors drawn uniformly without replacement, in
/// drawing order; their probabilities are the gaps between 0, the sorted
/// values of branching-1 uniform draws, and 1; then one reward draw per
/// outcome. Requires num_states >= 1, num_actions >= 1,
/// 1 <= branching <= num_states (std::invalid_argument otherwise).
template <std::uniform_random_bit_generator G>
TabularMDP<double> random_mdp(Index num_states, Index num_actions, Index branching, G& rng,
                              const RandomMDPOptions& options = {}) {
  constexpr std::string_view where = "random_mdp";
  check_at_least_one(where, "num_states", num_states);
  check_at_least_one(where, "num_actions", num_actions);
  check_in_range(where, "branching", branching, Index(1), num_states);
  check_finite(where, "reward_min", options.reward_min);
  check_finite(where, "reward_max", options.reward_max);
  if (!(options.reward_min <= options.reward_max))
    fail_check(where, "reward_min", options.reward_min,
               "must not exceed reward_max = " + detail::format_value(options.reward_max));
  check_unit_interval(where, "termination_probability", options.termination_probability);

  const double q = options.termination_probability;
  const double width = options.reward_max - options.reward_min;
  const auto draw_reward = [&] { return options.reward_min + width * uniform01(rng); };

  // Dependent spellings (core/dependent.hpp): compiled only where used.
  using Real = detail::dependent_t<double, G>;
  typename TabularMDP<Real>::Builder builder(num_states, num_actions);
  std::vector<Index> states(static_cast<std::size_t>(num_states));
  std::iota(states.begin(), states.end(), Index(0));
  std::vector<std::size_t> swapped(static_cast<std::size_t>(branching));
  std::vector<Real> cuts(static_cast<std::size_t>(branching + 1));
  const auto b = static_cast<std::size_t>(branching);

  for (Index s = 0; s < num_states; ++s) {
    for (Index a = 0; a < num_actions; ++a) {
      // Partial Fisher-Yates: states[0..b) become a uniform b-subset, in
      // drawing order; undone afterwards so each (s, a) costs O(b).
      for (std::size_t i = 0; i < b; ++i) {
        const std::size_t j =
            i + static_cast<std::size_t>(uniform_index(rng, num_states - static_cast<Index>(i)));
        std::swap(states[i], states[j]);
        swapped[i] = j;
      }
      // Uniform partition of [0, 1] into b pieces.
      cuts.front() = 0.0;
      cuts.back() = 1.0;
      for (std::size_t i = 1; i < b; ++i) cuts[i] = uniform01(rng);
      std::sort(cuts.begin() + 1, cuts.end() - 1);
      for (std::size_t i = 0; i < b; ++i)
        builder.add(s, a, states[i], (1.0 - q) * (cuts[i + 1] - cuts[i]), draw_reward());
      if (q > 0.0) builder.add(s, a, s, q, draw_reward(), true);
      for (std::size_t i = b; i-- > 0;) std::swap(states[i], states[swapped[i]]);
    }
  }
  return std::move(builder).build();
}

}  // namespace rlvalue
