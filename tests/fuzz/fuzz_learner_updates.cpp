// Fuzz harness: the tabular learners of learners/ fed arbitrary transitions:
// TD0, QLearning, Sarsa, ExpectedSarsa, TDLambda (accumulating, replacing,
// dutch traces), SarsaLambda, DoubleQLearning, the gradient-TD family (GTD2,
// TDC, TDRC, off-policy TD, with fuzzed importance ratios), LogQLearning, an
// OrchestratedQLearning with an identity and a log-linear channel, QLambda
// (Watkins, Peng), TrueOnlineTDLambda, TrueOnlineSarsaLambda, the off-policy
// trace learners (importance sampling, Tree Backup, Retrace, with fuzzed pi,
// mu and next-action probabilities) and EmphaticTD (fuzzed rho, interest); float
// and double; 1-4 states, 1-3 actions; fuzzed configs (gamma, step size,
// lambda, schedule); up to 64 transitions with indices in and out of range,
// rewards including inf, NaN, denormals and the largest finite numbers,
// terminated and truncated flags, next actions, next-action probabilities.
//
// Invariants (a violation aborts):
// - a config with gamma outside [0, 1] or a step size that is not positive
//   and finite is rejected with std::invalid_argument (any rejection must be
//   that type);
// - an update with an out-of-range state, action, next_state, next_action or
//   critic throws std::out_of_range; otherwise one with a non-finite reward,
//   a bad importance ratio or bad next-action probabilities throws
//   std::invalid_argument; any other rejection is std::invalid_argument too;
// - a rejected update leaves the learner byte for byte unchanged: every
//   table, the visit counts, the eligibility trace, gradient-TD's secondary
//   weights;
// - an accepted update leaves all of that finite;
// - for the linear learners (all but the two mapped ones) with a step size
//   <= 1, a finite reward |r| <= 1e6 and every parameter and trace entry
//   below 1e12 in magnitude, a valid update is accepted.

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/emphatic_td.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/learners/gradient_td.hpp"
#include "rlvalue/learners/log_q_learning.hpp"
#include "rlvalue/learners/off_policy_q_lambda.hpp"
#include "rlvalue/learners/orchestrated_q_learning.hpp"
#include "rlvalue/learners/q_lambda.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/sarsa.hpp"
#include "rlvalue/learners/sarsa_lambda.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/learners/true_online_sarsa_lambda.hpp"
#include "rlvalue/learners/true_online_td_lambda.hpp"
#include "rlvalue/mapping/identity.hpp"
#include "rlvalue/mapping/log_linear.hpp"
#include "rlvalue/mapping/reward_decomposition.hpp"

namespace {

using rlvalue_fuzz::CallResult;
using rlvalue_fuzz::FuzzInput;
using rlvalue_fuzz::fuzz_check;
using rlvalue_fuzz::Index;
using rlvalue_fuzz::Outcome;

enum Kind : int {
  kTD0,
  kQLearning,
  kSarsa,
  kExpectedSarsa,
  kTDLambda,
  kSarsaLambda,
  kDoubleQ,
  kGTD2,
  kTDC,
  kTDRC,
  kOffPolicyTD,
  kLogQ,
  kOrchestrated,
  kQLambda,
  kTrueOnlineTD,
  kTrueOnlineSarsa,
  kOffPolicyQLambda,
  kEmphaticTD,
  kNumKinds
};
const char* const kNames[kNumKinds] = {"TD0",         "QLearning",    "Sarsa",     "ExpectedSarsa",
                                       "TDLambda",    "SarsaLambda",  "DoubleQLearning",
                                       "GTD2",        "TDC",          "TDRC",      "OffPolicyTD",
                                       "LogQLearning", "OrchestratedQLearning", "QLambda",
                                       "TrueOnlineTDLambda", "TrueOnlineSarsaLambda",
                                       "OffPolicyQLambda", "EmphaticTD"};

/// A step size: mostly in (0, 1], sometimes above 1, zero, negative or not finite.
double read_step_size(FuzzInput& in) {
  const std::uint8_t b = in.byte();
  if (b < 225) return double(b % 100 + 1) / 100.0;
  return FuzzInput::special<double>(b);
}

/// The whole state of a learner as bytes (appended in a fixed order).
class Snapshot {
 public:
  template <class A>
  void add(const Eigen::DenseBase<A>& a) {
    for (Index j = 0; j < a.cols(); ++j)
      for (Index i = 0; i < a.rows(); ++i) {
        const auto x = a.derived().coeff(i, j);
        append(&x, sizeof x);
        finite_ = finite_ && std::isfinite(double(x));
        const double m = std::abs(double(x));
        if (m > max_abs_) max_abs_ = m;
      }
  }
  void add(const std::vector<Index>& counts) { append(counts.data(), counts.size() * sizeof(Index)); }
  bool operator==(const Snapshot& o) const { return bytes_ == o.bytes_; }
  bool finite() const noexcept { return finite_; }
  double max_abs() const noexcept { return max_abs_; }

