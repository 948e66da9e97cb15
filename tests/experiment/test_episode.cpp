// run_episode: step cap and truncation, termination, rewards, and exactly
// which transitions the agent sees.

#include <stdexcept>
#include <vector>

#include "catch.hpp"

#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/experiment/episode.hpp"

using rlvalue::Index;
using T = rlvalue::Transition<Index, Index, double>;

namespace {

// States 0..length; starts at 0; action 1 moves right, 0 stays. Reward of a
// step is 10 * (state before) + 1 (so sums tell which steps happened);
// reaching `length` terminates. Optional own time limit (truncation).
struct Corridor {
  using state_type = Index;
  using action_type = Index;
  Index length = 3;
  Index time_limit = 0;  // 0 = none
  Index position = 0;
  Index steps_taken = 0;
  std::vector<Index> actions_received;

  template <class G>
  Index reset(G&) {
    position = 0;
    steps_taken = 0;
    return position;
  }
  template <class G>
  rlvalue::Step<Index, double> step(Index action, G&) {
    actions_received.push_back(action);
    const double reward = 10.0 * static_cast<double>(position) + 1.0;
    if (action == 1) ++position;
    ++steps_taken;
    const bool terminated = position == length;
    const bool truncated = time_limit > 0 && steps_taken >= time_limit && !terminated;
    return {position, reward, terminated, truncated};
  }
};
static_assert(rlvalue::Environment<Corridor>);

// Records what it is given; its actions follow a script (1 = right).
struct RecordingAgent {
  std::vector<Index> start_states;
  std::vector<T> transitions;
  std::vector<Index> script{1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::size_t next = 0;

  template <class G>
  Index start(Index s, G&) {
    start_states.push_back(s);
    return script.at(next++);
  }
  template <class G>
  Index step(const T& t, G&) {
    transitions.push_back(t);
    return script.at(next++);
  }
};
static_assert(rlvalue::Agent<RecordingAgent, Corridor>);

void check_transition(const T& t, Index s, Index a, double r, Index s2, bool terminated,
                      bool truncated) {
  CHECK(t.state == s);
  CHECK(t.action == a);
  CHECK(t.reward == r);
  CHECK(t.next_state == s2);
  CHECK(t.terminated == terminated);
  CHECK(t.truncated == truncated);
}

}  // namespace

TEST_CASE("run_episode: termination ends the episode early", "[experiment][episode]") {
  Corridor env;
  RecordingAgent agent;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  const auto result = rlvalue::run_episode(env, agent, rng, 10);
  CHECK(result.steps == 3);
  CHECK(result.terminated);
  CHECK_FALSE(result.truncated);
  CHECK(result.total_reward == 1.0 + 11.0 + 21.0);
  REQUIRE(agent.start_states == std::vector<Index>{0});
  REQUIRE(agent.transitions.size() == 3);
  check_transition(agent.transitions[0], 0, 1, 1.0, 1, false, false);
  check_transition(agent.transitions[1], 1, 1, 11.0, 2, false, false);
  check_transition(agent.transitions[2], 2, 1, 21.0, 3, true, false);
  CHECK(env.actions_received.size() == 3);  // the action after the end is not taken
}

TEST_CASE("run_episode: the step cap truncates", "[experiment][episode]") {
  Corridor env;
  env.length = 5;
  RecordingAgent agent;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  const auto result = rlvalue::run_episode(env, agent, rng, 2);
  CHECK(result.steps == 2);
  CHECK_FALSE(result.terminated);
  CHECK(result.truncated);
  CHECK(result.total_reward == 12.0);
  REQUIRE(agent.transitions.size() == 2);
  check_transition(agent.transitions[0], 0, 1, 1.0, 1, false, false);
  check_transition(agent.transitions[1], 1, 1, 11.0, 2, false, true);
  CHECK(env.steps_taken == 2);
}

TEST_CASE("run_episode: termination exactly at the cap is not truncation",
          "[experiment][episode]") {
  Corridor env;  // terminates on step 3
  RecordingAgent agent;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  const auto result = rlvalue::run_episode(env, agent, rng, 3);
  CHECK(result.terminated);
  CHECK_FALSE(result.truncated);
  REQUIRE(agent.transitions.size() == 3);
  CHECK_FALSE(agent.transitions.back().truncated);
}

TEST_CASE("run_episode: the environment's own truncation is honoured", "[experiment][episode]") {
  Corridor env;
  env.length = 10;
  env.time_limit = 4;
  RecordingAgent agent;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  const auto result = rlvalue::run_episode(env, agent, rng, 100);
  CHECK(result.steps == 4);
  CHECK(result.truncated);
  CHECK_FALSE(result.terminated);
  REQUIRE(agent.transitions.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) CHECK_FALSE(agent.transitions[i].truncated);
  check_transition(agent.transitions[3], 3, 1, 31.0, 4, false, true);
}

TEST_CASE("run_episode: the env takes the actions the agent returns", "[experiment][episode]") {
  Corridor env;
  RecordingAgent agent;
  agent.script = {1, 0, 0, 1, 1, 7};
  rlvalue::Rng rng = rlvalue::make_rng(1);
  const auto result = rlvalue::run_episode(env, agent, rng, 50);
  CHECK(env.actions_received == std::vector<Index>{1, 0, 0, 1, 1});
  CHECK(result.steps == 5);
  CHECK(result.terminated);
  // Rewards: from states 0, 1, 1, 1, 2.
  CHECK(result.total_reward == 1.0 + 11.0 + 11.0 + 11.0 + 21.0);
  REQUIRE(agent.transitions.size() == 5);
  check_transition(agent.transitions[1], 1, 0, 11.0, 1, false, false);
  check_transition(agent.transitions[3], 1, 1, 11.0, 2, false, false);
  CHECK(agent.next == 6);  // step() was called for the last transition too
}

TEST_CASE("run_episode: select/learn callables", "[experiment][episode]") {
  Corridor env;
  env.length = 4;
  std::vector<Index> selected_in;
  std::vector<T> learned;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  auto select = [&](Index s, rlvalue::Rng&) {
    selected_in.push_back(s);
    return Index{1};
  };
  auto learn = [&](const T& t) { learned.push_back(t); };
  const auto result = rlvalue::run_episode(env, select, learn, rng, 3);
  CHECK(result.steps == 3);
  CHECK(result.truncated);
  CHECK(selected_in == std::vector<Index>{0, 1, 2});  // not after the last step
  REQUIRE(learned.size() == 3);
  check_transition(learned[2], 2, 1, 21.0, 3, false, true);
}

TEST_CASE("run_episode: max_steps must be at least 1", "[experiment][episode][errors]") {
  Corridor env;
  RecordingAgent agent;
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK_THROWS_AS(rlvalue::run_episode(env, agent, rng, 0), std::invalid_argument);
  CHECK_THROWS_WITH(rlvalue::run_episode(env, agent, rng, -2), RLV_CONTAINS("max_steps = -2"));
  CHECK(agent.start_states.empty());
}
