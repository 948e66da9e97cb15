#pragma once
/// @file
/// The evaluation engine of the fast sequence targets (gae, lambda_returns,
/// discounted_returns): every one of them is a backward affine recursion
///   y_{T-1} = a_{T-1},   y_t = a_t + c_t * y_{t+1}   (t = T-2 .. 0)
/// over each column of a (T x B) array, with a_t and c_t computed elementwise
/// from the inputs. A plain loop over t is bound by the latency of its
/// dependency chain (a multiply and an add per step, about 6-8 cycles); the
/// engine removes that bound without changing the mathematics:
///
///  1. Row strategy (row-major output, B >= 16): one fused pass, a row at a
///     time from the last: across the B environments the recursion is
///     elementwise, y(t, :) = a(t, :) + c(t, :) * y(t+1, :), computed 16
///     lanes at a time from the inputs (`strip`), checked, and stored. When
///     the kernel's inputs are in memory with consecutive entries in a row
///     (gae and lambda_returns with a scalar lambda) it runs in packet form
///     (`scan_rows_packets`): raw row pointers, checks in registers, the
///     carry row on the stack, each row read from its last column to its
///     first (so each input is one descending stream).
///  2. Tiles (every other case). The caller's `fill(t0, len, b0, w, A, C)`
///     writes a_t and c_t of rows [t0, t0+len) and columns [b0, b0+w) into two
///     small buffers, as Eigen expressions, so Eigen vectorises whatever the
///     inputs' layout allows, and checks them. Tiles are walked backward in
///     time and read backward, so the prefetcher sees descending streams.
///  3. Column strategy, T < 1024: 8 columns advance together, eight
///     independent chains interleaved, so the chain latency overlaps.
///  4. Column strategy, T >= 1024 (long sequences), a column at a time:
///     the recursion is linear, so a tile of 1024 rows (the earliest tile
///     shorter; its latest len % 256 rows run the plain chain) is cut into
///     16 segments of s rows (s a multiple of 16). The segments run as
///     chains in SIMD lanes (4 floats or 2 doubles per packet with SSE2):
///     each block of P segments x P rows is transposed in registers, so one
///     packet multiply and add advances P segments by a step. A first pass
///     runs the chains from y = 0 and keeps only each segment's result and
///     product of c (and stores the transposed blocks back in place); those
///     give the true value entering each segment (latest to earliest, 16
///     steps); a second pass reruns the chains from those values and
///     transposes y back. While a tile is computed, the next tile's inputs
///     (`prefetch`) and output rows are requested from memory; columns run
///     from the last to the first, so with consecutive columns each input
///     is read as one descending stream, and a column's earliest tile
///     requests the latest tile of the column before it. When the
///     kernel has a packet form (gae, lambda_returns with a number lambda,
///     inputs with consecutive rows), the tiles other than the latest (and
///     other than a short earliest one) are filled from it directly
///     (fill_column_packets: a and c in registers, stored once, only the
///     discounts' range checked there), and the finiteness of their a and c
///     is read off the first pass: a non-finite value stays non-finite along
///     a chain (a + c * inf is inf or NaN, 0 * inf is NaN), so all a and c of
///     a tile are finite when every segment's local value and product are; a
///     tile failing that (or an overflowed local value) is refilled by the
///     kernel's fill, which names the bad entry. For the same reason the
///     second pass checks only the last value of each chain. Such a tile's
///     fill also sums |a|: with d in [0, 1] and |lambda| <= 1 (|c| <= 1) no
///     result of the tile exceeds (|carry| + sum |a|) by more than rounding,
///     so when that is below a quarter of the largest finite number the
///     second pass stores the results straight into the output (ordinary
///     stores, no copy), as they cannot be non-finite.
/// Outputs of 32 MiB or more (kScanStreamMinBytes, RLVALUE_SCAN_STREAM_MIN_BYTES)
/// are written with non-temporal stores by strategies 1 (packet form) and 4;
/// strategy 1 then checks and stores each group of 16 columns as soon as it
/// is computed (other outputs: a row once all of it is checked).
/// Strategies 1 and 3 perform exactly the arithmetic of the plain recursion
/// (same operations, same order), so their results are bit for bit those of
/// the textbook loop; in strategy 4 only the values entering each segment are
/// regrouped (local + product * carry), so it agrees with the plain loop to
/// rounding (|c_t| <= 1 keeps every product <= 1 in magnitude); its segments
/// do not depend on the packet width, so neither do its results.
/// Checks are fused into the pass that reads the inputs (so they are read from
/// memory once): a bad entry is found when its tile or strip is reached, and
/// the cold path then re-runs the full checks to name the first offending
/// entry in storage order. Rows later in time than the offending one, and
/// other columns, may already hold their results; no non-finite value is
/// ever stored.
/// Nothing is allocated: the tile buffers live on the stack (at most
/// 2 x 2048 scalars, and a carry row of 16 KiB in the packet row strategy).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/array_view.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

#if defined(__AVX__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rlvalue::detail {

/// Rows per tile in the column strategy, and the number of chains interleaved.
inline constexpr Index kScanTileRows = 256;
inline constexpr Index kScanLanes = 8;
/// The row strategy takes row-major outputs at least this wide.
inline constexpr Index kScanRowMinWidth = 16;
/// Single long sequences (fewer than 4 columns) are cut into segments from
/// this length on; shorter ones run the plain chain.
inline constexpr Index kScanSegmentMinRows = 1024;

template <class S>
using ScanTile = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>,
                            Eigen::Aligned64>;

