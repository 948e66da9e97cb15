// Sequence targets (gae, lambda_returns; general form, scalar lambda, float)
// over (T x B) arrays against their limits in the same binary:
//   * rlvalue:     rlvalue::gae / rlvalue::lambda_returns (with their input checks)
//   * plain_loop:  the same backward recursion written by hand on raw pointers,
//                  no checks, in the arrays' storage order (column-major: one
//                  column at a time with the carry in a register; row-major:
//                  one row at a time, reading the carry from the row below)
//   * streaming:   a kernel reading and writing the same bytes with no
//                  recursion: out = r + d * nv - v (gae), out = r + d * nv
//                  (lambda_returns), elementwise, same storage order
// Families: Gae{Col,Row}, LambdaReturns{Col,Row}, GaeFlags{Col,Row} and
// LambdaReturnsFlags{Col,Row} (the flags form, terminated/truncated bool
// arrays: terminated where the discount is 0, truncated with probability
// 0.005; the plain loop and the streaming kernel read the same flags),
// GaeLambdas{Col,Row} and LambdaReturnsLambdas{Col,Row} (the general form
// with per-step lambdas, rlax's lambda_t: lambda, 0 at episode ends; the
// plain loop and the streaming kernel read them too); arguments T/B with
// (T, B) = (2048, 64), (1024, 1024), (4096, 4096), (100000, 1).
// Items are elements (T * B per iteration); bytes are those read and written
// (gae: 4 inputs + out; lambda_returns: 3 inputs + out; the flags forms: a
// byte per flag in place of the discounts; per-step lambdas: one more input). Data come from
// rlvalue/core/rng.hpp with a fixed seed, prepared outside the timed loop.
// Multi-core scaling (families {Gae,LambdaReturns,Vtrace}{Col,Row}Parallel,
// (T, B) = (2048, 64), (1024, 1024) and (4096, 4096), wall-clock time):
//   * rlvalue:     the Parallel overload with threads = 2 (the calling thread
//                  and one started thread; this machine has 2 cores) and the
//                  default min_entries_per_thread (so 2048 x 64 runs on one)
//   * one_thread:  the same overload with threads = 1 (the single-threaded
//                  function, nothing spawned)
// so the ratio rlvalue / one_thread is the speed-up of two threads. V-trace
// reads next_values as its importance ratios (uniform in [0, 1)).
// bench/ratios.py turns the JSON output into ratios to the limits.
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/parallel.hpp"
#include "rlvalue/targets/returns.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace {

using rlvalue::Index;
using ColMajor = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMajor = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr float kGamma = 0.99f;
constexpr float kLambda = 0.95f;
constexpr double kTerminationRate = 0.01;
constexpr double kTruncationRate = 0.005;
constexpr std::uint64_t kSeed = 20261125;

/// Bool flags in the storage order of A.
template <class A>
using FlagsOf = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic,
                             A::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor>;

/// Inputs of one shape, in one storage order.
template <class A>
struct Inputs {
  A rewards, values, next_values, discounts, lambdas;
  FlagsOf<A> terminated, truncated;
};

/// Everything the benchmarks of one shape touch: the same numbers in both
/// storage orders, and an output array for each. Only the last shape asked for
/// is kept (benchmarks are registered shape by shape), and nothing is
/// allocated or copied when Google Benchmark calls a benchmark again.
struct Workspace {
  Inputs<ColMajor> col;
  Inputs<RowMajor> row;
  ColMajor col_out;
  RowMajor row_out;
};

