#pragma once
/// @file
/// Exact asymptotic mean squared errors of batch TD (certainty equivalence)
/// and of first-visit Monte Carlo on a finite episodic Markov reward process,
/// and their ratio (Cheikhi & Russo, "On the Statistical Benefits of Temporal
/// Difference Learning", ICML 2023, arXiv:2301.13289). Derivation:
/// docs/td_vs_mc_statistics.md. With N episodes from the start distribution
/// mu0, transition matrix P among states (sub-stochastic: the missing mass
/// terminates), M = (I - gamma P)^-1, V = M r:
///   nu     = (I - P)^-T mu0                   expected visits per episode
///   p(s)   = nu(s) / [(I - P)^-1](s, s)       probability an episode visits s
///   sigma2(s) = Var(R + gamma V(S') | s)      one-step TD-error variance
///   VarG   = (I - gamma^2 P)^-1 sigma2        variance of the return from s
///   N * MSE_TD(s) -> sum_j M(s, j)^2 sigma2(j) / nu(j)
///   N * MSE_MC(s) -> VarG(s) / p(s)
///   ratio(s) = MSE_TD(s) / MSE_MC(s)   (<= 1 when no state is revisited;
///   the inverse of the paper's trajectory pooling coefficient)
/// Rewards are those of the outcomes (each outcome's reward is deterministic;
/// a random reward is a set of outcomes). Every state reachable from mu0 must
/// reach termination with probability 1.
///
/// Also: the estimates themselves from N sampled episodes (for simulation),
/// the layered chain of the paper's experiment and a chain of disjoint
/// paths (where the coefficient is 1: TD pools nothing).

#include <Eigen/Core>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <stdexcept>
#include <vector>
#include <limits>
#include <random>
#include <string_view>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