// Eigen's packets are SIMD types with attributes (e.g. __m128), which GCC
// warns about as template arguments although they are kept.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// A kernel's fill of a tile (rows [t0, t0 + len), columns [b0, b0 + w))
/// when its inputs are in memory with consecutive rows: one pass over the
/// inputs, backward in time, SIMD packets, writing
///   A = a(j, d),   C = d * l
/// into the tile buffers, where `a_from` gives the kernel's a (see
/// RowPackets) over the pointers of a column from row t0, as a function of
/// the row j and the discounts d there, generic in the packet type (a packet
/// or a scalar: Eigen's padd, pmul and ploadu work on both, so the tail has
/// the same arithmetic). Checks are fused in (four
/// accumulators each, so no chain of dependent operations): returns whether
/// every A and C is finite and (kRanges) d and an array l lie in [0, 1]
/// (d * (1 - d) >= 0; NaN is caught by C).
template <bool kRanges, class S, class D, class L, class AFrom>
inline bool fill_tile_in_memory(const D& d, const L& l, Index t0, Index len, Index b0, Index w,
                                S* A, S* C, const AFrom& a_from) {
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<S>::type;
  constexpr Index P = ei::unpacket_traits<Packet>::size;
  constexpr int U = 4;
  constexpr bool kArrayLambda = !std::is_arithmetic_v<L>;
  const Packet zero = ei::pset1<Packet>(S(0)), one = ei::pset1<Packet>(S(1));
  Packet finite[U], unit[U];
  for (int u = 0; u < U; ++u) finite[u] = unit[u] = zero;
  S finite_tail = S(0), unit_tail = S(0);
  for (Index g = 0; g < w; ++g) {
    const Index b = b0 + g;
    const auto a_of =
        a_from([b, t0](const auto& x) { return x.data() + b * x.colStride() + t0; }, false);
    const S* pd = d.data() + (b0 + g) * d.colStride() + t0;
    const S* pl = nullptr;
    if constexpr (kArrayLambda) pl = l.data() + (b0 + g) * l.colStride() + t0;
    S* a = A + g * len;
    S* c = C + g * len;
    auto step = [&](Index j, Packet& fin, Packet& un) {
      const Packet dd = ei::ploadu<Packet>(pd + j);
      const Packet aa = a_of(j, dd);
      Packet cc;
      if constexpr (kArrayLambda) {
        const Packet ll = ei::ploadu<Packet>(pl + j);
        cc = ei::pmul(dd, ll);
        if constexpr (kRanges) un = ei::pmin(un, ei::pmul(ll, ei::psub(one, ll)));
      } else {
        cc = ei::pmul(dd, ei::pset1<Packet>(S(l)));
      }
      if constexpr (kRanges) un = ei::pmin(un, ei::pmul(dd, ei::psub(one, dd)));
      fin = ei::padd(fin, ei::pmul(ei::padd(aa, cc), zero));
      ei::pstoreu(a + j, aa);
      ei::pstoreu(c + j, cc);
    };
    Index i = len;
    for (; i >= U * P; i -= U * P)
      for (int u = 0; u < U; ++u) step(i - (u + 1) * P, finite[u], unit[u]);
    for (; i >= P; i -= P) step(i - P, finite[0], unit[0]);
    for (Index j = i - 1; j >= 0; --j) {
      const S dd = pd[j];
      a[j] = a_of(j, dd);
      if constexpr (kArrayLambda) {
        c[j] = dd * pl[j];
        if constexpr (kRanges) unit_tail = std::min(unit_tail, pl[j] * (S(1) - pl[j]));
      } else {
        c[j] = dd * S(l);
      }
      if constexpr (kRanges) unit_tail = std::min(unit_tail, dd * (S(1) - dd));
      finite_tail += (a[j] + c[j]) * S(0);
    }
  }
  const Packet f = ei::padd(ei::padd(finite[0], finite[1]), ei::padd(finite[2], finite[3]));
  const Packet u = ei::pmin(ei::pmin(unit[0], unit[1]), ei::pmin(unit[2], unit[3]));
  return ei::predux(f) + finite_tail == S(0) && std::min(ei::predux_min(u), unit_tail) >= S(0);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// The check of a scanned tile before it is stored: every y finite (the
/// inputs were checked, so a non-finite y is an overflow). `reject(t, b, y)`
/// is called with the first offending entry as a one-element y and throws.
template <class S, class Reject>
inline void check_scanned_tile(const ScanTile<S>& y, Index t0, Index b0, Reject& reject) {
  if (((y * S(0)).sum() == S(0))) [[likely]]
    return;
  for (Index g = 0; g < y.cols(); ++g)
    for (Index i = 0; i < y.rows(); ++i)
      if (!std::isfinite(y(i, g))) reject(t0 + i, b0 + g, Eigen::Array<S, 1, 1>(y(i, g)));
}

#ifndef RLVALUE_SCAN_STREAM_MIN_BYTES
/// Outputs of at least this many bytes are written with non-temporal stores
/// (default 32 MiB: larger than the last-level caches of common machines, so
/// the output would leave the caches anyway). Define it (to the same value in
/// every translation unit of a program) to match a larger last-level cache;
/// the results are the same either way, only the stores differ. The tests
/// define 1 MiB, so their outputs of a few MiB take the non-temporal path.
#define RLVALUE_SCAN_STREAM_MIN_BYTES (32 << 20)
#endif
/// Outputs of at least this many bytes are written with non-temporal
/// stores (see stream_copy; RLVALUE_SCAN_STREAM_MIN_BYTES).
inline constexpr Index kScanStreamMinBytes = Index(RLVALUE_SCAN_STREAM_MIN_BYTES);
static_assert(kScanStreamMinBytes >= 1, "RLVALUE_SCAN_STREAM_MIN_BYTES must be at least 1");
/// Columns per block of the packet row strategy: its carry row (16 KiB)
/// stays in the L1 data cache.
template <class S>
inline constexpr Index kScanStreamWidth = Index(16384 / sizeof(S));

/// True when `out` may take non-temporal stores: float or double, in
/// memory, x86 with SSE2, at least kScanStreamMinBytes, and entries
/// consecutive along a row (kRows: a row-major output written row by row)
/// or along a column (a column written tile by tile).
template <bool kRows, class Out>
inline bool can_stream([[maybe_unused]] const Out& out) {
#if defined(__SSE2__)
  using S = typename Out::Scalar;
  if constexpr (kInMemory<Out> && (std::is_same_v<S, float> || std::is_same_v<S, double>)) {
    const bool consecutive = kRows ? out.colStride() == 1 : out.rowStride() == 1;
    return consecutive && out.rows() * out.cols() * Index(sizeof(S)) >= kScanStreamMinBytes;
  }
#endif
  return false;
}

/// Copies n scalars from src to dst with non-temporal stores, which write
/// whole cache lines to memory without reading them first and without
/// evicting the inputs from the caches (the entries before dst's first
/// 16-byte boundary with ordinary stores); a plain copy where SSE2 is not
/// available.
template <class S>
inline void stream_copy(S* __restrict dst, const S* __restrict src, Index n) {
  Index i = 0;
#if defined(__SSE2__)
  if constexpr (std::is_same_v<S, float> || std::is_same_v<S, double>) {
    for (; i < n && reinterpret_cast<std::uintptr_t>(dst + i) % 16 != 0; ++i) dst[i] = src[i];
    if constexpr (std::is_same_v<S, float>)
      for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
    else
      for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_loadu_pd(src + i));
  }
#endif
  for (; i < n; ++i) dst[i] = src[i];
}

/// Orders the non-temporal stores before everything after it (they are
/// weakly ordered), so another thread that synchronises with this one sees
/// them.
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

/// Runs W (compile-time) or w (runtime) interleaved chains over a len x w
/// tile stored column by column: y_g = A(i, g) + C(i, g) * y_g for i = from
/// .. 0, writing y back into A. `y` holds the carries (in and out).
template <Index W, class S>
inline void scan_chains(S* __restrict a, const S* __restrict c, Index len, Index from, Index w,
                        S* __restrict y) {
  const Index n = W > 0 ? W : w;
  S yl[kScanLanes];
  for (Index g = 0; g < n; ++g) yl[g] = y[g];
  for (Index i = from; i >= 0; --i)
    for (Index g = 0; g < n; ++g) {
      yl[g] = a[g * len + i] + c[g * len + i] * yl[g];
      a[g * len + i] = yl[g];
    }
  for (Index g = 0; g < n; ++g) y[g] = yl[g];
}

