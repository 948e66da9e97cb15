// The multi-core overloads of the sequence targets (targets/parallel.hpp):
// bit for bit the single-threaded results for every thread count, storage
// order and shape (including shapes where the engine switches strategy:
// segmented single columns, row strips with a ragged tail, too few columns to
// split), both argument forms, allocating and not; and exactly the
// single-threaded exceptions, thrown on the calling thread.

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/parallel.hpp"
#include "rlvalue/targets/returns.hpp"
#include "sequence_test_support.hpp"

using rlvalue::Index;
using rlvalue::Parallel;
using rlvalue_test::Arr;
using rlvalue_test::ArrRow;
using rlvalue_test::Flags;
using rlvalue_test::message_of;

namespace {

// Inputs of every function for one (T, B), in the storage order of A.
template <class A>
struct Inputs {
  A r, v, nv, d, lam, rho;
  Flags term, trunc;
};

template <class A>
Inputs<A> make_inputs(Index T, Index B, std::uint64_t seed) {
  using S = typename A::Scalar;
  auto rng = rlvalue::make_rng(seed);
  Inputs<A> in;
  in.r = rlvalue_test::random_array(rng, T, B, -1.0, 1.0).cast<S>();
  in.v = rlvalue_test::random_array(rng, T, B, -2.0, 2.0).cast<S>();
  in.nv = rlvalue_test::random_array(rng, T, B, -2.0, 2.0).cast<S>();
  in.term = rlvalue_test::random_flags(rng, T, B, 0.02);
  in.trunc = rlvalue_test::random_flags(rng, T, B, 0.02);
  in.d = (in.term.template cast<S>() * S(-0.99) + S(0.99)).eval();  // 0.99, 0 when terminated
  in.lam = rlvalue_test::random_array(rng, T, B, 0.0, 1.0).cast<S>();
  in.rho = rlvalue_test::random_array(rng, T, B, 0.0, 2.0).cast<S>();
  return in;
}

// Every multi-core overload against its single-threaded call on (T, B).
template <class A>
void check_all_functions(Index T, Index B, int threads) {
  using S = typename A::Scalar;
  CAPTURE(T, B, threads, A::IsRowMajor);
  const Inputs<A> in = make_inputs<A>(T, B, 1000 + static_cast<std::uint64_t>(B));
  // No minimum work per thread: the small test shapes must split.
  const Parallel par{.threads = threads, .min_entries_per_thread = 0};
  const S gamma = S(0.97), lambda = S(0.9);
  A one(T, B), many(T, B), one2(T, B), many2(T, B);
  auto same = [&](const A& x, const A& y) { return (x == y).all(); };

  rlvalue::gae(in.r, in.v, in.nv, in.d, lambda, one);
  many.setConstant(S(-7));
  rlvalue::gae(par, in.r, in.v, in.nv, in.d, lambda, many);
  CHECK(same(one, many));
  CHECK(same(one, rlvalue::gae(par, in.r, in.v, in.nv, in.d, lambda)));

  rlvalue::gae(in.r, in.v, in.nv, in.d, in.lam, one);
  rlvalue::gae(par, in.r, in.v, in.nv, in.d, in.lam, many);
  CHECK(same(one, many));

  rlvalue::gae(in.r, in.v, in.nv, in.term, in.trunc, gamma, lambda, one);
  rlvalue::gae(par, in.r, in.v, in.nv, in.term, in.trunc, gamma, lambda, many);
  CHECK(same(one, many));
  CHECK(same(one, rlvalue::gae(par, in.r, in.v, in.nv, in.term, in.trunc, gamma, lambda)));

  rlvalue::lambda_returns(in.r, in.d, in.nv, lambda, one);
  rlvalue::lambda_returns(par, in.r, in.d, in.nv, lambda, many);
  CHECK(same(one, many));
  CHECK(same(one, rlvalue::lambda_returns(par, in.r, in.d, in.nv, lambda)));

  rlvalue::lambda_returns(in.r, in.nv, in.term, in.trunc, gamma, lambda, one);
  rlvalue::lambda_returns(par, in.r, in.nv, in.term, in.trunc, gamma, lambda, many);
  CHECK(same(one, many));
  CHECK(same(one, rlvalue::lambda_returns(par, in.r, in.nv, in.term, in.trunc, gamma, lambda)));

  rlvalue::discounted_returns(in.r, in.d, in.nv, one);
  rlvalue::discounted_returns(par, in.r, in.d, in.nv, many);
  CHECK(same(one, many));
  CHECK(same(one, rlvalue::discounted_returns(par, in.r, in.d, in.nv)));

  rlvalue::vtrace(in.v, in.nv, in.r, in.d, in.rho, in.lam, S(1), S(1), one, one2);
  rlvalue::vtrace(par, in.v, in.nv, in.r, in.d, in.rho, in.lam, S(1), S(1), many, many2);
  CHECK(same(one, many));
  CHECK(same(one2, many2));
  const auto alloc = rlvalue::vtrace(par, in.v, in.nv, in.r, in.d, in.rho, lambda);
  rlvalue::vtrace(in.v, in.nv, in.r, in.d, in.rho, lambda, S(1), S(1), one, one2);
  CHECK(same(one, alloc.vs));
  CHECK(same(one2, alloc.pg_advantages));

  rlvalue::vtrace(in.v, in.nv, in.r, in.term, in.trunc, in.rho, gamma, lambda, S(1.5), S(0.8),
                  one, one2);
  rlvalue::vtrace(par, in.v, in.nv, in.r, in.term, in.trunc, in.rho, gamma, lambda, S(1.5),
                  S(0.8), many, many2);
  CHECK(same(one, many));
  CHECK(same(one2, many2));

  // Outputs given as blocks of a larger array (temporaries, as the
  // single-threaded functions accept them).
  A wide = A::Zero(T, B + 3);
  rlvalue::gae(par, in.r, in.v, in.nv, in.d, lambda, wide.middleCols(1, B));
  rlvalue::gae(in.r, in.v, in.nv, in.d, lambda, one);
  CHECK(same(one, wide.middleCols(1, B)));
  CHECK((wide.col(0) == S(0)).all());
  CHECK((wide.col(B + 1) == S(0)).all());
}

}  // namespace

