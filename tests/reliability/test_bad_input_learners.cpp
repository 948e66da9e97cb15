// Bad-input matrix, part 2a: the TD, Q-learning, SARSA, eligibility-trace,
// n-step, Monte Carlo and critic-ensemble learners of learners/ on tabular
// approximators. For each: construction with each validated config field out
// of range (config_cases), and update with out-of-range state / action /
// next_state, non-finite rewards (transition_cases), plus what the rule
// takes beyond the transition: next actions, next-action probabilities,
// behaviour / target probabilities; then the read access. Each update case
// runs on a rig driven mid-episode first; the learner must be byte-identical
// afterwards and behave exactly like an untouched twin (run_learner_cases).
// Part 2b (test_bad_input_learners_more.cpp) has the other families.

#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <random>
#include <string>
#include <vector>

#include "reliability/bad_input_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"
#include "rlvalue/learners/monte_carlo.hpp"
#include "rlvalue/learners/n_step_sarsa.hpp"
#include "rlvalue/learners/n_step_td.hpp"
#include "rlvalue/learners/off_policy_q_lambda.hpp"
#include "rlvalue/learners/offline_lambda_return.hpp"
#include "rlvalue/learners/q_lambda.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/sarsa.hpp"
#include "rlvalue/learners/sarsa_lambda.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/learners/true_online_sarsa_lambda.hpp"
#include "rlvalue/learners/true_online_td_lambda.hpp"

