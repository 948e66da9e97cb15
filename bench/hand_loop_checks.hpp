#pragma once
// The checks the benchmarks' hand loops make, as rlvalue makes them: indices
// against run-time table sizes, finite values before any write. Table sizes
// reach the loops through opaque(), so that, as in rlvalue's tables, they are
// run-time values (not constants the compiler folds into the comparisons and
// the row arithmetic).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "rlvalue/core/types.hpp"

inline rlvalue::Index opaque(rlvalue::Index n) {
  benchmark::DoNotOptimize(n);
  return n;
}
inline void need_index(rlvalue::Index i, rlvalue::Index n) {
  if (static_cast<std::uint64_t>(i) >= static_cast<std::uint64_t>(n)) [[unlikely]]
    throw std::out_of_range("index");
}
inline void need_finite(double x) {
  if (!std::isfinite(x)) [[unlikely]]
    throw std::invalid_argument("not finite");
}
