// Bad-input matrix, part 2b: the gradient-TD, robust Bellman, emphatic,
// Greedy-GQ, LSTD, categorical, quantile, orchestrated (log Q, Q
// decomposition) and batch learners of learners/, learners on linear
// approximators, the CVaR-greedy policy and the step-size schedule helper.
// Same scheme as part 2a (test_bad_input_learners.cpp): config_cases,
// transition_cases and what each rule takes beyond the transition
// (importance ratios, interest, channel rewards), on rigs checked byte for
// byte and against an untouched twin.

#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <array>
#include <span>
#include <string>
#include <vector>

#include "reliability/bad_input_support.hpp"
#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/learners/batch.hpp"
#include "rlvalue/learners/categorical_td.hpp"
#include "rlvalue/learners/emphatic_td.hpp"
#include "rlvalue/learners/geometric_decay.hpp"
#include "rlvalue/learners/gradient_td.hpp"
#include "rlvalue/learners/greedy_gq.hpp"
#include "rlvalue/learners/log_q_learning.hpp"
#include "rlvalue/learners/lstd.hpp"
#include "rlvalue/learners/q_decomposition.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/quantile_td.hpp"
#include "rlvalue/learners/robust_bellman.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/policies/cvar_greedy.hpp"

namespace {

using namespace rlvalue;
using namespace rlvalue::testing;

// (Configs are named constants: GCC 12 misreports braced temporaries in
// default member initialisers as dangling.)
constexpr TDConfig kConstantStep{.gamma = 0.9, .step_size = 0.5};
constexpr QuantileTDConfig kQuantile{.gamma = 0.9, .step_size = 0.5, .kappa = 1.0};
constexpr LSTDConfig kLSTD{.gamma = 0.9, .lambda = 0.5, .ridge = 0.1};
constexpr LogQLearningConfig kLogQ{.gamma = 0.9, .step_size = 0.1, .k = 20.0};
constexpr QDecompositionConfig kQDecomposition{.gamma = 0.9, .step_size = 0.3};
constexpr BatchConfig kBatch{.gamma = 0.9, .step_size = 0.05};
constexpr GradientTDConfig kGradient{.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.05};
constexpr RobustBellmanConfig kRobust{.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.05};
constexpr EmphaticTDConfig kEmphatic{.gamma = 0.9, .step_size = 0.1, .lambda = 0.5};
constexpr GreedyGQConfig kGreedyGQ{.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.05};

using GreedyGQRig = QRig<GreedyGQ<TQ>, GreedyGQConfig, kGreedyGQ>;

/// Off-policy V learners taking (t, rho): rho varies with k.
template <class Learner, class Config, Config kConfig>
struct RhoRig {
  TV v{kS};
  Learner l{v, kConfig};
  void drive(int k) { l.update(step_k(k), 0.5 + 0.25 * (k % 3)); }
  Bytes snapshot() const { return bytes_of(v.parameters()); }
};

const UniformSupport kSupport{.v_min = -5.0, .v_max = 5.0, .num_atoms = 11};

template <class Learner, Index kActions>
struct CategoricalRig {
  CategoricalTable<double> table{kS, kActions, kSupport};
  Learner l{table, kConstantStep};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const { return bytes_of(table.parameters()); }
};
template <class Learner, Index kActions>
struct QuantileRig {
  QuantileTable<double> table{kS, kActions, 5};
  Learner l{table, kQuantile};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const { return bytes_of(table.parameters()); }
};

struct LSTDRig {
  TV v{kS};
  LSTD<TV> l{v, kLSTD};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const { return bytes_of(v.parameters(), l.A(), l.b()); }
};
struct RecursiveLSTDRig {
  TV v{kS};
  RecursiveLSTD<TV> l{v, kLSTD};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const { return bytes_of(v.parameters()); }
};

struct LogQRig {
  TQ pos{kS, kA}, neg{kS, kA};
  LogQLearning<TQ> l{pos, neg, kLogQ};
  void drive(int k) { l.update(step_k(k)); }
  Bytes snapshot() const { return bytes_of(pos.parameters(), neg.parameters()); }
};

struct QDecompositionRig {
  TQ a{kS, kA}, b{kS, kA};
  QDecomposition<TQ> l{{&a, &b}, {1.0, 2.0}, kQDecomposition};
  void drive(int k) {
    const std::array<double, 2> r{0.5 * k, 1.0 - 0.25 * k};
    l.update(step_k(k), std::span<const double>(r));
  }
  Bytes snapshot() const { return bytes_of(a.parameters(), b.parameters()); }
};

template <class Learner>
struct BatchRig {
  TV v{kS};
  Learner l{v, kBatch};
  void drive(int k) { l.add(step_k(k)); }
  Bytes snapshot() const {
    Bytes b = bytes_of(v.parameters(), l.num_transitions(), l.num_episodes());
    for (const auto& t : l.transitions())  // field by field: a Transition has padding
      for (const double x : {double(t.state), t.reward, double(t.next_state),
                             double(t.terminated), double(t.truncated)})
        append_bytes(b, x);
    return b;
  }
};


}  // namespace