Workspace& workspace(Index T, Index B) {
  static Workspace w;
  if (w.col.rewards.rows() != T || w.col.rewards.cols() != B) {
    w = Workspace{};  // free the previous shape first
    auto rng = rlvalue::make_rng(kSeed, static_cast<std::uint64_t>(T * 1'000'003 + B));
    auto& c = w.col;
    c.rewards.resize(T, B);
    c.values.resize(T, B);
    c.next_values.resize(T, B);
    c.discounts.resize(T, B);
    c.lambdas.resize(T, B);
    c.terminated.resize(T, B);
    c.truncated.resize(T, B);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) {
        c.rewards(t, b) = static_cast<float>(rlvalue::uniform01(rng) - 0.5);
        c.values(t, b) = static_cast<float>(rlvalue::uniform01(rng));
        c.next_values(t, b) = static_cast<float>(rlvalue::uniform01(rng));
        c.terminated(t, b) = rlvalue::bernoulli(rng, kTerminationRate);
        c.truncated(t, b) = rlvalue::bernoulli(rng, kTruncationRate);
        c.discounts(t, b) = c.terminated(t, b) ? 0.0f : kGamma;
        c.lambdas(t, b) = c.terminated(t, b) || c.truncated(t, b) ? 0.0f : kLambda;
      }
    w.row = {c.rewards,   c.values,     c.next_values, c.discounts,
             c.lambdas,   c.terminated, c.truncated};
    // Written once here, so no page faults while timed.
    w.col_out = ColMajor::Constant(T, B, 1.0f);
    w.row_out = RowMajor::Constant(T, B, 1.0f);
  }
  return w;
}

/// The inputs and output in storage order A.
template <class A>
std::pair<const Inputs<A>&, A&> arrays(Index T, Index B) {
  auto& w = workspace(T, B);
  if constexpr (A::IsRowMajor)
    return {w.row, w.row_out};
  else
    return {w.col, w.col_out};
}

enum class Estimator {
  gae,
  lambda_returns,
  gae_flags,
  lambda_returns_flags,
  gae_lambdas,
  lambda_returns_lambdas
};
enum class Variant { rlvalue, plain_loop, streaming };

template <Estimator E, class A>
void rlvalue_kernel(const Inputs<A>& in, A& out) {
  if constexpr (E == Estimator::gae)
    rlvalue::gae(in.rewards, in.values, in.next_values, in.discounts, kLambda, out);
  else if constexpr (E == Estimator::gae_flags)
    rlvalue::gae(in.rewards, in.values, in.next_values, in.terminated, in.truncated, kGamma,
                 kLambda, out);
  else if constexpr (E == Estimator::lambda_returns_flags)
    rlvalue::lambda_returns(in.rewards, in.next_values, in.terminated, in.truncated, kGamma,
                            kLambda, out);
  else if constexpr (E == Estimator::gae_lambdas)
    rlvalue::gae(in.rewards, in.values, in.next_values, in.discounts, in.lambdas, out);
  else if constexpr (E == Estimator::lambda_returns_lambdas)
    rlvalue::lambda_returns(in.rewards, in.discounts, in.next_values, in.lambdas, out);
  else
    rlvalue::lambda_returns(in.rewards, in.discounts, in.next_values, kLambda, out);
}

// One step of each recursion; `next` is the carry from t + 1.
inline float gae_step(float r, float v, float nv, float d, float next, float l = kLambda) {
  return (r + d * nv) - v + (d * l) * next;
}
// The flags form's step: d = terminated ? 0 : gamma, l = (terminated or
// truncated) ? 0 : lambda.
inline float gae_flags_step(float r, float v, float nv, bool term, bool trunc, float next) {
  const float d = term ? 0.0f : kGamma;
  const float l = (term || trunc) ? 0.0f : kLambda;
  return (r + d * nv) - v + (d * l) * next;
}
inline float lambda_returns_step(float r, float nv, float d, float next, float l = kLambda) {
  return r + d * ((1.0f - l) * nv + l * next);
}
inline float lambda_returns_flags_step(float r, float nv, bool term, bool trunc, float next) {
  const float d = term ? 0.0f : kGamma;
  const float l = (term || trunc) ? 0.0f : kLambda;
  return r + d * ((1.0f - l) * nv + l * next);
}