TEMPLATE_TEST_CASE("Parallel sequence targets equal the single-threaded ones bit for bit",
                   "[targets][parallel]", float, double) {
  using S = TestType;
  const int threads = GENERATE(1, 2, 3, 4, 7, 0);
  // Column-major: 8-column groups; B = 35 leaves a 3-column group that is
  // cut into segments when T >= 1024; B = 9 is too narrow to split.
  check_all_functions<Arr<S>>(300, 64, threads);
  check_all_functions<Arr<S>>(1100, 35, threads);
  check_all_functions<Arr<S>>(40, 9, threads);
  check_all_functions<Arr<S>>(1, 100, threads);
  // Row-major: 16-lane strips; B = 70 ends in a ragged 6-lane strip; B = 20
  // cannot be split; B = 12 takes the tile strategy.
  check_all_functions<ArrRow<S>>(200, 70, threads);
  check_all_functions<ArrRow<S>>(50, 20, threads);
  check_all_functions<ArrRow<S>>(1100, 12, threads);
}

TEST_CASE("Parallel sequence targets throw the single-threaded exceptions",
          "[targets][parallel]") {
  constexpr Index T = 64, B = 48;
  auto in = make_inputs<Arr<double>>(T, B, 9);
  const Parallel par{.threads = 3, .min_entries_per_thread = 0};
  Arr<double> out(T, B), out2(T, B);

  // A bad entry in a column of the last block (found by a worker thread),
  // another in the first: the message names the first in storage order.
  in.r(10, 45) = std::numeric_limits<double>::quiet_NaN();
  const std::string one =
      message_of<std::invalid_argument>([&] { rlvalue::gae(in.r, in.v, in.nv, in.d, 0.9, out); });
  CHECK(one == "gae: rewards(10, 45) = nan is not finite");
  CHECK(message_of<std::invalid_argument>(
            [&] { rlvalue::gae(par, in.r, in.v, in.nv, in.d, 0.9, out); }) == one);
  in.nv(3, 2) = std::numeric_limits<double>::infinity();
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::lambda_returns(par, in.r, in.nv, in.term, in.trunc, 0.9, 0.9, out);
        }) == "lambda_returns: rewards(10, 45) = nan is not finite");
  in.r(10, 45) = 0.5;
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::gae(par, in.r, in.v, in.nv, in.term, in.trunc, 0.9, 0.9, out);
        }) == "gae: next_values(3, 2) = inf is not finite");
  in.nv(3, 2) = 0.5;
  in.d(5, 40) = 1.5;
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::discounted_returns(par, in.r, in.d, in.nv, out);
        }) == "discounted_returns: discounts(5, 40) = 1.5 is outside [0, 1]");
  in.d(5, 40) = 0.99;

  // Scalars and shapes: checked on the calling thread before any thread.
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::gae(par, in.r, in.v, in.nv, in.term, in.trunc, 1.5, 0.9, out);
        }) == "gae: gamma = 1.5 is outside [0, 1]");
  CHECK(message_of<std::invalid_argument>(
            [&] { rlvalue::lambda_returns(par, in.r, in.d, in.nv, -0.1, out); }) ==
        "lambda_returns: lambda = -0.1 is outside [0, 1]");
  Arr<double> narrow(T, B - 1);
  CHECK(message_of<std::invalid_argument>(
            [&] { rlvalue::gae(par, in.r, narrow, in.nv, in.d, 0.9, out); }) ==
        "gae: values has shape 64x47, expected 64x48");
  CHECK(message_of<std::invalid_argument>(
            [&] { rlvalue::gae(par, in.r, in.v, in.nv, in.d, 0.9, narrow); }) ==
        "gae: out has shape 64x47, expected 64x48");
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::gae(Parallel{.threads = -1}, in.r, in.v, in.nv, in.d, 0.9, out);
        }) == "gae: threads = -1 must be non-negative (0: all cores)");

  // V-trace checks every entry before any thread starts: nothing is written.
  in.rho(7, 44) = -1.0;
  out.setConstant(3.0);
  out2.setConstant(4.0);
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::vtrace(par, in.v, in.nv, in.r, in.d, in.rho, 0.9, 1.0, 1.0, out, out2);
        }) == "vtrace: rhos(7, 44) = -1 is negative or not finite");
  CHECK((out == 3.0).all());
  CHECK((out2 == 4.0).all());
  CHECK(message_of<std::invalid_argument>([&] {
          rlvalue::vtrace(par, in.v, in.nv, in.r, in.term, in.trunc, in.rho, 0.9, 0.9, 1.0, 1.0,
                          out, out2);
        }) == "vtrace: rhos(7, 44) = -1 is negative or not finite");
  CHECK((out == 3.0).all());
}