TEST_CASE("bad input: gradient-TD, robust Bellman, emphatic TD, Greedy-GQ, LSTD",
          "[reliability][bad_input][learners]") {
  run_cases(config_cases(
      "TDC", [](const GradientTDConfig& c) { TV v(kS); TDC<TV> l(v, c); }, GradientTDConfig{}));
  run_cases(config_cases(
      "TDRC", [](const GradientTDConfig& c) { TV v(kS); TDRC<TV> l(v, c); }, GradientTDConfig{}));
  run_cases({{"TDRC: beta * reg > 1",
              [] {
                TV v(kS);
                TDRC<TV> l(v, {.secondary_step_size = 0.5, .regularization = 3.0});
              },
              Throws::invalid_argument, {"TDRC:", "regularization = 3"}}});
  run_cases(config_cases(
      "RobustBellman", [](const RobustBellmanConfig& c) { TV v(kS); RobustBellman<TV> l(v, c); },
      RobustBellmanConfig{}));
  {
    RobustBellmanConfig c;
    c.loss = static_cast<BellmanLoss>(6);
    run_cases({{"RobustBellman: config .loss = 6",
                [c] { TV v(kS); RobustBellman<TV> l(v, c); }, Throws::invalid_argument,
                {"RobustBellman:", "loss = 6"}}});
  }
  run_cases(config_cases(
      "EmphaticTD", [](const EmphaticTDConfig& c) { TV v(kS); EmphaticTD<TV> l(v, c); },
      EmphaticTDConfig{}));
  run_cases(config_cases(
      "GreedyGQ", [](const GreedyGQConfig& c) { TQ q(kS, kA); GreedyGQ<TQ> l(q, c); },
      GreedyGQConfig{}));
  run_cases(config_cases(
      "LSTD", [](const LSTDConfig& c) { TV v(kS); LSTD<TV> l(v, c); }, LSTDConfig{}));
  run_cases(config_cases(
      "RecursiveLSTD", [](const LSTDConfig& c) { TV v(kS); RecursiveLSTD<TV> l(v, c); },
      LSTDConfig{.ridge = 1.0}));
  run_cases({{"RecursiveLSTD: ridge = 0",
              [] { TV v(kS); RecursiveLSTD<TV> l(v, {.ridge = 0.0}); }, Throws::invalid_argument,
              {"RecursiveLSTD:", "ridge = 0"}}});

  auto with_rho = [](auto& r, const Tr& t, double rho) { r.l.update(t, rho); };
  using GTD2Rig = RhoRig<GTD2<TV>, GradientTDConfig, kGradient>;
  using TDCRig = RhoRig<TDC<TV>, GradientTDConfig, kGradient>;
  using TDRCRig = RhoRig<TDRC<TV>, GradientTDConfig, kGradient>;
  using OffTDRig = RhoRig<OffPolicyTD<TV>, GradientTDConfig, kGradient>;
  using RobustRig = RhoRig<RobustBellman<TV>, RobustBellmanConfig, kRobust>;
  using EmphaticRig = RhoRig<EmphaticTD<TV>, EmphaticTDConfig, kEmphatic>;
  run_learner_cases(transition_cases<GTD2Rig>("GTD2::update", plain_update<GTD2Rig>, kS) +
                    ratio_cases<GTD2Rig>("GTD2::update", "rho", with_rho));
  run_learner_cases(transition_cases<TDCRig>("TDC::update", plain_update<TDCRig>, kS) +
                    ratio_cases<TDCRig>("TDC::update", "rho", with_rho));
  run_learner_cases(transition_cases<TDRCRig>("TDRC::update", plain_update<TDRCRig>, kS) +
                    ratio_cases<TDRCRig>("TDRC::update", "rho", with_rho));
  run_learner_cases(
      transition_cases<OffTDRig>("OffPolicyTD::update", plain_update<OffTDRig>, kS) +
      ratio_cases<OffTDRig>("OffPolicyTD::update", "rho", with_rho));
  run_learner_cases(
      transition_cases<RobustRig>("RobustBellman::update", plain_update<RobustRig>, kS) +
      ratio_cases<RobustRig>("RobustBellman::update", "rho", with_rho));
  run_learner_cases(
      transition_cases<EmphaticRig>("EmphaticTD::update", plain_update<EmphaticRig>, kS) +
      ratio_cases<EmphaticRig>("EmphaticTD::update", "rho", with_rho) +
      ratio_cases<EmphaticRig>("EmphaticTD::update", "interest",
                               [](EmphaticRig& r, const Tr& t, double i) {
                                 r.l.update(t, 1.0, i);
                               }));
  run_learner_cases(
      transition_cases<GreedyGQRig>("GreedyGQ::update", plain_update<GreedyGQRig>, kS, kA));
  run_learner_cases(transition_cases<LSTDRig>("LSTD::update", plain_update<LSTDRig>, kS));
  run_learner_cases(transition_cases<RecursiveLSTDRig>("RecursiveLSTD::update",
                                                       plain_update<RecursiveLSTDRig>, kS));
}

