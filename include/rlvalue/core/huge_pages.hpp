#pragma once
/// @file
/// detail::advise_huge_pages: asks Linux to back a large table with
/// transparent huge pages (2 MiB) before its pages are first touched. A
/// replay batch on a table far larger than the cache makes a random access,
/// and so a TLB miss and a page walk, for every row it reads or writes; with
/// 4 KiB pages the walks themselves miss the cache. TabularQ and TabularV
/// call it between allocating their storage and filling it. A hint only:
/// results never depend on it; it does nothing below
/// kAdviseHugePagesMinBytes, on systems other than Linux, or when the
/// system's transparent huge pages are off ("never"); with the common
/// default "madvise" it is what turns them on for the table.

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace rlvalue::detail {

/// The size of a transparent huge page on x86-64 and most arm64 Linux.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;
/// Tables from this size on are advised (four huge pages: below it the
/// 4 KiB pages of a table fit the second-level TLB of current cores).
inline constexpr std::size_t kAdviseHugePagesMinBytes = std::size_t{8} << 20;

/// The huge pages inside [begin, begin + bytes): the first boundary of
/// kHugePageBytes at or after begin and the last at or before its end, as
/// addresses; first >= last when the range holds no whole huge page.
struct HugePageRange {
  std::uintptr_t first = 0;
  std::uintptr_t last = 0;
};
template <class = void>
constexpr HugePageRange huge_page_range(std::uintptr_t begin, std::size_t bytes) noexcept {
  constexpr std::uintptr_t mask = ~(std::uintptr_t{kHugePageBytes} - 1);
  return {(begin + kHugePageBytes - 1) & mask, (begin + bytes) & mask};
}

/// Advises MADV_HUGEPAGE for the whole huge pages inside the `count`
/// entries at `p`, if they take kAdviseHugePagesMinBytes or more (Linux
/// only; otherwise, and on failure, nothing happens).
template <class T>
void advise_huge_pages(T* p, std::size_t count) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const std::size_t bytes = count * sizeof(T);
  if (p == nullptr || bytes < kAdviseHugePagesMinBytes) return;
  const HugePageRange r = huge_page_range(reinterpret_cast<std::uintptr_t>(p), bytes);
  if (r.last > r.first)
    (void)madvise(reinterpret_cast<void*>(r.first), r.last - r.first, MADV_HUGEPAGE);
#else
  (void)p;
  (void)count;
#endif
}

/// to = from for Eigen storage, keeping the advice: storage that has to be
/// (re)allocated is advised (advise_huge_pages) before the values are
/// written, as the tables' constructors do, so that a copy of a large table
/// (a target critic) is backed as the original is.
template <class Storage>
void assign_advised(Storage& to, const Storage& from) {
  if (to.rows() != from.rows() || to.cols() != from.cols()) {
    to.resize(from.rows(), from.cols());
    advise_huge_pages(to.data(), static_cast<std::size_t>(to.size()));
  }
  to = from;
}

}  // namespace rlvalue::detail
