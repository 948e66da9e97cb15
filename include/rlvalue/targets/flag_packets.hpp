#pragma once
/// @file
/// The packet forms of the sequence kernels' flags form (terminated and
/// truncated bool arrays in memory): the lanes' discounts and lambdas are
/// masked from the flags' bytes with SSE2, then a kernel's a and c are
/// computed in packets, the values of its Eigen expressions bit for bit
/// (detail; used by gae, lambda_returns and discounted_returns).

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <limits>
#include <tuple>
#include <type_traits>

#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/affine_scan.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rlvalue::detail {

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

// Eigen's packets are SIMD types with attributes (e.g. __m128), which GCC
// warns about as template arguments although they are kept.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// The packet forms of a flags-form kernel (the interface of RowPackets, see
/// targets/affine_scan.hpp) with SSE2 packets (4 floats or 2 doubles) when
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
/// the packet is not SSE2's).
template <class S, class AFrom, class Tm, class Tr, class... Inputs>
struct FlagsPackets {
  AFrom a_from;
  std::tuple<const Inputs&...> inputs;
  const Tm& terminated;
  const Tr& truncated;
  S gamma, lambda;
  Index last;  // T - 1

#if defined(__SSE2__)
  static constexpr bool kSse2Packets =
      (std::is_same_v<S, float> && std::is_same_v<ScanPacket<S>, __m128>) ||
      (std::is_same_v<S, double> && std::is_same_v<ScanPacket<S>, __m128d>);
#else
  static constexpr bool kSse2Packets = false;
#endif
  /// Whether every input and flag array is in memory (the scalar column form).
  static constexpr bool kInputsInMemory =
      (kInMemory<Inputs> && ...) && kInMemory<Tm> && kInMemory<Tr>;
  static constexpr bool kApplicable = kSse2Packets && kInputsInMemory;

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
#if defined(__SSE2__)
          constexpr Index P = ei::unpacket_traits<X>::size;
          const __m128i end = flag_lanes<P>(pt + j);
          const __m128i cut = _mm_or_si128(end, flag_lanes<P>(pu + j));
          if constexpr (P == 4) {
            dd = _mm_andnot_ps(_mm_castsi128_ps(end), _mm_set1_ps(g));
            ll = _mm_andnot_ps(_mm_castsi128_ps(cut), _mm_set1_ps(l));
          } else {
            dd = _mm_andnot_pd(_mm_castsi128_pd(end), _mm_set1_pd(g));
            ll = _mm_andnot_pd(_mm_castsi128_pd(cut), _mm_set1_pd(l));
          }
#endif
        } else {
          // Not reached: without SSE2 packets applicable() and
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
/// others in SSE2 packets (one by one when the packet is not SSE2's); the
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