TEST_CASE("Parallel: thread counts", "[targets][parallel]") {
  CHECK(rlvalue::detail::thread_count("f", Parallel{.threads = 1}) == 1);
  CHECK(rlvalue::detail::thread_count("f", Parallel{.threads = 5}) == 5);
  CHECK(rlvalue::detail::thread_count("f", Parallel{.threads = 1000}) ==
        rlvalue::kMaxParallelThreads);
  CHECK(rlvalue::detail::thread_count("f", Parallel{}) >= 1);
  CHECK(message_of<std::invalid_argument>([] {
          (void)rlvalue::detail::thread_count("gae", Parallel{.threads = 2, .min_entries_per_thread = -5});
        }) == "gae: min_entries_per_thread = -5 must be non-negative (0: no minimum)");
}

TEST_CASE("Parallel: blocks limited by threads, columns and work", "[targets][parallel]") {
  using rlvalue::detail::block_count;
  constexpr Index k = Index(1) << 17;  // the default min_entries_per_thread
  CHECK(Parallel{}.min_entries_per_thread == k);
  CHECK(block_count(2, 2048, 64, 8, k) == 1);     // 2^17 entries: one thread
  CHECK(block_count(2, 2048, 128, 8, k) == 2);    // 2^18: two
  CHECK(block_count(8, 1024, 1024, 8, k) == 8);   // 2^20: eight
  CHECK(block_count(16, 1024, 1024, 8, k) == 8);  // ... but no more than 2^20 / 2^17
  CHECK(block_count(8, 1 << 20, 16, 8, k) == 2);  // two granules of columns
  CHECK(block_count(4, 64, 48, 8, 0) == 4);       // no minimum: threads
  CHECK(block_count(4, 64, 48, 8, 1) == 4);
  CHECK(block_count(4, 0, 48, 8, 0) == 1);        // empty: one
  CHECK(block_count(4, 64, 7, 8, 0) == 1);        // fewer columns than a granule
}