template <Estimator E, class A>
void plain_loop_kernel(const Inputs<A>& in, A& out) {
  const Index T = out.rows(), B = out.cols();
  const float* __restrict r = in.rewards.data();
  const float* __restrict v = in.values.data();
  const float* __restrict nv = in.next_values.data();
  const float* __restrict d = in.discounts.data();
  const float* __restrict l = in.lambdas.data();
  const bool* __restrict te = in.terminated.data();
  const bool* __restrict tr = in.truncated.data();
  float* __restrict o = out.data();
  if constexpr (A::IsRowMajor) {
    // Row t holds B consecutive entries; the carry is row t + 1 of out.
    for (Index t = T - 1; t >= 0; --t) {
      const Index row = t * B;
      const bool last = t == T - 1;
      for (Index b = 0; b < B; ++b) {
        const Index i = row + b;
        const float next = last ? 0.0f : o[i + B];
        if constexpr (E == Estimator::gae) {
          o[i] = gae_step(r[i], v[i], nv[i], d[i], next);
        } else if constexpr (E == Estimator::gae_lambdas) {
          o[i] = gae_step(r[i], v[i], nv[i], d[i], next, l[i]);
        } else if constexpr (E == Estimator::lambda_returns_lambdas) {
          o[i] = last ? r[i] + d[i] * nv[i] : lambda_returns_step(r[i], nv[i], d[i], next, l[i]);
        } else if constexpr (E == Estimator::gae_flags) {
          o[i] = gae_flags_step(r[i], v[i], nv[i], te[i], tr[i], next);
        } else if constexpr (E == Estimator::lambda_returns_flags) {
          o[i] = last ? r[i] + (te[i] ? 0.0f : kGamma) * nv[i]
                      : lambda_returns_flags_step(r[i], nv[i], te[i], tr[i], next);
        } else {
          o[i] = last ? r[i] + d[i] * nv[i] : lambda_returns_step(r[i], nv[i], d[i], next);
        }
      }
    }
  } else {
    for (Index b = 0; b < B; ++b) {
      const Index col = b * T;
      float carry = 0.0f;
      Index t = T - 1;
      if constexpr (E == Estimator::lambda_returns || E == Estimator::lambda_returns_flags ||
                    E == Estimator::lambda_returns_lambdas) {
        if (T > 0) {
          const float dl = E != Estimator::lambda_returns_flags ? d[col + t]
                           : te[col + t]                        ? 0.0f
                                                                : kGamma;
          carry = r[col + t] + dl * nv[col + t];
          o[col + t] = carry;
          --t;
        }
      }
      for (; t >= 0; --t) {
        const Index i = col + t;
        if constexpr (E == Estimator::gae)
          carry = gae_step(r[i], v[i], nv[i], d[i], carry);
        else if constexpr (E == Estimator::gae_lambdas)
          carry = gae_step(r[i], v[i], nv[i], d[i], carry, l[i]);
        else if constexpr (E == Estimator::lambda_returns_lambdas)
          carry = lambda_returns_step(r[i], nv[i], d[i], carry, l[i]);
        else if constexpr (E == Estimator::gae_flags)
          carry = gae_flags_step(r[i], v[i], nv[i], te[i], tr[i], carry);
        else if constexpr (E == Estimator::lambda_returns_flags)
          carry = lambda_returns_flags_step(r[i], nv[i], te[i], tr[i], carry);
        else
          carry = lambda_returns_step(r[i], nv[i], d[i], carry);
        o[i] = carry;
      }
    }
  }
}

