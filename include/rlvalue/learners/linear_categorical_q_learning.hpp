#pragma once
/// @file
/// Linear categorical Q-learning: C51's control rule with softmax logits
/// linear in the state features, one weight block per action, and a
/// cross-entropy gradient step (Bellemare, Dabney, Munos 2017,
/// arXiv:1707.06887, Algorithm 1 and eq. 7, on fixed features; Bellemare,
/// Dabney, Rowland 2023, "Distributional RL", section 9.6):
///   a* = argmax_a' sum_i p_i(s', a') z_i           (ties to the lowest index)
///   m  = Pi_z((r + gamma*z)_# p(s', a*))           (no gradient through m)
///   W_a <- W_a + alpha * phi(s) (m - p(s, a))^T,
/// the gradient step on the cross-entropy -sum_i m_i log p_i(s, a) with
/// respect to the logits of (s, a) only; no other action's block moves.
/// `terminated`: m = two_hot(r) (no bootstrap); `truncated` bootstraps from
/// s', and the caller then ends the episode.

#include <Eigen/Core>
#include <cmath>
#include <string_view>

#include "rlvalue/approx/linear_categorical_q.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/distributional_losses.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of LinearCategoricalQLearning: TDConfig ({.gamma, .step_size,
/// .schedule, .omega}); per_visit counts visits of (s, a) and needs a map
/// over finite states.
using LinearCategoricalQLearningConfig = TDConfig;

/// C51 on a LinearCategoricalQ approximator (held by pointer; the caller
/// keeps it alive); see the header comment. Nothing allocates per update.
/// Reads use a buffer held by the learner: not safe to call concurrently.
template <class Approximator>
class LinearCategoricalQLearning {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Approximator;
  /// Scalar type (float or double).
  using scalar_type = typename Approximator::scalar_type;
  /// Type of a state.
  using state_type = typename Approximator::state_type;
  /// The config aggregate, validated at construction.
  using config_type = LinearCategoricalQLearningConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;
  /// Row of one value per action.
  using action_values_type = typename Approximator::action_values_type;

  /// Validates the config (std::invalid_argument naming the field).
  LinearCategoricalQLearning(Approximator& approx, const config_type& config)
      : f_(&approx),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("LinearCategoricalQLearning", config.gamma)),
        steps_("LinearCategoricalQLearning", config.step_size, config.schedule, config.omega,
               detail::countable_states(approx) * approx.num_actions()),
        all_(approx.num_actions() * approx.num_atoms()),
        shifted_(approx.num_atoms()),
        target_(approx.num_atoms()),
        logits_(approx.num_atoms()),
        grad_(approx.num_atoms()) {}
  LinearCategoricalQLearning(Approximator&&, const config_type&) = delete;

  /// One C51 step on (s, a); returns the cross-entropy of p(s, a) against
  /// the target before the step. std::out_of_range (naming "state",
  /// "action" or "next_state") for a bad index, std::invalid_argument for a
  /// non-finite reward or loss; a throwing update changes nothing.
  scalar_type update(const transition_type& t) {
    constexpr std::string_view where = "LinearCategoricalQLearning::update";
    f_->check_state(where, "state", t.state);
    f_->check_action(where, "action", t.action);
    f_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    const auto& z = f_->support();
    if (t.terminated) {
      detail::categorical_terminal_target(t.reward, z, target_);
    } else {
      f_->all_probabilities_unchecked(t.next_state, all_);
      const Index best = argmax(f_->means(all_));
      detail::categorical_bootstrap_target(t.reward, gamma_, z,
                                           all_.segment(best * z.size(), z.size()), shifted_,
                                           target_);
    }
    f_->logits_unchecked(t.state, t.action, logits_);
    // grad_ = d loss / d logits(s, a) = p(s, a) - m (layer 1).
    const scalar_type loss = categorical_cross_entropy_gradient(target_, logits_, grad_);
    if (!std::isfinite(loss)) [[unlikely]]
      fail_check(where, "cross_entropy", loss,
                 "is not finite (a logit is not finite); nothing was updated");
    const scalar_type alpha = steps_.take(slot(t.state, t.action));
    grad_ *= -alpha;
    f_->add_to_logits(t.state, t.action, grad_);
    return loss;
  }

  /// q(s, a) = the mean of p(s, a).
  scalar_type q(const state_type& s, Index a) const {
    f_->check_state("LinearCategoricalQLearning::q", "state", s);
    f_->check_action("LinearCategoricalQLearning::q", "action", a);
    return f_->value(s, a);
  }
  /// The means q(s, .) of every action (fixed-capacity row, no heap): with
  /// num_actions() and check_state this makes the learner an
  /// ActionValueReader, so the policies of policies/ take it directly.
  action_values_type action_values(const state_type& s) const {
    f_->check_state("LinearCategoricalQLearning::action_values", "state", s);
    f_->all_probabilities_unchecked(s, all_);
    return f_->means(all_);
  }
  /// max_a q(s, a).
  scalar_type value(const state_type& s) const {
    f_->check_state("LinearCategoricalQLearning::value", "state", s);
    return action_values(s).maxCoeff();
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    f_->check_state("LinearCategoricalQLearning::greedy_action", "state", s);
    return argmax(action_values(s));
  }
  /// p(s, a) as a new vector (allocates).
  Eigen::Matrix<scalar_type, Eigen::Dynamic, 1> probabilities(const state_type& s, Index a) const {
    return f_->probabilities(s, a);
  }
  /// Visits of (s, a) counted by the per-visit schedule (0 under constant).
  Index visit_count(const state_type& s, Index a) const {
    f_->check_state("LinearCategoricalQLearning::visit_count", "state", s);
    f_->check_action("LinearCategoricalQLearning::visit_count", "action", a);
    return steps_.visits(slot(s, a));
  }

  /// Number of actions.
  Index num_actions() const noexcept { return f_->num_actions(); }
  /// Throws std::out_of_range naming `where` and `name` (and the value) if the state is not valid.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    f_->check_state(where, name, s);
  }
  /// The approximator this learner updates (the caller's object).
  Approximator& approximator() noexcept { return *f_; }
  /// The approximator this learner updates (the caller's object).
  const Approximator& approximator() const noexcept { return *f_; }
  /// The config given at construction.
  const config_type& config() const noexcept { return config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }

 private:
  Index slot(const state_type& s, Index a) const noexcept {
    if constexpr (IndexedStateSpace<Approximator>) {
      return static_cast<Index>(s) * f_->num_actions() + a;
    } else {
      return 0;
    }
  }

  Approximator* f_;
  config_type config_;
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
  mutable Eigen::Matrix<scalar_type, Eigen::Dynamic, 1> all_;  // A*K probabilities of one state
  Eigen::Matrix<scalar_type, Eigen::Dynamic, 1> shifted_, target_, logits_, grad_;
};

}  // namespace rlvalue
