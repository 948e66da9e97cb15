#pragma once
/// @file
/// TabularQ: a row-major S x A table of action values, the one-hot case of a
/// linear action-value function with one weight block per action
/// (q(s, a) = W[s, a], grad_W q(s, a) = e_s e_a^T).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "rlvalue/approx/one_hot.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/huge_pages.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Table of action values q(s, a) = W(s, a), stored row-major (S x A), so the
/// values of one state are contiguous. Tables of 8 MiB or more are advised
/// for transparent huge pages on Linux (core/huge_pages.hpp) before they are
/// filled: fewer TLB misses for the random rows of large tables.
template <class Scalar = double>
class TabularQ {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// Eigen storage of the parameters.
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// num_states >= 1, num_actions >= 1, every entry starting at
  /// `initial_value` (finite).
  TabularQ(Index num_states, Index num_actions, Scalar initial_value = Scalar(0)) {
    check_at_least_one("TabularQ", "num_states", num_states);
    check_at_least_one("TabularQ", "num_actions", num_actions);
    check_finite("TabularQ", "initial_value", initial_value);
    // Allocated, advised (large tables: huge pages), then filled: the
    // advice must come before the pages are first touched.
    w_.resize(num_states, num_actions);
    detail::advise_huge_pages(w_.data(), static_cast<std::size_t>(w_.size()));
    w_.setConstant(initial_value);
  }

  /// Copies the values; a large table's copy has its storage advised for
  /// huge pages before the values are written, as a constructed one does.
  TabularQ(const TabularQ& other) { detail::assign_advised(w_, other.w_); }
  /// Copies the values (storage reallocated, if its shape differs, and
  /// advised as in the copy constructor).
  TabularQ& operator=(const TabularQ& other) {
    if (this != &other) detail::assign_advised(w_, other.w_);
    return *this;
  }
  /// Moves the storage (and its advice).
  TabularQ(TabularQ&&) noexcept = default;
  /// Moves the storage (and its advice).
  TabularQ& operator=(TabularQ&&) noexcept = default;

  /// Number of states.
  Index num_states() const noexcept { return w_.rows(); }
  /// Number of actions.
  Index num_actions() const noexcept { return w_.cols(); }
  /// Number of state features (= number of states); parameters are
  /// num_features() x num_actions().
  Index num_features() const noexcept { return w_.rows(); }

  /// Throws std::out_of_range naming `where` and `name` unless s is a state.
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, w_.rows());
  }
  /// Throws std::out_of_range naming `where` and `name` unless a is an action.
  void check_action(std::string_view where, std::string_view name, Index a) const {
    check_index(where, name, a, w_.cols());
  }

  /// q(s, a).
  Scalar value(Index s, Index a) const {
    check_state("TabularQ::value", "state", s);
    check_action("TabularQ::value", "action", a);
    return w_(s, a);
  }

  /// The row q(s, .) as a contiguous Eigen row expression (no copy).
  auto action_values(Index s) const {
    check_state("TabularQ::action_values", "state", s);
    return w_.row(s);
  }

  /// One-hot state features of s (one weight block per action).
  OneHotFeature features(Index s) const {
    check_state("TabularQ::features", "state", s);
    return {s};
  }

  /// q(s, a) += scaled_error (the semi-gradient step for one-hot features).
  /// A result that is not finite (a non-finite step, or an overflow) throws
  /// std::invalid_argument and is not written.
  void semi_gradient_step(Index s, Index a, Scalar scaled_error) {
    check_state("TabularQ::semi_gradient_step", "state", s);
    check_action("TabularQ::semi_gradient_step", "action", a);
    const Scalar updated = w_(s, a) + scaled_error;
    if (!std::isfinite(updated)) [[unlikely]]
      detail::throw_step_not_finite("TabularQ::semi_gradient_step", "q(s, a) + scaled_error",
                                    updated, scaled_error);
    w_(s, a) = updated;
  }

  /// Sets q(s, a).
  void set_value(Index s, Index a, Scalar value) {
    check_state("TabularQ::set_value", "state", s);
    check_action("TabularQ::set_value", "action", a);
    check_finite("TabularQ::set_value", "value", value);
    w_(s, a) = value;
  }

  /// The S x A table (the parameters).
  const parameter_type& parameters() const noexcept { return w_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return w_; }

 private:
  parameter_type w_;
};

}  // namespace rlvalue
