#pragma once
// One-hot features: the sparse binary feature set with a single active index.

#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// The active-index set {index} of a one-hot feature vector. A range of
/// Index (begin/end/size), like every sparse binary feature set.
struct OneHotFeature {
  Index index;
  constexpr const Index* begin() const noexcept { return &index; }
  constexpr const Index* end() const noexcept { return &index + 1; }
  static constexpr Index size() noexcept { return 1; }
};

}  // namespace rlvalue