/// The flags forms' streaming kernel: elementwise over the storage,
/// out = ((r + (terminated ? 0 : gamma) * nv) - v) + (truncated ? 1 : 0)
/// (without "- v" when kValues is false), reading both flags four entries at
/// a time from their bytes with SSE2 (GCC does not vectorise the loop over
/// bools by itself).
template <bool kValues, class A>
void flags_streaming_kernel(const Inputs<A>& in, A& out) {
  const Index n = out.size();
  const float* __restrict r = in.rewards.data();
  const float* __restrict v = in.values.data();
  const float* __restrict nv = in.next_values.data();
  const bool* __restrict te = in.terminated.data();
  const bool* __restrict tr = in.truncated.data();
  float* __restrict o = out.data();
  Index i = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  const auto lanes = [&](const bool* p) {
    std::uint32_t bytes;
    std::memcpy(&bytes, p, 4);
    const __m128i x = _mm_cvtsi32_si128(static_cast<int>(bytes));
    return _mm_castsi128_ps(
        _mm_cmpgt_epi32(_mm_unpacklo_epi16(_mm_unpacklo_epi8(x, zero), zero), zero));
  };
  const __m128 gamma = _mm_set1_ps(kGamma), one = _mm_set1_ps(1.0f);
  for (; i + 4 <= n; i += 4) {
    const __m128 d = _mm_andnot_ps(lanes(te + i), gamma);
    __m128 y = _mm_add_ps(_mm_loadu_ps(r + i), _mm_mul_ps(d, _mm_loadu_ps(nv + i)));
    if constexpr (kValues) y = _mm_sub_ps(y, _mm_loadu_ps(v + i));
    _mm_storeu_ps(o + i, _mm_add_ps(y, _mm_and_ps(lanes(tr + i), one)));
  }
#endif
  for (; i < n; ++i)
    o[i] = ((r[i] + (te[i] ? 0.0f : kGamma) * nv[i]) - (kValues ? v[i] : 0.0f)) +
           (tr[i] ? 1.0f : 0.0f);
}

template <Estimator E, class A>
void streaming_kernel(const Inputs<A>& in, A& out) {
  if constexpr (E == Estimator::gae)
    out = in.rewards + in.discounts * in.next_values - in.values;
  else if constexpr (E == Estimator::gae_flags)
    flags_streaming_kernel<true>(in, out);
  else if constexpr (E == Estimator::lambda_returns_flags)
    flags_streaming_kernel<false>(in, out);
  else if constexpr (E == Estimator::gae_lambdas)
    out = in.rewards + in.discounts * in.next_values - in.values + in.lambdas;
  else if constexpr (E == Estimator::lambda_returns_lambdas)
    out = in.rewards + in.discounts * in.next_values + in.lambdas;
  else
    out = in.rewards + in.discounts * in.next_values;
}