namespace {

using namespace rlvalue;
using namespace rlvalue::testing;

// ---- rigs: approximators and a learner, driven by step_k ----
// (Configs are named constants: GCC 12 misreports braced temporaries in
// default member initialisers as dangling.)

constexpr TDConfig kPerVisit{.gamma = 0.9, .step_size = 0.5,
                             .schedule = StepSchedule::per_visit, .omega = 0.7};
constexpr TDConfig kConstant{.gamma = 0.9, .step_size = 0.5};
constexpr MonteCarloConfig kMonteCarlo{.gamma = 0.9, .step_size = 0.5,
                                       .schedule = StepSchedule::per_visit, .omega = 0.7,
                                       .visits = MonteCarloVisits::first};
constexpr ClippedDoubleQConfig kClipped{.gamma = 0.9, .step_size = 0.5, .target_period = 2,
                                        .polyak = 0.5};
constexpr ClippedDoubleQConfig kClippedOne{.gamma = 0.9, .step_size = 0.5,
                                           .critic_update = CriticUpdate::one_at_random};
const EnsembleQConfig kEnsemble{.gamma = 0.9, .step_size = 0.5,
                                .reduction = EnsembleReduction::min, .update_count = 2};
const MaxminQConfig kMaxmin{.gamma = 0.9, .step_size = 0.5, .update_count = 2};

struct TD0Rig {
  TV v{kS};
  TD0<TV> l{v, kPerVisit};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const {
    Bytes b = bytes_of(v.parameters());
    append_state_visits(b, l);
    return b;
  }
};

template <template <class> class Learner>
struct ActionValueRig {
  TQ q{kS, kA};
  Learner<TQ> l{q, kPerVisit};
  void drive(int k) {
    if constexpr (requires { l.update(step_k(k), Index(0)); })
      l.update(step_k(k), next_action_k(k));
    else if constexpr (requires { l.update(step_k(k), uniform_probs()); })
      l.update(step_k(k), uniform_probs());
    else
      l.update(step_k(k));
  }
  Bytes snapshot() const {
    Bytes b = bytes_of(q.parameters());
    append_pair_visits(b, l);
    return b;
  }
};

constexpr TraceConfig kTrace{.gamma = 0.9, .step_size = 0.3, .lambda = 0.8};
constexpr TrueOnlineConfig kTrueOnline{.gamma = 0.9, .step_size = 0.3, .lambda = 0.8};
constexpr QLambdaConfig kQLambda{.gamma = 0.9, .step_size = 0.3, .lambda = 0.8};
constexpr NStepConfig kNStep{.gamma = 0.9, .step_size = 0.3, .n = 3};
constexpr OfflineLambdaReturnConfig kOffline{.gamma = 0.9, .step_size = 0.3, .lambda = 0.8};
constexpr OffPolicyLambdaConfig kOffPolicy{.gamma = 0.9, .step_size = 0.3, .lambda = 0.8};

using TDLambdaRig = VRig<TDLambda<TV>, TraceConfig, kTrace>;
using TrueOnlineTDRig = VRig<TrueOnlineTDLambda<TV>, TrueOnlineConfig, kTrueOnline>;
using NStepTDRig = VRig<NStepTD<TV>, NStepConfig, kNStep>;
using OfflineRig = VRig<OfflineLambdaReturn<TV>, OfflineLambdaReturnConfig, kOffline>;
using SarsaLambdaRig = QRig<SarsaLambda<TQ>, TraceConfig, kTrace>;
using TrueOnlineSarsaRig = QRig<TrueOnlineSarsaLambda<TQ>, TrueOnlineConfig, kTrueOnline>;
using QLambdaRig = QRig<QLambda<TQ>, QLambdaConfig, kQLambda>;
using NStepSarsaRig = QRig<NStepSarsa<TQ>, NStepConfig, kNStep>;
struct MonteCarloRig {
  TV v{kS};
  MonteCarlo<TV> l{v, kMonteCarlo};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const {
    Bytes b = bytes_of(v.parameters());
    append_state_visits(b, l);
    return b;
  }
};

template <class Learner>
struct RetraceRig {
  TQ q{kS, kA};
  Learner l{q, kOffPolicy};
  void drive(int k) {
    l.update(step_k(k), Eigen::Vector3d(0.2, 0.3, 0.5), 0.4 + 0.1 * (k % 3), 0.5);
  }
  Bytes snapshot() const { return bytes_of(q.parameters()); }
};

struct DoubleQRig {
  TQ a{kS, kA}, b{kS, kA};
  DoubleQLearning<TQ> l{a, b, kConstant};
  std::mt19937_64 rng{42};
  void drive(int k) { l.update(step_k(k), rng); }
  Bytes snapshot() const { return bytes_of(a.parameters(), b.parameters()); }
};

struct ClippedDoubleQRig {
  TQ a{kS, kA}, b{kS, kA};
  ClippedDoubleQLearning<TQ> l{a, b, kClipped};
  std::mt19937_64 rng{42};
  void drive(int k) { l.update(step_k(k), rng); }
  Bytes snapshot() const { return bytes_of(a.parameters(), b.parameters()); }
};

struct ClippedDoubleQOneRig {
  TQ a{kS, kA}, b{kS, kA};
  ClippedDoubleQLearning<TQ> l{a, b, kClippedOne};
  std::mt19937_64 rng{42};
  void drive(int k) { l.update(step_k(k), rng); }
  Bytes snapshot() const { return bytes_of(a.parameters(), b.parameters()); }
};

template <class Learner, class Config>
struct EnsembleRig {
  std::vector<TQ> critics{TQ(kS, kA), TQ(kS, kA), TQ(kS, kA)};
  Learner l;
  std::mt19937_64 rng{42};
  explicit EnsembleRig(const Config& c) : l(critics, c) {}
  void drive(int k) { l.update(step_k(k), rng); }
  Bytes snapshot() const {
    Bytes b;
    for (const auto& c : critics) append_bytes(b, c.parameters());
    return b;
  }
};
struct EnsembleQRig : EnsembleRig<EnsembleQLearning<TQ>, EnsembleQConfig> {
  EnsembleQRig()
      : EnsembleRig(kEnsemble) {}
};
struct MaxminQRig : EnsembleRig<MaxminQLearning<TQ>, MaxminQConfig> {
  MaxminQRig() : EnsembleRig(kMaxmin) {}
};


}  // namespace