TEST_CASE("bad input: categorical and quantile learners", "[reliability][bad_input][learners]") {
  run_cases(config_cases(
      "CategoricalTD",
      [](const TDConfig& c) {
        CategoricalTable<double> t(kS, kSupport);
        CategoricalTD<> l(t, c);
      },
      TDConfig{}));
  run_cases(config_cases(
      "QuantileTD",
      [](const QuantileTDConfig& c) {
        QuantileTable<double> t(kS, 1, 5);
        QuantileTD<> l(t, c);
      },
      QuantileTDConfig{}));
  run_cases({
      {"CategoricalTD: a table with 3 actions",
       [] {
         CategoricalTable<double> t(kS, kA, kSupport);
         CategoricalTD<> l(t, {});
       },
       Throws::invalid_argument, {"CategoricalTD:", "num_actions = 3"}},
      {"QuantileTD: a table with 3 actions",
       [] {
         QuantileTable<double> t(kS, kA, 5);
         QuantileTD<> l(t, {});
       },
       Throws::invalid_argument, {"QuantileTD:", "num_actions = 3"}},
  });
  using CT = CategoricalRig<CategoricalTD<>, 1>;
  using CQ = CategoricalRig<CategoricalQLearning<>, kA>;
  using QT = QuantileRig<QuantileTD<>, 1>;
  using QQ = QuantileRig<QuantileQLearning<>, kA>;
  run_learner_cases(transition_cases<CT>("CategoricalTD::update", plain_update<CT>, kS));
  run_learner_cases(
      transition_cases<CQ>("CategoricalQLearning::update", plain_update<CQ>, kS, kA));
  run_learner_cases(transition_cases<QT>("QuantileTD::update", plain_update<QT>, kS));
  run_learner_cases(transition_cases<QQ>("QuantileQLearning::update", plain_update<QQ>, kS, kA));
}