template <Estimator E, Variant V, class A>
void run(benchmark::State& state) {
  const Index T = state.range(0), B = state.range(1);
  const auto both = arrays<A>(T, B);
  const Inputs<A>& in = both.first;
  A& out = both.second;
  auto kernel = [&] {
    if constexpr (V == Variant::rlvalue)
      rlvalue_kernel<E>(in, out);
    else if constexpr (V == Variant::plain_loop)
      plain_loop_kernel<E>(in, out);
    else
      streaming_kernel<E>(in, out);
  };
  kernel();  // warm-up
  for (auto _ : state) {
    kernel();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const auto elements = static_cast<std::int64_t>(state.iterations()) * T * B;
  // Bytes per element: float inputs and output, and one byte per flag.
  const std::int64_t bytes = E == Estimator::gae                      ? 5 * 4
                             : E == Estimator::gae_flags              ? 4 * 4 + 2
                             : E == Estimator::lambda_returns_flags   ? 3 * 4 + 2
                             : E == Estimator::gae_lambdas            ? 6 * 4
                             : E == Estimator::lambda_returns_lambdas ? 5 * 4
                                                                      : 4 * 4;
  state.SetItemsProcessed(elements);
  state.SetBytesProcessed(elements * bytes);
}

enum class ParallelTarget { gae, lambda_returns, vtrace };

/// The Parallel overloads with `threads` threads (wall-clock time).
template <ParallelTarget P, class A>
void run_parallel(benchmark::State& state, int threads) {
  const Index T = state.range(0), B = state.range(1);
  const auto both = arrays<A>(T, B);
  const Inputs<A>& in = both.first;
  A& out = both.second;
  static A out2;  // V-trace's second output, kept across calls
  if (P == ParallelTarget::vtrace && (out2.rows() != T || out2.cols() != B))
    out2 = A::Constant(T, B, 1.0f);
  const rlvalue::Parallel par{.threads = threads};
  auto kernel = [&] {
    if constexpr (P == ParallelTarget::gae)
      rlvalue::gae(par, in.rewards, in.values, in.next_values, in.discounts, kLambda, out);
    else if constexpr (P == ParallelTarget::lambda_returns)
      rlvalue::lambda_returns(par, in.rewards, in.discounts, in.next_values, kLambda, out);
    else
      rlvalue::vtrace(par, in.values, in.next_values, in.rewards, in.discounts, in.next_values,
                      kLambda, 1.0f, 1.0f, out, out2);
  };
  kernel();  // warm-up
  for (auto _ : state) {
    kernel();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * T * B);
}

template <ParallelTarget P, class A>
void register_parallel(const std::string& family, Index T, Index B) {
  auto add = [&](const char* variant, int threads) {
    auto fn = [threads](benchmark::State& st) { run_parallel<P, A>(st, threads); };
    benchmark::RegisterBenchmark(("BM_" + family + "_" + variant).c_str(), fn)
        ->Args({T, B})
        ->MinTime(0.3)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  };
  add("rlvalue", 2);
  add("one_thread", 1);
}

template <Estimator E, class A>
void register_family(const std::string& family, Index T, Index B) {
  const double min_time = T * B >= 4096 * 4096 ? 0.2 : 0.3;
  auto add = [&](const char* variant, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark(("BM_" + family + "_" + variant).c_str(), fn)
        ->Args({T, B})
        ->MinTime(min_time)
        ->Unit(benchmark::kMillisecond);
  };
  add("rlvalue", run<E, Variant::rlvalue, A>);
  add("plain_loop", run<E, Variant::plain_loop, A>);
  add("streaming", run<E, Variant::streaming, A>);
}

// Shape by shape, so each shape's data are generated once.
int register_all() {
  constexpr Index shapes[][2] = {{2048, 64}, {1024, 1024}, {4096, 4096}, {100000, 1}, {1 << 20, 1}};
  for (const auto& s : shapes) {
    register_family<Estimator::gae, ColMajor>("GaeCol", s[0], s[1]);
    register_family<Estimator::gae, RowMajor>("GaeRow", s[0], s[1]);
    register_family<Estimator::lambda_returns, ColMajor>("LambdaReturnsCol", s[0], s[1]);
    register_family<Estimator::lambda_returns, RowMajor>("LambdaReturnsRow", s[0], s[1]);
    register_family<Estimator::gae_flags, ColMajor>("GaeFlagsCol", s[0], s[1]);
    register_family<Estimator::gae_flags, RowMajor>("GaeFlagsRow", s[0], s[1]);
    register_family<Estimator::lambda_returns_flags, ColMajor>("LambdaReturnsFlagsCol", s[0],
                                                                s[1]);
    register_family<Estimator::lambda_returns_flags, RowMajor>("LambdaReturnsFlagsRow", s[0],
                                                                s[1]);
    register_family<Estimator::gae_lambdas, ColMajor>("GaeLambdasCol", s[0], s[1]);
    register_family<Estimator::gae_lambdas, RowMajor>("GaeLambdasRow", s[0], s[1]);
    register_family<Estimator::lambda_returns_lambdas, ColMajor>("LambdaReturnsLambdasCol",
                                                                  s[0], s[1]);
    register_family<Estimator::lambda_returns_lambdas, RowMajor>("LambdaReturnsLambdasRow",
                                                                  s[0], s[1]);
    if (s[1] >= 64) {
      using P = ParallelTarget;
      register_parallel<P::gae, ColMajor>("GaeColParallel", s[0], s[1]);
      register_parallel<P::gae, RowMajor>("GaeRowParallel", s[0], s[1]);
      register_parallel<P::lambda_returns, ColMajor>("LambdaReturnsColParallel", s[0], s[1]);
      register_parallel<P::lambda_returns, RowMajor>("LambdaReturnsRowParallel", s[0], s[1]);
      register_parallel<P::vtrace, ColMajor>("VtraceColParallel", s[0], s[1]);
      register_parallel<P::vtrace, RowMajor>("VtraceRowParallel", s[0], s[1]);
    }
  }
  return 0;
}

[[maybe_unused]] const int registered = register_all();

}  // namespace