TEST_CASE("bad input: TD(0), Q-learning, SARSA, Expected SARSA", "[reliability][bad_input][learners]") {
  run_cases(config_cases("TD0", [](const TDConfig& c) { TV v(kS); TD0<TV> l(v, c); }, TDConfig{}));
  run_cases(config_cases(
      "QLearning", [](const TDConfig& c) { TQ q(kS, kA); QLearning<TQ> l(q, c); }, TDConfig{}));
  run_cases(config_cases("Sarsa", [](const TDConfig& c) { TQ q(kS, kA); Sarsa<TQ> l(q, c); },
                         TDConfig{}));
  run_cases(config_cases(
      "ExpectedSarsa", [](const TDConfig& c) { TQ q(kS, kA); ExpectedSarsa<TQ> l(q, c); },
      TDConfig{}));

  run_learner_cases(transition_cases<TD0Rig>("TD0::update", plain_update<TD0Rig>, kS));
  using QL = ActionValueRig<QLearning>;
  run_learner_cases(transition_cases<QL>("QLearning::update", plain_update<QL>, kS, kA));
  using SA = ActionValueRig<Sarsa>;
  run_learner_cases(transition_cases<SA>("Sarsa::update", sarsa_update<SA>, kS, kA) +
                    next_action_cases<SA>("Sarsa::update"));
  using ES = ActionValueRig<ExpectedSarsa>;
  auto es_update = [](ES& r, const Tr& t, const Eigen::VectorXd& p) { r.l.update(t, p); };
  run_learner_cases(
      transition_cases<ES>("ExpectedSarsa::update",
                           [](ES& r, const Tr& t) { r.l.update(t, uniform_probs()); }, kS, kA) +
      probability_cases<ES>("ExpectedSarsa::update", es_update));
}

