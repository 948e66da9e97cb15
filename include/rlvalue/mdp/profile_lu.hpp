#pragma once
/// @file
/// The sparse direct solver behind evaluate_policy's LinearSolver::sparse:
/// (I - gamma P) v = r for a sub-stochastic P given as a list of entries.
///
/// The unknowns are renumbered by reverse Cuthill-McKee (George & Liu 1981,
/// ch. 4) on the symmetric pattern of P + P^T, which keeps the nonzeros near
/// the diagonal (a chain or a gridworld row by row becomes a band as wide as
/// its longest edge). The matrix is then factorised A = L U in profile
/// (skyline) storage: row i of L and column i of U are kept from the first
/// column of row i's envelope to the diagonal, which contains all of the
/// fill (op. cit., thm 4.1.1), so the cost is sum_i (envelope width)^2.
///
/// No pivoting is needed: when the system is solvable (gamma < 1, or gamma = 1
/// and every state reaches termination, which evaluate_policy checks first),
/// A = I - gamma P is a nonsingular M-matrix, and so is every leading
/// principal submatrix of any symmetric renumbering of it. The pivots are
/// positive and Gaussian elimination without pivoting is stable for it (A is
/// diagonally dominant by rows; Golub & Van Loan 2013, sec. 3.4.3). A pivot
/// that is not positive and finite reports a numerically singular system.
///
/// Kept out of Eigen's sparse modules on purpose: they were a third of what
/// <rlvalue/rlvalue.hpp> added to the front end's work over <Eigen/Dense>
/// (48 of 149 MB of g++'s memory; issue 9's compile-time budget), and this
/// system needs none of their generality.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "rlvalue/core/types.hpp"

