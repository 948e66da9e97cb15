#pragma once
/// @file
/// CVaR-greedy policy over a distributional action-value learner
/// (CategoricalQLearning, QuantileQLearning): the action whose return
/// distribution has the largest lower-tail CVaR at level alpha,
///   pi(s) = argmax_a CVaR_alpha(Z(s, a)),  CVaR_alpha = (1/alpha) int_0^alpha F^{-1}(u) du,
/// ties to the lowest index; alpha = 1 is greedy by the mean (Rockafellar &
/// Uryasev 2000; risk-sensitive distributional control as in Dabney et al.
/// 2018, "Implicit quantile networks", arXiv:1806.06923, section 3.1).

#include <Eigen/Core>
#include <random>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Deterministic CVaR-greedy policy reading a learner with
/// `cvar_greedy_action(s, alpha)` and `approximator().num_actions()`, held by
/// pointer (it follows the learner's updates; a temporary is rejected).
/// `probabilities(s)` returns a one-hot row in an internal buffer that the
/// next call overwrites. Neither call allocates.
template <class Learner>
class CVaRGreedy {
 public:
  /// Scalar type (float or double).
  using scalar_type = typename Learner::scalar_type;
  /// Type of a state.
  using state_type = typename Learner::state_type;
  /// Column vector of action probabilities.
  using probability_vector = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;

  /// alpha in (0, 1] (std::invalid_argument otherwise).
  CVaRGreedy(const Learner& learner, double alpha)
      : learner_(&learner),
        alpha_(static_cast<scalar_type>(alpha)),
        probs_(probability_vector::Zero(learner.approximator().num_actions())) {
    if (!(alpha > 0.0 && alpha <= 1.0)) [[unlikely]]
      fail_check("CVaRGreedy", "alpha", alpha, "is outside (0, 1]");
  }
  CVaRGreedy(const Learner&&, double) = delete;

  /// Number of actions.
  Index num_actions() const noexcept { return probs_.size(); }
  /// Risk level alpha in (0, 1] of CVaR_alpha.
  scalar_type alpha() const noexcept { return alpha_; }

  /// argmax_a CVaR_alpha(Z(s, a)) (no randomness drawn).
  template <std::uniform_random_bit_generator G>
  Index action(const state_type& s, G&) const {
    return learner_->cvar_greedy_action(s, alpha_);
  }

  /// One-hot on action(s); overwritten by the next call.
  const probability_vector& probabilities(const state_type& s) {
    const Index a = learner_->cvar_greedy_action(s, alpha_);
    probs_.setZero();
    probs_[a] = scalar_type(1);
    return probs_;
  }

 private:
  const Learner* learner_;
  scalar_type alpha_;
  probability_vector probs_;
};

}  // namespace rlvalue