/// Column strategy for a group of w >= 1 adjacent columns starting at b0,
/// chains interleaved across the columns.
template <class S, class Out, class Fill, class Reject>
inline void scan_column_group(Out& out, Fill& fill, Reject& reject, Index b0, Index w, S* a,
                              S* c) {
  const Index T = out.rows();
  S y[kScanLanes] = {};
  for (Index end = T; end > 0;) {
    const Index len = std::min(kScanTileRows, end);
    const Index t0 = end - len;
    ScanTile<S> A(a, len, w), C(c, len, w);
    fill(t0, len, b0, w, A, C);
    Index from = len - 1;
    if (end == T) {  // y_{T-1} = a_{T-1}
      for (Index g = 0; g < w; ++g) y[g] = a[g * len + len - 1];
      --from;
    }
    if (w == kScanLanes)
      scan_chains<kScanLanes>(a, c, len, from, w, y);
    else
      scan_chains<0>(a, c, len, from, w, y);
    check_scanned_tile(A, t0, b0, reject);
    out.block(t0, b0, len, w) = A;
    end = t0;
  }
}

/// Asks the memory system for rows [t0, t0 + len) of columns [b0, b0 + w)
/// of x (a hint: no effect on results) when x is an Eigen object in memory
/// whose rows are consecutive (row stride 1); nothing for numbers and other
/// expressions.
template <bool kWrite = false, class X>
inline void prefetch_tile([[maybe_unused]] const X& x, [[maybe_unused]] Index t0,
                          [[maybe_unused]] Index len, [[maybe_unused]] Index b0,
                          [[maybe_unused]] Index w) {
#if defined(__GNUC__) || defined(__clang__)
  if constexpr (!std::is_arithmetic_v<X>) {
    if constexpr ((Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit) != 0) {
      if (x.rowStride() != 1) return;
      constexpr Index step = 64 / Index(sizeof(typename X::Scalar));
      for (Index b = b0; b < b0 + w; ++b) {
        const auto* col = x.data() + b * x.colStride();
        for (Index i = t0; i < t0 + len; i += step) __builtin_prefetch(col + i, kWrite, 2);
        __builtin_prefetch(col + t0 + len - 1, kWrite, 2);
      }
    }
  }
#endif
}

// Eigen's packets are SIMD types with attributes (e.g. __m128), which GCC
// warns about as template arguments (PacketBlock) although they are kept.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// The SIMD packet of S (Eigen's widest for the target: 4 floats or 2
/// doubles with SSE2, 8 / 4 with AVX, the scalar itself without
/// vectorisation) and its width.
template <class S>
using ScanPacket = typename Eigen::internal::packet_traits<S>::type;
template <class S>
inline constexpr Index kScanPacketSize = Eigen::internal::unpacket_traits<ScanPacket<S>>::size;

/// A long column's tile is cut into this many segments, which run as chains
/// in SIMD lanes; segment lengths are multiples of kScanSegmentRows / this
/// (16, a multiple of every packet width), so the segments and the results
/// do not depend on the packet width.
inline constexpr Index kScanSegments = 16;
inline constexpr Index kScanSegmentRows = kScanSegments * 16;
/// Rows per tile of a long column: its buffers and its inputs (gae: six
/// columns of 1024 scalars) stay in the L1 data cache together.
inline constexpr Index kScanSegmentTile = 1024;
/// Lane groups (packets) advanced together in a pass: four chains of a
/// multiply and an add in flight, which hides their latency, and few enough
/// registers not to spill.
inline constexpr Index kScanGroupChunk = 4;

/// The row packets of kernels without a packet form (defined below).
struct NoRowPackets;

/// First pass over kScanSegments segments of `seg` rows (a multiple of the
/// packet width P) stored one after the other in a and c (64-byte aligned).
/// Each P x P block (P segments, P consecutive rows) is transposed in
/// registers, so that a packet holds one row of P segments, and the chains
///   y_k = a + c * y_k  (from y_k = 0),   p_k = p_k * c
/// run one packet operation per step for P segments. Returns each segment's
/// chain value (`local`) and product of c (`product`): y at a segment's
/// first row is local + product * (y at the row after it). The transposed
/// blocks are stored back in place (block (g, i) then holds row i + m of
/// segments gP .. gP+P-1 at segment gP + m), so the second pass reads them
/// without shuffles.
template <class S, class Hint>
inline void scan_segments_first_pass(S* __restrict a, S* __restrict c, Index seg,
                                     S* __restrict local, S* __restrict product, Hint& hint) {
  namespace ei = Eigen::internal;
  using Packet = ScanPacket<S>;
  constexpr Index P = kScanPacketSize<S>;
  constexpr Index G = kScanSegments / P;
  constexpr Index chunk = std::min(G, kScanGroupChunk);
  static_assert(kScanSegments % P == 0 && G % chunk == 0);
  for (Index g0 = 0; g0 < G; g0 += chunk) {
    Packet y[chunk], p[chunk];
    for (Index g = 0; g < chunk; ++g) {
      y[g] = ei::pset1<Packet>(S(0));
      p[g] = ei::pset1<Packet>(S(1));
    }
    for (Index i = seg - P; i >= 0; i -= P) {
      hint();
      for (Index g = 0; g < chunk; ++g) {
        S* ag = a + (g0 + g) * P * seg + i;
        S* cg = c + (g0 + g) * P * seg + i;
        ei::PacketBlock<Packet, int(P)> ka, kc;
        for (Index m = 0; m < P; ++m) {
          ka.packet[m] = ei::pload<Packet>(ag + m * seg);
          kc.packet[m] = ei::pload<Packet>(cg + m * seg);
        }
        ei::ptranspose(ka);
        ei::ptranspose(kc);
        for (Index m = P - 1; m >= 0; --m) {
          y[g] = ei::padd(ka.packet[m], ei::pmul(kc.packet[m], y[g]));
          p[g] = ei::pmul(p[g], kc.packet[m]);
        }
        for (Index m = 0; m < P; ++m) {
          ei::pstore(ag + m * seg, ka.packet[m]);
          ei::pstore(cg + m * seg, kc.packet[m]);
        }
      }
    }
    for (Index g = 0; g < chunk; ++g) {
      ei::pstoreu(local + (g0 + g) * P, y[g]);
      ei::pstoreu(product + (g0 + g) * P, p[g]);
    }
  }
}

