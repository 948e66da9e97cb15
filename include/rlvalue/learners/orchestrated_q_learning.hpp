#pragma once
/// @file
/// OrchestratedQLearning: Orchestrated Value Mapping (Fatemi & Tavakoli,
/// "Orchestrated value mapping for reinforcement learning", ICLR 2022,
/// arXiv:2203.07171), the generalisation of Log Q-learning (van Seijen,
/// Fatemi & Tavakoli, NeurIPS 2019, arXiv:1906.00572).
///
/// The reward is decomposed into channels, r = sum_j w_j r_j
/// (mapping/reward_decomposition.hpp). Channel j has a strictly increasing
/// mapping f_j (mapping/) and an action-value approximator Q~_j that learns in
/// mapped space; the value is the aggregate
///   Q(s, a) = sum_j w_j * f_j^-1(Q~_j(s, a)).
/// For a transition (s, a, r, s'):
///   a~    = argmax_a' Q(s', a')             (the aggregate; shared by every channel)
///   U_j   = r_j + gamma * f_j^-1(Q~_j(s', a~))   (U_j = r_j when terminated)
///   q_j   = f_j^-1(Q~_j(s, a))
///   U^_j  = q_j + beta_reg * (U_j - q_j)    (a step in regular space, evaluated
///           as std::lerp(q_j, U_j, beta_reg): exact at beta_reg = 1 and never
///           outside [q_j, U_j], so rounding cannot leave an interval domain)
///   Q~_j(s, a) += beta_f * (f_j(U^_j) - Q~_j(s, a))   (a step in mapped space;
///          linear approximators: theta_j[:, a] += beta_f * (...) * phi(s))
/// `truncated` bootstraps from s' like any non-terminal step. With identity
/// mappings the rule is Q-learning with alpha = beta_reg * beta_f on each
/// channel; an identity channel is computed in that (algebraically equal)
/// form, Q~ += (beta_reg * beta_f) * (U - q), so a single identity channel
/// with weight 1 agrees with QLearning to the last bit. Special cases:
/// LogQLearning (learners/log_q_learning.hpp), QDecomposition
/// (learners/q_decomposition.hpp).
///
/// Channels are given at compile time, ChannelPack<M1, M2, ...> (one mapping
/// type per channel), or at run time, ChannelVector<M> (any number of channels
/// of one mapping type). Every channel's approximator has the type Q and is
/// held by pointer (the caller keeps them alive).
///
/// An update checks everything before it writes: indices (std::out_of_range),
/// the reward and its decomposition, the domain of every f_j at U^_j, and the
/// finiteness of every increment (std::invalid_argument). A throwing update
/// leaves every channel's approximator unchanged. No allocation per update.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mapping/concepts.hpp"
#include "rlvalue/mapping/reward_decomposition.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of OrchestratedQLearning (double fields whatever the scalar type).
struct OrchestratedQLearningConfig {
  double gamma = 0.99;             ///< discount, in [0, 1]
  double step_size = 0.1;          ///< beta_f: step in mapped space, > 0 (finite)
  double regular_step_size = 1.0;  ///< beta_reg: step in regular space, in (0, 1]
};

/// Channels fixed at compile time: mapping M_j for channel j.
template <ValueMapping... M>
struct ChannelPack {
  static_assert(sizeof...(M) >= 1, "rlvalue::ChannelPack needs at least one mapping");
  /// The mappings, one per channel.
  std::tuple<M...> mappings;

  /// A pack of the mappings m..., channel j using the j-th.
  ChannelPack(M... m) : mappings(std::move(m)...) {}
  /// Number of channels.
  static constexpr Index size() noexcept { return static_cast<Index>(sizeof...(M)); }
  /// Calls f(j, mapping_j) for j = 0..size()-1 (unrolled).
  template <class F>
  void for_each(F&& f) const {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (f(static_cast<Index>(J), std::get<J>(mappings)), ...);
    }(std::index_sequence_for<M...>{});
  }
  /// True if every mapping works in scalar type S.
  template <class S>
  static constexpr bool scalar_is = (std::is_same_v<typename M::scalar_type, S> && ...);
};

/// Channels chosen at run time, all with mapping type M.
template <ValueMapping M>
struct ChannelVector {
  /// The mappings, one per channel.
  std::vector<M> mappings;

  /// Number of channels.
  Index size() const noexcept { return static_cast<Index>(mappings.size()); }
  /// Calls f(j, mapping_j) for j = 0..size()-1.
  template <class F>
  void for_each(F&& f) const {
    for (std::size_t j = 0; j < mappings.size(); ++j) f(static_cast<Index>(j), mappings[j]);
  }
  /// True if the mapping works in scalar type S.
  template <class S>
  static constexpr bool scalar_is = std::is_same_v<typename M::scalar_type, S>;
};

