#pragma once
/// @file
/// One-hot features: the sparse binary feature set with a single active index.

#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// The active-index set {index} of a one-hot feature vector. A range of
/// Index (begin/end/size), like every sparse binary feature set.
struct OneHotFeature {
  /// The active feature.
  Index index;
  /// Range over the one active index.
  constexpr const Index* begin() const noexcept { return &index; }
  /// End of the range.
  constexpr const Index* end() const noexcept { return &index + 1; }
  /// Always 1.
  static constexpr Index size() noexcept { return 1; }
};

}  // namespace rlvalue