/// The fill of a tile of a single long column from a kernel's packet column
/// accessor (RowPackets::column): rows [0, len) (len a multiple of 4 packets)
/// read backward in time, as the kernel's fill reads them (one descending
/// stream per input, which the hardware prefetcher follows), a and c
/// computed by `col(j, a, c, lo, hi)` (the operations of the kernel's fill,
/// so the same values bit for bit) and stored in time order. Only the range
/// of the discounts (kRanges: min and max in [0, 1]) is checked here: the
/// finiteness of a and c is left to the first pass (see
/// segments_finite). Returns whether the range holds, and sets `abs_sum` to
/// the sum of |a| over the tile (a bound of the tile's results, see
/// scan_column_segmented; inf or NaN when some a is not finite).
template <bool kRanges, class S, class Column>
inline bool fill_column_packets(const Column& col, Index len, S* __restrict a, S* __restrict c,
                                S& abs_sum) {
  namespace ei = Eigen::internal;
  using Packet = ScanPacket<S>;
  constexpr Index P = kScanPacketSize<S>;
  constexpr Index U = 4;
  Packet lo[2] = {ei::pset1<Packet>(S(0)), ei::pset1<Packet>(S(0))};
  Packet hi[2] = {ei::pset1<Packet>(S(1)), ei::pset1<Packet>(S(1))};
  Packet sum[2] = {ei::pset1<Packet>(S(0)), ei::pset1<Packet>(S(0))};
  for (Index i = len - U * P; i >= 0; i -= U * P)
    for (Index u = U - 1; u >= 0; --u) {
      Packet pa, pc;
      col(i + u * P, pa, pc, lo[u & 1], hi[u & 1]);
      sum[u & 1] = ei::padd(sum[u & 1], ei::pabs(pa));
      ei::pstore(a + i + u * P, pa);
      ei::pstore(c + i + u * P, pc);
    }
  abs_sum = ei::predux(ei::padd(sum[0], sum[1]));
  if constexpr (kRanges)
    return ei::predux_min(ei::pmin(lo[0], lo[1])) >= S(0) &&
           ei::predux_max(ei::pmax(hi[0], hi[1])) <= S(1);
  else
    return true;
}

/// Whether every segment's local value and product (of the first pass) is
/// finite. With finite carries a non-finite value stays non-finite along a
/// chain (a and c finite: a + c * inf is inf or NaN, 0 * inf is NaN), and a
/// non-finite a or c makes its chain value or product non-finite, so this
/// holds when every a and c of the segments is finite; it also fails when a
/// local value overflowed although every input is finite.
template <class S>
inline bool segments_finite(const S* local, const S* product) {
  using V = Eigen::Array<S, kScanSegments, 1>;
  return ((Eigen::Map<const V>(local) + Eigen::Map<const V>(product)) * S(0)).sum() == S(0);
}

