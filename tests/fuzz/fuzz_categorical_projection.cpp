// Fuzz harness: categorical_projection (targets/categorical_projection.hpp)
// on random supports (K <= 40 atoms: strictly increasing, or broken on
// purpose: duplicates, descending, non-finite, empty) and random
// distributions (N <= 40 atoms anywhere: on the grid, between grid points,
// outside the support, non-finite; probabilities that sum to 1, or not),
// float and double, the support contiguous or strided; and uniform_support
// on random (v_min, v_max, num_atoms).
//
// Invariants (a violation aborts):
// - invalid input throws std::invalid_argument and leaves `out` untouched;
//   valid input does not throw;
// - mass is conserved: |sum(out) - sum(probs)| <= 4 (N + K) eps sum(probs);
// - every output lies in [0, 1 + sqrt(eps) + 4 (N + K) eps] (the inputs may
//   sum to 1 + sqrt(eps), the tolerance of check_probabilities) and is >= 0;
// - when every input atom lies in [z_0, z_{K-1}], the mean is conserved:
//   |sum_i out_i z_i - sum_j p_j y_j| <= 8 (N + K) eps (sum_j p_j |y_j| + max |z|)
//   + (N + K) d, d the smallest double denormal (products of subnormal atoms);
// - the allocating form gives the same bytes, and a strided support the same
//   bytes as a contiguous one;
// - uniform_support either throws std::invalid_argument or returns num_atoms
//   finite, strictly increasing atoms from v_min to exactly v_max.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "fuzz/fuzz_input.hpp"
#include "rlvalue/targets/categorical_projection.hpp"

