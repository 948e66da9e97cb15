#pragma once
/// @file
/// The packet forms of the sequence kernels' flags form (terminated and
/// truncated bool arrays in memory): the lanes' discounts and lambdas are
/// masked from the flags' bytes (SSE2, AVX, AVX2 or AVX-512F, whichever
/// Eigen's packets are), then a kernel's a and c are computed in packets,
/// the values of its Eigen expressions bit for bit (detail; used by gae,
/// lambda_returns and discounted_returns).

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <limits>
#include <tuple>
#include <type_traits>

#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/affine_scan.hpp"

#if defined(__AVX__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rlvalue::detail {

// Eigen's packets are SIMD types with attributes (e.g. __m128), which GCC
// warns about as template arguments although they are kept.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

#if defined(__SSE2__)
/// All bits set in the lanes (4 x 32 or 2 x 64 bits) whose flag is true,
/// for the P = 4 or 2 bools from p (a bool is stored as 0 or 1).
template <Index P>
inline __m128i flag_lanes(const bool* p) {
  const __m128i zero = _mm_setzero_si128();
  std::uint32_t bytes = 0;
  std::memcpy(&bytes, p, static_cast<std::size_t>(P));
  __m128i x = _mm_cvtsi32_si128(static_cast<int>(bytes));
  x = _mm_unpacklo_epi16(_mm_unpacklo_epi8(x, zero), zero);  // one 32-bit lane per flag
  if constexpr (P == 2) x = _mm_unpacklo_epi32(x, x);        // one 64-bit lane per flag
  return _mm_cmpgt_epi32(x, zero);
}
#endif

/// Whether flag_mask makes packets of type X: Eigen's float and double
/// packets of SSE2, AVX and AVX-512F, as the target has them.
template <class X>
inline constexpr bool kFlagMaskPacket = kX86FloatPacket<X>;

/// A packet X of floats or doubles (kFlagMaskPacket) with all bits set in
/// the lanes whose flag is true, for the size(X) bools from p (a bool is
/// stored as 0 or 1).
template <class X>
inline X flag_mask(const bool* p) {
  static_assert(kFlagMaskPacket<X>, "flag_mask: not a float or double packet of this target");
#if defined(__SSE2__)
  if constexpr (std::is_same_v<X, __m128>) {
    return _mm_castsi128_ps(flag_lanes<4>(p));
  } else if constexpr (std::is_same_v<X, __m128d>) {
    return _mm_castsi128_pd(flag_lanes<2>(p));
  }
#endif
#if defined(__AVX2__)
  else if constexpr (std::is_same_v<X, __m256>) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(
        _mm256_cmpgt_epi32(_mm256_cvtepu8_epi32(bytes), _mm256_setzero_si256()));
  } else if constexpr (std::is_same_v<X, __m256d>) {
    std::uint32_t word = 0;
    std::memcpy(&word, p, 4);
    const __m128i bytes = _mm_cvtsi32_si128(static_cast<int>(word));
    return _mm256_castsi256_pd(
        _mm256_cmpgt_epi64(_mm256_cvtepu8_epi64(bytes), _mm256_setzero_si256()));
  }
#elif defined(__AVX__)
  // AVX without AVX2: the two halves from SSE2.
  else if constexpr (std::is_same_v<X, __m256>) {
    return _mm256_castsi256_ps(_mm256_set_m128i(flag_lanes<4>(p + 4), flag_lanes<4>(p)));
  } else if constexpr (std::is_same_v<X, __m256d>) {
    return _mm256_castsi256_pd(_mm256_set_m128i(flag_lanes<2>(p + 2), flag_lanes<2>(p)));
  }
#endif
#if defined(__AVX512F__)
  else if constexpr (std::is_same_v<X, __m512>) {
    const __m512i x =
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm512_castsi512_ps(_mm512_maskz_set1_epi32(_mm512_test_epi32_mask(x, x), -1));
  } else if constexpr (std::is_same_v<X, __m512d>) {
    const __m512i x =
        _mm512_cvtepu8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    return _mm512_castsi512_pd(_mm512_maskz_set1_epi64(_mm512_test_epi64_mask(x, x), -1));
  }
#endif
  return X{};  // not reached (static_assert above)
}

/// The packet forms of a flags-form kernel (the interface of RowPackets, see
/// targets/affine_scan.hpp) with Eigen's packets (4 floats or 2 doubles with
/// SSE2, 8 or 4 with AVX, 16 or 8 with AVX-512F: kFlagMaskPacket) when
/// `inputs` and the flags are in memory: rows (entries consecutive in a row,
/// `[T, n_envs]` buffers as in SB3 and CleanRL) for the row strategy,
/// columns (entries consecutive in a column) for the segmented one. Each
/// lane's discount d = (terminated ? 0 : gamma) and lambda
/// l = (terminated or truncated ? 0 : lambda) are masked from the flags, then
///   A = a_of(j, d, l),  C = d * l,
/// where `a_from(base, last)` returns the kernel's a over the pointers
/// base(x) of its inputs, generic in packet or scalar. (1 - flag) * gamma
/// and (1 - flag) * lambda, the kernels' Eigen expressions, are +0 or the
/// number, so these are their values bit for bit. The column accessor also
/// takes scalars (S): the same values one entry at a time, which FlagsFill
/// uses for a tile's rows that do not fill a packet (and for all rows when
/// the target has no such packets).
template <class S, class AFrom, class Tm, class Tr, class... Inputs>
struct FlagsPackets {
  AFrom a_from;
  std::tuple<const Inputs&...> inputs;
  const Tm& terminated;
  const Tr& truncated;
  S gamma, lambda;
  Index last;  // T - 1

