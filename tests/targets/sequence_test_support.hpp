#pragma once
// Helpers shared by the layer-1 tests: array aliases, random test data, and
// the message of an expected exception.

#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"

namespace rlvalue_test {

/// A double vector with the given entries.
inline Eigen::VectorXd vector_of(std::initializer_list<double> xs) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(xs.size()));
  Eigen::Index i = 0;
  for (double x : xs) out[i++] = x;
  return out;
}

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

/// Random sequence data (T x B, column-major): rewards in [-1, 1), values
/// and next values in [-2, 2), termination and truncation flags with
/// probability 0.01 each, discounts 0.99 (0 where terminated), lambdas in
/// [0, 1).
struct Data {
  Arr<double> r, v, nv, d, l;
  Flags term, trunc;
};

inline Data make_data(Index T, Index B, std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  Data x;
  x.r = random_array(rng, T, B, -1, 1);
  x.v = random_array(rng, T, B, -2, 2);
  x.nv = random_array(rng, T, B, -2, 2);
  x.term = random_flags(rng, T, B, 0.01);
  x.trunc = random_flags(rng, T, B, 0.01);
  x.d = x.term.select(Arr<double>::Zero(T, B), Arr<double>::Constant(T, B, 0.99));
  x.l = random_array(rng, T, B, 0, 1);
  return x;
}

}  // namespace rlvalue_test

namespace rlvalue_test {

/// The hand-worked example shared by the sequence-target tests: T = 4, B = 3,
/// gamma = 0.5, lambda = 0.5. Column 0 runs through; column 1 is truncated at
/// t = 1; column 2 terminates at t = 1. In columns 1 and 2 a new episode starts
/// at t = 2 with value 10, so next_values(1) = 4 != values(2). `discounts` and
/// `lambdas` are the general form of the same flags:
/// discount_t = gamma*(1 - terminated_t), lambda_t = lambda*(1 - done_t).
template <class T>
struct HandExample {
  Arr<T> rewards{4, 3}, values{4, 3}, next_values{4, 3}, discounts{4, 3}, lambdas{4, 3};
  Flags terminated{4, 3}, truncated{4, 3};
  HandExample() {
    rewards << 1, 1, 1,  //
        2, 2, 2,         //
        3, 3, 3,         //
        4, 4, 4;
    values << 0, 0, 0,  //
        2, 2, 2,        //
        4, 10, 10,      //
        6, 6, 6;
    next_values << 2, 2, 2,  //
        4, 4, 4,             //
        6, 6, 6,             //
        8, 8, 8;
    terminated.setConstant(false);
    truncated.setConstant(false);
    truncated(1, 1) = true;
    terminated(1, 2) = true;
    discounts = terminated.select(Arr<T>::Zero(4, 3), Arr<T>::Constant(4, 3, T(0.5)));
    lambdas = (terminated || truncated).select(Arr<T>::Zero(4, 3), Arr<T>::Constant(4, 3, T(0.5)));
  }
};

}  // namespace rlvalue_test