 private:
  void append(const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<unsigned char> bytes_;
  bool finite_ = true;
  double max_abs_ = 0;
};

template <class S>
struct Setup {
  Index states = 1, actions = 1;
  double gamma = 0.9, step_size = 0.1, lambda = 0.5, secondary = 0.1, reg = 1.0;
  double regular_step_size = 1.0;
  rlvalue::StepSchedule schedule = rlvalue::StepSchedule::constant;
  rlvalue::TraceType trace = rlvalue::TraceType::accumulating;
};

/// Runs the transitions of the input through `learner`; `update(t, extra)`
/// performs one update given the transition and returns the extra indices it
/// range-checks (next action, critic) as "bad" flags; `snapshot()` captures
/// the learner's whole state.
template <class S, class Update, class Snap>
void drive(FuzzInput& in, Kind kind, const Setup<S>& setup, bool mapped, Update update,
           Snap snapshot) {
  const std::string prefix = std::string(kNames[kind]) + (sizeof(S) == 4 ? "<float>: " : "<double>: ");
  std::string context;  // config and current transition, for the messages
  auto at = [&](const std::string& what) { return prefix + what + context; };
  const Index updates = in.in_range(1, 64);
  for (Index u = 0; u < updates; ++u) {
    const std::uint8_t flags = in.byte();
    const rlvalue::Transition<Index, Index, S> t{.state = in.index(setup.states),
                                                 .action = in.index(setup.actions),
                                                 .reward = in.scalar<S>(),
                                                 .next_state = in.index(setup.states),
                                                 .terminated = (flags & 1u) != 0,
                                                 .truncated = (flags & 2u) != 0};
    context = "\n  config: gamma=" + rlvalue_fuzz::show(setup.gamma) +
              " step_size=" + rlvalue_fuzz::show(setup.step_size) +
              " lambda=" + rlvalue_fuzz::show(setup.lambda) +
              " secondary_step_size=" + rlvalue_fuzz::show(setup.secondary) +
              " regularization=" + rlvalue_fuzz::show(setup.reg) +
              " regular_step_size=" + rlvalue_fuzz::show(setup.regular_step_size) +
              " per_visit=" + rlvalue_fuzz::show(int(setup.schedule == rlvalue::StepSchedule::per_visit)) +
              " trace=" + rlvalue_fuzz::show(int(setup.trace)) + "\n  update " +
              rlvalue_fuzz::show(u) + ": " + rlvalue_fuzz::show_transition(t);
    const Snapshot before = snapshot();
    bool bad_extra_index = false;  // next action or critic out of range
    bool bad_extra_value = false;  // rho or next_probs invalid
    bool ambiguous_value = false;  // next_probs at the edge of the tolerance
    const CallResult r = rlvalue_fuzz::call_rejecting(
        [&] { update(in, t, bad_extra_index, bad_extra_value, ambiguous_value); });
    const Snapshot after = snapshot();
    auto bad = [](Index i, Index n) { return i < 0 || i >= n; };
    const bool uses_action = kind != kTD0 && kind != kTDLambda && kind != kGTD2 &&
                             kind != kTDC && kind != kTDRC && kind != kOffPolicyTD &&
                             kind != kTrueOnlineTD && kind != kEmphaticTD;
    const bool bad_index = bad(t.state, setup.states) || bad(t.next_state, setup.states) ||
                           (uses_action && bad(t.action, setup.actions)) || bad_extra_index;
    if (bad_index) {
      fuzz_check(r.outcome == Outcome::out_of_range,
                 at("an out-of-range index did not throw std::out_of_range"));
    } else if (!std::isfinite(t.reward) || bad_extra_value) {
      fuzz_check(r.outcome == Outcome::invalid_argument,
                 at("a non-finite reward, bad ratio or bad probabilities did not throw "
                    "std::invalid_argument"));
    } else if (r.threw()) {
      fuzz_check(r.outcome == Outcome::invalid_argument,
                 at("a rejected update threw another type than std::invalid_argument: ") + r.message);
      const bool ordinary = !mapped && !ambiguous_value && setup.step_size <= 1.0 &&
                            setup.secondary <= 1.0 && std::abs(double(t.reward)) <= 1e6 &&
                            before.max_abs() < 1e12;
      fuzz_check(!ordinary, at("an ordinary update was rejected: ") + r.message);
    }
    if (r.threw()) {
      fuzz_check(after == before, at("a rejected update changed the learner: ") + r.message);
    } else {
      fuzz_check(after.finite(), at("an accepted update left a non-finite number in the learner") +
                                     "\n  largest |entry| before: " +
                                     rlvalue_fuzz::show(before.max_abs()));
    }
  }
}

/// Reads next-action probabilities: valid (normalised weights) or any numbers.
template <class S>
Eigen::Matrix<S, Eigen::Dynamic, 1> read_probs(FuzzInput& in, Index actions, bool& bad,
                                               bool& ambiguous) {
  Eigen::Matrix<S, Eigen::Dynamic, 1> p(actions);
  if (in.byte() < 220) {
    double total = 0;
    for (Index a = 0; a < actions; ++a) {
      p[a] = S(in.byte() % 5);
      total += double(p[a]);
    }
    if (total == 0) p[0] = S(1), total = 1;
    p /= S(total);
  } else {
    for (Index a = 0; a < actions; ++a) p[a] = in.unit<S>();
  }
  double sum = 0;
  bool entries = true;
  for (Index a = 0; a < actions; ++a) {
    entries = entries && p[a] >= S(0) && p[a] <= S(1);
    sum += double(p[a]);
  }
  const double off = std::abs(sum - 1.0);
  bad = !entries || !(off <= 2e-6);
  ambiguous = entries && off > 0.5e-6 && off <= 2e-6;
  if (ambiguous) bad = false;
  return p;
}

template <class S>
void run(FuzzInput& in, Kind kind) {
  using V = rlvalue::TabularV<S>;
  using Q = rlvalue::TabularQ<S>;
  Setup<S> st;
  st.states = in.in_range(1, 4);
  st.actions = in.in_range(1, 3);
  st.gamma = double(in.unit<S>());
  st.step_size = read_step_size(in);
  st.lambda = double(in.unit<S>());
  st.secondary = read_step_size(in);
  st.reg = double(in.byte() % 5) / 4.0;
  st.regular_step_size = read_step_size(in);
  st.schedule = in.byte() >= 200 ? rlvalue::StepSchedule::per_visit : rlvalue::StepSchedule::constant;
  st.trace = static_cast<rlvalue::TraceType>(in.byte() % 3);
  const S initial = in.finite_scalar<S>() / S(1 << 20);  // moderate starting values
  const std::string prefix = std::string(kNames[kind]) + (sizeof(S) == 4 ? "<float>: " : "<double>: ");

  std::optional<V> v;
  std::optional<Q> q1, q2;
  v.emplace(st.states, initial);
  q1.emplace(st.states, st.actions, initial);
  q2.emplace(st.states, st.actions, -initial);
  // Builds the learner with build(); checks a rejection's type and that a
  // config with a bad gamma or step size is rejected.
  const bool core_invalid = !(st.gamma >= 0 && st.gamma <= 1) ||
                            !(st.step_size > 0 && std::isfinite(st.step_size));
  auto construct = [&](auto build) -> bool {
    const CallResult r = rlvalue_fuzz::call_rejecting(build);
    if (r.threw())
      fuzz_check(r.outcome == Outcome::invalid_argument,
                 prefix + "a bad config threw another type: " + r.message);
    else
      fuzz_check(!core_invalid, prefix + "a config with a bad gamma or step size was accepted");
    return !r.threw();
  };
  const rlvalue::TDConfig td{.gamma = st.gamma, .step_size = st.step_size, .schedule = st.schedule};
  const rlvalue::TraceConfig tc{.gamma = st.gamma, .step_size = st.step_size, .lambda = st.lambda,
                                .trace = st.trace};
  auto counts = [](const auto& l) { return l.step_sizes().counts(); };

  switch (kind) {
    case kTD0: {
      std::optional<rlvalue::TD0<V>> l;
      if (!construct([&] { l.emplace(*v, td); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput&, const auto& t, bool&, bool&, bool&) { l->update(t); },
            [&] { Snapshot s; s.add(v->parameters()); s.add(counts(*l)); return s; });
      break;
    }
    case kQLearning: {
      std::optional<rlvalue::QLearning<Q>> l;
      if (!construct([&] { l.emplace(*q1, td); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput&, const auto& t, bool&, bool&, bool&) { l->update(t); },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(counts(*l)); return s; });
      break;
    }
    case kSarsa: {
      std::optional<rlvalue::Sarsa<Q>> l;
      if (!construct([&] { l.emplace(*q1, td); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool& bad_index, bool&, bool&) {
              const Index next_action = f.index(st.actions);
              bad_index = next_action < 0 || next_action >= st.actions;
              l->update(t, next_action);
            },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(counts(*l)); return s; });
      break;
    }
    case kExpectedSarsa: {
      std::optional<rlvalue::ExpectedSarsa<Q>> l;
      if (!construct([&] { l.emplace(*q1, td); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool&, bool& bad_value, bool& ambiguous) {
              const auto p = read_probs<S>(f, st.actions, bad_value, ambiguous);
              l->update(t, p);
            },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(counts(*l)); return s; });
      break;
    }
    case kTDLambda: {
      std::optional<rlvalue::TDLambda<V>> l;
      if (!construct([&] { l.emplace(*v, tc); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput&, const auto& t, bool&, bool&, bool&) { l->update(t); },
            [&] { Snapshot s; s.add(v->parameters()); s.add(l->trace().values()); return s; });
      break;
    }
    case kSarsaLambda: {
      std::optional<rlvalue::SarsaLambda<Q>> l;
      if (!construct([&] { l.emplace(*q1, tc); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool& bad_index, bool&, bool&) {
              const Index next_action = f.index(st.actions);
              bad_index = next_action < 0 || next_action >= st.actions;
              l->update(t, next_action);
            },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(l->trace().values()); return s; });
      break;
    }
    case kDoubleQ: {
      std::optional<rlvalue::DoubleQLearning<Q>> l;
      if (!construct([&] { l.emplace(*q1, *q2, td); })) return;
      std::mt19937_64 rng(in.u64());
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool& bad_index, bool&, bool&) {
              const std::uint8_t c = f.byte();
              if (c < 128) {
                l->update(t, rng);
                return;
              }
              const Index critic = c < 240 ? Index(c % 2) : c % 2 == 0 ? Index(2) : Index(-1);
              bad_index = critic < 0 || critic > 1;
              l->update_critic(t, critic);
            },
            [&] {
              Snapshot s;
              s.add(q1->parameters());
              s.add(q2->parameters());
              s.add(counts(*l));
              return s;
            });
      break;
    }
    case kGTD2:
    case kTDC:
    case kTDRC:
    case kOffPolicyTD: {
      const rlvalue::GradientTDConfig gc{.gamma = st.gamma, .step_size = st.step_size,
                                         .secondary_step_size = st.secondary,
                                         .regularization = st.reg};
      auto go = [&](auto tag) {
        using L = typename decltype(tag)::type;
        std::optional<L> l;
        if (!construct([&] { l.emplace(*v, gc); })) return;
        drive(in, kind, st, false,
              [&](FuzzInput& f, const auto& t, bool&, bool& bad_value, bool& unusual) {
                const S rho = f.ratio<S>();
                bad_value = !(rho >= S(0) && std::isfinite(rho));
                unusual = rho > S(1e6);  // a huge ratio may overflow the step: may be rejected
                l->update(t, rho);
              },
              [&] { Snapshot s; s.add(v->parameters()); s.add(l->secondary()); return s; });
      };
      if (kind == kGTD2) go(std::type_identity<rlvalue::GTD2<V>>{});
      if (kind == kTDC) go(std::type_identity<rlvalue::TDC<V>>{});
      if (kind == kTDRC) go(std::type_identity<rlvalue::TDRC<V>>{});
      if (kind == kOffPolicyTD) go(std::type_identity<rlvalue::OffPolicyTD<V>>{});
      break;
    }
    case kLogQ: {
      const rlvalue::LogQLearningConfig lc{.gamma = st.gamma, .step_size = st.step_size,
                                           .regular_step_size = st.regular_step_size,
                                           .c = double(in.byte() % 8 + 1) / 4.0,
                                           .k = double(in.byte() % 64),
                                           .initial_value = 0.0};
      std::optional<rlvalue::LogQLearning<Q>> l;
      // LogQLearning starts from parameters 0 (the mapped initial value).
      q1->parameters().setZero();
      q2->parameters().setZero();
      if (!construct([&] { l.emplace(*q1, *q2, lc); })) return;
      drive(in, kind, st, true,
            [&](FuzzInput&, const auto& t, bool&, bool&, bool&) { l->update(t); },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(q2->parameters()); return s; });
      break;
    }
    case kQLambda: {
      const auto variant = in.byte() % 2 == 0 ? rlvalue::QLambdaVariant::watkins : rlvalue::QLambdaVariant::peng;
      const rlvalue::QLambdaConfig qc{.gamma = st.gamma, .step_size = st.step_size, .lambda = st.lambda,
                                      .trace = st.trace, .variant = variant};
      std::optional<rlvalue::QLambda<Q>> l;
      if (!construct([&] { l.emplace(*q1, qc); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool& bad_index, bool&, bool&) {
              const Index next_action = f.index(st.actions);
              bad_index = next_action < 0 || next_action >= st.actions;
              l->update(t, next_action);
            },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(l->trace().values()); return s; });
      break;
    }
    case kTrueOnlineTD: {
      const rlvalue::TrueOnlineConfig oc{.gamma = st.gamma, .step_size = st.step_size, .lambda = st.lambda};
      std::optional<rlvalue::TrueOnlineTDLambda<V>> l;
      if (!construct([&] { l.emplace(*v, oc); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput&, const auto& t, bool&, bool&, bool&) { l->update(t); },
            [&] { Snapshot s; s.add(v->parameters()); s.add(l->trace().values()); return s; });
      break;
    }
    case kTrueOnlineSarsa: {
      const rlvalue::TrueOnlineConfig oc{.gamma = st.gamma, .step_size = st.step_size, .lambda = st.lambda};
      std::optional<rlvalue::TrueOnlineSarsaLambda<Q>> l;
      if (!construct([&] { l.emplace(*q1, oc); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool& bad_index, bool&, bool&) {
              const Index next_action = f.index(st.actions);
              bad_index = next_action < 0 || next_action >= st.actions;
              l->update(t, next_action);
            },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(l->trace().values()); return s; });
      break;
    }
    case kOffPolicyQLambda: {
      const rlvalue::OffPolicyLambdaConfig oc{.gamma = st.gamma, .step_size = st.step_size, .lambda = st.lambda};
      auto go = [&](auto tag) {
        using L = typename decltype(tag)::type;
        std::optional<L> l;
        if (!construct([&] { l.emplace(*q1, oc); })) return;
        drive(in, kind, st, false,
              [&](FuzzInput& f, const auto& t, bool&, bool& bad_value, bool& unusual) {
                bool bad_probs = false;
                const auto p = read_probs<S>(f, st.actions, bad_probs, unusual);
                const double pi = double(f.unit<S>());
                const double mu = double(f.unit<S>());
                bad_value = bad_probs || !(pi >= 0.0 && pi <= 1.0) || !(mu > 0.0 && mu <= 1.0);
                // A huge ratio may overflow the trace: such a step may be rejected.
                unusual = unusual || pi > 1e6 * mu;
                l->update(t, p, pi, mu);
              },
              [&] { Snapshot s; s.add(q1->parameters()); s.add(l->trace().values()); return s; });
      };
      const std::uint8_t c = in.byte();
      if (c % 3 == 0) go(std::type_identity<rlvalue::ImportanceSamplingQLambda<Q>>{});
      if (c % 3 == 1) go(std::type_identity<rlvalue::TreeBackupLambda<Q>>{});
      if (c % 3 == 2) go(std::type_identity<rlvalue::RetraceLambda<Q>>{});
      break;
    }
    case kEmphaticTD: {
      const rlvalue::EmphaticTDConfig ec{.gamma = st.gamma, .step_size = st.step_size, .lambda = st.lambda};
      std::optional<rlvalue::EmphaticTD<V>> l;
      if (!construct([&] { l.emplace(*v, ec); })) return;
      drive(in, kind, st, false,
            [&](FuzzInput& f, const auto& t, bool&, bool& bad_value, bool& unusual) {
              const S rho = f.ratio<S>();
              const S interest = f.ratio<S>();
              bad_value = !(rho >= S(0) && std::isfinite(rho)) || !(interest >= S(0) && std::isfinite(interest));
              unusual = rho > S(1e6) || interest > S(1e6);  // may overflow the followon trace
              l->update(t, rho, interest);
            },
            [&] {
              Snapshot s;
              s.add(v->parameters());
              s.add(l->trace());
              s.add(Eigen::Matrix<S, 2, 1>(l->followon(), l->emphasis()));
              return s;
            });
      break;
    }
    default: {
      using Ovm = rlvalue::OrchestratedQLearning<
          Q, rlvalue::PolarDecomposition<S>,
          rlvalue::ChannelPack<rlvalue::IdentityMapping<S>, rlvalue::LogLinearMapping<S>>>;
      const rlvalue::OrchestratedQLearningConfig oc{
          .gamma = st.gamma, .step_size = st.step_size, .regular_step_size = st.regular_step_size};
      q2->parameters().setZero();
      std::optional<Ovm> l;
      if (!construct([&] {
            l.emplace(std::vector<Q*>{&*q1, &*q2}, rlvalue::PolarDecomposition<S>{},
                      rlvalue::ChannelPack<rlvalue::IdentityMapping<S>, rlvalue::LogLinearMapping<S>>(
                          rlvalue::IdentityMapping<S>{}, rlvalue::LogLinearMapping<S>(rlvalue::LogLinearMappingConfig{})),
                      oc);
          }))
        return;
      drive(in, kind, st, true,
            [&](FuzzInput&, const auto& t, bool&, bool&, bool&) { l->update(t); },
            [&] { Snapshot s; s.add(q1->parameters()); s.add(q2->parameters()); return s; });
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const std::uint8_t head = in.byte();
  const auto kind = static_cast<Kind>(head % kNumKinds);
  if (in.flag())
    run<float>(in, kind);
  else
    run<double>(in, kind);
  return 0;
}