TEST_CASE("bad input: orchestrated, batch and schedule helpers", "[reliability][bad_input][learners]") {
  // LogQLearning's gamma is checked by its LogarithmicMapping, whose name
  // the message carries after "LogQLearning: ".
  run_cases(config_cases(
      "LogQLearning",
      [](const LogQLearningConfig& c) {
        TQ a(kS, kA), b(kS, kA);
        LogQLearning<TQ> l(a, b, c);
      },
      LogQLearningConfig{}, false));
  run_cases(config_cases(
      "QDecomposition",
      [](const QDecompositionConfig& c) {
        TQ a(kS, kA), b(kS, kA);
        QDecomposition<TQ> l({&a, &b}, {1.0, 1.0}, c);
      },
      QDecompositionConfig{}));
  run_cases(config_cases(
      "BatchTD", [](const BatchConfig& c) { TV v(kS); BatchTD<TV> l(v, c); }, BatchConfig{}));
  run_cases(config_cases(
      "BatchMonteCarlo", [](const BatchConfig& c) { TV v(kS); BatchMonteCarlo<TV> l(v, c); },
      BatchConfig{}));
  run_cases({
      {"LogQLearning: c = 0",
       [] {
         TQ a(kS, kA), b(kS, kA);
         LogQLearning<TQ> l(a, b, {.c = 0.0});
       },
       Throws::invalid_argument, {"c = 0"}},
      {"QDecomposition: 3 weights for 2 estimators",
       [] {
         TQ a(kS, kA), b(kS, kA);
         QDecomposition<TQ> l({&a, &b}, {1.0, 1.0, 1.0}, {});
       },
       Throws::invalid_argument, {"QDecomposition:", "estimators has size 2, expected 3"}},
      {"QDecomposition: one estimator twice",
       [] {
         TQ a(kS, kA);
         QDecomposition<TQ> l({&a, &a}, {1.0, 1.0}, {});
       },
       Throws::invalid_argument, {"QDecomposition:", "estimators[1]"}},
      {"QDecomposition: a null estimator",
       [] {
         TQ a(kS, kA);
         QDecomposition<TQ> l({&a, nullptr}, {1.0, 1.0}, {});
       },
       Throws::invalid_argument, {"QDecomposition:", "estimators[1] is null"}},
      {"GeometricDecay: initial = 0", [] { GeometricDecay g({.initial = 0.0}); },
       Throws::invalid_argument, {"GeometricDecay:", "initial = 0"}},
      {"GeometricDecay: final > initial",
       [] { GeometricDecay g({.initial = 1.0, .final = 2.0}); }, Throws::invalid_argument,
       {"GeometricDecay:", "final = 2"}},
      {"GeometricDecay: num_steps = 0", [] { GeometricDecay g({.num_steps = 0}); },
       Throws::invalid_argument, {"GeometricDecay:", "num_steps = 0"}},
      {"GeometricDecay::value n = -1", [] { (void)GeometricDecay({}).value(-1); },
       Throws::invalid_argument, {"GeometricDecay::value:", "n = -1"}},
  });

  run_learner_cases(transition_cases<LogQRig>("LogQLearning::update", plain_update<LogQRig>, kS, kA));
  using QD = QDecompositionRig;
  const Tr t = good_transition();
  run_learner_cases(
      transition_cases<QD>("QDecomposition::update", plain_update<QD>, kS, kA) +
      std::vector<LearnerCase<QD>>{
          {"QDecomposition::update: 3 channel rewards",
           [t](QD& r) {
             const std::array<double, 3> c{1.0, 2.0, 3.0};
             r.l.update(t, std::span<const double>(c));
           },
           Throws::invalid_argument,
           {"QDecomposition::update:", "channel_rewards has size 3, expected 2"}},
          {"QDecomposition::update: a nan channel reward",
           [t](QD& r) {
             const std::array<double, 2> c{1.0, kNaN};
             r.l.update(t, std::span<const double>(c));
           },
           Throws::invalid_argument, {"QDecomposition::update:", "channel_rewards[1] = nan"}},
          {"QDecomposition::channel_q: channel 2", [](QD& r) { (void)r.l.channel_q(2, 0, 0); },
           Throws::out_of_range, {"QDecomposition::channel_q:", "channel = 2"}},
      });

  using BT = BatchRig<BatchTD<TV>>;
  using BM = BatchRig<BatchMonteCarlo<TV>>;
  auto add = [](auto& r, const Tr& tr) { r.l.add(tr); };
  run_learner_cases(transition_cases<BT>("BatchTD::add", add, kS) + reader_cases<BT>("BatchTD"));
  run_learner_cases(
      transition_cases<BM>("BatchMonteCarlo::add", add, kS) + reader_cases<BM>("BatchMonteCarlo") +
      std::vector<LearnerCase<BM>>{
          {"BatchMonteCarlo::add: a state that does not continue the episode",
           [](BM& r) { r.l.add({.state = 0, .reward = 1.0, .next_state = 1}); },
           Throws::invalid_argument,
           {"BatchMonteCarlo::add:", "state = 0", "next_state = 3"}},
      });

  // A diverging batch run restores the parameters it started from.
  TV v(kS);
  v.set_value(1, 0.5);
  BatchTD<TV> diverging(v, {.gamma = 1.0, .step_size = 50.0, .max_sweeps = 100000});
  for (int k = 0; k < 12; ++k) diverging.add(step_k(k));
  run_cases({{"BatchTD::train diverging", [&] { (void)diverging.train(); },
              Throws::invalid_argument, {"BatchTD::train:", "sweep = ", "restored"},
              [&] { return bytes_of(v.parameters()); }}});
}