namespace {

using rlvalue_fuzz::FuzzInput;
using rlvalue_fuzz::fuzz_check;
using rlvalue_fuzz::Index;
using rlvalue_fuzz::Outcome;

template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

template <class S>
std::string where(Index n, Index k, const char* what) {
  return std::string("categorical_projection (") + (sizeof(S) == 4 ? "float" : "double") +
         ", N=" + std::to_string(n) + ", K=" + std::to_string(k) + "): " + what;
}

/// A support: strictly increasing from a start with positive gaps, or (mode
/// bit) raw values that may be anything.
template <class S>
Vec<S> read_support(FuzzInput& in, Index k, bool raw) {
  Vec<S> z(k);
  if (raw) {
    for (Index i = 0; i < k; ++i) z[i] = in.scalar<S>();
    return z;
  }
  S x = in.finite_scalar<S>();
  for (Index i = 0; i < k; ++i) {
    z[i] = x;
    const std::uint8_t g = in.byte();
    const S gap = g < 240 ? static_cast<S>(g % 64 + 1) / S(8) : std::abs(FuzzInput::special<S>(g));
    x = x + gap;
  }
  return z;
}

/// An input atom: on a grid point, between two, or anywhere.
template <class S>
S read_atom(FuzzInput& in, const Vec<S>& z) {
  const std::uint8_t mode = in.byte();
  const Index k = z.size();
  if (k == 0 || mode >= 200) return in.scalar<S>();
  const Index i = static_cast<Index>(in.byte()) % k;
  if (mode < 80 || i + 1 == k) return z[i];
  const S frac = static_cast<S>(in.byte()) / S(256);
  return z[i] + frac * (z[i + 1] - z[i]);
}

template <class S>
bool valid_support(const Vec<S>& z) {
  if (z.size() < 1) return false;
  for (Index i = 0; i < z.size(); ++i) {
    if (!std::isfinite(z[i])) return false;
    if (i > 0 && !(z[i - 1] < z[i])) return false;
  }
  return true;
}

template <class S>
bool valid_probabilities(const Vec<S>& p) {
  double sum = 0;
  for (Index i = 0; i < p.size(); ++i) {
    if (!(p[i] >= S(0) && std::isfinite(p[i]))) return false;
    sum += double(p[i]);
  }
  return std::abs(sum - 1.0) <= double(std::sqrt(std::numeric_limits<S>::epsilon()));
}

template <class S>
void projection_case(FuzzInput& in) {
  const std::uint8_t mode = in.byte();
  const Index k = in.in_range(0, 40);
  const Index n = in.in_range(0, 40);
  const Vec<S> z = read_support<S>(in, k, (mode & 1u) != 0);
  Vec<S> y(n), p(n);
  for (Index j = 0; j < n; ++j) y[j] = read_atom<S>(in, z);
  if ((mode & 2u) != 0) {
    for (Index j = 0; j < n; ++j) p[j] = in.unit<S>();  // any numbers: usually not a distribution
  } else {
    double total = 0;
    Vec<double> w(n);
    for (Index j = 0; j < n; ++j) {
      const std::uint8_t b = in.byte();
      w[j] = b < 64 ? 0.0 : double(b);
      total += w[j];
    }
    for (Index j = 0; j < n; ++j) p[j] = total > 0 ? S(w[j] / total) : S(j == 0 ? 1 : 0);
  }
  // A wrong out size now and then.
  const Index out_size = (mode & 12u) == 12u ? k + 1 : k;
  const bool valid = valid_support(z) && valid_probabilities(p) && rlvalue_fuzz::all_finite(y) &&
                     out_size == k;
  constexpr S sentinel = S(0.375);
  Vec<S> out = Vec<S>::Constant(out_size, sentinel);
  const auto call =
      rlvalue_fuzz::call_rejecting([&] { rlvalue::categorical_projection(y, p, z, out); });
  if (!valid) {
    fuzz_check(call.outcome == Outcome::invalid_argument,
               where<S>(n, k, "invalid input did not throw std::invalid_argument"));
    fuzz_check((out.array() == sentinel).all(),
               where<S>(n, k, "a rejected projection wrote its output"));
    return;
  }
  fuzz_check(!call.threw(), where<S>(n, k, "valid input threw: ") + call.message);
  const double eps = double(std::numeric_limits<S>::epsilon());
  const double nk = double(n + k);
  double mass_in = 0, mass_out = 0, mean_in = 0, mean_out = 0, abs_mean_in = 0;
  // Means of atoms near the largest double, with a mass just above 1, would
  // overflow here: then they are taken of the atoms times 1/4 (exact).
  const double largest = std::numeric_limits<double>::max();
  const double scale =
      std::max(rlvalue_fuzz::max_abs(y), rlvalue_fuzz::max_abs(z)) > largest / 4 ? 0.25 : 1.0;
  bool inside = true;
  for (Index j = 0; j < n; ++j) {
    mass_in += double(p[j]);
    mean_in += double(p[j]) * (scale * double(y[j]));
    abs_mean_in += double(p[j]) * std::abs(scale * double(y[j]));
    inside = inside && y[j] >= z[0] && y[j] <= z[k - 1];
  }
  const double upper = 1.0 + std::sqrt(eps) + 4.0 * nk * eps;
  for (Index i = 0; i < k; ++i) {
    fuzz_check(out[i] >= S(0) && double(out[i]) <= upper,
               where<S>(n, k, "an output probability is outside [0, 1] (or not a number)"));
    mass_out += double(out[i]);
    mean_out += double(out[i]) * (scale * double(z[i]));
  }
  fuzz_check(std::abs(mass_out - mass_in) <= 4.0 * nk * eps * mass_in,
             where<S>(n, k, "mass is not conserved"));
  if (inside) {
    // Relative rounding, plus half a double denormal per product (subnormal supports).
    const double tol = 8.0 * nk * eps * (abs_mean_in + scale * rlvalue_fuzz::max_abs(z)) +
                       nk * std::numeric_limits<double>::denorm_min();
    if (!(std::abs(mean_out - mean_in) <= tol))
      fuzz_check(false, where<S>(n, k, "the mean is not conserved inside the support") +
                            "\n  atoms_out " + rlvalue_fuzz::show_all(z) + "\n  atoms_in  " +
                            rlvalue_fuzz::show_all(y) + "\n  probs_in  " + rlvalue_fuzz::show_all(p) +
                            "\n  out       " + rlvalue_fuzz::show_all(out));
  }
  // The allocating form, and a strided support (a row of a column-major matrix).
  const Vec<S> allocated = rlvalue::categorical_projection(y, p, z);
  fuzz_check(rlvalue_fuzz::same_bytes(allocated, out),
             where<S>(n, k, "the allocating form differs"));
  Eigen::Matrix<S, 2, Eigen::Dynamic> strided(2, k);
  strided.row(0) = z.transpose();
  strided.row(1).setConstant(S(0));
  Vec<S> out_strided(k);
  rlvalue::categorical_projection(y, p, strided.row(0), out_strided);
  fuzz_check(rlvalue_fuzz::same_bytes(out_strided, out),
             where<S>(n, k, "a strided support gives a different result"));
}

template <class S>
void uniform_support_case(FuzzInput& in) {
  const rlvalue::UniformSupport s{.v_min = double(in.scalar<S>()),
                                  .v_max = double(in.scalar<S>()),
                                  .num_atoms = static_cast<Index>(static_cast<std::int8_t>(in.byte()))};
  Vec<S> z;
  const auto call = rlvalue_fuzz::call_rejecting([&] { z = rlvalue::uniform_support<S>(s); });
  const bool valid = std::isfinite(s.v_min) && std::isfinite(s.v_max) && s.v_min < s.v_max &&
                     s.num_atoms >= 2;
  const std::string at = std::string("uniform_support(") + (sizeof(S) == 4 ? "float" : "double") +
                         ", v_min=" + std::to_string(s.v_min) + ", v_max=" +
                         std::to_string(s.v_max) + ", num_atoms=" + std::to_string(s.num_atoms) +
                         "): ";
  if (!valid) {
    fuzz_check(call.outcome == Outcome::invalid_argument,
               at + "an invalid support did not throw std::invalid_argument");
    return;
  }
  if (call.threw()) return;  // e.g. a range not representable in S: refusing is fine
  fuzz_check(z.size() == s.num_atoms, at + "wrong number of atoms");
  fuzz_check(valid_support(z), at + "the atoms are not finite and strictly increasing");
  fuzz_check(z[z.size() - 1] == static_cast<S>(s.v_max), at + "the last atom is not v_max");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const std::uint8_t what = in.byte();
  const bool is_float = (what & 1u) != 0;
  if ((what & 6u) == 6u) {  // one input in four: uniform_support
    if (is_float)
      uniform_support_case<float>(in);
    else
      uniform_support_case<double>(in);
    return 0;
  }
  if (is_float)
    projection_case<float>(in);
  else
    projection_case<double>(in);
  return 0;
}