/// Second pass over the blocks the first pass transposed: the chains
///   y_k = a + c * y_k  from y_k = carry[k] (y at the row after segment k),
/// one packet operation per step for P segments, each block transposed back
/// and stored in time order into `dst` (a itself, or the output's column
/// when the caller knows every y is finite). Returns whether every y is finite: a
/// non-finite y stays non-finite along its chain (a and c are finite:
/// a + c * inf is inf or NaN, 0 * inf is NaN), so it is enough that each
/// chain ends finite.
template <class S, class Hint>
inline bool scan_segments_second_pass(const S* a, const S* __restrict c, Index seg,
                                      const S* __restrict carry, Hint& hint, S* dst) {
  namespace ei = Eigen::internal;
  using Packet = ScanPacket<S>;
  constexpr Index P = kScanPacketSize<S>;
  constexpr Index G = kScanSegments / P;
  constexpr Index chunk = std::min(G, kScanGroupChunk);
  // Sum of y - y over the chains' last values: 0 when all are finite, NaN
  // otherwise.
  Packet finite = ei::pset1<Packet>(S(0));
  for (Index g0 = 0; g0 < G; g0 += chunk) {
    Packet y[chunk];
    for (Index g = 0; g < chunk; ++g) y[g] = ei::ploadu<Packet>(carry + (g0 + g) * P);
    for (Index i = seg - P; i >= 0; i -= P) {
      hint();
      for (Index g = 0; g < chunk; ++g) {
        const Index j = (g0 + g) * P * seg + i;
        const S* ag = a + j;
        const S* cg = c + j;
        ei::PacketBlock<Packet, int(P)> ky;
        for (Index m = P - 1; m >= 0; --m) {
          y[g] = ei::padd(ei::pload<Packet>(ag + m * seg),
                          ei::pmul(ei::pload<Packet>(cg + m * seg), y[g]));
          ky.packet[m] = y[g];
        }
        ei::ptranspose(ky);
        for (Index m = 0; m < P; ++m) ei::pstoreu(dst + j + m * seg, ky.packet[m]);
      }
    }
    for (Index g = 0; g < chunk; ++g) finite = ei::padd(finite, ei::psub(y[g], y[g]));
  }
  return ei::predux(finite) == S(0);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// Column strategy for one long column b. Each tile (1024 rows, the
/// earliest one shorter) is filled by `fill` or, when `packets` has a column
/// accessor and the tile is not the latest and is a multiple of
/// kScanSegmentRows rows, by fill_column_packets; it runs its latest
/// len % kScanSegmentRows rows as the
/// plain chain, and the others as kScanSegments segments in SIMD lanes: a
/// first pass finds each segment's summary (local value and product), the
/// true carries follow from them latest to earliest, and a second pass reruns
/// the segments from those carries (see the file comment). `next_col` is
/// the column computed after this one (negative: none), whose latest tile
/// is requested while this column's earliest tile is computed.
template <bool kRanges, class S, class Out, class Fill, class Reject, class Prefetch,
          class Packets>
inline void scan_column_segmented(Out& out, Fill& fill, Reject& reject, Prefetch& prefetch,
                                  const Packets& packets, Index b, S* a, S* c, bool streamed,
                                  Index next_col) {
  constexpr Index tile = kScanSegmentTile;  // rows per tile
  static_assert(tile % kScanSegmentRows == 0);
  const Index T = out.rows();
  // Tiles other than the latest whose rows are all in segments are filled
  // from the kernel's packet column accessor when it has one (gae and
  // lambda_returns with a number lambda, inputs with consecutive rows), with
  // lighter checks (fill_column_packets, segments_finite).
  const bool columns = packets.columns_applicable();
  // Such a tile's results are stored by the second pass straight into the
  // output (no copy) when they are known to be finite before it runs: with
  // d in [0, 1] and |lambda| <= 1 (so |c| <= 1), every y of the tile, as
  // computed (chains, regrouped carries, the sum itself, and their few
  // thousand roundings), is at most (|carry| + sum of |a|) * 1.001 in
  // magnitude, so finite when that is below a quarter of the largest finite
  // number (a non-finite a or sum fails the test too). Should the second
  // pass find otherwise, the entry is still rejected (not reachable).
  [[maybe_unused]] const bool direct_ok = [&] {
    if constexpr (kRanges && kInMemory<Out> && !std::is_same_v<Packets, NoRowPackets>)
      return columns && !streamed && out.rowStride() == 1 && packets.c_at_most_one();
    else
      return false;
  }();
  S carry = S(0);  // y at the first row after the tile
  for (Index end = T; end > 0;) {
    const Index len = std::min(tile, end);
    const Index t0 = end - len;
    ScanTile<S> A(a, len, 1), C(c, len, 1);
    const Index split = len - len % kScanSegmentRows;  // rows [split, len): plain chain
    const bool packed = columns && end < T && split == len;
    bool in_range = true;  // the discounts' range, when packed
    S abs_sum = S(0);      // sum of |a|, when packed
    if constexpr (!std::is_same_v<Packets, NoRowPackets>)
      if (packed)
        in_range = fill_column_packets<kRanges, S>(packets.column(b, t0), len, a, c, abs_sum);
    S* dst = a;  // where the second pass stores the tile's results
    if (!packed) {
      fill(t0, len, b, 1, A, C);
      if (end == T) c[len - 1] = S(0);  // y_{T-1} = a_{T-1} + 0 * 0
      for (Index i = len - 1; i >= split; --i) a[i] = carry = a[i] + c[i] * carry;
    }
    bool finite = true;
    if (split > 0) {
      const Index seg = split / kScanSegments;
      alignas(64) S local[kScanSegments], product[kScanSegments], y[kScanSegments];
      // The passes ask for the inputs of the tile computed next (rows
      // [next, pend) of column pcol) piece by piece, so that they arrive
      // while this tile is computed: the tile before this one in the same
      // column or, for a column's earliest tile, the latest tile of column
      // next_col (none when negative).
      constexpr Index P = kScanPacketSize<S>;
      const Index pcol = t0 > 0 ? b : next_col;
      const Index pend = t0 > 0 ? t0 : T;
      const Index next = std::max(Index(0), pend - tile);
      const Index steps = 2 * (kScanSegments / P / std::min(kScanSegments / P, kScanGroupChunk)) *
                          (seg / P);
      const Index piece = (pend - next + steps - 1) / steps;
      Index from = pcol >= 0 ? pend : next;
      auto hint = [&] {
        const Index to = std::max(next, from - piece);
        if (to < from) {
          prefetch(to, from - to, pcol, Index(1));
          if (!streamed) prefetch_tile<true>(out, to, from - to, pcol, Index(1));
        }
        from = to;
      };
      scan_segments_first_pass(a, c, seg, local, product, hint);
      if (packed && !(in_range && segments_finite(local, product))) [[unlikely]] {
        // The kernel's own fill (its full checks) names a bad input and
        // throws; if every input is fine (a local value overflowed), the
        // tile goes on as filled by it, as an unpacked tile.
        fill(t0, len, b, 1, A, C);
        scan_segments_first_pass(a, c, seg, local, product, hint);
      } else if constexpr (kInMemory<Out>) {
        if (packed && direct_ok &&
            abs_sum + std::abs(carry) <= std::numeric_limits<S>::max() / S(4))
          dst = out.data() + b * out.colStride() + t0;
      }
      y[kScanSegments - 1] = carry;
      for (Index k = kScanSegments - 1; k > 0; --k) y[k - 1] = local[k] + product[k] * y[k];
      finite = scan_segments_second_pass(a, c, seg, y, hint, dst);
    }
    if (dst != a) {  // stored into the output (finite by the bound above)
      if (!finite) [[unlikely]]
        for (Index i = 0; i < len; ++i)
          if (!std::isfinite(dst[i])) reject(t0 + i, b, Eigen::Array<S, 1, 1>(dst[i]));
      carry = dst[0];
      end = t0;
      continue;
    }
    if (!finite || split < len) [[unlikely]]
      check_scanned_tile(A, t0, b, reject);
    carry = a[0];
    if constexpr (kInMemory<Out>) {
      if (streamed) {
        stream_copy(out.data() + b * out.colStride() + t0, a, len);
        end = t0;
        continue;
      }
    }
    out.block(t0, b, len, 1) = A;
    end = t0;
  }
}

/// What a kernel computes for one strip of a row (W = 16 lanes, or fewer at
/// the end of a row): a_t, c_t, and (when it checks ranges) a vector whose
/// entries are >= 0 exactly when the strip's discounts and lambdas lie in
/// [0, 1].
template <class S, int W>
struct ScanStrip {
  using Vector = Eigen::Array<S, 1, W, Eigen::RowMajor, 1, (W == Eigen::Dynamic ? 16 : W)>;
  Vector a, c, unit;
};
inline constexpr int kStripWidth = 16;

/// Row strategy (row-major output, B >= 16): one fused pass, a row at a time
/// from the last, 16 environments at a time (four SIMD registers of float):
///   y = a + c * out(t + 1, strip),
/// computed by `strip(t, b, w)` from the inputs, checked (y must be finite;
/// discounts and lambdas in [0, 1]) and stored. A non-finite y is never
/// stored: `reject(t, b, y)` is called instead (it throws). Range checks are
/// gathered over a row and tested at its end.
template <bool kRanges, class S, class Out, class Strip, class Reject>
inline void scan_rows_fused(Out& out, Strip& strip, Reject& reject) {
  constexpr int W = kStripWidth;
  using V = Eigen::Array<S, 1, W>;
  const Index T = out.rows(), B = out.cols();
  for (Index t = T - 1; t >= 0; --t) {
    V unit = V::Zero();
    S unit_tail = S(0);
    Index b = 0;
    for (; b + W <= B; b += W) {
      const ScanStrip<S, W> s = strip.template operator()<W>(t, b, Index(W));
      V y;
      if (t == T - 1)
        y = s.a;
      else
        y = s.a + s.c * out.template block<1, W>(t + 1, b).array();
      if (!(((y + s.c) * S(0)).sum() == S(0))) [[unlikely]]  // c too: d, lambda finite
        reject(t, b, y);
      if constexpr (kRanges) unit = unit.min(s.unit);
      out.template block<1, W>(t, b) = y;
    }
    if (b < B) {
      const Index w = B - b;
      const ScanStrip<S, Eigen::Dynamic> s = strip.template operator()<Eigen::Dynamic>(t, b, w);
      typename ScanStrip<S, Eigen::Dynamic>::Vector y;
      if (t == T - 1)
        y = s.a;
      else
        y = s.a + s.c * out.block(t + 1, b, 1, w).array();
      if (!(((y + s.c) * S(0)).sum() == S(0))) [[unlikely]]
        reject(t, b, y);
      if constexpr (kRanges) unit_tail = s.unit.minCoeff();
      out.block(t, b, 1, w) = y;
    }
    if constexpr (kRanges)
      if (!(std::min(unit.minCoeff(), unit_tail) >= S(0))) [[unlikely]]
        reject(t, Index(0), V::Zero().eval());
  }
}

// Eigen's packets are SIMD types with attributes (e.g. __m128), which GCC
// warns about as template arguments although they are kept.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// The packet form of a row strategy's strip, for kernels whose inputs are
/// in memory with consecutive entries in a row: `packets.row(t)` returns an
/// accessor of row t (raw pointers, held in registers), and `row(j, a, c,
/// lo, hi)` loads the P entries from column j on, computes a and c (the same
/// operations as the kernel's strip, so the same values) and folds what must
/// lie in [0, 1] into lo (min) and hi (max). Kernels without one pass
/// NoRowPackets.
struct NoRowPackets {
  bool applicable() const { return false; }
  bool columns_applicable() const { return false; }
  bool c_at_most_one() const { return false; }
  auto column(Index, Index) const {
    return [](Index, auto&, auto&, auto&, auto&) {};
  }
  auto row(Index) const {
    return [](Index, auto&, auto&, auto&, auto&) {};
  }
};

/// The packet strip of a kernel with c = d * lambda whose inputs (d,
/// `inputs`, and lambda when it is an array) are in memory: `a_from(base,
/// last)` returns the kernel's a as a function of (j, d) over the pointers
/// base(x) of its inputs, generic in packet or scalar (the function its
/// column fill uses, so rows and columns compute the same values); `last`
/// says whether the row is the last one (T - 1). L is S (lambda a number)
/// or the type of a (T x B) array of per-step lambdas, whose range is folded
/// into lo and hi with the discounts' (a lambda outside [0, 1], or NaN, sets
/// lo to -1: min and max would drop a NaN). `inputs` include an array lambda,
/// so applicable() checks its strides too. Applicable when every input has
/// consecutive entries in a row.
template <class S, class D, class AFrom, class L, class... Inputs>
struct RowPackets {
  static constexpr bool kNumber = std::is_arithmetic_v<L>;
  const D& d;
  std::conditional_t<kNumber, S, const L&> lambda;
  Index last;  // T - 1
  AFrom a_from;
  std::tuple<const Inputs&...> inputs;

  bool applicable() const {
    return d.colStride() == 1 &&
           std::apply([](const auto&... x) { return ((x.colStride() == 1) && ...); }, inputs);
  }
  /// The packet step of row() and column() over the pointers `base` gives
  /// each input (`last_row`: they start at row T - 1).
  template <class Base>
  auto packets_at(Base base, bool last_row) const {
    const auto lambda_of = [&] {
      if constexpr (kNumber)
        return lambda;
      else
        return base(lambda);
    };
    return [a_of = a_from(base, last_row), pd = base(d),
            l = lambda_of()]<class Packet>(Index j, Packet& a, Packet& c, Packet& lo, Packet& hi) {
      namespace ei = Eigen::internal;
      const Packet dd = ei::ploadu<Packet>(pd + j);
      a = a_of(j, dd);
      if constexpr (kNumber) {
        c = ei::pmul(dd, ei::pset1<Packet>(l));
      } else {
        const Packet ll = ei::ploadu<Packet>(l + j);
        c = ei::pmul(dd, ll);
        const Packet in = ei::pand(ei::pcmp_le(ei::pset1<Packet>(S(0)), ll),
                                   ei::pcmp_le(ll, ei::pset1<Packet>(S(1))));
        lo = ei::pmin(lo, ei::pselect(in, ll, ei::pset1<Packet>(S(-1))));
      }
      lo = ei::pmin(lo, dd);
      hi = ei::pmax(hi, dd);
    };
  }
  auto row(Index t) const {
    return packets_at([t](const auto& x) { return x.data() + t * x.rowStride(); }, t == last);
  }
  /// Whether |c| <= 1 whenever the discounts (and an array's lambdas, whose
  /// range the strategies check with them) lie in [0, 1].
  bool c_at_most_one() const {
    if constexpr (kNumber)
      return std::abs(lambda) <= S(1);
    else
      return true;
  }
  /// Whether every input has consecutive entries in a column (column()).
  bool columns_applicable() const {
    return d.rowStride() == 1 &&
           std::apply([](const auto&... x) { return ((x.rowStride() == 1) && ...); }, inputs);
  }
  /// The column form of row(): rows t0 + j .. t0 + j + P - 1 of column b
  /// (never the last row, T - 1), the operations of the kernel's column
  /// fill (fill_tile_in_memory with the same a_from), so the same a and c.
  auto column(Index b, Index t0) const {
    return packets_at([b, t0](const auto& x) { return x.data() + b * x.colStride() + t0; },
                      false);
  }
};

/// Whether X is one of Eigen's float and double packets of SSE2, AVX and
/// AVX-512F (__m128, __m256d, ...), as the target has them.
template <class X>
inline constexpr bool kX86FloatPacket =
#if defined(__SSE2__)
    std::is_same_v<X, __m128> || std::is_same_v<X, __m128d> ||
#endif
#if defined(__AVX__)
    std::is_same_v<X, __m256> || std::is_same_v<X, __m256d> ||
#endif
#if defined(__AVX512F__)
    std::is_same_v<X, __m512> || std::is_same_v<X, __m512d> ||
#endif
    false;

/// Stores packet x at dst (aligned to the packet's size) with a
/// non-temporal store (the packets of kX86FloatPacket).
template <class Packet, class S>
inline void pstream([[maybe_unused]] S* dst, [[maybe_unused]] const Packet& x) {
  static_assert(kX86FloatPacket<Packet>);
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Packet, __m512>) _mm512_stream_ps(dst, x);
  if constexpr (std::is_same_v<Packet, __m512d>) _mm512_stream_pd(dst, x);
#endif
#if defined(__AVX__)
  if constexpr (std::is_same_v<Packet, __m256>) _mm256_stream_ps(dst, x);
  if constexpr (std::is_same_v<Packet, __m256d>) _mm256_stream_pd(dst, x);
#endif
#if defined(__SSE2__)
  if constexpr (std::is_same_v<Packet, __m128>) _mm_stream_ps(dst, x);
  if constexpr (std::is_same_v<Packet, __m128d>) _mm_stream_pd(dst, x);
#endif
}

