#pragma once
/// @file
/// OfflineLambdaReturn<V>: the offline lambda-return algorithm (forward view;
/// Sutton & Barto 2nd ed. section 12.1, eq. 12.4). Weights do not change during
/// an episode; when it ends, the lambda-returns are computed with the weights
/// w of the episode,
///   G_{T-1} = r_T + gamma * v(s_T)   (v(s_T) = 0 if `terminated`; truncation
///                                     bootstraps)
///   G_t     = r_{t+1} + gamma * ((1 - lambda) * v(s_{t+1}) + lambda * G_{t+1}),
/// and the updates are made in time order, t = 0..T-1:
///   w_{t+1} = w_t + alpha * (G_t - v(s_t; w_t)) * grad v(s_t)
/// (`.sequential = true`, the book's rule: each prediction reads the weights
/// as updated so far; in a table a state visited twice is not overshot).
/// With `.sequential = false` every prediction uses the episode's w too, so
/// the summed update equals offline TD(lambda) with accumulating traces
/// exactly (forward view = backward view, S&B section 12.2).
#include <string_view>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"

namespace rlvalue {

/// Config of OfflineLambdaReturn.
struct OfflineLambdaReturnConfig {
  double gamma = 1.0;      ///< in [0, 1]
  double step_size = 0.1;  ///< alpha > 0
  double lambda = 0.9;     ///< in [0, 1]
  bool sequential = true;  ///< predictions read the weights updated so far (the book)
  Index reserve = 1024;    ///< steps of episode buffer allocated up front (>= 1)
};

/// The offline lambda-return algorithm on a state-value approximator.
template <StateValueFunction V>
class OfflineLambdaReturn {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = OfflineLambdaReturnConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `v` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  OfflineLambdaReturn(V& v, const OfflineLambdaReturnConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("OfflineLambdaReturn", config.gamma)),
        lambda_(static_cast<scalar_type>(detail::checked_lambda("OfflineLambdaReturn", config.lambda))) {
    (void)checked_positive_as<scalar_type>("OfflineLambdaReturn", "step_size", config.step_size);
    check_at_least_one("OfflineLambdaReturn", "reserve", config.reserve);
    alpha_ = static_cast<scalar_type>(config.step_size);
    const auto n = static_cast<std::size_t>(config.reserve);
    states_.reserve(n);
    rewards_.reserve(n);
    values_.reserve(n + 1);
    returns_.reserve(n);
  }
  OfflineLambdaReturn(V&&, const OfflineLambdaReturnConfig&) = delete;

  /// Records a transition; at a `terminated` or `truncated` one, performs the
  /// episode's updates and returns the number of states updated (0
  /// otherwise). Throws for a bad state/next_state or a non-finite reward; a
  /// throwing call changes nothing.
  Index update(const transition_type& t) {
    v_->check_state("OfflineLambdaReturn::update", "state", t.state);
    v_->check_state("OfflineLambdaReturn::update", "next_state", t.next_state);
    check_finite("OfflineLambdaReturn::update", "reward", t.reward);
    states_.push_back(t.state);
    rewards_.push_back(t.reward);
    if (!(t.terminated || t.truncated)) return 0;
    return learn(t.terminated ? scalar_type(0) : v_->value(t.next_state));
  }

  /// Steps recorded in the open episode.
  Index pending() const noexcept { return static_cast<Index>(states_.size()); }
  /// Drops the open episode without learning from it.
  void discard_episode() noexcept {
    states_.clear();
    rewards_.clear();
  }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("OfflineLambdaReturn::value", "state", s);
    return v_->value(s);
  }
  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const OfflineLambdaReturnConfig& config() const noexcept { return config_; }

 private:
  Index learn(scalar_type v_end) {
    const std::size_t T = states_.size();
    values_.resize(T + 1);
    returns_.resize(T);
    for (std::size_t t = 0; t < T; ++t) values_[t] = v_->value(states_[t]);
    values_[T] = v_end;
    scalar_type g = rewards_[T - 1] + gamma_ * v_end;
    returns_[T - 1] = g;
    for (std::size_t k = T - 1; k-- > 0;) {
      g = rewards_[k] + gamma_ * ((scalar_type(1) - lambda_) * values_[k + 1] + lambda_ * g);
      returns_[k] = g;
    }
    for (std::size_t t = 0; t < T; ++t) {
      const scalar_type prediction = config_.sequential ? v_->value(states_[t]) : values_[t];
      v_->semi_gradient_step(states_[t], alpha_ * (returns_[t] - prediction));
    }
    discard_episode();
    return static_cast<Index>(T);
  }

  V* v_;
  OfflineLambdaReturnConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_{};
  std::vector<state_type> states_;
  std::vector<scalar_type> rewards_;
  std::vector<scalar_type> values_;
  std::vector<scalar_type> returns_;
};

}  // namespace rlvalue
