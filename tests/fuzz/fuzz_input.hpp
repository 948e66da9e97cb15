#pragma once
// FuzzInput: turns a fuzzer's bytes into the shapes, flags, scalars and
// indices the harnesses feed to rlvalue (like LLVM's FuzzedDataProvider, but
// biased on purpose towards the values that break numerical code: 0, -0,
// +-1, +-inf, NaN, the largest and smallest normal numbers, denormals,
// epsilon, and indices just outside their range). Reading past the end gives
// zeros, so every input, even an empty one, is a valid test.
//
// Also here: fuzz_check (an invariant: on failure print a message to stderr
// and abort, which libFuzzer reports as a crash) and call_rejecting (runs a
// call and reports whether it threw std::invalid_argument or
// std::out_of_range; any other exception escapes and aborts the run).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace rlvalue_fuzz {

using Index = Eigen::Index;

/// Aborts with `what` on stderr unless `ok` (an invariant of a harness).
inline void fuzz_check(bool ok, const char* what) {
  if (ok) [[likely]]
    return;
  std::fprintf(stderr, "rlvalue fuzz invariant violated: %s\n", what);
  std::fflush(stderr);
  std::abort();
}
inline void fuzz_check(bool ok, const std::string& what) { fuzz_check(ok, what.c_str()); }

/// What a call did: returned, or threw one of the documented exceptions.
enum class Outcome { returned, invalid_argument, out_of_range };

/// The outcome of f() and, if it threw, the message.
struct CallResult {
  Outcome outcome = Outcome::returned;
  std::string message;
  bool threw() const noexcept { return outcome != Outcome::returned; }
};

/// Runs f() and catches std::invalid_argument and std::out_of_range (the
/// documented errors; std::out_of_range is caught first, being a
/// std::logic_error like std::invalid_argument). Anything else propagates,
/// reaches std::terminate and aborts: a crash for libFuzzer.
template <class F>
CallResult call_rejecting(F&& f) {
  CallResult r;
  try {
    f();
  } catch (const std::out_of_range& e) {
    r.outcome = Outcome::out_of_range;
    r.message = e.what();
  } catch (const std::invalid_argument& e) {
    r.outcome = Outcome::invalid_argument;
    r.message = e.what();
  }
  return r;
}