/// Largest number of actions for which action_values(s) can be read (its
/// row has this fixed capacity; updates have no such limit).
inline constexpr int max_orchestrated_actions = 64;

/// Orchestrated Value Mapping Q-learning (see the header comment).
template <ActionValueFunction Q, RewardDecomposition Decomposition, class Channels>
class OrchestratedQLearning {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The reward decomposition type.
  using decomposition_type = Decomposition;
  /// The channel mappings type (ChannelPack or ChannelVector).
  using channels_type = Channels;
  /// The config aggregate, validated at construction.
  using config_type = OrchestratedQLearningConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;
  /// Row of one value per action.
  using action_values_type = Eigen::Matrix<scalar_type, 1, Eigen::Dynamic, Eigen::RowMajor, 1,
                                           max_orchestrated_actions>;
  static_assert(Channels::template scalar_is<scalar_type>,
                "rlvalue::OrchestratedQLearning: every mapping must have the approximator's "
                "scalar type");
  static_assert(std::is_same_v<typename Decomposition::scalar_type, scalar_type>,
                "rlvalue::OrchestratedQLearning: the decomposition must have the approximator's "
                "scalar type");

  /// `estimators[j]` is channel j's approximator (distinct, non-null, all
  /// with the same number of actions); one per channel of `channels` and of
  /// `decomposition`. `name` prefixes error messages. Throws
  /// std::invalid_argument for a bad config or mismatched channels.
  OrchestratedQLearning(std::vector<Q*> estimators, Decomposition decomposition,
                        Channels channels, const OrchestratedQLearningConfig& config,
                        std::string_view name = "OrchestratedQLearning")
      : q_(std::move(estimators)),
        decomposition_(std::move(decomposition)),
        channels_(std::move(channels)),
        name_(name),
        where_update_(std::string(name) + "::update"),
        where_q_(std::string(name) + "::q"),
        where_channel_q_(std::string(name) + "::channel_q"),
        where_action_values_(std::string(name) + "::action_values"),
        where_greedy_(std::string(name) + "::greedy_action"),
        where_value_(std::string(name) + "::value") {
    const std::string& where = name_;
    const Index n = channels_.size();
    check_at_least_one(where, "number of channels", n);
    check_size(where, "estimators", static_cast<Index>(q_.size()), n);
    check_size(where, "decomposition channels", decomposition_.num_channels(), n);
    for (std::size_t j = 0; j < q_.size(); ++j) {
      const std::string at = "estimators[" + std::to_string(j) + "]";
      if (q_[j] == nullptr) throw std::invalid_argument(where + ": " + at + " is null");
      for (std::size_t i = 0; i < j; ++i)
        if (q_[i] == q_[j])
          throw std::invalid_argument(where + ": " + at + " is the same approximator as estimators[" +
                                      std::to_string(i) + "]");
      check_size(where, at + ".num_actions()", static_cast<Index>(q_[j]->num_actions()),
                 static_cast<Index>(q_[0]->num_actions()));
    }
    set_config(config);
    const auto channels_n = static_cast<std::size_t>(n);
    const auto actions = static_cast<std::size_t>(q_[0]->num_actions());
    weights_.resize(channels_n);
    for (Index j = 0; j < n; ++j) weights_[static_cast<std::size_t>(j)] = decomposition_.weight(j);
    rewards_.resize(channels_n);
    increments_.resize(channels_n);
    next_regular_.resize(channels_n * actions);
    aggregate_.resize(actions);
  }

  /// One update from a scalar reward, split by the decomposition. Returns
  /// the aggregate regular-space error sum_j w_j (U_j - q_j) (for one
  /// identity channel: the Q-learning TD error).
  scalar_type update(const transition_type& t) {
    check_indices(t);
    check_finite(where_update_, "reward", t.reward);
    decomposition_.decompose(t.reward, std::span<scalar_type>(rewards_));
    return update_from_buffer(t);
  }

  /// One update with the channel rewards given directly (Q-decomposition:
  /// the environment reports one reward per channel); t.reward is not read.
  /// `channel_rewards` has num_channels() finite entries.
  scalar_type update(const transition_type& t, std::span<const scalar_type> channel_rewards) {
    check_indices(t);
    check_size(where_update_, "channel_rewards", static_cast<Index>(channel_rewards.size()),
               num_channels());
    for (std::size_t j = 0; j < channel_rewards.size(); ++j)
      if (!std::isfinite(channel_rewards[j])) [[unlikely]]
        fail_check(where_update_, "channel_rewards[" + std::to_string(j) + "]", channel_rewards[j],
                   "is not finite");
    std::copy(channel_rewards.begin(), channel_rewards.end(), rewards_.begin());
    return update_from_buffer(t);
  }