TEST_CASE("bad input: eligibility-trace learners", "[reliability][bad_input][learners]") {
  run_cases(config_cases(
      "TDLambda", [](const TraceConfig& c) { TV v(kS); TDLambda<TV> l(v, c); }, TraceConfig{}));
  run_cases(config_cases(
      "SarsaLambda", [](const TraceConfig& c) { TQ q(kS, kA); SarsaLambda<TQ> l(q, c); },
      TraceConfig{}));
  run_cases(config_cases(
      "TrueOnlineTDLambda",
      [](const TrueOnlineConfig& c) { TV v(kS); TrueOnlineTDLambda<TV> l(v, c); },
      TrueOnlineConfig{}));
  run_cases(config_cases(
      "TrueOnlineSarsaLambda",
      [](const TrueOnlineConfig& c) { TQ q(kS, kA); TrueOnlineSarsaLambda<TQ> l(q, c); },
      TrueOnlineConfig{}));
  run_cases(config_cases(
      "QLambda", [](const QLambdaConfig& c) { TQ q(kS, kA); QLambda<TQ> l(q, c); },
      QLambdaConfig{}));
  {
    QLambdaConfig c;
    c.variant = static_cast<QLambdaVariant>(5);
    run_cases({{"QLambda: config .variant = 5", [c] { TQ q(kS, kA); QLambda<TQ> l(q, c); },
                Throws::invalid_argument, {"QLambda:", "variant = 5"}}});
  }
  run_cases(config_cases(
      "OffPolicyQLambda",
      [](const OffPolicyLambdaConfig& c) { TQ q(kS, kA); RetraceLambda<TQ> l(q, c); },
      OffPolicyLambdaConfig{}));

  // trace_tolerance: read by SparseTrace only, which checks it (and names
  // itself and "tolerance" rather than the learner and "trace_tolerance").
  run_cases({
      {"TDLambda<SparseTrace>: trace_tolerance = -1",
       [] {
         TV v(kS);
         TDLambda<TV, SparseTrace<double>> l(v, {.trace_tolerance = -1.0});
       },
       Throws::invalid_argument, {"tolerance = -1"}},
      {"SarsaLambda<SparseTrace>: trace_tolerance = nan",
       [] {
         TQ q(kS, kA);
         SarsaLambda<TQ, SparseTrace<double>> l(q, {.trace_tolerance = kNaN});
       },
       Throws::invalid_argument, {"tolerance = nan"}},
      {"QLambda<SparseTrace>: trace_tolerance = -inf",
       [] {
         TQ q(kS, kA);
         QLambda<TQ, SparseTrace<double>> l(q, {.trace_tolerance = -kInf});
       },
       Throws::invalid_argument, {"tolerance = -inf"}},
  });
  run_learner_cases(
      transition_cases<TDLambdaRig>("TDLambda::update", plain_update<TDLambdaRig>, kS));
  run_learner_cases(transition_cases<TrueOnlineTDRig>("TrueOnlineTDLambda::update",
                                                      plain_update<TrueOnlineTDRig>, kS));
  run_learner_cases(
      transition_cases<SarsaLambdaRig>("SarsaLambda::update", sarsa_update<SarsaLambdaRig>, kS,
                                       kA) +
      next_action_cases<SarsaLambdaRig>("SarsaLambda::update"));
  run_learner_cases(transition_cases<TrueOnlineSarsaRig>("TrueOnlineSarsaLambda::update",
                                                         sarsa_update<TrueOnlineSarsaRig>, kS,
                                                         kA) +
                    next_action_cases<TrueOnlineSarsaRig>("TrueOnlineSarsaLambda::update"));
  run_learner_cases(
      transition_cases<QLambdaRig>("QLambda::update", sarsa_update<QLambdaRig>, kS, kA) +
      next_action_cases<QLambdaRig>("QLambda::update"));

  using RT = RetraceRig<RetraceLambda<TQ>>;
  const std::string where = "OffPolicyQLambda::update";
  auto rt_probs = [](RT& r, const Tr& t, const Eigen::VectorXd& p) { r.l.update(t, p, 0.5, 0.5); };
  const Tr t = good_transition();
  run_learner_cases(
      transition_cases<RT>(
          where, [](RT& r, const Tr& tr) { r.l.update(tr, uniform_probs(), 0.5, 0.5); }, kS,
          kA) +
      probability_cases<RT>(where, rt_probs) +
      std::vector<LearnerCase<RT>>{
          {where + ": pi = 1.5", [t](RT& r) { r.l.update(t, uniform_probs(), 1.5, 0.5); },
           Throws::invalid_argument, {where, "pi = 1.5"}},
          {where + ": pi = nan", [t](RT& r) { r.l.update(t, uniform_probs(), kNaN, 0.5); },
           Throws::invalid_argument, {where, "pi = nan"}},
          {where + ": mu = 0", [t](RT& r) { r.l.update(t, uniform_probs(), 0.5, 0.0); },
           Throws::invalid_argument, {where, "mu = 0"}},
          {where + ": mu = -0.5", [t](RT& r) { r.l.update(t, uniform_probs(), 0.5, -0.5); },
           Throws::invalid_argument, {where, "mu = -0.5"}},
      });
  using TB = RetraceRig<TreeBackupLambda<TQ>>;
  run_learner_cases(transition_cases<TB>(
      where, [](TB& r, const Tr& tr) { r.l.update(tr, uniform_probs(), 0.5, 0.5); }, kS, kA));
  using IS = RetraceRig<ImportanceSamplingQLambda<TQ>>;
  run_learner_cases(transition_cases<IS>(
      where, [](IS& r, const Tr& tr) { r.l.update(tr, uniform_probs(), 0.5, 0.5); }, kS, kA));
}