namespace rlvalue::detail {

/// One entry P(from, to) = probability of a transition matrix; entries with
/// the same (from, to) are summed.
struct TransitionEntry {
  Index from = 0;           ///< row (the state left)
  Index to = 0;             ///< column (the state reached)
  double probability = 0;   ///< P(from, to) or a part of it
};

// The functions below are templates over the entry type (only
// TransitionEntry is used), with the index and value types taken from it, so
// that their sorts and vector growth are compiled where a solver is used, not
// in every translation unit that includes the header (issue 9's compile-time
// budget).

/// The symmetric pattern of P + P^T without the diagonal, as adjacency lists
/// in compressed form: the neighbours of i are adjacent[start[i]..start[i+1]),
/// sorted and without duplicates. I is the index type (Index).
template <class I>
struct BasicSymmetricPattern {
  std::vector<std::size_t> start;  ///< n + 1 offsets into `adjacent`
  std::vector<I> adjacent;         ///< neighbour lists, concatenated
  /// Number of neighbours of i.
  I degree(I i) const {
    const auto k = static_cast<std::size_t>(i);
    return static_cast<I>(start[k + 1] - start[k]);
  }
};

/// The pattern over Index unknowns.
using SymmetricPattern = BasicSymmetricPattern<Index>;

/// Builds the symmetric pattern of `entries` over n unknowns.
template <class Entry = TransitionEntry>
BasicSymmetricPattern<decltype(Entry::from)> symmetric_pattern(
    Index n, const std::vector<Entry>& entries) {
  using I = decltype(Entry::from);
  const auto N = static_cast<std::size_t>(n);
  BasicSymmetricPattern<I> g;
  std::vector<std::size_t> count(N + 1, 0);
  for (const auto& e : entries)
    if (e.from != e.to) {
      ++count[static_cast<std::size_t>(e.from) + 1];
      ++count[static_cast<std::size_t>(e.to) + 1];
    }
  for (std::size_t i = 0; i < N; ++i) count[i + 1] += count[i];
  std::vector<I> raw(count[N]);
  std::vector<std::size_t> fill(count.begin(), count.end() - 1);
  for (const auto& e : entries)
    if (e.from != e.to) {
      raw[fill[static_cast<std::size_t>(e.from)]++] = e.to;
      raw[fill[static_cast<std::size_t>(e.to)]++] = e.from;
    }
  g.start.assign(N + 1, 0);
  g.adjacent.reserve(raw.size());
  for (std::size_t i = 0; i < N; ++i) {
    const auto first = raw.begin() + static_cast<std::ptrdiff_t>(count[i]);
    const auto last = raw.begin() + static_cast<std::ptrdiff_t>(count[i + 1]);
    std::sort(first, last);
    g.adjacent.insert(g.adjacent.end(), first, std::unique(first, last));
    g.start[i + 1] = g.adjacent.size();
  }
  return g;
}

/// Breadth-first levels from `root` over the unvisited part of its component:
/// appends the nodes in visiting order to `out` (neighbours of each node in
/// increasing degree, then index) and marks them in `seen`. Returns the number
/// of levels; `last_level` receives the nodes of the deepest one. With
/// `keep` false the marks are undone (a trial search).
template <class I>
I bfs_levels(const BasicSymmetricPattern<I>& g, I root, std::vector<char>& seen, std::vector<I>& out,
             std::vector<I>& last_level, bool keep) {
  const std::size_t begin = out.size();
  out.push_back(root);
  seen[static_cast<std::size_t>(root)] = 1;
  I levels = 0;
  std::size_t level_begin = begin;
  std::vector<I> next;
  while (level_begin < out.size()) {
    const std::size_t level_end = out.size();
    ++levels;
    for (std::size_t q = level_begin; q < level_end; ++q) {
      const auto u = static_cast<std::size_t>(out[q]);
      next.clear();
      for (std::size_t k = g.start[u]; k < g.start[u + 1]; ++k) {
        const I w = g.adjacent[k];
        if (!seen[static_cast<std::size_t>(w)]) {
          seen[static_cast<std::size_t>(w)] = 1;
          next.push_back(w);
        }
      }
      std::sort(next.begin(), next.end(), [&](I a, I b) {
        const I da = g.degree(a), db = g.degree(b);
        return da != db ? da < db : a < b;
      });
      out.insert(out.end(), next.begin(), next.end());
    }
    if (out.size() == level_end)
      last_level.assign(out.begin() + static_cast<std::ptrdiff_t>(level_begin),
                        out.begin() + static_cast<std::ptrdiff_t>(level_end));
    level_begin = level_end;
  }
  if (!keep) {
    for (std::size_t q = begin; q < out.size(); ++q) seen[static_cast<std::size_t>(out[q])] = 0;
    out.resize(begin);
  }
  return levels;
}

/// Reverse Cuthill-McKee order of the n unknowns: order[k] is the old index
/// of the k-th unknown. Each connected component starts from a
/// pseudo-peripheral node (George & Liu's search: from a node of least degree,
/// move to a least-degree node of the deepest level while that deepens the
/// search).
template <class I>
std::vector<I> reverse_cuthill_mckee(I n, const BasicSymmetricPattern<I>& g) {
  const auto N = static_cast<std::size_t>(n);
  std::vector<I> by_degree(N);
  for (std::size_t i = 0; i < N; ++i) by_degree[i] = static_cast<I>(i);
  std::stable_sort(by_degree.begin(), by_degree.end(),
                   [&](I a, I b) { return g.degree(a) < g.degree(b); });
  std::vector<char> seen(N, 0);
  std::vector<I> order, last, trial;
  order.reserve(N);
  for (const I seed : by_degree) {
    if (seen[static_cast<std::size_t>(seed)]) continue;
    I root = seed;
    I depth = bfs_levels(g, root, seen, trial, last, false);
    for (int tries = 0; tries < 8; ++tries) {  // a few steps reach a good root
      const I candidate = *std::min_element(last.begin(), last.end(), [&](I a, I b) {
        const I da = g.degree(a), db = g.degree(b);
        return da != db ? da < db : a < b;
      });
      std::vector<I> candidate_last;
      const I d = bfs_levels(g, candidate, seen, trial, candidate_last, false);
      if (d <= depth) break;
      root = candidate;
      depth = d;
      last = std::move(candidate_last);
    }
    bfs_levels(g, root, seen, order, last, true);
  }
  std::reverse(order.begin(), order.end());
  return order;
}

/// Solves (I - gamma P) v = r, P given by `entries` over n states (every
/// index in [0, n)), r and v of length n. Returns false, leaving v
/// unspecified, when a pivot is not positive and finite (the system is
/// singular in floating point). Allocates O(n + nnz + profile).
template <class Entry = TransitionEntry>
bool solve_discounted_system(Index n, const std::vector<Entry>& entries, double gamma,
                             const double* r, double* v) {
  using I = decltype(Entry::from);
  using Real = decltype(Entry::probability);
  const auto N = static_cast<std::size_t>(n);
  if (N == 0) return true;
  const BasicSymmetricPattern<I> g = symmetric_pattern(n, entries);
  const std::vector<I> order = reverse_cuthill_mckee(I(n), g);
  std::vector<I> position(N);  // old index -> new
  for (std::size_t k = 0; k < N; ++k) position[static_cast<std::size_t>(order[k])] = I(k);

  // Envelope: row i of L and column i of U span [first[i], i).
  std::vector<I> first(N);
  std::vector<std::size_t> offset(N + 1, 0);
  for (std::size_t i = 0; i < N; ++i) {
    const auto old = static_cast<std::size_t>(order[i]);
    I f = I(i);
    for (std::size_t k = g.start[old]; k < g.start[old + 1]; ++k)
      f = std::min(f, position[static_cast<std::size_t>(g.adjacent[k])]);
    first[i] = f;
    offset[i + 1] = offset[i] + (i - static_cast<std::size_t>(f));
  }
  std::vector<Real> lower(offset[N], 0.0), upper(offset[N], 0.0), diag(N, 1.0);
  for (const auto& e : entries) {
    const auto i = static_cast<std::size_t>(position[static_cast<std::size_t>(e.from)]);
    const auto j = static_cast<std::size_t>(position[static_cast<std::size_t>(e.to)]);
    const Real a = -gamma * e.probability;
    if (i == j)
      diag[i] += a;
    else if (i > j)
      lower[offset[i] + j - static_cast<std::size_t>(first[i])] += a;
    else
      upper[offset[j] + i - static_cast<std::size_t>(first[j])] += a;
  }
  // L(i, k) for k in [first[i], i) is lower[offset[i] + k - first[i]];
  // U(k, i) likewise in upper. Dot product of row i of L and column j of U
  // over [from, to), both within the two envelopes.
  auto dot = [&](std::size_t i, std::size_t j, std::size_t from, std::size_t to) {
    const Real* l = lower.data() + offset[i];
    const Real* u = upper.data() + offset[j];
    const auto fi = static_cast<std::size_t>(first[i]), fj = static_cast<std::size_t>(first[j]);
    // Four partial sums: independent chains the compiler can also vectorise
    // (a near-dense envelope, as in a Garnet, spends its time here).
    const Real* a = l + (from - fi);
    const Real* b = u + (from - fj);
    const std::size_t m = to > from ? to - from : 0;
    Real s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    std::size_t k = 0;
    for (; k + 4 <= m; k += 4) {
      s0 += a[k] * b[k];
      s1 += a[k + 1] * b[k + 1];
      s2 += a[k + 2] * b[k + 2];
      s3 += a[k + 3] * b[k + 3];
    }
    for (; k < m; ++k) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
  };
  for (std::size_t i = 0; i < N; ++i) {
    const auto f = static_cast<std::size_t>(first[i]);
    // Column i of U, rows f..i-1 (each uses the rows above it).
    for (std::size_t j = f; j < i; ++j) {
      const std::size_t from = std::max(f, static_cast<std::size_t>(first[j]));
      upper[offset[i] + j - f] -= dot(j, i, from, j);
    }
    // Row i of L, columns f..i-1 (each uses the columns before it).
    for (std::size_t j = f; j < i; ++j) {
      const std::size_t from = std::max(f, static_cast<std::size_t>(first[j]));
      Real& l = lower[offset[i] + j - f];
      l = (l - dot(i, j, from, j)) / diag[j];
    }
    diag[i] -= dot(i, i, f, i);
    if (!(diag[i] > 0.0) || !std::isfinite(diag[i])) return false;
  }
  // L y = r (renumbered), then U x = y by columns, then back to the old order.
  std::vector<Real> y(N);
  for (std::size_t i = 0; i < N; ++i) {
    const auto f = static_cast<std::size_t>(first[i]);
    const Real* l = lower.data() + offset[i];
    Real s = r[static_cast<std::size_t>(order[i])];
    for (std::size_t k = f; k < i; ++k) s -= l[k - f] * y[k];
    y[i] = s;
  }
  for (std::size_t j = N; j-- > 0;) {
    y[j] /= diag[j];
    const auto f = static_cast<std::size_t>(first[j]);
    const Real* u = upper.data() + offset[j];
    for (std::size_t k = f; k < j; ++k) y[k] -= u[k - f] * y[j];
  }
  for (std::size_t i = 0; i < N; ++i) v[static_cast<std::size_t>(order[i])] = y[i];
  return true;
}

}  // namespace rlvalue::detail