  /// Q(s, a) = sum_j w_j f_j^-1(Q~_j(s, a)).
  scalar_type q(const state_type& s, Index a) const {
    const std::string_view where = where_q_;
    check_state(where, "state", s);
    q_[0]->check_action(where, "action", a);
    scalar_type total = scalar_type(0);
    channels_.for_each([&](Index j, const auto& f) {
      total += weight(j) * f.inverse(q_[static_cast<std::size_t>(j)]->value(s, a));
    });
    return total;
  }

  /// f_j^-1(Q~_j(s, a)): channel j's value in regular space (unweighted).
  scalar_type channel_q(Index j, const state_type& s, Index a) const {
    const std::string_view where = where_channel_q_;
    check_index(where, "channel", j, num_channels());
    check_state(where, "state", s);
    q_[0]->check_action(where, "action", a);
    scalar_type v = scalar_type(0);
    channels_.for_each([&](Index i, const auto& f) {
      if (i == j) v = f.inverse(q_[static_cast<std::size_t>(i)]->value(s, a));
    });
    return v;
  }

  /// Q(s, .) as a row of num_actions() values (fixed capacity
  /// max_orchestrated_actions; std::invalid_argument beyond it).
  action_values_type action_values(const state_type& s) const {
    const std::string_view where = where_action_values_;
    check_state(where, "state", s);
    if (num_actions() > max_orchestrated_actions) [[unlikely]]
      fail_check(where, "num_actions()", num_actions(), "exceeds max_orchestrated_actions = 64");
    action_values_type row = action_values_type::Zero(num_actions());
    channels_.for_each([&](Index j, const auto& f) {
      const auto r = q_[static_cast<std::size_t>(j)]->action_values(s);
      for (Index a = 0; a < row.size(); ++a) row[a] += weight(j) * f.inverse(r[a]);
    });
    return row;
  }

  /// argmax_a Q(s, a) on the aggregate, ties to the lowest index. (Uses
  /// scratch storage of the learner: const reads are not thread-safe.)
  Index greedy_action(const state_type& s) const {
    check_state(where_greedy_, "state", s);
    fill_aggregate(s);
    return argmax(Eigen::Map<const Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>>(
        aggregate_.data(), static_cast<Index>(aggregate_.size())));
  }

  /// max_a Q(s, a).
  scalar_type value(const state_type& s) const {
    check_state(where_value_, "state", s);
    fill_aggregate(s);
    return detail::max_coeff(Eigen::Map<const Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>>(
        aggregate_.data(), static_cast<Index>(aggregate_.size())));
  }

  /// Sets beta_reg (in (0, 1]) and beta_f (> 0), e.g. from a GeometricDecay
  /// schedule between sweeps. std::invalid_argument otherwise (nothing changes).
  void set_step_sizes(double regular_step_size, double step_size) {
    OrchestratedQLearningConfig c = config_;
    c.regular_step_size = regular_step_size;
    c.step_size = step_size;
    set_config(c);
  }