  /// Whether the flags can be masked into Eigen's packets of S here.
  static constexpr bool kMaskPackets = kFlagMaskPacket<ScanPacket<S>>;
  /// Whether every input and flag array is in memory (the scalar column form).
  static constexpr bool kInputsInMemory =
      (kInMemory<Inputs> && ...) && kInMemory<Tm> && kInMemory<Tr>;
  static constexpr bool kApplicable = kMaskPackets && kInputsInMemory;

  bool applicable() const {
    if constexpr (kApplicable)
      return terminated.colStride() == 1 && truncated.colStride() == 1 &&
             std::apply([](const auto&... x) { return ((x.colStride() == 1) && ...); }, inputs);
    else
      return false;
  }
  /// Whether every input and flag has consecutive entries in a column (the
  /// scalar column form needs only this, the packet one also kApplicable).
  bool columns_consecutive() const {
    if constexpr (kInputsInMemory)
      return terminated.rowStride() == 1 && truncated.rowStride() == 1 &&
             std::apply([](const auto&... x) { return ((x.rowStride() == 1) && ...); }, inputs);
    else
      return false;
  }
  bool columns_applicable() const { return kApplicable && columns_consecutive(); }
  // |C| <= 1 (gamma and lambda lie in [0, 1]); the flags forms do not check
  // ranges in the scan, so this is not used to store directly.
  bool c_at_most_one() const { return true; }
  auto row(Index t) const {
    return packets_at([t](const auto& x) { return x.data() + t * x.rowStride(); }, t == last);
  }
  /// Rows t0 + j .. of column b, never the last row (T - 1): the kernels
  /// write that row's a themselves where it differs.
  auto column(Index b, Index t0) const {
    return packets_at([b, t0](const auto& x) { return x.data() + b * x.colStride() + t0; },
                      false);
  }

 private:
  // The step over the pointers `base` gives each input.
  template <class Base>
  auto packets_at([[maybe_unused]] Base base, [[maybe_unused]] bool last_row) const {
    if constexpr (kInputsInMemory) {
      return [a_of = a_from(base, last_row), pt = base(terminated), pu = base(truncated),
              g = gamma, l = lambda]<class X>(Index j, X& a, X& c, X&, X&) {
        namespace ei = Eigen::internal;
        X dd, ll;
        if constexpr (std::is_same_v<X, S>) {
          dd = pt[j] ? S(0) : g;
          ll = (pt[j] || pu[j]) ? S(0) : l;
        } else if constexpr (kApplicable) {
          // gamma and lambda where the flags are false, +0 where true.
          const X end = flag_mask<X>(pt + j);
          const X cut = ei::por(end, flag_mask<X>(pu + j));
          dd = ei::pandnot(ei::pset1<X>(g), end);
          ll = ei::pandnot(ei::pset1<X>(l), cut);
        } else {
          // Not reached: without mask packets applicable() and
          // columns_applicable() are false, so no strategy asks for packets
          // (NaN, which the scan rejects, should one ever do).
          a = c = ei::pset1<X>(std::numeric_limits<S>::quiet_NaN());
          return;
        }
        a = a_of(j, dd, ll);
        c = ei::pmul(dd, ll);
      };
    } else {
      return [](Index, auto&, auto&, auto&, auto&) {};
    }
  }
};

/// The fill of a flags-form kernel's tiles when its inputs and flags are in
/// memory with consecutive entries in a column (`applicable()`): one pass
/// over the inputs, backward in time, writing each column's A and C from
/// `packets.column` (FlagsPackets): the latest len % P rows one by one, the
/// others in packets (one by one when the target has no mask packets); the
/// same operations, so the same values as the kernel's Eigen expressions.
/// Returns whether every A and C is finite.
template <class Packets>
struct FlagsFill {
  const Packets& packets;

  bool applicable() const { return packets.columns_consecutive(); }
  template <class S>
  bool operator()(Index t0, Index len, Index b0, Index w, S* A, S* C) const {
    namespace ei = Eigen::internal;
    using Packet = ScanPacket<S>;
    constexpr Index P = kScanPacketSize<S>;
    const Index full = Packets::kApplicable ? len - len % P : Index(0);
    for (Index g = 0; g < w; ++g) {
      const auto column = packets.column(b0 + g, t0);
      S* a = A + g * len;
      S* c = C + g * len;
      S unused = S(0);
      for (Index j = len - 1; j >= full; --j) column(j, a[j], c[j], unused, unused);
      if constexpr (Packets::kApplicable) {
        Packet unused_packet = ei::pset1<Packet>(S(0));
        for (Index j = full - P; j >= 0; j -= P) {
          Packet pa, pc;
          column(j, pa, pc, unused_packet, unused_packet);
          ei::pstoreu(a + j, pa);
          ei::pstoreu(c + j, pc);
        }
      }
    }
    const Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>> a(A, len * w), c(C, len * w);
    return tile_finite(a, c);
  }
};

/// The fill of kernels without an in-memory flags fill.
struct NoFlagsFill {
  bool applicable() const { return false; }
  template <class S>
  bool operator()(Index, Index, Index, Index, S*, S*) const {
    return false;
  }
};

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace rlvalue::detail