/// Reads typed values from the fuzzer's bytes, front to back.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  std::size_t remaining() const noexcept { return size_ - pos_; }

  /// The next byte (0 once the input is exhausted).
  std::uint8_t byte() noexcept { return pos_ < size_ ? data_[pos_++] : std::uint8_t(0); }

  /// The next 8 bytes, little-endian (missing bytes read as 0).
  std::uint64_t u64() noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(byte()) << (8 * i);
    return v;
  }

  bool flag() noexcept { return (byte() & 1u) != 0; }

  /// A number in [lo, hi] (inclusive; lo <= hi) from one byte.
  Index in_range(Index lo, Index hi) noexcept {
    return lo + static_cast<Index>(byte()) % (hi - lo + 1);
  }

  /// An index for a range of n (n >= 1): in [0, n) most of the time, else one
  /// of -1, n, n + 1, the most negative and the largest Index (out of range).
  Index index(Index n) noexcept {
    const std::uint8_t k = byte();
    if (k < 232) return static_cast<Index>(k) % n;
    switch (k % 5) {
      case 0: return -1;
      case 1: return n;
      case 2: return n + 1;
      case 3: return std::numeric_limits<Index>::min();
      default: return std::numeric_limits<Index>::max();
    }
  }

  /// Any value of T, biased: mostly small multiples of 1/8 in [-16, 16);
  /// often a special value (signed zeros, +-1, +-inf, NaN, the extremes,
  /// denormals, epsilon, big powers of ten); sometimes raw bits.
  template <class T>
  T scalar() noexcept {
    static_assert(std::is_floating_point_v<T>);
    const std::uint8_t k = byte();
    if (k < 150) return static_cast<T>(static_cast<std::int8_t>(byte())) / T(8);
    if (k < 180) return raw<T>();
    return special<T>(k - 180u);
  }

  /// Like scalar() but always finite (non-finite draws become a special
  /// finite value); magnitudes still reach the largest finite T.
  template <class T>
  T finite_scalar() noexcept {
    const T v = scalar<T>();
    return std::isfinite(v) ? v : std::numeric_limits<T>::max() / T(2);
  }

  /// A value meant for [0, 1] (discounts, lambdas, probabilities): mostly
  /// k/255, often 0, 1 or next to them; sometimes just outside [0, 1] or not a
  /// number at all, which the library must reject.
  template <class T>
  T unit() noexcept {
    const std::uint8_t k = byte();
    if (k < 200) return static_cast<T>(byte()) / T(255);
    constexpr T eps = std::numeric_limits<T>::epsilon();
    switch (k % 12) {
      case 0: return T(0);
      case 1: return T(1);
      case 2: return T(1) - eps / T(2);
      case 3: return std::numeric_limits<T>::denorm_min();
      case 4: return T(-0.0);
      case 5: return T(0.5);
      case 6: return T(1) + eps;  // invalid from here on
      case 7: return -std::numeric_limits<T>::denorm_min();
      case 8: return std::numeric_limits<T>::quiet_NaN();
      case 9: return std::numeric_limits<T>::infinity();
      case 10: return T(-1);
      default: return T(2);
    }
  }

  /// A value in [0, 1] (never invalid).
  template <class T>
  T valid_unit() noexcept {
    const T v = unit<T>();
    return (v >= T(0) && v <= T(1)) ? v : T(1);
  }

  /// An importance ratio: mostly k/64 in [0, 4), sometimes special (0, huge,
  /// denormal, negative, inf, NaN).
  template <class T>
  T ratio() noexcept {
    const std::uint8_t k = byte();
    if (k < 220) return static_cast<T>(byte()) / T(64);
    return special<T>(k);
  }

  /// The special value number k (mod the table size).
  template <class T>
  static T special(unsigned k) noexcept {
    using L = std::numeric_limits<T>;
    switch (k % 24) {
      case 0: return T(0);
      case 1: return T(-0.0);
      case 2: return T(1);
      case 3: return T(-1);
      case 4: return L::infinity();
      case 5: return -L::infinity();
      case 6: return L::quiet_NaN();
      case 7: return L::max();
      case 8: return L::lowest();
      case 9: return L::min();
      case 10: return -L::min();
      case 11: return L::denorm_min();
      case 12: return -L::denorm_min();
      case 13: return L::epsilon();
      case 14: return T(1) - L::epsilon();
      case 15: return T(1) + L::epsilon();
      case 16: return T(1e10);
      case 17: return T(-1e10);
      case 18: return L::max() / T(4);
      case 19: return -L::max() / T(3);
      case 20: return std::sqrt(L::max());
      case 21: return T(0.5);
      case 22: return T(1e-30);
      default: return T(-7.25);
    }
  }

 private:
  template <class T>
  T raw() noexcept {
    T v;
    if constexpr (sizeof(T) == 8) {
      const std::uint64_t bits = u64();
      std::memcpy(&v, &bits, sizeof v);
    } else {
      const auto bits = static_cast<std::uint32_t>(u64());
      std::memcpy(&v, &bits, sizeof v);
    }
    return v;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// A number as text that reads back exactly (hex float for floating point).
template <class T>
std::string show(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%a", static_cast<double>(x));
    return buf;
  } else {
    return std::to_string(x);
  }
}

/// A transition (any struct with rlvalue::Transition's fields) as text.
template <class Tr>
std::string show_transition(const Tr& t) {
  return "{state=" + show(t.state) + ", action=" + show(t.action) + ", reward=" + show(t.reward) +
         ", next_state=" + show(t.next_state) + ", terminated=" + show(int(t.terminated)) +
         ", truncated=" + show(int(t.truncated)) + "}";
}

/// The entries of an Eigen object as text, in storage order of a column-major copy.
template <class A>
std::string show_all(const Eigen::DenseBase<A>& a) {
  std::string s = "[";
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i) {
      if (s.size() > 1) s += " ";
      s += show(a.derived().coeff(i, j));
    }
  return s + "]";
}

/// True when every entry of the Eigen object is finite.
template <class A>
bool all_finite(const Eigen::DenseBase<A>& a) {
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i)
      if (!std::isfinite(a.derived().coeff(i, j))) return false;
  return true;
}

/// Largest |entry| of the Eigen object (0 when empty; NaN is ignored).
template <class A>
double max_abs(const Eigen::DenseBase<A>& a) {
  double m = 0.0;
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i) {
      const double x = std::abs(static_cast<double>(a.derived().coeff(i, j)));
      if (x > m) m = x;
    }
  return m;
}

/// True when two Eigen objects of one scalar type have the same shape and the
/// same bytes (NaN payloads and signed zeros included).
template <class A, class B>
bool same_bytes(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<B>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Index j = 0; j < a.cols(); ++j)
    for (Index i = 0; i < a.rows(); ++i) {
      const auto x = a.derived().coeff(i, j);
      const auto y = b.derived().coeff(i, j);
      if (std::memcmp(&x, &y, sizeof x) != 0) return false;
    }
  return true;
}

}  // namespace rlvalue_fuzz
