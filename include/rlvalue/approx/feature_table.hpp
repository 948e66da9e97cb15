#pragma once
/// @file
/// FeatureTable: dense features given as a table, phi(s) = column s of a
/// (num_features x num_states) matrix, for finite state sets whose features
/// are fixed numbers rather than a formula: Baird's counterexample (Sutton &
/// Barto 2nd ed. section 11.2), the Boyan chain, random or learned
/// representations frozen for an experiment. Besides write() it offers
/// view(s), a pointer to the stored column, so learners that can read
/// features in place (EmphaticTD) do not copy them (approx/feature_map.hpp).

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// phi(s) = table.col(s): num_features() = table.rows() values for each of
/// num_states() = table.cols() states, stored as T (float or double).
template <class T = double>
class FeatureTable {
 public:
  /// Type of a state: an index in [0, num_states()).
  using state_type = Index;
  /// Scalar type of the stored features (view(s) points to T).
  using scalar_type = T;
  /// The table's type: one column per state.
  using table_type = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

  /// Takes the table (one column per state). std::invalid_argument if it has
  /// no rows or no columns ("table", naming the shape), or for a non-finite
  /// entry (naming "table(i, s)" and its value).
  explicit FeatureTable(table_type table) : table_(std::move(table)) {
    if (table_.rows() < 1 || table_.cols() < 1) [[unlikely]]
      throw std::invalid_argument(
          "FeatureTable: table has shape " + std::to_string(table_.rows()) + "x" +
          std::to_string(table_.cols()) +
          ", expected at least one row (feature) and one column (state)");
    for (Index s = 0; s < table_.cols(); ++s)
      for (Index i = 0; i < table_.rows(); ++i)
        if (!std::isfinite(table_(i, s))) [[unlikely]]
          detail::throw_invalid_at("FeatureTable", "table", i, s, table_(i, s), "is not finite");
  }

  /// Number of features (rows of the table).
  Index num_features() const noexcept { return table_.rows(); }
  /// Number of states (columns of the table).
  Index num_states() const noexcept { return table_.cols(); }
  /// The table.
  const table_type& table() const noexcept { return table_; }

  /// std::out_of_range unless s is in [0, num_states()).
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, table_.cols());
  }

  /// out = phi(s), converted to U (s is not checked here; out has
  /// num_features() entries).
  template <class U>
  void write(Index s, std::span<U> out) const noexcept {
    const T* column = view(s);
    for (Index i = 0; i < table_.rows(); ++i)
      out[static_cast<std::size_t>(i)] = static_cast<U>(column[i]);
  }

  /// phi(s) in place: num_features() values, valid while this table is alive
  /// and unchanged (s is not checked here).
  const T* view(Index s) const noexcept { return table_.data() + s * table_.rows(); }

 private:
  table_type table_;
};

}  // namespace rlvalue