TEST_CASE("bad input: LogQLearning's config errors name LogQLearning",
          "[reliability][bad_input][learners]") {
  // Found by this matrix (fixed): the mappings are built (and validate
  // gamma, c, k, initial_value) before the learner, so the message said
  // only "LogarithmicMapping: gamma = 1.5 ...".
  run_cases({{"LogQLearning: gamma = 1.5",
              [] {
                TQ a(kS, kA), b(kS, kA);
                LogQLearning<TQ> l(a, b, {.gamma = 1.5});
              },
              Throws::invalid_argument, {"LogQLearning:", "gamma = 1.5"}}});
}

TEST_CASE("bad input: learners on linear approximators", "[reliability][bad_input][learners]") {
  // Real-vector states: a coordinate that is not finite, or a wrong
  // dimension, is rejected with the approximator's message naming the
  // learner; the weights stay as they were.
  using Tiles = TileCoding<>;
  using LV = LinearV<Tiles>;
  using LQ = LinearQ<Tiles>;
  using VT = Transition<Eigen::VectorXd, Index, double>;
  const TileCodingConfig tc{.num_tilings = 4, .low = {0.0, 0.0}, .high = {1.0, 1.0},
                            .tiles = {3, 3}};
  LV v{Tiles{tc}};
  LQ q{Tiles{tc}, 2};
  TD0<LV> td(v, {.gamma = 0.9, .step_size = 0.1});
  QLearning<LQ> ql(q, {.gamma = 0.9, .step_size = 0.1});
  TDLambda<LV> tdl(v, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  const Eigen::VectorXd a = Eigen::Vector2d(0.2, 0.3), b = Eigen::Vector2d(0.7, 0.1);
  for (int k = 0; k < 4; ++k) {
    td.update({.state = a, .reward = 1.0, .next_state = b});
    ql.update({.state = a, .action = k % 2, .reward = 0.5, .next_state = b});
    tdl.update({.state = b, .reward = 0.25, .next_state = a});
  }
  const Eigen::VectorXd nan_state = Eigen::Vector2d(0.2, kNaN);
  const Eigen::VectorXd three = Eigen::Vector3d(0.2, 0.3, 0.4);
  auto sv = [&] { return bytes_of(v.parameters()); };
  auto sq = [&] { return bytes_of(q.parameters()); };
  run_cases({
      {"TD0<LinearV>: per_visit needs a finite state space",
       [&] { TD0<LV> x(v, {.schedule = StepSchedule::per_visit}); }, Throws::invalid_argument,
       {"TD0:", "per_visit"}, sv},
      {"TD0<LinearV>::update: nan coordinate",
       [&] { td.update(VT{.state = nan_state, .reward = 1.0, .next_state = b}); },
       Throws::invalid_argument, {"TD0::update:", "state[1] = nan"}, sv},
      {"TD0<LinearV>::update: 3-d next_state",
       [&] { td.update(VT{.state = a, .reward = 1.0, .next_state = three}); },
       Throws::invalid_argument, {"TD0::update:", "next_state has size 3, expected 2"}, sv},
      {"TD0<LinearV>::update: reward inf",
       [&] { td.update(VT{.state = a, .reward = kInf, .next_state = b}); },
       Throws::invalid_argument, {"TD0::update:", "reward = inf"}, sv},
      {"TDLambda<LinearV>::update: nan coordinate",
       [&] { tdl.update(VT{.state = a, .reward = 1.0, .next_state = nan_state}); },
       Throws::invalid_argument, {"TDLambda::update:", "next_state[1] = nan"}, sv},
      {"QLearning<LinearQ>::update: action 2",
       [&] { ql.update(VT{.state = a, .action = 2, .reward = 1.0, .next_state = b}); },
       Throws::out_of_range, {"QLearning::update:", "action = 2"}, sq},
      {"QLearning<LinearQ>::update: reward nan",
       [&] { ql.update(VT{.state = a, .action = 1, .reward = kNaN, .next_state = b}); },
       Throws::invalid_argument, {"QLearning::update:", "reward = nan"}, sq},
  });
  // The trace learner keeps behaving as its twin after the rejected call.
  LV v2{Tiles{tc}};
  TDLambda<LV> twin(v2, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  for (int k = 0; k < 4; ++k) twin.update({.state = b, .reward = 0.25, .next_state = a});
  LV v3{Tiles{tc}};
  TDLambda<LV> subject(v3, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.5});
  for (int k = 0; k < 4; ++k) subject.update({.state = b, .reward = 0.25, .next_state = a});
  CHECK_THROWS_AS(subject.update({.state = a, .reward = kNaN, .next_state = b}),
                  std::invalid_argument);
  for (int k = 0; k < 3; ++k) {
    subject.update({.state = a, .reward = 1.0, .next_state = b, .truncated = k == 1});
    twin.update({.state = a, .reward = 1.0, .next_state = b, .truncated = k == 1});
  }
  CHECK(bytes_of(v3.parameters()) == bytes_of(v2.parameters()));
}

TEST_CASE("bad input: CVaR-greedy policy", "[reliability][bad_input][policies]") {
  CategoricalTable<double> table(kS, kA, kSupport);
  const CategoricalQLearning<> learner(table, {});
  run_cases({
      {"CVaRGreedy alpha = 0", [&] { CVaRGreedy<CategoricalQLearning<>> p(learner, 0.0); },
       Throws::invalid_argument, {"CVaRGreedy:", "alpha = 0"}},
      {"CVaRGreedy alpha = 1.5", [&] { CVaRGreedy<CategoricalQLearning<>> p(learner, 1.5); },
       Throws::invalid_argument, {"CVaRGreedy:", "alpha = 1.5"}},
      {"CategoricalQLearning::cvar_greedy_action alpha nan",
       [&] { (void)learner.cvar_greedy_action(0, kNaN); }, Throws::invalid_argument,
       {"alpha = nan"}},
  });
}

TEST_CASE("bad input: learner read access (gradient, distributional, orchestrated)",
          "[reliability][bad_input][learners]") {
  run_learner_cases(reader_cases<RhoRig<TDC<TV>, GradientTDConfig, kGradient>>("TDC"));
  run_learner_cases(reader_cases<RhoRig<RobustBellman<TV>, RobustBellmanConfig, kRobust>>(
      "RobustBellman"));
  run_learner_cases(
      reader_cases<RhoRig<EmphaticTD<TV>, EmphaticTDConfig, kEmphatic>>("EmphaticTD"));
  run_learner_cases(reader_cases<GreedyGQRig>("GreedyGQ"));
  run_learner_cases(reader_cases<CategoricalRig<CategoricalTD<>, 1>>("CategoricalTD"));
  run_learner_cases(reader_cases<CategoricalRig<CategoricalQLearning<>, kA>>("CategoricalQLearning"));
  run_learner_cases(reader_cases<QuantileRig<QuantileTD<>, 1>>("QuantileTD"));
  run_learner_cases(reader_cases<QuantileRig<QuantileQLearning<>, kA>>("QuantileQLearning"));
  run_learner_cases(reader_cases<LogQRig>("LogQLearning"));
  run_learner_cases(reader_cases<QDecompositionRig>("QDecomposition"));

}
