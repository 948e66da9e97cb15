#pragma once
/// @file
/// Linear categorical TD: categorical TD with softmax logits linear in the
/// features and a cross-entropy gradient step (C51's update on fixed
/// features; Bellemare, Dabney, Munos 2017, arXiv:1707.06887, Algorithm 1 and
/// eq. 7; Bellemare, Dabney, Rowland 2023, "Distributional RL", section 9.6):
///   m = Pi_z((r + gamma*z)_# p(s'))                  (no gradient through m)
///   W <- W - alpha * phi(s) (softmax(W^T phi(s)) - m)^T,
/// the gradient of the cross-entropy -sum_i m_i log p_i(s) with respect to W.
/// `terminated`: m = two_hot(r); `truncated` bootstraps from s'.

#include <Eigen/Core>
#include <cmath>
#include <string_view>

#include "rlvalue/approx/linear_categorical.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/distributional_losses.hpp"

namespace rlvalue {

/// Categorical TD on a LinearCategorical approximator (held by pointer; the
/// caller keeps it alive). Config: TDConfig; per_visit step sizes need a map
/// over finite states. Nothing allocates per update.
template <class Approximator>
class LinearCategoricalTD {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Approximator;
  /// Scalar type (float or double).
  using scalar_type = typename Approximator::scalar_type;
  /// Type of a state.
  using state_type = typename Approximator::state_type;
  /// The config aggregate, validated at construction.
  using config_type = TDConfig;
  /// The action is ignored.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `approx` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  LinearCategoricalTD(Approximator& approx, const TDConfig& config)
      : f_(&approx),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("LinearCategoricalTD", config.gamma)),
        steps_("LinearCategoricalTD", config.step_size, config.schedule, config.omega,
               detail::countable_states(approx)),
        next_(approx.num_atoms()),
        shifted_(approx.num_atoms()),
        target_(approx.num_atoms()),
        grad_(approx.num_atoms()) {}
  LinearCategoricalTD(Approximator&&, const TDConfig&) = delete;

  /// One step; returns the cross-entropy of p(s) against the target before
  /// the step. std::out_of_range (the map's check) for a bad state or
  /// next_state, std::invalid_argument for a non-finite reward or loss; a
  /// throwing update changes nothing.
  scalar_type update(const transition_type& t) {
    constexpr std::string_view where = "LinearCategoricalTD::update";
    f_->check_state(where, "state", t.state);
    f_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    const auto& z = f_->support();
    if (t.terminated) {
      detail::categorical_terminal_target(t.reward, z, target_);
    } else {
      f_->probabilities_unchecked(t.next_state, next_);
      detail::categorical_bootstrap_target(t.reward, gamma_, z, next_, shifted_, target_);
    }
    f_->logits_unchecked(t.state, next_);  // next_ now holds logits(s)
    // grad_ = d loss / d logits = softmax(logits(s)) - m (layer 1).
    const scalar_type loss = categorical_cross_entropy_gradient(target_, next_, grad_);
    if (!std::isfinite(loss)) [[unlikely]]
      fail_check(where, "cross_entropy", loss,
                 "is not finite (a logit is not finite); nothing was updated");
    const scalar_type alpha = steps_.take(slot(t.state));
    grad_ *= -alpha;
    f_->add_to_logits(t.state, grad_);
    return loss;
  }

  /// The mean of p(s).
  scalar_type value(const state_type& s) const {
    f_->check_state("LinearCategoricalTD::value", "state", s);
    return f_->mean(s);
  }

  /// The approximator this learner updates (the caller's object).
  Approximator& approximator() noexcept { return *f_; }
  /// The approximator this learner updates (the caller's object).
  const Approximator& approximator() const noexcept { return *f_; }
  /// The config given at construction.
  const TDConfig& config() const noexcept { return config_; }

 private:
  static Index slot(const state_type& s) noexcept {
    if constexpr (IndexedStateSpace<Approximator>) {
      return static_cast<Index>(s);
    } else {
      return 0;
    }
  }

  Approximator* f_;
  TDConfig config_;
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
  Eigen::Matrix<scalar_type, Eigen::Dynamic, 1> next_, shifted_, target_, grad_;
};

}  // namespace rlvalue