TEST_CASE("bad input: n-step, Monte Carlo and offline lambda-return learners",
          "[reliability][bad_input][learners]") {
  run_cases(config_cases(
      "NStepTD", [](const NStepConfig& c) { TV v(kS); NStepTD<TV> l(v, c); }, NStepConfig{}));
  run_cases(config_cases(
      "NStepSarsa", [](const NStepConfig& c) { TQ q(kS, kA); NStepSarsa<TQ> l(q, c); },
      NStepConfig{}));
  run_cases(config_cases(
      "MonteCarlo", [](const MonteCarloConfig& c) { TV v(kS); MonteCarlo<TV> l(v, c); },
      MonteCarloConfig{}));
  {
    MonteCarloConfig c;
    c.visits = static_cast<MonteCarloVisits>(4);
    run_cases({{"MonteCarlo: config .visits = 4", [c] { TV v(kS); MonteCarlo<TV> l(v, c); },
                Throws::invalid_argument, {"MonteCarlo:", "visits = 4"}}});
  }
  run_cases(config_cases(
      "OfflineLambdaReturn",
      [](const OfflineLambdaReturnConfig& c) { TV v(kS); OfflineLambdaReturn<TV> l(v, c); },
      OfflineLambdaReturnConfig{}));

  run_learner_cases(transition_cases<NStepTDRig>("NStepTD::update", plain_update<NStepTDRig>, kS));
  run_learner_cases(
      transition_cases<NStepSarsaRig>("NStepSarsa::update", sarsa_update<NStepSarsaRig>, kS,
                                      kA) +
      next_action_cases<NStepSarsaRig>("NStepSarsa::update"));
  run_learner_cases(
      transition_cases<MonteCarloRig>("MonteCarlo::update", plain_update<MonteCarloRig>, kS));
  run_learner_cases(std::vector<LearnerCase<MonteCarloRig>>{
      {"MonteCarlo::update: a state that does not continue the episode",
       [](MonteCarloRig& r) { r.l.update({.state = 0, .reward = 1.0, .next_state = 1}); },
       Throws::invalid_argument, {"MonteCarlo::update:", "state = 0", "next_state = 3"}},
  });
  run_learner_cases(transition_cases<OfflineRig>("OfflineLambdaReturn::update",
                                                 plain_update<OfflineRig>, kS));
}

TEST_CASE("bad input: critic ensembles (double, clipped double, ensemble, maxmin)",
          "[reliability][bad_input][learners]") {
  run_cases(config_cases(
      "DoubleQLearning",
      [](const TDConfig& c) { TQ a(kS, kA), b(kS, kA); DoubleQLearning<TQ> l(a, b, c); },
      TDConfig{}));
  run_cases(config_cases(
      "ClippedDoubleQLearning",
      [](const ClippedDoubleQConfig& c) {
        TQ a(kS, kA), b(kS, kA);
        ClippedDoubleQLearning<TQ> l(a, b, c);
      },
      ClippedDoubleQConfig{}));
  run_cases(config_cases(
      "EnsembleQLearning",
      [](const EnsembleQConfig& c) {
        std::vector<TQ> q(3, TQ(kS, kA));
        EnsembleQLearning<TQ> l(q, c);
      },
      EnsembleQConfig{}));
  run_cases(config_cases(
      "MaxminQLearning",
      [](const MaxminQConfig& c) {
        std::vector<TQ> q(3, TQ(kS, kA));
        MaxminQLearning<TQ> l(q, c);
      },
      MaxminQConfig{}));
  run_cases({
      {"DoubleQLearning: critics of different action counts",
       [] {
         TQ a(kS, kA), b(kS, kA + 1);
         DoubleQLearning<TQ> l(a, b, {});
       },
       Throws::invalid_argument, {"DoubleQLearning:", "num_actions() has size 4, expected 3"}},
      {"MaxminQLearning: update_count = 4 of 3 critics",
       [] {
         std::vector<TQ> q(3, TQ(kS, kA));
         MaxminQLearning<TQ> l(q, {.update_count = 4});
       },
       Throws::invalid_argument, {"MaxminQLearning:", "update_count = 4"}},
      {"EnsembleQLearning: no critics",
       [] {
         std::vector<TQ> q;
         EnsembleQLearning<TQ> l(q, {});
       },
       Throws::invalid_argument, {"EnsembleQLearning:", "critics = 0"}},
  });

  run_learner_cases(
      transition_cases<DoubleQRig>("DoubleQLearning::update", rng_update<DoubleQRig>, kS, kA));
  run_learner_cases(transition_cases<ClippedDoubleQRig>("ClippedDoubleQLearning::update",
                                                        rng_update<ClippedDoubleQRig>, kS, kA));
  run_learner_cases(transition_cases<ClippedDoubleQOneRig>(
      "ClippedDoubleQLearning::update", rng_update<ClippedDoubleQOneRig>, kS, kA));
  run_learner_cases(transition_cases<EnsembleQRig>("EnsembleQLearning::update",
                                                   rng_update<EnsembleQRig>, kS, kA));
  run_learner_cases(
      transition_cases<MaxminQRig>("MaxminQLearning::update", rng_update<MaxminQRig>, kS, kA));
}

