#pragma once
/// @file
/// TabularV: a table of state values, the one-hot case of a linear value
/// function (v(s) = w[s], grad_w v(s) = e_s).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "rlvalue/approx/one_hot.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/huge_pages.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Table of state values v(s) = w[s] for states 0..num_states-1. Tables of
/// 8 MiB or more are advised for transparent huge pages on Linux
/// (core/huge_pages.hpp) before they are filled.
template <class Scalar = double>
class TabularV {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// Eigen storage of the parameters.
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  /// num_states >= 1 states, each starting at `initial_value` (finite).
  explicit TabularV(Index num_states, Scalar initial_value = Scalar(0)) {
    check_at_least_one("TabularV", "num_states", num_states);
    check_finite("TabularV", "initial_value", initial_value);
    // Allocated, advised (large tables: huge pages), then filled: the
    // advice must come before the pages are first touched.
    w_.resize(num_states);
    detail::advise_huge_pages(w_.data(), static_cast<std::size_t>(w_.size()));
    w_.setConstant(initial_value);
  }

  /// Copies the values; a large table's copy has its storage advised for
  /// huge pages before the values are written, as a constructed one does.
  TabularV(const TabularV& other) { detail::assign_advised(w_, other.w_); }
  /// Copies the values (storage reallocated, if its shape differs, and
  /// advised as in the copy constructor).
  TabularV& operator=(const TabularV& other) {
    if (this != &other) detail::assign_advised(w_, other.w_);
    return *this;
  }
  /// Moves the storage (and its advice).
  TabularV(TabularV&&) noexcept = default;
  /// Moves the storage (and its advice).
  TabularV& operator=(TabularV&&) noexcept = default;

  /// Number of states.
  Index num_states() const noexcept { return w_.size(); }
  /// Number of parameters (= number of states).
  Index num_features() const noexcept { return w_.size(); }

  /// Throws std::out_of_range naming `where` and `name` unless s is a state.
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, w_.size());
  }

  /// v(s).
  Scalar value(Index s) const {
    check_state("TabularV::value", "state", s);
    return w_[s];
  }

  /// One-hot features of s.
  OneHotFeature features(Index s) const {
    check_state("TabularV::features", "state", s);
    return {s};
  }

  /// w += scaled_error * e_s, i.e. v(s) += scaled_error. A result that is
  /// not finite (a non-finite step, or an overflow) throws
  /// std::invalid_argument and is not written.
  void semi_gradient_step(Index s, Scalar scaled_error) {
    check_state("TabularV::semi_gradient_step", "state", s);
    const Scalar updated = w_[s] + scaled_error;
    if (!std::isfinite(updated)) [[unlikely]]
      detail::throw_step_not_finite("TabularV::semi_gradient_step", "v(s) + scaled_error",
                                    updated, scaled_error);
    w_[s] = updated;
  }

  /// Sets v(s) (used by batch methods and tests).
  void set_value(Index s, Scalar value) {
    check_state("TabularV::set_value", "state", s);
    check_finite("TabularV::set_value", "value", value);
    w_[s] = value;
  }

  /// All values, one per state (the parameters).
  const parameter_type& parameters() const noexcept { return w_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return w_; }

 private:
  parameter_type w_;
};

}  // namespace rlvalue
