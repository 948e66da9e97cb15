// detail::advise_huge_pages: the range of whole huge pages inside a table,
// and (on Linux with transparent huge pages) that a large TabularQ or
// TabularV has its storage advised, a small one not, with its values intact,
// and so do copies of a large one.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "catch.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/huge_pages.hpp"

using rlvalue::detail::huge_page_range;
using rlvalue::detail::kHugePageBytes;

namespace huge_pages_test {

// Whether the mapping of this process that contains `address` carries the
// MADV_HUGEPAGE flag ("hg" in the VmFlags of /proc/self/smaps); false when
// the address is in no mapping.
bool advised(std::uintptr_t address) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= address && address < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line.find(" hg") != std::string::npos;
  }
  return false;
}

// Transparent huge pages that madvise can turn on: the kernel has them and
// they are not "never".
bool thp_available() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  if (!std::getline(f, mode)) return false;
  return mode.find("[never]") == std::string::npos;
}

}  // namespace huge_pages_test

TEST_CASE("huge_page_range: the whole huge pages inside a range", "[core][huge_pages]") {
  const std::uintptr_t H = kHugePageBytes;
  // Aligned start and end: all of it.
  auto r = huge_page_range(4 * H, 3 * H);
  CHECK(r.first == 4 * H);
  CHECK(r.last == 7 * H);
  // Unaligned at both ends: the boundaries inside.
  r = huge_page_range(4 * H + 16, 3 * H);
  CHECK(r.first == 5 * H);
  CHECK(r.last == 7 * H);
  // One byte short of the next boundary at each end.
  r = huge_page_range(5 * H - 1, 2 * H + 2);
  CHECK(r.first == 5 * H);
  CHECK(r.last == 7 * H);
  // No whole huge page inside: first >= last.
  r = huge_page_range(H + 16, H);
  CHECK(r.first >= r.last);
  r = huge_page_range(H + 16, 100);
  CHECK(r.first >= r.last);
}

TEST_CASE("large tables have their storage advised for huge pages, small ones not",
          "[core][huge_pages]") {
#if defined(__linux__)
  if (!huge_pages_test::thp_available()) {
    WARN("transparent huge pages are off or absent here: nothing to check");
    return;
  }
  // 1,000,000 x 4 doubles: 32 MB, past kAdviseHugePagesMinBytes.
  rlvalue::TabularQ<double> big(1'000'000, 4, 1.5);
  const auto begin = reinterpret_cast<std::uintptr_t>(big.parameters().data());
  const auto r = huge_page_range(begin, static_cast<std::size_t>(big.parameters().size()) * 8);
  REQUIRE(r.last > r.first);
  CHECK(huge_pages_test::advised(r.first));
  CHECK(huge_pages_test::advised(r.last - 1));
  CHECK((big.parameters().array() == 1.5).all());  // filled after the advice
  rlvalue::TabularV<float> big_v(4'000'000, -2.0f);  // 16 MB
  const auto vb = reinterpret_cast<std::uintptr_t>(big_v.parameters().data());
  const auto rv = huge_page_range(vb, static_cast<std::size_t>(big_v.parameters().size()) * 4);
  REQUIRE(rv.last > rv.first);
  CHECK(huge_pages_test::advised(rv.first));
  CHECK((big_v.parameters().array() == -2.0f).all());
  // Copies (target critics are copies) are advised too, and hold the values.
  const rlvalue::TabularQ<double> copy(big);
  const auto rc = huge_page_range(reinterpret_cast<std::uintptr_t>(copy.parameters().data()),
                                  static_cast<std::size_t>(copy.parameters().size()) * 8);
  REQUIRE(rc.last > rc.first);
  CHECK(copy.parameters().data() != big.parameters().data());
  CHECK(huge_pages_test::advised(rc.first));
  CHECK(huge_pages_test::advised(rc.last - 1));
  CHECK((copy.parameters().array() == 1.5).all());
  rlvalue::TabularV<float> assigned(3);  // reshaped by the assignment
  assigned = big_v;
  const auto ra = huge_page_range(reinterpret_cast<std::uintptr_t>(assigned.parameters().data()),
                                  static_cast<std::size_t>(assigned.parameters().size()) * 4);
  REQUIRE(ra.last > ra.first);
  CHECK(huge_pages_test::advised(ra.first));
  CHECK((assigned.parameters().array() == -2.0f).all());
  // Moves keep the storage, so its advice.
  const float* moved_from = big_v.parameters().data();
  const rlvalue::TabularV<float> moved(std::move(big_v));
  CHECK(moved.parameters().data() == moved_from);
  // 4 MiB: below the threshold, in a mapping of its own (malloc maps blocks
  // this large) that holds a whole huge page, not advised.
  rlvalue::TabularQ<double> small(65'536, 8);
  const auto rs = huge_page_range(reinterpret_cast<std::uintptr_t>(small.parameters().data()),
                                  static_cast<std::size_t>(small.parameters().size()) * 8);
  REQUIRE(rs.last > rs.first);
  CHECK_FALSE(huge_pages_test::advised(rs.first));
#else
  WARN("not Linux: advise_huge_pages does nothing");
#endif
}