namespace rlvalue {

/// What td_mc_statistics computes, one entry per state. Entries of states
/// never visited from mu0 (p(s) = 0) are NaN in td_mse, mc_mse and ratio.
struct TdMcStatistics {
  Eigen::VectorXd values;             ///< V = (I - gamma P)^-1 r
  Eigen::VectorXd visits;             ///< nu(s): expected visits per episode
  Eigen::VectorXd visit_probability;  ///< p(s): probability an episode visits s
  Eigen::VectorXd td_error_variance;  ///< sigma2(s) = Var(R + gamma V(S') | s)
  Eigen::VectorXd return_variance;    ///< Var(G | S_0 = s)
  Eigen::VectorXd td_mse;             ///< asymptotic MSE of batch TD with N episodes
  Eigen::VectorXd mc_mse;             ///< asymptotic MSE of first-visit MC with N episodes
  Eigen::VectorXd ratio;              ///< td_mse / mc_mse (1 where both are 0)
};

/// Exact asymptotic MSEs of batch TD and first-visit Monte Carlo (formulas
/// above) for the Markov reward process `mrp` (action 0 of a FiniteMDP with
/// one action), start distribution `start`, discount gamma and N episodes.
/// std::invalid_argument for more than one action, a bad start distribution,
/// gamma outside [0, 1], N < 1, or a chain that does not terminate from a
/// state reachable from the start (naming it).
template <FiniteMDP M>
TdMcStatistics td_mc_statistics(const M& mrp, const Eigen::Ref<const Eigen::VectorXd>& start,
                                double gamma, Index num_episodes) {
  constexpr std::string_view where = "td_mc_statistics";
  // Through a dependent type (core/dependent.hpp): compiled only where used.
  const detail::dependent_t<Eigen::Ref<const Eigen::VectorXd>, M>& mu = start;
  const Index S = static_cast<Index>(mrp.num_states());
  if (static_cast<Index>(mrp.num_actions()) != 1)
    fail_check(where, "num_actions", static_cast<Index>(mrp.num_actions()),
               "must be 1 (a Markov reward process)");
  check_size(where, "start", mu.size(), S);
  for (Index s = 0; s < S; ++s) check_unit_interval(where, "start[s]", mu[s]);
  if (std::abs(mu.sum() - 1.0) > 1e-9) fail_check(where, "sum of start", mu.sum(), "must be 1");
  check_unit_interval(where, "gamma", gamma);
  check_at_least_one(where, "num_episodes", num_episodes);
  using Mat = detail::dependent_t<Eigen::MatrixXd, M>;  // see core/dependent.hpp
  using Vec = detail::dependent_t<Eigen::VectorXd, M>;

  Mat P = Mat::Zero(S, S);
  Vec r = Vec::Zero(S);
  for (Index s = 0; s < S; ++s)
    for (const auto& o : mrp.outcomes(s, 0)) {
      r[s] += static_cast<double>(o.probability) * static_cast<double>(o.reward);
      if (!o.terminal) P(s, o.next_state) += static_cast<double>(o.probability);
    }
  const Mat I = Mat::Identity(S, S);
  // Reachable states must terminate: then I - P restricted to them is
  // invertible. Unreachable states are decoupled by zeroing their rows.
  Vec reach = mu;
  for (Index k = 0; k < S; ++k) reach = (mu + P.transpose() * reach).cwiseMin(1.0);
  Mat Pr = P;
  for (Index s = 0; s < S; ++s)
    if (reach[s] == 0.0) Pr.row(s).setZero();
  Eigen::FullPivLU<Mat> lu(I - Pr);
  if (!lu.isInvertible())
    fail_check(where, "num_states", S,
               "chain: some state reachable from the start never terminates (I - P is singular)");
  const Mat visits_from = lu.inverse();  // (I - P)^-1: expected visits
  const Mat Mg = (I - gamma * Pr).fullPivLu().inverse();
  TdMcStatistics out;
  out.values = Mg * r;
  out.visits = visits_from.transpose() * mu;
  out.visit_probability = out.visits.cwiseQuotient(visits_from.diagonal());
  out.td_error_variance = Vec::Zero(S);
  for (Index s = 0; s < S; ++s)
    for (const auto& o : mrp.outcomes(s, 0)) {
      const double target = static_cast<double>(o.reward) +
                             (o.terminal ? 0.0 : gamma * out.values[o.next_state]);
      const double e = target - out.values[s];
      out.td_error_variance[s] += static_cast<double>(o.probability) * e * e;
    }
  out.return_variance = (I - gamma * gamma * Pr).fullPivLu().solve(out.td_error_variance);
  const double n = static_cast<double>(num_episodes);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.td_mse = Vec::Constant(S, nan);
  out.mc_mse = Vec::Constant(S, nan);
  out.ratio = Vec::Constant(S, nan);
  for (Index s = 0; s < S; ++s) {
    if (!(out.visit_probability[s] > 0.0)) continue;
    double td = 0.0;
    for (Index j = 0; j < S; ++j)
      if (out.visits[j] > 0.0 && Mg(s, j) != 0.0)
        td += Mg(s, j) * Mg(s, j) * out.td_error_variance[j] / out.visits[j];
    out.td_mse[s] = td / n;
    out.mc_mse[s] = out.return_variance[s] / (out.visit_probability[s] * n);
    out.ratio[s] = out.mc_mse[s] > 0.0 ? out.td_mse[s] / out.mc_mse[s] : 1.0;
  }
  return out;
}

/// Batch TD and first-visit Monte Carlo estimates from one data set.
struct TdMcEstimates {
  Eigen::VectorXd td;  ///< certainty equivalence (I - gamma P_hat)^-1 r_hat; NaN if unvisited
  Eigen::VectorXd mc;  ///< mean first-visit return per state; NaN if unvisited
};

/// Samples N episodes of `mrp` (action 0) from `start` and returns both
/// estimates: batch TD as certainty equivalence of the empirical model
/// (P_hat(s, s') = n(s, s') / n(s), r_hat(s) = mean reward from s; what batch
/// TD(0) and tabular LSTD(0) converge to), and first-visit Monte Carlo.
/// `max_steps` caps an episode (std::runtime_error if reached).
template <FiniteMDP M, std::uniform_random_bit_generator G>
TdMcEstimates sample_td_mc_estimates(const M& mrp,
                                     const Eigen::Ref<const Eigen::VectorXd>& start,
                                     double gamma, Index num_episodes, G& rng,
                                     Index max_steps = 1000000) {
  constexpr std::string_view where = "sample_td_mc_estimates";
  // Through a dependent type (core/dependent.hpp): compiled only where used.
  const detail::dependent_t<Eigen::Ref<const Eigen::VectorXd>, M>& mu = start;
  const Index S = static_cast<Index>(mrp.num_states());
  check_size(where, "start", mu.size(), S);
  check_unit_interval(where, "gamma", gamma);
  check_at_least_one(where, "num_episodes", num_episodes);
  using Mat = detail::dependent_t<Eigen::MatrixXd, M>;  // see core/dependent.hpp
  using Vec = detail::dependent_t<Eigen::VectorXd, M>;
  Mat counts = Mat::Zero(S, S);
  Vec n = Vec::Zero(S), reward_sum = Vec::Zero(S);
  Vec return_sum = Vec::Zero(S), first = Vec::Zero(S);
  std::vector<Index> states;
  std::vector<double> rewards;
  std::vector<char> seen(static_cast<std::size_t>(S));
  Vec probs;
  for (Index e = 0; e < num_episodes; ++e) {
    states.clear();
    rewards.clear();
    Index s = sample_discrete(rng, mu);
    for (Index t = 0;; ++t) {
      if (t == max_steps) throw std::runtime_error("sample_td_mc_estimates: episode hit max_steps");
      const auto outcomes = mrp.outcomes(s, 0);
      probs.resize(static_cast<Index>(outcomes.size()));
      Index k = 0;
      for (const auto& o : outcomes) probs[k++] = static_cast<double>(o.probability);
      const auto& o = outcomes[static_cast<std::size_t>(sample_discrete(rng, probs))];
      states.push_back(s);
      rewards.push_back(static_cast<double>(o.reward));
      n[s] += 1;
      reward_sum[s] += static_cast<double>(o.reward);
      if (o.terminal) break;
      counts(s, o.next_state) += 1;
      s = o.next_state;
    }
    // First-visit returns: walk backward, keep the return at the earliest visit.
    std::fill(seen.begin(), seen.end(), char(0));
    const Index T = static_cast<Index>(states.size());
    std::vector<double> g(static_cast<std::size_t>(T));
    double G_t = 0.0;
    for (Index t = T - 1; t >= 0; --t) {
      G_t = rewards[static_cast<std::size_t>(t)] + gamma * G_t;
      g[static_cast<std::size_t>(t)] = G_t;
    }
    for (Index t = 0; t < T; ++t) {
      const Index st = states[static_cast<std::size_t>(t)];
      if (seen[static_cast<std::size_t>(st)]) continue;
      seen[static_cast<std::size_t>(st)] = 1;
      first[st] += 1;
      return_sum[st] += g[static_cast<std::size_t>(t)];
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Mat A = Mat::Identity(S, S);
  Vec r_hat = Vec::Zero(S);
  for (Index s = 0; s < S; ++s)
    if (n[s] > 0) {
      A.row(s) -= (gamma / n[s]) * counts.row(s);
      r_hat[s] = reward_sum[s] / n[s];
    }
  TdMcEstimates out;
  out.td = A.partialPivLu().solve(r_hat);
  out.mc = Vec::Constant(S, nan);
  for (Index s = 0; s < S; ++s) {
    if (n[s] == 0) out.td[s] = nan;
    if (first[s] > 0) out.mc[s] = return_sum[s] / first[s];
  }
  return out;
}

/// A Markov reward process with its start distribution.
struct EpisodicMRP {
  /// The Markov reward process (one action).
  TabularMDP<double> mrp;
  /// Start-state distribution (sums to 1).
  Eigen::VectorXd start;
};

/// Cheikhi & Russo's layered chain: `layers` layers of `width` states
/// (state l*width + i), each state moving to every state of the next layer
/// with probability 1/width and reward 0; leaving the last layer ends the
/// episode with reward 0 or 1 (probability 1/2 each); start uniform on the
/// first layer. With gamma = 1 every value is 1/2, and the ratio of
/// first-layer states is 1/width. `disjoint = true` gives `width` separate
/// paths instead (state l*width + i moves to (l+1)*width + i): no pooling,
/// ratio 1. std::invalid_argument unless layers >= 1 and width >= 1.
/// (A template on the integer types of layers and width only so that it is
/// compiled where it is used: see core/dependent.hpp.)
template <std::integral Layers, std::integral Width>
EpisodicMRP layered_chain(Layers num_layers, Width num_width, bool disjoint = false) {
  const auto layers = static_cast<Index>(num_layers);
  const auto width = static_cast<Index>(num_width);
  check_at_least_one("layered_chain", "layers", layers);
  check_at_least_one("layered_chain", "width", width);
  const Index S = layers * width;
  typename TabularMDP<detail::dependent_t<double, Layers>>::Builder b(S, 1);
  for (Index l = 0; l < layers; ++l)
    for (Index i = 0; i < width; ++i) {
      const Index s = l * width + i;
      if (l + 1 == layers) {
        b.add(s, 0, s, 0.5, 0.0, true);
        b.add(s, 0, s, 0.5, 1.0, true);
      } else if (disjoint) {
        b.add(s, 0, s + width, 1.0, 0.0, false);
      } else {
        for (Index j = 0; j < width; ++j)
          b.add(s, 0, (l + 1) * width + j, 1.0 / static_cast<double>(width), 0.0, false);
      }
    }
  detail::dependent_t<Eigen::VectorXd, Layers> start(S);
  for (Index s = 0; s < S; ++s) start[s] = s < width ? 1.0 / static_cast<double>(width) : 0.0;
  return {std::move(b).build(), start};
}

}  // namespace rlvalue