  /// Throws (naming `where` and `name`) unless s is a state of every channel.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    for (const Q* q : q_) q->check_state(where, name, s);
  }
  /// Number of actions.
  Index num_actions() const noexcept { return static_cast<Index>(q_[0]->num_actions()); }
  /// Number of reward channels.
  Index num_channels() const noexcept { return channels_.size(); }
  /// Weight w_j of channel j in Q(s, a) = sum_j w_j f_j^-1(Q~_j(s, a)).
  scalar_type weight(Index j) const noexcept { return weights_[static_cast<std::size_t>(j)]; }
  /// The approximator of channel j (std::out_of_range unless 0 <= j < num_channels()).
  Q& approximator(Index j) {
    check_index("OrchestratedQLearning::approximator", "channel", j, num_channels());
    return *q_[static_cast<std::size_t>(j)];
  }
  /// The approximator of channel j (std::out_of_range unless 0 <= j < num_channels()).
  const Q& approximator(Index j) const {
    check_index("OrchestratedQLearning::approximator", "channel", j, num_channels());
    return *q_[static_cast<std::size_t>(j)];
  }
  /// The reward decomposition.
  const Decomposition& decomposition() const noexcept { return decomposition_; }
  /// The channel mappings.
  const Channels& channels() const noexcept { return channels_; }
  /// The config given at construction.
  const OrchestratedQLearningConfig& config() const noexcept { return config_; }

 private:
  void set_config(const OrchestratedQLearningConfig& c) {
    const std::string& where = name_;
    check_unit_interval(where, "gamma", c.gamma);
    (void)checked_positive_as<scalar_type>(where, "step_size", c.step_size);
    if (!(c.regular_step_size > 0.0 && c.regular_step_size <= 1.0)) [[unlikely]]
      fail_check(where, "regular_step_size", c.regular_step_size, "is outside (0, 1]");
    config_ = c;
    gamma_ = static_cast<scalar_type>(c.gamma);
    beta_f_ = static_cast<scalar_type>(c.step_size);
    beta_reg_ = static_cast<scalar_type>(c.regular_step_size);
    beta_product_ = static_cast<scalar_type>(c.regular_step_size * c.step_size);
  }

  void check_indices(const transition_type& t) const {
    for (const Q* q : q_) {
      q->check_state(where_update_, "state", t.state);
      q->check_action(where_update_, "action", t.action);
      q->check_state(where_update_, "next_state", t.next_state);
    }
  }

  /// aggregate_[a] = sum_j w_j f_j^-1(Q~_j(s, a)); with `keep`, also stores
  /// each channel's regular values in next_regular_ (channel-major).
  void fill_aggregate(const state_type& s, bool keep = false) const {
    const Index A = num_actions();
    for (auto& x : aggregate_) x = scalar_type(0);
    channels_.for_each([&](Index j, const auto& f) {
      const auto row = q_[static_cast<std::size_t>(j)]->action_values(s);
      const scalar_type w = weight(j);
      for (Index a = 0; a < A; ++a) {
        const scalar_type v = f.inverse(row[a]);
        if (keep) next_regular_[static_cast<std::size_t>(j * A + a)] = v;
        aggregate_[static_cast<std::size_t>(a)] += w * v;
      }
    });
  }

  scalar_type update_from_buffer(const transition_type& t) {
    const Index A = num_actions();
    Index best = 0;
    if (!t.terminated) {
      fill_aggregate(t.next_state, true);
      best = argmax(Eigen::Map<const Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>>(
          aggregate_.data(), A));
    }
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    scalar_type total_error = scalar_type(0);
    // Compute and validate every channel's increment before writing any.
    channels_.for_each([&](Index j, const auto& f) {
      using M = std::remove_cvref_t<decltype(f)>;
      const auto k = static_cast<std::size_t>(j);
      const Q& qj = *q_[k];
      const scalar_type v_next =
          t.terminated ? scalar_type(0) : next_regular_[static_cast<std::size_t>(j * A + best)];
      const scalar_type mapped = qj.value(t.state, t.action);
      scalar_type increment;
      scalar_type error;
      if constexpr (is_identity_mapping<M>) {
        error = (rewards_[k] + discount * v_next) - mapped;  // as q_learning_error
        increment = beta_product_ * error;
      } else {
        const scalar_type regular = f.inverse(mapped);
        const scalar_type target = rewards_[k] + discount * v_next;
        error = target - regular;
        // q + beta_reg (U - q) by std::lerp: exact at beta_reg = 1, and never
        // outside [q, U] under rounding, so it stays in an interval domain
        // that holds q and U (plain q + beta (U - q) can fall out of the log
        // mapping's domain x > -gamma^k by a rounding error).
        const scalar_type stepped = std::lerp(regular, target, beta_reg_);
        if (!f.in_domain(stepped)) [[unlikely]]
          reject_outside_domain(f, j, stepped, error);
        increment = beta_f_ * (f.forward(stepped) - mapped);
      }
      if (!std::isfinite(increment)) [[unlikely]]
        reject_non_finite(j, error, increment);
      increments_[k] = increment;
      total_error += weight(j) * error;
    });
    for (std::size_t k = 0; k < q_.size(); ++k)
      q_[k]->semi_gradient_step(t.state, t.action, increments_[k]);
    return total_error;
  }

  template <class M>
  [[noreturn]] __attribute__((noinline, cold)) void reject_outside_domain(const M& f, Index j,
                                                                         scalar_type stepped,
                                                                         scalar_type error) const {
    const std::string idx = "[" + std::to_string(j) + "]";
    check_finite(where_update_, "td_error" + idx, error);
    f.check_domain(where_update_, "regular_target" + idx, stepped);
    fail_check(where_update_, "regular_target" + idx, stepped, "is outside the mapping's domain");
  }

  [[noreturn]] __attribute__((noinline, cold)) void reject_non_finite(Index j, scalar_type error,
                                                                     scalar_type increment) const {
    const std::string idx = "[" + std::to_string(j) + "]";
    check_finite(where_update_, "td_error" + idx, error);
    fail_check(where_update_, "mapped_increment" + idx, increment,
               "is not finite (the mapped target overflowed or a value is not finite); nothing "
               "was updated");
  }

  std::vector<Q*> q_;
  Decomposition decomposition_;
  Channels channels_;
  std::string name_;
  std::string where_update_, where_q_, where_channel_q_, where_action_values_, where_greedy_,
      where_value_;
  OrchestratedQLearningConfig config_{};
  scalar_type gamma_{}, beta_f_{}, beta_reg_{}, beta_product_{};
  std::vector<scalar_type> weights_;
  std::vector<scalar_type> rewards_, increments_;
  mutable std::vector<scalar_type> next_regular_, aggregate_;
};

}  // namespace rlvalue