/// Row strategy for row-major outputs whose kernel has a packet strip
/// (`packets.applicable()`): blocks of kScanStreamWidth columns, in each a
/// row at a time from the last, each row from its last column to its first,
///   y = a + c * carry,   carry = y,
/// 16 columns at a time, with the carry row in a buffer on the stack, the
/// checks kept in registers over the row (y - y is 0 exactly when y is
/// finite; a non-finite input or c makes y non-finite; discounts and lambdas
/// are checked by their min and max), and the checked values copied to the
/// output: with non-temporal stores when the output is large
/// (can_stream: no read for ownership, a fifth less memory traffic for
/// gae), ordinary stores otherwise. The last w % 16 columns of a block take
/// the kernel's Eigen strip. Same arithmetic as scan_rows_fused, so the same
/// results bit for bit; a row is stored only once all of it is checked
/// (large outputs: each group of 16 columns once it is checked).
template <bool kRanges, class S, class Out, class Packets, class Strip, class Reject>
inline void scan_rows_packets(Out& out, Packets& packets, Strip& strip, Reject& reject) {
  namespace ei = Eigen::internal;
  using Packet = ScanPacket<S>;
  constexpr Index P = kScanPacketSize<S>;
  constexpr Index K = kScanStreamWidth<S>;
  // Packets per step: 16 columns (4 float packets with SSE, 2 with AVX), so
  // the tail left to the kernel's strip is narrower than a strip.
  constexpr int U = int(std::max(Index(1), Index(kStripWidth) / P));
  static_assert(K % (U * P) == 0 && U * P <= kStripWidth);
  using Row = Eigen::Array<S, 1, Eigen::Dynamic>;
  const Index T = out.rows(), B = out.cols();
  const Packet zero = ei::pset1<Packet>(S(0)), one = ei::pset1<Packet>(S(1));
  alignas(64) S carry[K];
  auto run = [&](auto large) {
    constexpr bool kLarge = decltype(large)::value;
    for (Index b0 = 0; b0 < B; b0 += K) {
      const Index w = std::min(K, B - b0);
      const Index wu = w - w % (U * P);
      for (Index t = T - 1; t >= 0; --t) {
        const bool last = t == T - 1;
        // Each row is read from its last column to its first, so that with
        // the rows read backward each input is one descending stream, which
        // the hardware prefetcher follows across pages (rows read forward
        // make a sawtooth it restarts on at every page: 4096 x 4096 floats,
        // 0.51-0.58x the streaming kernel for gae and lambda_returns even
        // with the next row requested ahead, against 0.71-0.76x; 1024 x 1024
        // gae 0.29-0.35 -> 0.66-0.73x; bench_sequence, 2026-12-07).
        S* dst = out.data() + t * out.outerStride() + b0;
        [[maybe_unused]] const bool aligned =
            reinterpret_cast<std::uintptr_t>(dst) % sizeof(Packet) == 0;
        bool ok = true;
        if (wu < w) {  // the last w % 16 columns: the kernel's strip
          const ScanStrip<S, Eigen::Dynamic> s =
              strip.template operator()<Eigen::Dynamic>(t, b0 + wu, w - wu);
          Eigen::Map<Row> y(carry + wu, w - wu);
          if (last)
            y = s.a;
          else
            y = s.a + s.c * y;
          ok = ((y + s.c) * S(0)).sum() == S(0);
          if constexpr (kRanges) ok = ok && s.unit.minCoeff() >= S(0);
          if constexpr (kLarge) {
            if (!ok) [[unlikely]]
              reject(t, b0 + wu, Eigen::Map<const Row>(carry + wu, w - wu));
            stream_copy(dst + wu, carry + wu, w - wu);
          }
        }
        // nonfinite: the sum of y - y over a lane, 0 while every y there is
        // finite and NaN from the first one that is not (one add a packet);
        // lo, hi: min and max of the discounts (and lambdas).
        // Large outputs check and store each group of U packets (16
        // columns) as soon as it is computed, so the non-temporal stores
        // go out interleaved with the loads instead of in a burst after
        // each row (4096 x 4096 floats, gae: 1.15-1.26 -> 1.6-1.7 G
        // elements/s, the streaming kernel 1.9-2.0, 2026-12-07); other
        // outputs copy a row once all of it is checked (in cache the
        // per-group branch costs more than the copy: 3.0 against 2.7 G).
        Packet nonfinite = zero, lo = zero, hi = one;
        const auto row = packets.row(t);
        for (Index j = wu - U * P; j >= 0; j -= U * P) {
          if constexpr (kLarge) nonfinite = zero, lo = zero, hi = one;
          [[maybe_unused]] Packet ys[U];
          for (int u = U - 1; u >= 0; --u) {
            Packet a, c;
            row(b0 + j + u * P, a, c, lo, hi);
            S* yp = carry + j + u * P;
            const Packet y = last ? a : ei::padd(a, ei::pmul(c, ei::pload<Packet>(yp)));
            nonfinite = ei::padd(nonfinite, ei::psub(y, y));
            ei::pstore(yp, y);
            if constexpr (kLarge) ys[u] = y;
          }
          if constexpr (kLarge) {
            Packet good = ei::pcmp_eq(nonfinite, zero);
            if constexpr (kRanges)
              good = ei::pand(good, ei::pand(ei::pcmp_le(zero, lo), ei::pcmp_le(hi, one)));
            if (ei::predux_any(ei::pandnot(ei::ptrue(zero), good))) [[unlikely]]
              reject(t, b0 + j, Eigen::Map<const Row>(carry + j, U * P));
            // Straight from the registers when the row is aligned to the
            // packet (0.76 -> 0.83x the streaming kernel, medians of 6,
            // 4096 x 4096 gae); from the carry row otherwise.
            if constexpr (kX86FloatPacket<Packet>) {
              if (aligned) {
                for (int u = 0; u < U; ++u) pstream(dst + j + u * P, ys[u]);
                continue;
              }
            }
            stream_copy(dst + j, carry + j, U * P);
          }
        }
        if constexpr (!kLarge) {
          ok = ok && !ei::predux_any(ei::pandnot(ei::ptrue(zero), ei::pcmp_eq(nonfinite, zero)));
          if constexpr (kRanges)
            ok = ok && ei::predux_min(lo) >= S(0) && ei::predux_max(hi) <= S(1);
          if (!ok) [[unlikely]]
            reject(t, b0, Eigen::Map<const Row>(carry, w));  // names the first bad entry
          std::copy(carry, carry + w, dst);
        }
      }
    }
  };
  if (can_stream<true>(out)) {
    run(std::true_type{});
    stream_fence();
  } else {
    run(std::false_type{});
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// A strip of row t, columns [b, b + w), of x as an array expression (a
/// fixed-size block when W is a number), or x itself when x is a number.
template <int W, class X>
inline decltype(auto) strip_of(const X& x, Index t, Index b, Index w) {
  if constexpr (std::is_arithmetic_v<X>)
    return x;
  else if constexpr (W == Eigen::Dynamic)
    return x.derived().array().block(t, b, 1, w);
  else
    return x.derived().array().template block<1, W>(t, b);
}

/// The cold path of a rejected strip: `validate()` re-runs the full input
/// checks in their documented order and throws at the first offending
/// entry; if it finds nothing, an intermediate overflowed and is reported at
/// its position (t, b + lane).
template <class Validate, class Y>
[[noreturn]] __attribute__((noinline, cold)) void reject_strip(std::string_view where,
                                                               std::string_view name,
                                                               Validate& validate, Index t,
                                                               Index b, const Y& y) {
  validate();
  for (Index k = 0; k < y.size(); ++k)
    if (!std::isfinite(y(k)))
      throw_invalid_at(where, name, t, b + k, y(k),
                       "is not finite although every input is (it overflowed)");
  throw std::logic_error("rlvalue: reject_strip called on a valid strip");
}

/// The prefetch hint of kernels without one (see affine_scan).
struct NoPrefetch {
  void operator()(Index, Index, Index, Index) const {}
};

/// Evaluates y_{T-1} = a_{T-1}, y_t = a_t + c_t * y_{t+1} into `out` (T x B,
/// any writable Eigen object or expression). `fill(t0, len, b0, w, A, C)`
/// must write a and c of that block into the column-major Eigen maps A and C
/// (len x w) and check them; `strip.template operator()<W>(t, b, w)` must
/// return the ScanStrip of row t, columns [b, b + w); c of row T-1 is never
/// used.
/// Row-major outputs of 16 or more columns take the row strategy with
/// `strip` (see scan_rows_fused; kRanges: check discounts and lambdas) and
/// `reject`, or, when `packets.applicable()` and the output's rows are
/// consecutive in memory, its packet form (scan_rows_packets); the others
/// take the column strategies with `fill`.
/// `prefetch(t0, len, b0, w)` (optional) may ask the memory system for the
/// inputs of that block (a hint, no effect on results): single long columns
/// call it for the next tile while they compute the current one.
template <bool kRanges, class Out, class Fill, class Strip, class Reject,
          class Prefetch = NoPrefetch, class Packets = NoRowPackets>
inline void affine_scan(Out& out, Fill fill, Strip strip, Reject reject,
                        Prefetch prefetch = {}, Packets packets = {}) {
  using S = typename Out::Scalar;
  const Index T = out.rows(), B = out.cols();
  if (T == 0 || B == 0) return;
  if constexpr (Out::IsRowMajor) {
    if (B >= kScanRowMinWidth) {
      if constexpr (kInMemory<Out>) {
        if (packets.applicable() && out.innerStride() == 1) {
          scan_rows_packets<kRanges, S>(out, packets, strip, reject);
          return;
        }
      }
      scan_rows_fused<kRanges, S>(out, strip, reject);
      return;
    }
  }
  alignas(64) S a[kScanTileRows * kScanLanes];
  alignas(64) S c[kScanTileRows * kScanLanes];
  const bool streamed = T >= kScanSegmentMinRows && can_stream<false>(out);
  // Columns from the last to the first (groups of kScanLanes in the
  // interleaved strategy): each column is read backward in time, so with
  // consecutive columns (column-major storage) each input is one descending
  // stream from its end to its start, which the hardware prefetcher follows
  // across columns. Walking the columns forward instead restarts a short
  // descending stream at every column: with 4096 x 4096 floats 0.39-0.42x
  // the streaming kernel for gae and lambda_returns, against 0.49-0.69x
  // backward (with the next column's prefetch above; bench_sequence,
  // 2026-12-07).
  for (Index b0 = (B - 1) / kScanLanes * kScanLanes; b0 >= 0; b0 -= kScanLanes) {
    const Index w = std::min(kScanLanes, B - b0);
    if (T < kScanSegmentMinRows) {
      scan_column_group<S>(out, fill, reject, b0, w, a, c);
    } else {
      for (Index b = b0 + w - 1; b >= b0; --b)
        scan_column_segmented<kRanges, S>(out, fill, reject, prefetch, packets, b, a, c,
                                          streamed, b - 1);
    }
  }
  if (streamed) stream_fence();
}

/// An Eigen block of rows [t0, t0+len) and columns [b0, b0+w) of x, as an
/// array expression (matrices included), or x itself when x is a number.
template <class X>
inline decltype(auto) tile_of(const X& x, Index t0, Index len, Index b0, Index w) {
  if constexpr (std::is_arithmetic_v<X>)
    return x;
  else
    return x.derived().array().block(t0, b0, len, w);
}

/// The fused check of a filled tile, in one pass over its n = len * w
/// entries: `a` holds a_t and `c` the discounts d_t. Returns whether every
/// a_t and d_t is finite and (kRanges) every d_t lies in [0, 1], and scales c
/// by `lambda` on the way (c_t = d_t * lambda). Sixteen accumulators wide, so
/// the reductions are not bound by their own latency: z * 0 is 0 for finite
/// z and NaN otherwise (and NaN survives the sum); d * (1 - d) >= 0 exactly
/// when d lies in [0, 1].
template <bool kRanges, class S>
inline bool check_and_scale_tile(const S* __restrict a, S* __restrict c, Index n, S lambda) {
  using V = Eigen::Array<S, 16, 1>;
  V finite = V::Zero();
  V unit = V::Zero();
  Index i = 0;
  for (; i + 16 <= n; i += 16) {
    const V ai = Eigen::Map<const V>(a + i);
    const V di = Eigen::Map<const V>(c + i);
    finite += (ai + di) * S(0);
    if constexpr (kRanges) unit = unit.min(di * (S(1) - di));
    Eigen::Map<V>(c + i) = di * lambda;
  }
  S finite_tail = S(0);
  S unit_tail = S(0);
  for (; i < n; ++i) {
    finite_tail += (a[i] + c[i]) * S(0);
    if constexpr (kRanges) unit_tail = std::min(unit_tail, c[i] * (S(1) - c[i]));
    c[i] *= lambda;
  }
  return finite.sum() + finite_tail == S(0) && std::min(unit.minCoeff(), unit_tail) >= S(0);
}

/// True when every entry of the tiles x and y is finite (see above).
template <class X, class Y>
inline bool tile_finite(const X& x, const Y& y) {
  using S = typename X::Scalar;
  return ((x + y) * S(0)).sum() == S(0);
}

/// True when every entry of a tile (or the number) x lies in [0, 1], i.e.
/// x * (1 - x) >= 0. A NaN may pass here: the kernels also check that a and
/// c are finite, and a NaN discount or lambda makes them NaN.
template <class X>
inline bool tile_unit(const X& x) {
  if constexpr (std::is_arithmetic_v<X>) {
    return true;  // numbers are checked once, before the scan
  } else {
    using S = typename X::Scalar;
    return (x * (S(1) - x)).minCoeff() >= S(0);
  }
}

/// The entry point of the fused checks' cold path: `validate()` re-runs the
/// full input checks in their documented order (and throws at the first
/// offending entry); if it finds nothing, the inputs were valid and an
/// intermediate overflowed, which is reported at its position.
template <class Validate, class A>
[[noreturn]] __attribute__((noinline, cold)) void reject_tile(std::string_view where,
                                                              std::string_view name,
                                                              Validate& validate, const A& tile,
                                                              Index t0, Index b0) {
  validate();
  for (Index g = 0; g < tile.cols(); ++g)
    for (Index i = 0; i < tile.rows(); ++i)
      if (!std::isfinite(tile(i, g)))
        throw_invalid_at(where, name, t0 + i, b0 + g, tile(i, g),
                         "is not finite although every input is (it overflowed)");
  throw std::logic_error("rlvalue: reject_tile called on a valid tile");
}

}  // namespace rlvalue::detail
