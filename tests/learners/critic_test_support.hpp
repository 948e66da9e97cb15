#pragma once
// Test-only helpers for the double/clipped/ensemble critic tests: a generator
// that returns scripted 64-bit words (so coin flips and subset draws are fixed
// by hand), and a linear action-value function with dense features that is
// not a table (the non-tabular path of the learners).

#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue_test {

using rlvalue::Index;

/// A uniform random bit generator returning the scripted words in order
/// (then repeating the last). With rlvalue's draws:
///   uniform01 = (word >> 11) * 2^-53, so coin(0) = 0 -> "first",
///   coin(1) = 2^63 -> u = 0.5 -> "second";
///   uniform_index(rng, n) = word % n for small words.
/// `calls` counts the words handed out.
struct ScriptedBits {
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  std::vector<result_type> words;
  std::size_t next = 0;
  std::size_t calls = 0;

  ScriptedBits(std::initializer_list<result_type> w) : words(w) {}
  result_type operator()() {
    ++calls;
    const result_type w = words[next < words.size() ? next : words.size() - 1];
    if (next < words.size()) ++next;
    return w;
  }
};

/// The word that makes a fair-coin draw (uniform01 < 1/2) pick the first
/// critic (0) or the second (1).
inline constexpr std::uint64_t coin(int which) { return which == 0 ? 0 : (std::uint64_t{1} << 63); }

/// q(s, a) = w(0, a) + w(1, a) * s: a linear action-value function with
/// dense features phi(s) = (1, s) and one weight column per action. Not a
/// finite state space (no num_states()); states 0..max_state-1 are valid.
struct AffineQ {
  using scalar_type = double;
  using state_type = Index;
  using parameter_type = Eigen::Matrix<double, 2, Eigen::Dynamic>;

  AffineQ(Index actions, Index max_states) : w(parameter_type::Zero(2, actions)), max_state(max_states) {}

  parameter_type w;
  Index max_state;

  Index num_actions() const { return w.cols(); }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, max_state);
  }
  void check_action(std::string_view where, std::string_view name, Index a) const {
    rlvalue::check_index(where, name, a, w.cols());
  }
  Eigen::Vector2d features(Index s) const { return {1.0, static_cast<double>(s)}; }
  double value(Index s, Index a) const { return w(0, a) + w(1, a) * static_cast<double>(s); }
  auto action_values(Index s) const {
    return (w.row(0) + static_cast<double>(s) * w.row(1));
  }
  void semi_gradient_step(Index s, Index a, double x) {
    w(0, a) += x;
    w(1, a) += x * static_cast<double>(s);
  }
  const parameter_type& parameters() const { return w; }
  parameter_type& parameters() { return w; }
};

/// A TabularQ filled row by row from a list (S x A values).
template <class T>
rlvalue::TabularQ<T> table(Index states, Index actions, std::initializer_list<double> values) {
  rlvalue::TabularQ<T> q(states, actions);
  Index i = 0;
  for (double v : values) {
    q.parameters()(i / actions, i % actions) = static_cast<T>(v);
    ++i;
  }
  REQUIRE(i == states * actions);
  return q;
}

}  // namespace rlvalue_test
