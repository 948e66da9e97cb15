#pragma once
// The storage of the benchmarks' hand loops and kernels, backed as rlvalue's
// tables are: allocated, advised for transparent huge pages when large
// (detail::advise_huge_pages, as TabularQ and TabularV do), then filled.
// Without it the limits would pay a TLB miss per random access that the
// library does not, and the ratios would compare page sizes, not code.
#include <cstddef>
#include <vector>

#include "rlvalue/core/huge_pages.hpp"

template <class T>
std::vector<T> advised_table(std::size_t n, T value) {
  std::vector<T> v;
  v.reserve(n);  // allocated, not yet touched
  rlvalue::detail::advise_huge_pages(v.data(), n);
  v.assign(n, value);
  return v;
}
