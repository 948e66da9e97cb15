#pragma once
// Table machinery of the bad-input matrix (issue 10; DESIGN.md, "Errors and
// bad input"). A case is one bad call: its name, a callable that makes it,
// the exception type it must throw (exactly: std::invalid_argument or
// std::out_of_range), the substrings its message must contain (the function,
// the parameter and the value as printed, e.g. "state = 9"), and optionally a
// snapshot of the state that must not change, compared byte for byte before
// and after.
//
// Learners are checked twice over by run_learner_cases: byte for byte (the
// rig's snapshot: parameters, traces, counters it can read) and by behaviour
// (a twin rig that never saw the bad call is driven through the same valid
// steps afterwards, across a termination and a truncation, and must end with
// identical bytes; this catches hidden state such as a trace, an n-step
// buffer, an episode buffer or a visit count that the snapshot cannot read).

#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"
#include "rlvalue/learners/step_size.hpp"

namespace rlvalue::testing {

/// The exception a bad call must throw (the exact type, not a base).
enum class Throws { invalid_argument, out_of_range };

/// Raw bytes of observable state.
using Bytes = std::vector<unsigned char>;

/// Appends the bytes of a trivially copyable value.
template <class T>
requires std::is_trivially_copyable_v<T>
void append_bytes(Bytes& out, const T& value) {
  const auto* p = reinterpret_cast<const unsigned char*>(&value);
  out.insert(out.end(), p, p + sizeof(T));
}

/// Appends the shape and the coefficient bytes of an Eigen dense object or
/// expression (evaluated into a plain copy first; tests only).
template <class Derived>
void append_bytes(Bytes& out, const Eigen::DenseBase<Derived>& a) {
  const typename Derived::PlainObject plain = a.derived();
  append_bytes(out, plain.rows());
  append_bytes(out, plain.cols());
  const auto* p = reinterpret_cast<const unsigned char*>(plain.data());
  out.insert(out.end(), p, p + sizeof(typename Derived::Scalar) * std::size_t(plain.size()));
}

/// Bytes of any number of values and Eigen objects, in order.
template <class... Ts>
Bytes bytes_of(const Ts&... parts) {
  Bytes out;
  (append_bytes(out, parts), ...);
  return out;
}

/// One bad call.
struct BadInputCase {
  std::string name;                        ///< what is wrong, for the report
  std::function<void()> call;              ///< makes the bad call
  Throws expected;                         ///< exact exception type
  std::vector<std::string> message_parts;  ///< substrings of what()
  std::function<Bytes()> snapshot{};       ///< state that must not change (optional)
};

/// Number of cases run so far in this process (for the summary test).
inline int& cases_run() {
  static int count = 0;
  return count;
}

inline const char* throws_name(Throws t) {
  return t == Throws::invalid_argument ? "std::invalid_argument" : "std::out_of_range";
}

/// Runs one case: the call must throw exactly `expected`, its message must
/// contain every part, and the snapshot must be byte-identical afterwards.
inline void run_case(const BadInputCase& c) {
  ++cases_run();
  INFO("case: " << c.name << " (expects " << throws_name(c.expected) << ")");
  Bytes before;
  if (c.snapshot) before = c.snapshot();
  bool threw = false;
  std::string what;
  std::string type;
  try {
    c.call();
  } catch (const std::exception& e) {
    threw = true;
    what = e.what();
    type = typeid(e).name();
    const bool exact = c.expected == Throws::invalid_argument
                           ? typeid(e) == typeid(std::invalid_argument)
                           : typeid(e) == typeid(std::out_of_range);
    INFO("message: " << what << "; thrown type: " << type);
    CHECK(exact);
  } catch (...) {
    threw = true;
    FAIL_CHECK("threw something that is not a std::exception");
  }
  CHECK(threw);
  INFO("message: " << what);
  for (const auto& part : c.message_parts) {
    INFO("must contain: " << part);
    CHECK(what.find(part) != std::string::npos);
  }
  if (c.snapshot) {
    INFO("state changed by the throwing call");
    CHECK(c.snapshot() == before);
  }
}

inline void run_cases(const std::vector<BadInputCase>& cases) {
  for (const auto& c : cases) run_case(c);
}

/// One bad call on a learner rig.
template <class Rig>
struct LearnerCase {
  std::string name;
  std::function<void(Rig&)> call;
  Throws expected;
  std::vector<std::string> message_parts;
};

/// Runs learner cases. `Rig` is default-constructible (approximators and the
/// learner, set up alike every time) and has
///   void drive(int k);       valid step k (any k >= 0), deterministic
///   Bytes snapshot() const;  parameters and every readable piece of state.
/// Each case gets a fresh subject and a twin, both driven through `warm_up`
/// steps (traces and buffers mid-episode); the bad call must throw as
/// expected and leave the subject's snapshot byte-identical; then both are
/// driven `follow_up` more steps and must still be byte-identical.
template <class Rig>
void run_learner_cases(const std::vector<LearnerCase<Rig>>& cases, int warm_up = 3,
                       int follow_up = 8) {
  for (const auto& c : cases) {
    auto subject = std::make_unique<Rig>();
    auto twin = std::make_unique<Rig>();
    for (int k = 0; k < warm_up; ++k) {
      subject->drive(k);
      twin->drive(k);
    }
    REQUIRE(subject->snapshot() == twin->snapshot());
    Rig& s = *subject;
    run_case({c.name, [&] { c.call(s); }, c.expected, c.message_parts,
              [&] { return s.snapshot(); }});
    for (int k = warm_up; k < warm_up + follow_up; ++k) {
      subject->drive(k);
      twin->drive(k);
    }
    INFO("case: " << c.name << ": the learner behaves differently after the throwing call");
    CHECK(subject->snapshot() == twin->snapshot());
  }
}

/// A transition of the standard drive on `num_states` states: s_k = k mod S,
/// s'_k = (k + 1) mod S, reward 1 + k/4, terminated at k = 4 mod 5,
/// truncated at k = 6 mod 7 (so a follow-up crosses both ends).
template <class Transition>
Transition drive_transition(int k, long num_states, long num_actions = 1) {
  Transition t{};
  t.state = static_cast<decltype(t.state)>(k % num_states);
  t.action = static_cast<decltype(t.action)>((k / 2) % num_actions);
  using R = decltype(t.reward);
  t.reward = R(1) + R(k) / R(4);
  t.next_state = static_cast<decltype(t.next_state)>((k + 1) % num_states);
  t.terminated = k % 5 == 4;
  t.truncated = !t.terminated && k % 7 == 6;
  return t;
}

// ---- Case generators of the learner parts ----
//   config_cases       every validated field a config aggregate has (found by
//                      `requires`), each set to values outside its range;
//   transition_cases   out-of-range state / next_state (and action for
//                      action-value learners), non-finite rewards.


inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// Cases for constructing a learner with `make(config)` where one field of
/// an otherwise valid `base` is bad. Every case expects
/// std::invalid_argument naming the field and its value, and `where` unless
/// `names_where` is false.
template <class Config, class Make>
std::vector<BadInputCase> config_cases(const std::string& where, Make make, const Config& base,
                                       bool names_where = true) {
  std::vector<BadInputCase> cases;
  auto add = [&](const std::string& field, const std::string& printed,
                 std::function<void(Config&)> set) {
    Config c = base;
    set(c);
    std::vector<std::string> parts{field + " = " + printed};
    if (names_where) parts.push_back(where + ":");
    cases.push_back({where + ": config ." + field + " = " + printed, [make, c] { make(c); },
                     Throws::invalid_argument, std::move(parts)});
  };
  if constexpr (requires { base.gamma; }) {
    add("gamma", "1.5", [](Config& c) { c.gamma = 1.5; });
    add("gamma", "-0.1", [](Config& c) { c.gamma = -0.1; });
    add("gamma", "nan", [](Config& c) { c.gamma = kNaN; });
  }
  if constexpr (requires { base.step_size; }) {
    add("step_size", "0", [](Config& c) { c.step_size = 0.0; });
    add("step_size", "-0.5", [](Config& c) { c.step_size = -0.5; });
    add("step_size", "inf", [](Config& c) { c.step_size = kInf; });
    add("step_size", "nan", [](Config& c) { c.step_size = kNaN; });
  }
  if constexpr (requires { base.lambda; }) {
    add("lambda", "1.5", [](Config& c) { c.lambda = 1.5; });
    add("lambda", "-0.25", [](Config& c) { c.lambda = -0.25; });
    add("lambda", "nan", [](Config& c) { c.lambda = kNaN; });
  }
  if constexpr (requires { base.omega; }) {
    add("omega", "0", [](Config& c) { c.omega = 0.0; });
    add("omega", "1.5", [](Config& c) { c.omega = 1.5; });
  }
  if constexpr (requires { base.schedule; }) {
    add("schedule", "7", [](Config& c) { c.schedule = static_cast<StepSchedule>(7); });
  }
  if constexpr (requires { base.secondary_step_size; }) {
    add("secondary_step_size", "0", [](Config& c) { c.secondary_step_size = 0.0; });
    add("secondary_step_size", "-1", [](Config& c) { c.secondary_step_size = -1.0; });
  }
  if constexpr (requires { base.n; }) {
    add("n", "0", [](Config& c) { c.n = 0; });
  }
  if constexpr (requires { base.trace; }) {
    add("trace", "9", [](Config& c) { c.trace = static_cast<TraceType>(9); });
  }
  // trace_tolerance is read by SparseTrace only (and checked there, as
  // "SparseTrace: tolerance = ..."): see the sparse-trace cases.
  if constexpr (requires { base.kappa; }) {
    add("kappa", "-1", [](Config& c) { c.kappa = -1.0; });
  }
  if constexpr (requires { base.tau; }) {
    add("tau", "0", [](Config& c) { c.tau = 0.0; });
  }
  if constexpr (requires { base.ridge; }) {
    add("ridge", "-1", [](Config& c) { c.ridge = -1.0; });
  }
  if constexpr (requires { base.regularization; }) {
    add("regularization", "-1", [](Config& c) { c.regularization = -1.0; });
  }
  if constexpr (requires { base.regular_step_size; }) {
    add("regular_step_size", "0", [](Config& c) { c.regular_step_size = 0.0; });
    add("regular_step_size", "1.5", [](Config& c) { c.regular_step_size = 1.5; });
  }
  if constexpr (requires { base.reserve; }) {
    add("reserve", "0", [](Config& c) { c.reserve = 0; });
  }
  if constexpr (requires { base.expected_episode_length; }) {
    add("expected_episode_length", "0", [](Config& c) { c.expected_episode_length = 0; });
  }
  if constexpr (requires { base.target_period; }) {
    add("target_period", "0", [](Config& c) { c.target_period = 0; });
  }
  if constexpr (requires { base.polyak; }) {
    add("polyak", "0", [](Config& c) { c.polyak = 0.0; });
    add("polyak", "1.5", [](Config& c) { c.polyak = 1.5; });
  }
  if constexpr (requires { base.tolerance; }) {
    add("tolerance", "0", [](Config& c) { c.tolerance = 0.0; });
  }
  if constexpr (requires { base.max_sweeps; }) {
    add("max_sweeps", "0", [](Config& c) { c.max_sweeps = 0; });
  }
  return cases;
}

/// A valid transition of the cases below (4 states or more, 2 actions or more).
inline Transition<Index, Index, double> good_transition() {
  return {.state = 1, .action = 1, .reward = 0.5, .next_state = 2};
}

/// Transition cases of an update `step(rig, transition)` named `where`
/// (e.g. "TD0::update"), on `num_states` states and, when `num_actions` > 0,
/// that many actions.
template <class Rig, class Step>
std::vector<LearnerCase<Rig>> transition_cases(const std::string& where, Step step,
                                               Index num_states, Index num_actions = 0) {
  using T = Transition<Index, Index, double>;
  std::vector<LearnerCase<Rig>> cases;
  auto add = [&](const std::string& what, Throws expected, std::string part,
                 std::function<void(T&)> mutate) {
    T t = good_transition();
    mutate(t);
    cases.push_back({where + ": " + what, [step, t](Rig& r) { step(r, t); }, expected,
                     {where + ":", std::move(part)}});
  };
  const std::string S = std::to_string(num_states);
  add("state past the end", Throws::out_of_range, "state = " + S,
      [num_states](T& t) { t.state = num_states; });
  add("negative state", Throws::out_of_range, "state = -1", [](T& t) { t.state = -1; });
  add("next_state past the end", Throws::out_of_range, "next_state = " + std::to_string(num_states + 3),
      [num_states](T& t) { t.next_state = num_states + 3; });
  add("next_state past the end at termination", Throws::out_of_range,
      "next_state = " + S, [num_states](T& t) {
        t.next_state = num_states;
        t.terminated = true;
      });
  if (num_actions > 0) {
    add("action past the end", Throws::out_of_range, "action = " + std::to_string(num_actions),
        [num_actions](T& t) { t.action = num_actions; });
    add("negative action", Throws::out_of_range, "action = -2", [](T& t) { t.action = -2; });
  }
  add("reward nan", Throws::invalid_argument, "reward = nan", [](T& t) { t.reward = kNaN; });
  add("reward inf", Throws::invalid_argument, "reward = inf", [](T& t) { t.reward = kInf; });
  add("reward -inf at termination", Throws::invalid_argument, "reward = -inf", [](T& t) {
    t.reward = -kInf;
    t.terminated = true;
  });
  add("reward nan at truncation", Throws::invalid_argument, "reward = nan", [](T& t) {
    t.reward = kNaN;
    t.truncated = true;
  });
  return cases;
}


// ---- Learner rigs on tabular approximators (shared by the learner parts) ----
// kS states, kA actions; step_k(k) is valid step k of every rig (the
// standard drive: terminations and truncations included).

using TV = TabularV<double>;
using TQ = TabularQ<double>;
using Tr = Transition<Index, Index, double>;
constexpr Index kS = 5;  // states
constexpr Index kA = 3;  // actions

/// Valid step k of every rig.
inline Tr step_k(int k) { return drive_transition<Tr>(k, kS, kA); }
/// Next action of step k (for SARSA-style rules).
inline Index next_action_k(int k) { return (k + 1) % kA; }

inline Eigen::Vector3d uniform_probs() { return Eigen::Vector3d::Constant(1.0 / 3.0); }

template <class Rig>
std::vector<LearnerCase<Rig>> operator+(std::vector<LearnerCase<Rig>> a,
                                       const std::vector<LearnerCase<Rig>>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Visit counts of every state (per-visit schedules count them).
template <class L>
void append_state_visits(Bytes& b, const L& l) {
  for (Index s = 0; s < kS; ++s) append_bytes(b, l.visit_count(s));
}
template <class L>
void append_pair_visits(Bytes& b, const L& l) {
  for (Index s = 0; s < kS; ++s)
    for (Index a = 0; a < kA; ++a) append_bytes(b, l.visit_count(s, a));
}

/// Cases on a next_action argument, for update(t, next_action) rules.
template <class Rig>
std::vector<LearnerCase<Rig>> next_action_cases(const std::string& where) {
  const Tr t = good_transition();
  return {
      {where + ": next_action past the end", [t](Rig& r) { r.l.update(t, kA); },
       Throws::out_of_range, {where + ":", "next_action = 3"}},
      {where + ": negative next_action", [t](Rig& r) { r.l.update(t, Index(-1)); },
       Throws::out_of_range, {where + ":", "next_action = -1"}},
  };
}

/// Cases on next-action probabilities, for rules that take them
/// (`update(r, t, probs)` makes the call).
template <class Rig, class Update>
std::vector<LearnerCase<Rig>> probability_cases(const std::string& where, Update update) {
  const Tr t = good_transition();
  std::vector<LearnerCase<Rig>> cases;
  auto add = [&](const std::string& what, Eigen::VectorXd p, std::string part) {
    cases.push_back({where + ": next_probs " + what, [t, p, update](Rig& r) { update(r, t, p); },
                     Throws::invalid_argument, {where + ":", std::move(part)}});
  };
  add("of size 2", Eigen::Vector2d(0.5, 0.5), "next_probs has size 2, expected 3");
  add("with a negative entry", Eigen::Vector3d(0.6, -0.1, 0.5), "next_probs[1] = -0.1");
  add("with an entry above 1", Eigen::Vector3d(0.0, 0.0, 1.5), "next_probs[2] = 1.5");
  add("with a nan entry", Eigen::Vector3d(kNaN, 0.5, 0.5), "next_probs[0] = nan");
  add("summing to 0.75", Eigen::Vector3d(0.25, 0.25, 0.25), "sum of next_probs = 0.75");
  Tr terminal = t;
  terminal.terminated = true;
  cases.push_back({where + ": bad next_probs at termination",
                   [terminal, update](Rig& r) {
                     update(r, terminal, Eigen::Vector3d(0.5, 0.5, 0.5));
                   },
                   Throws::invalid_argument, {where + ":", "sum of next_probs = 1.5"}});
  return cases;
}

/// Cases on an importance ratio `name` (`update(r, t, value)` makes the call).
template <class Rig, class Update>
std::vector<LearnerCase<Rig>> ratio_cases(const std::string& where, const std::string& name,
                                          Update update) {
  const Tr t = good_transition();
  std::vector<LearnerCase<Rig>> cases;
  for (const auto& [value, printed] :
       std::vector<std::pair<double, std::string>>{{-0.5, "-0.5"}, {kNaN, "nan"}, {kInf, "inf"}})
    cases.push_back({where + ": " + name + " = " + printed,
                     [t, v = value, update](Rig& r) { update(r, t, v); },
                     Throws::invalid_argument, {where + ":", name + " = " + printed}});
  return cases;
}

template <class Learner, class Config, Config kConfig>
struct VRig {
  TV v{kS};
  Learner l{v, kConfig};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const { return bytes_of(v.parameters()); }
};

template <class Learner, class Config, Config kConfig>
struct QRig {
  TQ q{kS, kA};
  Learner l{q, kConfig};
  void drive(int k) {
    if constexpr (requires { l.update(step_k(k), Index(0)); })
      l.update(step_k(k), next_action_k(k));
    else
      l.update(step_k(k));
  }
  Bytes snapshot() const { return bytes_of(q.parameters()); }
};

/// Cases on the read access of a learner (value, q, greedy_action,
/// visit_count), whichever it has; `name` is the learner's.
template <class Rig>
std::vector<LearnerCase<Rig>> reader_cases(const std::string& name) {
  std::vector<LearnerCase<Rig>> cases;
  using L = decltype(Rig::l);
  if constexpr (requires(const L& l) { l.value(Index(0)); }) {
    cases.push_back({name + "::value: state 5", [](Rig& r) { (void)r.l.value(kS); },
                     Throws::out_of_range, {name + "::value:", "state = 5"}});
  }
  if constexpr (requires(const L& l) { l.q(Index(0), Index(0)); }) {
    cases.push_back({name + "::q: action 3", [](Rig& r) { (void)r.l.q(0, kA); },
                     Throws::out_of_range, {name + "::q:", "action = 3"}});
    cases.push_back({name + "::q: state -1", [](Rig& r) { (void)r.l.q(-1, 0); },
                     Throws::out_of_range, {name + "::q:", "state = -1"}});
  }
  if constexpr (requires(const L& l) { l.greedy_action(Index(0)); }) {
    cases.push_back({name + "::greedy_action: state 7",
                     [](Rig& r) { (void)r.l.greedy_action(7); }, Throws::out_of_range,
                     {name + "::greedy_action:", "state = 7"}});
  }
  if constexpr (requires(const L& l) { l.visit_count(Index(0)); }) {
    cases.push_back({name + "::visit_count: state 5", [](Rig& r) { (void)r.l.visit_count(kS); },
                     Throws::out_of_range, {name + "::visit_count:", "state = 5"}});
  }
  if constexpr (requires(const L& l) { l.visit_count(Index(0), Index(0)); }) {
    cases.push_back({name + "::visit_count: action 3",
                     [](Rig& r) { (void)r.l.visit_count(0, kA); }, Throws::out_of_range,
                     {name + "::visit_count:", "action = 3"}});
  }
  REQUIRE(!cases.empty());
  return cases;
}

/// The update of rig R with transition t (the extra arguments valid).
template <class R>
void plain_update(R& r, const Tr& t) { r.l.update(t); }
template <class R>
void sarsa_update(R& r, const Tr& t) { r.l.update(t, Index(0)); }
template <class R>
void rng_update(R& r, const Tr& t) { r.l.update(t, r.rng); }

}  // namespace rlvalue::testing
