#pragma once
// Helpers shared by the layer-1 tests: array aliases, random test data, and
// the message of an expected exception.

#include <Eigen/Core>
#include <string>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"

namespace rlvalue_test {

using rlvalue::Index;
template <class T>
using Arr = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using ArrRow = Eigen::Array<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Flags = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

/// what() of the exception of type E that f() throws; fails the test if f()
/// throws nothing or something else.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("did not throw the expected exception type");
  return {};
}

/// rows x cols uniform draws in [lo, hi).
inline Arr<double> random_array(rlvalue::Rng& rng, Index rows, Index cols, double lo, double hi) {
  Arr<double> a(rows, cols);
  for (Index b = 0; b < cols; ++b)
    for (Index t = 0; t < rows; ++t) a(t, b) = lo + (hi - lo) * rlvalue::uniform01(rng);
  return a;
}

/// rows x cols flags, each true with probability p.
inline Flags random_flags(rlvalue::Rng& rng, Index rows, Index cols, double p) {
  Flags f(rows, cols);
  for (Index b = 0; b < cols; ++b)
    for (Index t = 0; t < rows; ++t) f(t, b) = rlvalue::bernoulli(rng, p);
  return f;
}

}  // namespace rlvalue_test