TEST_CASE("bad input: learner read access (TD, Q, traces, n-step, ensembles)",
          "[reliability][bad_input][learners]") {
  run_learner_cases(reader_cases<TD0Rig>("TD0"));
  run_learner_cases(reader_cases<ActionValueRig<QLearning>>("QLearning"));
  run_learner_cases(reader_cases<ActionValueRig<Sarsa>>("Sarsa"));
  run_learner_cases(reader_cases<TDLambdaRig>("TDLambda"));
  run_learner_cases(reader_cases<TrueOnlineTDRig>("TrueOnlineTDLambda"));
  run_learner_cases(reader_cases<SarsaLambdaRig>("SarsaLambda"));
  run_learner_cases(reader_cases<TrueOnlineSarsaRig>("TrueOnlineSarsaLambda"));
  run_learner_cases(reader_cases<QLambdaRig>("QLambda"));
  run_learner_cases(reader_cases<RetraceRig<RetraceLambda<TQ>>>("OffPolicyQLambda"));
  run_learner_cases(reader_cases<NStepTDRig>("NStepTD"));
  run_learner_cases(reader_cases<NStepSarsaRig>("NStepSarsa"));
  run_learner_cases(reader_cases<MonteCarloRig>("MonteCarlo"));
  run_learner_cases(reader_cases<OfflineRig>("OfflineLambdaReturn"));
  run_learner_cases(reader_cases<DoubleQRig>("DoubleQLearning"));
  run_learner_cases(reader_cases<ClippedDoubleQRig>("ClippedDoubleQLearning"));
  run_learner_cases(reader_cases<EnsembleQRig>("EnsembleQLearning"));
  run_learner_cases(reader_cases<MaxminQRig>("MaxminQLearning"));

  // Expected SARSA's value(s, probs) validates the probabilities as update does.
  using ES = ActionValueRig<ExpectedSarsa>;
  run_learner_cases(std::vector<LearnerCase<ES>>{
      {"ExpectedSarsa::value: probs summing to 0.75",
       [](ES& r) { (void)r.l.value(0, Eigen::Vector3d(0.25, 0.25, 0.25)); },
       Throws::invalid_argument, {"ExpectedSarsa::value:", "sum of probs = 0.75"}},
      {"ExpectedSarsa::value: state 5", [](ES& r) { (void)r.l.value(kS, uniform_probs()); },
       Throws::out_of_range, {"ExpectedSarsa::value:", "state = 5"}},
  });
  using DQ = DoubleQRig;
  const Tr t = good_transition();
  run_learner_cases(std::vector<LearnerCase<DQ>>{
      {"DoubleQLearning::update_critic: critic 2", [t](DQ& r) { (void)r.l.update_critic(t, 2); },
       Throws::out_of_range, {"DoubleQLearning::update:", "critic = 2"}},
  });
}
