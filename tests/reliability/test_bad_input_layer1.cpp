// Bad-input matrix, part 3: one-step TD errors and the other pure functions
// of targets/ (projections, histogram transforms, distributional losses,
// risk measures, critic targets, ensembles, Polyak, target policy
// smoothing), the value mappings of mapping/, the approximators and feature
// maps of approx/ and the validating policies of policies/. Approximator
// cases snapshot the parameters: a throwing call must leave them as they
// were.

#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <array>
#include <random>
#include <string>
#include <vector>

#include "reliability/bad_input_support.hpp"
#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/fourier_basis.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/polynomial_basis.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/approx/radial_basis.hpp"
#include "rlvalue/approx/state_aggregation.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/mapping/identity.hpp"
#include "rlvalue/mapping/log_linear.hpp"
#include "rlvalue/mapping/logarithmic.hpp"
#include "rlvalue/mapping/reward_decomposition.hpp"
#include "rlvalue/mapping/signed_hyperbolic.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"
#include "rlvalue/policies/softmax.hpp"
#include "rlvalue/policies/tabular_policy.hpp"
#include "rlvalue/policies/valid_actions.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/critic_targets.hpp"
#include "rlvalue/targets/distributional_losses.hpp"
#include "rlvalue/targets/ensemble.hpp"
#include "rlvalue/targets/histogram_transforms.hpp"
#include "rlvalue/targets/polyak.hpp"
#include "rlvalue/targets/risk_measures.hpp"
#include "rlvalue/targets/target_policy_smoothing.hpp"
#include "rlvalue/targets/td_errors.hpp"
#include "rlvalue/targets/transformed_returns.hpp"

namespace {

using namespace rlvalue;
using rlvalue::testing::BadInputCase;
using rlvalue::testing::bytes_of;
using rlvalue::testing::kInf;
using rlvalue::testing::kNaN;
using rlvalue::testing::run_cases;
using rlvalue::testing::Throws;
using V3 = Eigen::Vector3d;

constexpr auto IA = Throws::invalid_argument;
constexpr auto OOR = Throws::out_of_range;

}  // namespace

TEST_CASE("bad input: one-step TD errors", "[reliability][bad_input][td_errors]") {
  const V3 q(1.0, 2.0, 3.0), qn(0.5, 1.5, 2.5);
  const Eigen::Vector2d short_row(1.0, 2.0);
  const Eigen::VectorXd empty(0);
  const SignedHyperbolicMapping<double> h;
  const LogarithmicMapping<double> log_map;
  run_cases({
      {"argmax of an empty vector", [&] { (void)argmax(empty); }, IA, {"argmax:", "size() = 0"}},
      {"q_learning_error action 3", [&] { (void)q_learning_error(q, 3, 1.0, 0.9, qn); }, OOR,
       {"q_learning_error:", "action = 3"}},
      {"q_learning_error action -1", [&] { (void)q_learning_error(q, -1, 1.0, 0.9, qn); }, OOR,
       {"q_learning_error:", "action = -1"}},
      {"q_learning_error short next row",
       [&] { (void)q_learning_error(q, 0, 1.0, 0.9, short_row); }, IA,
       {"q_learning_error:", "q_next_row has size 2, expected 3"}},
      {"sarsa_error action 4", [&] { (void)sarsa_error(q, 4, 1.0, 0.9, qn, 0); }, OOR,
       {"sarsa_error:", "action = 4"}},
      {"sarsa_error next_action 3", [&] { (void)sarsa_error(q, 0, 1.0, 0.9, qn, 3); }, OOR,
       {"sarsa_error:", "next_action = 3"}},
      {"sarsa_error next_action 3, discount 0",
       [&] { (void)sarsa_error(q, 0, 1.0, 0.0, qn, 3); }, OOR, {"next_action = 3"}},
      {"sarsa_error short next row", [&] { (void)sarsa_error(q, 0, 1.0, 0.9, short_row, 0); },
       IA, {"sarsa_error:", "q_next_row has size 2, expected 3"}},
      {"expected_sarsa_error action 3",
       [&] { (void)expected_sarsa_error(q, 3, 1.0, 0.9, qn, V3(0.2, 0.3, 0.5)); }, OOR,
       {"expected_sarsa_error:", "action = 3"}},
      {"expected_sarsa_error short probs",
       [&] { (void)expected_sarsa_error(q, 0, 1.0, 0.9, qn, short_row); }, IA,
       {"expected_sarsa_error:", "next_probs has size 2, expected 3"}},
      {"double_q_error action 3", [&] { (void)double_q_error(q, 3, 1.0, 0.9, qn, qn); }, OOR,
       {"double_q_error:", "action = 3"}},
      {"double_q_error short selector",
       [&] { (void)double_q_error(q, 0, 1.0, 0.9, qn, short_row); }, IA,
       {"double_q_error:", "q_next_selector has size 2, expected 3"}},
      {"double_q_error short value row",
       [&] { (void)double_q_error(q, 0, 1.0, 0.9, short_row, qn); }, IA,
       {"double_q_error:", "q_next_value has size 2, expected 3"}},
      {"persistent_q_learning_error action_gap_scale 1.5",
       [&] { (void)persistent_q_learning_error(q, 0, 1.0, 0.9, qn, 1.5); }, IA,
       {"persistent_q_learning_error:", "action_gap_scale = 1.5"}},
      {"persistent_q_learning_error action_gap_scale nan",
       [&] { (void)persistent_q_learning_error(q, 0, 1.0, 0.9, qn, kNaN); }, IA,
       {"action_gap_scale = nan"}},
      {"persistent_q_learning_error action 5",
       [&] { (void)persistent_q_learning_error(q, 5, 1.0, 0.9, qn, 0.5); }, OOR,
       {"persistent_q_learning_error:", "action = 5"}},
      {"qv_learning_error action 3", [&] { (void)qv_learning_error(q, 3, 1.0, 0.9, 0.5); }, OOR,
       {"qv_learning_error:", "action = 3"}},
      {"transformed_q_learning_error action 3",
       [&] { (void)transformed_q_learning_error(h, q, 3, 1.0, 0.9, qn); }, OOR,
       {"transformed_q_learning_error:", "action = 3"}},
      {"transformed_q_learning_error non-finite reward",
       [&] { (void)transformed_q_learning_error(h, q, 0, kNaN, 0.9, qn); }, IA,
       {"transformed_q_learning_error:", "target = nan"}},
      {"transformed_q_learning_error target outside the log mapping's domain",
       [&] { (void)transformed_q_learning_error(log_map, q, 0, -1e6, 0.9, qn); }, IA,
       {"transformed_q_learning_error:", "target = "}},
  });
}

TEST_CASE("bad input: mappings and reward decompositions", "[reliability][bad_input][mapping]") {
  const SignedHyperbolicMapping<double> h;
  const IdentityMapping<double> id;
  const LogarithmicMapping<double> log_map;
  std::array<double, 2> two{};
  std::array<double, 1> one{};
  run_cases({
      {"signed_hyperbolic eps = -1", [] { (void)signed_hyperbolic(1.0, -1.0); }, IA,
       {"signed_hyperbolic:", "eps = -1"}},
      {"signed_parabolic eps = nan", [] { (void)signed_parabolic(1.0, kNaN); }, IA,
       {"signed_parabolic:", "eps = nan"}},
      {"SignedHyperbolicMapping eps = -0.5", [] { SignedHyperbolicMapping<double> m(-0.5); },
       IA, {"SignedHyperbolicMapping:", "eps = -0.5"}},
      {"SignedHyperbolicMapping::forward nan", [&] { (void)h.forward(kNaN); }, IA,
       {"SignedHyperbolicMapping::forward:", "x = nan"}},
      {"IdentityMapping::forward inf", [&] { (void)id.forward(kInf); }, IA,
       {"IdentityMapping::forward:", "x = inf"}},
      {"LogarithmicMapping c = 0", [] { LogarithmicMapping<double> m({.c = 0.0}); }, IA,
       {"LogarithmicMapping:", "c = 0"}},
      {"LogarithmicMapping gamma = 0", [] { LogarithmicMapping<double> m({.gamma = 0.0}); }, IA,
       {"LogarithmicMapping:", "gamma = 0"}},
      {"LogarithmicMapping gamma = 1.5", [] { LogarithmicMapping<double> m({.gamma = 1.5}); },
       IA, {"LogarithmicMapping:", "gamma = 1.5"}},
      {"LogarithmicMapping k = -1", [] { LogarithmicMapping<double> m({.k = -1.0}); }, IA,
       {"LogarithmicMapping:", "k = -1"}},
      {"LogarithmicMapping initial_value = nan",
       [] { LogarithmicMapping<double> m({.initial_value = kNaN}); }, IA,
       {"LogarithmicMapping:", "initial_value = nan"}},
      {"LogarithmicMapping::forward below the domain", [&] { (void)log_map.forward(-5.0); }, IA,
       {"LogarithmicMapping::forward:", "x = -5"}},
      {"LogLinearMapping c = -1", [] { LogLinearMapping<double> m({.c = -1.0}); }, IA,
       {"LogLinearMapping:", "c = -1"}},
      {"LogLinearMapping break_point = 0",
       [] { LogLinearMapping<double> m({.break_point = 0.0}); }, IA,
       {"LogLinearMapping:", "break_point = 0"}},
      {"LogLinearMapping offset = -1", [] { LogLinearMapping<double> m({.offset = -1.0}); }, IA,
       {"LogLinearMapping:", "offset = -1"}},
      {"PolarDecomposition reward nan",
       [&] { PolarDecomposition<double>{}.decompose(kNaN, std::span<double>(two)); }, IA,
       {"PolarDecomposition::decompose:", "reward = nan"}},
      {"PolarDecomposition out of size 1",
       [&] { PolarDecomposition<double>{}.decompose(1.0, std::span<double>(one)); }, IA,
       {"PolarDecomposition::decompose:", "out has size 1, expected 2"}},
      {"MultiScaleDecomposition no bounds", [] { MultiScaleDecomposition<double> d({}); }, IA,
       {"MultiScaleDecomposition:", "bounds.size() = 0"}},
      {"MultiScaleDecomposition bound 0", [] { MultiScaleDecomposition<double> d({1.0, 0.0}); },
       IA, {"MultiScaleDecomposition:", "= 0"}},
      {"MultiScaleDecomposition reward above the largest bound",
       [&] {
         MultiScaleDecomposition<double> d({1.0, 10.0});
         std::array<double, 4> out{};
         d.decompose(25.0, std::span<double>(out));
       },
       IA, {"reward = 25"}},
      {"UserDecomposition no weights", [] { UserDecomposition<double> d({}); }, IA,
       {"UserDecomposition:", "weights.size() = 0"}},
      {"UserDecomposition weight nan", [] { UserDecomposition<double> d({1.0, kNaN}); }, IA,
       {"UserDecomposition:", "weights[1] = nan"}},
  });
}

TEST_CASE("bad input: tabular approximators keep their parameters",
          "[reliability][bad_input][approx]") {
  TabularV<double> v(4, 0.5);
  TabularQ<double> q(4, 3, 0.25);
  v.set_value(2, 1.5);
  q.set_value(1, 2, -0.5);
  auto sv = [&] { return bytes_of(v.parameters()); };
  auto sq = [&] { return bytes_of(q.parameters()); };
  run_cases({
      {"TabularV num_states = 0", [] { TabularV<double> x(0); }, IA,
       {"TabularV:", "num_states = 0"}},
      {"TabularV initial_value = nan", [] { TabularV<double> x(3, kNaN); }, IA,
       {"TabularV:", "initial_value = nan"}},
      {"TabularQ num_actions = 0", [] { TabularQ<double> x(3, 0); }, IA,
       {"TabularQ:", "num_actions = 0"}},
      {"TabularQ initial_value = inf", [] { TabularQ<double> x(3, 2, kInf); }, IA,
       {"TabularQ:", "initial_value = inf"}},
      {"TabularV::value state 4", [&] { (void)v.value(4); }, OOR,
       {"TabularV::value:", "state = 4"}, sv},
      {"TabularV::features state -1", [&] { (void)v.features(-1); }, OOR,
       {"TabularV::features:", "state = -1"}, sv},
      {"TabularV::set_value state 9", [&] { v.set_value(9, 1.0); }, OOR,
       {"TabularV::set_value:", "state = 9"}, sv},
      {"TabularV::set_value nan", [&] { v.set_value(1, kNaN); }, IA,
       {"TabularV::set_value:", "value = nan"}, sv},
      {"TabularV::semi_gradient_step state 4", [&] { v.semi_gradient_step(4, 0.1); }, OOR,
       {"TabularV::semi_gradient_step:", "state = 4"}, sv},
      {"TabularQ::value action 3", [&] { (void)q.value(0, 3); }, OOR,
       {"TabularQ::value:", "action = 3"}, sq},
      {"TabularQ::value state 4", [&] { (void)q.value(4, 0); }, OOR,
       {"TabularQ::value:", "state = 4"}, sq},
      {"TabularQ::action_values state -2", [&] { (void)q.action_values(-2); }, OOR,
       {"TabularQ::action_values:", "state = -2"}, sq},
      {"TabularQ::set_value action -1", [&] { q.set_value(0, -1, 1.0); }, OOR,
       {"TabularQ::set_value:", "action = -1"}, sq},
      {"TabularQ::set_value -inf", [&] { q.set_value(0, 1, -kInf); }, IA,
       {"TabularQ::set_value:", "value = -inf"}, sq},
      {"TabularQ::semi_gradient_step action 3", [&] { q.semi_gradient_step(1, 3, 0.1); }, OOR,
       {"TabularQ::semi_gradient_step:", "action = 3"}, sq},
  });
}

TEST_CASE("bad input: a non-finite semi-gradient step is not written",
          "[reliability][bad_input][approx]") {
  // Found by this matrix (fixed): the approximators' semi_gradient_step
  // wrote a non-finite scaled error (DESIGN: "a non-finite ... value is
  // rejected before it is written").
  TabularV<double> v(4);
  TabularQ<double> q(4, 3);
  run_cases({
      {"TabularV::semi_gradient_step nan", [&] { v.semi_gradient_step(1, kNaN); }, IA,
       {"TabularV::semi_gradient_step:", "nan"}, [&] { return bytes_of(v.parameters()); }},
      {"TabularQ::semi_gradient_step inf", [&] { q.semi_gradient_step(1, 1, kInf); }, IA,
       {"TabularQ::semi_gradient_step:", "inf"}, [&] { return bytes_of(q.parameters()); }},
  });
}

TEST_CASE("bad input: feature maps and linear approximators",
          "[reliability][bad_input][approx]") {
  using TC = TileCoding<>;
  const TileCodingConfig tc{.num_tilings = 4, .low = {0.0, -1.0}, .high = {1.0, 1.0},
                            .tiles = {4, 4}};
  auto tile = [tc](auto mutate) {
    TileCodingConfig c = tc;
    mutate(c);
    return [c] { TC t(c); };
  };
  LinearV<TC> lv(TC{tc});
  LinearQ<TC> lq(TC{tc}, 3);
  lv.parameters().setLinSpaced(-1.0, 1.0);
  lq.parameters().setConstant(0.75);
  auto slv = [&] { return bytes_of(lv.parameters()); };
  auto slq = [&] { return bytes_of(lq.parameters()); };
  const Eigen::Vector2d x(0.5, 0.0);
  const Eigen::Vector2d x_nan(0.5, kNaN);
  const Eigen::Vector3d x3(0.5, 0.0, 0.0);
  const FourierBasisConfig fc{.order = 2, .low = {0.0, 0.0}, .high = {1.0, 1.0}};
  LinearV<FourierBasis<>> fv(FourierBasis<>{fc});
  auto sfv = [&] { return bytes_of(fv.parameters()); };
  run_cases({
      {"OneHotMap num_states = 0", [] { OneHotMap m(0); }, IA, {"OneHotMap:", "num_states = 0"}},
      {"StateAggregation group_size = 0", [] { StateAggregation m(10, 0); }, IA,
       {"StateAggregation:", "group_size = 0"}},
      {"StateAggregation state 10",
       [] {
         LinearV<StateAggregation> a(StateAggregation(10, 5));
         (void)a.value(10);
       },
       OOR, {"state = 10"}},
      {"TileCoding num_tilings = 0", tile([](auto& c) { c.num_tilings = 0; }), IA,
       {"TileCoding:", "num_tilings = 0"}},
      {"TileCoding high shorter than low", tile([](auto& c) { c.high = {1.0}; }), IA,
       {"TileCoding:", "high has size 1, expected 2"}},
      {"TileCoding high[1] <= low[1]", tile([](auto& c) { c.high = {1.0, -1.0}; }), IA,
       {"TileCoding:", "high[1] = -1"}},
      {"TileCoding low[0] nan", tile([](auto& c) { c.low = {kNaN, -1.0}; }), IA,
       {"TileCoding:", "low[0] = nan"}},
      {"TileCoding tiles[0] = 0", tile([](auto& c) { c.tiles = {0, 4}; }), IA,
       {"TileCoding:", "tiles[0] = 0"}},
      {"TileCoding hash_size = -1", tile([](auto& c) { c.hash_size = -1; }), IA,
       {"TileCoding:", "hash_size = -1"}},
      {"TileCoding num_actions = -2", tile([](auto& c) { c.num_actions = -2; }), IA,
       {"TileCoding:", "num_actions = -2"}},
      {"FourierBasis order = -1",
       [fc] {
         FourierBasisConfig c = fc;
         c.order = -1;
         FourierBasis<> f(c);
       },
       IA, {"FourierBasis:", "order = -1"}},
      {"FourierBasis high[0] = low[0]",
       [fc] {
         FourierBasisConfig c = fc;
         c.high = {0.0, 1.0};
         FourierBasis<> f(c);
       },
       IA, {"FourierBasis:", "high[0] = 0"}},
      {"PolynomialBasis dimensions = 0", [] { PolynomialBasis<> p(0, 2); }, IA,
       {"PolynomialBasis:", "dimensions = 0"}},
      {"PolynomialBasis order = -2", [] { PolynomialBasis<> p(2, -2); }, IA,
       {"PolynomialBasis:", "order = -2"}},
      {"RadialBasis sigma = 0", [] { RadialBasis<> r(Eigen::MatrixXd::Zero(3, 2), 0.0); }, IA,
       {"RadialBasis:", "sigma = 0"}},
      {"RadialBasis no centres", [] { RadialBasis<> r(Eigen::MatrixXd::Zero(0, 2), 1.0); }, IA,
       {"RadialBasis:", "centres.rows() = 0"}},
      {"LinearV initial_weight nan", [tc] { LinearV<TC> a(TC{tc}, kNaN); }, IA,
       {"LinearV:", "initial_weight = nan"}},
      {"LinearQ num_actions = 0", [tc] { LinearQ<TC> a(TC{tc}, 0); }, IA,
       {"LinearQ:", "num_actions = 0"}},
      {"LinearQ num_actions = 65", [tc] { LinearQ<TC> a(TC{tc}, 65); }, IA,
       {"LinearQ:", "num_actions = 65"}},
      {"LinearV::value with a nan coordinate", [&] { (void)lv.value(x_nan); }, IA,
       {"LinearV::value:", "state[1] = nan"}, slv},
      {"LinearV::semi_gradient_step with a 3-d state",
       [&] { lv.semi_gradient_step(Eigen::VectorXd(x3), 0.1); }, IA,
       {"LinearV::semi_gradient_step:", "state has size 3, expected 2"}, slv},
      {"LinearQ::value action 3", [&] { (void)lq.value(x, 3); }, OOR,
       {"LinearQ::value:", "action = 3"}, slq},
      {"LinearQ::semi_gradient_step nan state",
       [&] { lq.semi_gradient_step(x_nan, 0, 0.1); }, IA,
       {"LinearQ::semi_gradient_step:", "state[1] = nan"}, slq},
      {"LinearV<Fourier>::semi_gradient_step inf state",
       [&] { fv.semi_gradient_step(Eigen::VectorXd(Eigen::Vector2d(kInf, 0.0)), 0.1); }, IA,
       {"LinearV::semi_gradient_step:", "state[0] = inf"}, sfv},
  });
}

TEST_CASE("bad input: categorical and quantile tables", "[reliability][bad_input][approx]") {
  const UniformSupport s{.v_min = -1.0, .v_max = 1.0, .num_atoms = 3};
  CategoricalTable<double> c(4, 2, s);
  c.set_probabilities(1, 1, V3(0.2, 0.3, 0.5));
  QuantileTable<double> qt(4, 2, 3);
  qt.set_quantiles(2, 1, V3(-1.0, 0.0, 2.0));
  auto sc = [&] { return bytes_of(c.parameters()); };
  auto sqt = [&] { return bytes_of(qt.parameters()); };
  run_cases({
      {"CategoricalTable v_min = v_max",
       [] { CategoricalTable<double> x(3, {.v_min = 1.0, .v_max = 1.0, .num_atoms = 5}); }, IA,
       {"CategoricalTable:", "v_min = 1"}},
      {"CategoricalTable num_atoms = 1",
       [] { CategoricalTable<double> x(3, {.v_min = 0.0, .v_max = 1.0, .num_atoms = 1}); }, IA,
       {"CategoricalTable:", "num_atoms = 1"}},
      {"CategoricalTable v_max = inf",
       [] { CategoricalTable<double> x(3, {.v_min = 0.0, .v_max = kInf, .num_atoms = 5}); }, IA,
       {"CategoricalTable:", "v_max = inf"}},
      {"CategoricalTable num_states = 0", [s] { CategoricalTable<double> x(0, s); }, IA,
       {"CategoricalTable:", "num_states = 0"}},
      {"CategoricalTable initial_value = nan", [s] { CategoricalTable<double> x(2, s, kNaN); },
       IA, {"CategoricalTable:", "initial_value = nan"}},
      {"set_probabilities state 4", [&] { c.set_probabilities(4, 0, V3(0.2, 0.3, 0.5)); }, OOR,
       {"CategoricalTable::set_probabilities:", "state = 4"}, sc},
      {"set_probabilities action 2", [&] { c.set_probabilities(0, 2, V3(0.2, 0.3, 0.5)); }, OOR,
       {"CategoricalTable::set_probabilities:", "action = 2"}, sc},
      {"set_probabilities 2 entries",
       [&] { c.set_probabilities(0, 0, Eigen::Vector2d(0.5, 0.5)); }, IA,
       {"CategoricalTable::set_probabilities:", "probs has size 2, expected 3"}, sc},
      {"set_probabilities negative entry", [&] { c.set_probabilities(0, 0, V3(0.5, 0.6, -0.1)); },
       IA, {"CategoricalTable::set_probabilities:", "probs(2) = -0.1"}, sc},
      {"set_probabilities sum 0.75", [&] { c.set_probabilities(0, 0, V3(0.25, 0.25, 0.25)); },
       IA, {"CategoricalTable::set_probabilities:", "sum of probs = 0.75"}, sc},
      {"CategoricalTable::mean action 2", [&] { (void)c.mean(0, 2); }, OOR,
       {"CategoricalTable::mean:", "action = 2"}, sc},
      {"QuantileTable num_quantiles = 0", [] { QuantileTable<double> x(3, 1, 0); }, IA,
       {"QuantileTable:", "num_quantiles = 0"}},
      {"QuantileTable initial_value = -inf", [] { QuantileTable<double> x(3, 1, 2, -kInf); }, IA,
       {"QuantileTable:", "initial_value = -inf"}},
      {"set_quantiles state -1", [&] { qt.set_quantiles(-1, 0, V3(0.0, 1.0, 2.0)); }, OOR,
       {"QuantileTable::set_quantiles:", "state = -1"}, sqt},
      {"set_quantiles 2 entries", [&] { qt.set_quantiles(0, 0, Eigen::Vector2d(0.0, 1.0)); }, IA,
       {"QuantileTable::set_quantiles:", "theta has size 2, expected 3"}, sqt},
      {"set_quantiles nan entry", [&] { qt.set_quantiles(0, 0, V3(0.0, kNaN, 2.0)); }, IA,
       {"QuantileTable::set_quantiles:", "theta", "nan"}, sqt},
      {"QuantileTable::quantiles action 2", [&] { (void)qt.quantiles(0, 2); }, OOR,
       {"QuantileTable::quantiles:", "action = 2"}, sqt},
  });
}

TEST_CASE("bad input: projections, histograms, losses, risk measures",
          "[reliability][bad_input][distributional]") {
  const V3 z(-1.0, 0.0, 1.0), p(0.2, 0.3, 0.5);
  const Eigen::VectorXd none(0);
  run_cases({
      {"uniform_support num_atoms = 0",
       [] { (void)uniform_support<double>({.v_min = 0.0, .v_max = 1.0, .num_atoms = 0}); }, IA,
       {"uniform_support:", "num_atoms = 0"}},
      {"categorical_projection unsorted atoms_out",
       [&] { (void)categorical_projection(z, p, V3(0.0, -1.0, 1.0)); }, IA,
       {"categorical_projection:", "atoms_out(1) = -1"}},
      {"categorical_projection nan atoms_in",
       [&] { (void)categorical_projection(V3(0.0, kNaN, 1.0), p, z); }, IA,
       {"categorical_projection:", "atoms_in(1) = nan"}},
      {"categorical_projection probs_in sum 0.75",
       [&] { (void)categorical_projection(z, V3(0.25, 0.25, 0.25), z); }, IA,
       {"categorical_projection:", "sum of probs_in = 0.75"}},
      {"categorical_projection short probs_in",
       [&] { (void)categorical_projection(z, Eigen::Vector2d(0.5, 0.5), z); }, IA,
       {"categorical_projection:", "probs_in has size 2, expected 3"}},
      {"two_hot y = nan", [&] { (void)two_hot(kNaN, z); }, IA, {"two_hot:", "y = nan"}},
      {"two_hot unsorted support", [&] { (void)two_hot(0.5, V3(0.0, 0.0, 1.0)); }, IA,
       {"two_hot:", "support(1) = 0"}},
      {"bin_centres v_min > v_max", [] { (void)bin_centres<double>(1.0, -1.0, 3); }, IA,
       {"bin_centres:", "v_min = 1"}},
      {"bin_centres num_bins = 0", [] { (void)bin_centres<double>(-1.0, 1.0, 0); }, IA,
       {"bin_centres:", "num_bins = 0"}},
      {"hl_gauss sigma = 0", [] { (void)hl_gauss<double>(0.0, -1.0, 1.0, 0.0, 5); }, IA,
       {"hl_gauss:", "sigma = 0"}},
      {"hl_gauss y = inf", [] { (void)hl_gauss<double>(kInf, -1.0, 1.0, 0.1, 5); }, IA,
       {"hl_gauss:", "y = inf"}},
      {"histogram_mean short probs",
       [&] { (void)histogram_mean(Eigen::Vector2d(0.5, 0.5), z); }, IA,
       {"histogram_mean:", "probs has size 2, expected 3"}},
      {"categorical_cross_entropy short target",
       [&] { (void)categorical_cross_entropy(Eigen::Vector2d(0.5, 0.5), z); }, IA,
       {"categorical_cross_entropy:", "target has size 2, expected 3"}},
      {"quantile_regression_loss kappa = -1",
       [&] { (void)quantile_regression_loss(z, z, -1.0); }, IA,
       {"quantile_regression_loss:", "kappa = -1"}},
      {"quantile_regression_loss no targets",
       [&] { (void)quantile_regression_loss(z, none); }, IA,
       {"quantile_regression_loss:", "targets size = 0"}},
      {"expectile_regression_loss tau = 1", [&] {
         (void)expectile_regression_loss(z, z, V3(0.1, 0.5, 1.0)); }, IA,
       {"expectile_regression_loss:", "taus(2) = 1"}},
      {"distribution_quantile tau = 0", [&] { (void)distribution_quantile(z, p, 0.0); }, IA,
       {"distribution_quantile:", "tau = 0"}},
      {"distribution_cvar alpha = 1.5", [&] { (void)distribution_cvar(z, p, 1.5); }, IA,
       {"distribution_cvar:", "alpha = 1.5"}},
      {"distribution_mean negative prob",
       [&] { (void)distribution_mean(z, V3(1.2, -0.2, 0.0)); }, IA, {"probs(1) = -0.2"}},
      {"mean_variance_utility lambda nan",
       [&] { (void)mean_variance_utility(z, p, kNaN); }, IA,
       {"mean_variance_utility:", "lambda = nan"}},
  });
}

TEST_CASE("bad input: critic targets, ensembles, Polyak, target policy smoothing",
          "[reliability][bad_input][critics]") {
  const V3 q1(1.0, 2.0, 3.0);
  const Eigen::MatrixXd values = Eigen::MatrixXd::Constant(3, 4, 1.0);
  Eigen::VectorXd out4(4), out2(2);
  Eigen::MatrixXd target = Eigen::MatrixXd::Constant(3, 4, 2.0);
  std::mt19937_64 rng(7);
  std::vector<Index> scratch(3);
  run_cases({
      {"clipped_double_q_target short q2",
       [&] { (void)clipped_double_q_target(1.0, 0.9, q1, Eigen::Vector2d(1.0, 2.0)); }, IA,
       {"clipped_double_q_target:", "q2_next has size 2, expected 3"}},
      {"maxmin_target no critics",
       [&] { (void)maxmin_target(1.0, 0.9, Eigen::MatrixXd(0, 3)); }, IA,
       {"maxmin_target:", "q_next.rows() = 0"}},
      {"ensemble_mean out of size 2", [&] { ensemble_mean(values, out2); }, IA,
       {"ensemble_mean:", "out has size 2, expected 4"}},
      {"ensemble_min no critics", [&] { ensemble_min(Eigen::MatrixXd(0, 4), out4); }, IA,
       {"ensemble_min:", "values.rows() = 0"}},
      {"ensemble_random_subset_min subset_size = 4",
       [&] { ensemble_random_subset_min(values, 4, rng, std::span<Index>(scratch), out4); }, IA,
       {"ensemble_random_subset_min:", "subset_size = 4"}},
      {"polyak_update tau = 1.5",
       [&] { polyak_update(values, target, 1.5); }, IA, {"polyak_update:", "tau = 1.5"},
       [&] { return bytes_of(target); }},
      {"polyak_update shape", [&] { polyak_update(Eigen::MatrixXd::Zero(3, 3), target, 0.5); },
       IA, {"polyak_update:", "target.cols() has size 4, expected 3"},
       [&] { return bytes_of(target); }},
      {"target_policy_smoothing sigma = -1",
       [&] { (void)target_policy_smoothing(0.0, -1.0, 0.5, -1.0, 1.0, rng); }, IA,
       {"target_policy_smoothing:", "sigma = -1"}},
      {"target_policy_smoothing noise_clip nan",
       [&] { (void)target_policy_smoothing(0.0, 0.1, kNaN, -1.0, 1.0, rng); }, IA,
       {"target_policy_smoothing:", "noise_clip = nan"}},
      {"target_policy_smoothing low > high",
       [&] { (void)target_policy_smoothing(0.0, 0.1, 0.5, 1.0, -1.0, rng); }, IA,
       {"target_policy_smoothing:", "low = 1"}},
      {"target_policy_smoothing action nan",
       [&] { (void)target_policy_smoothing(kNaN, 0.1, 0.5, -1.0, 1.0, rng); }, IA,
       {"target_policy_smoothing:", "action = nan"}},
  });
}

TEST_CASE("bad input: policies", "[reliability][bad_input][policies]") {
  TabularQ<double> q(3, 2);
  run_cases({
      {"EpsilonGreedy epsilon = 1.5", [&] { EpsilonGreedy<TabularQ<double>> p(q, 1.5); }, IA,
       {"EpsilonGreedy:", "epsilon = 1.5"}},
      {"EpsilonGreedy epsilon = nan", [&] { EpsilonGreedy<TabularQ<double>> p(q, kNaN); }, IA,
       {"EpsilonGreedy:", "epsilon = nan"}},
      {"Softmax temperature = 0", [&] { Softmax<TabularQ<double>> p(q, 0.0); }, IA,
       {"Softmax:", "temperature = 0"}},
      {"Softmax temperature = inf", [&] { Softmax<TabularQ<double>> p(q, kInf); }, IA,
       {"Softmax:", "temperature = inf"}},
      {"TabularPolicy entry 1.5",
       [] {
         Eigen::MatrixXd m(2, 2);
         m << 0.5, 0.5, -0.5, 1.5;
         TabularPolicy p(m);
       },
       IA, {"TabularPolicy:", "= -0.5"}},
      {"TabularPolicy row sum 0.5",
       [] {
         Eigen::MatrixXd m(2, 2);
         m << 0.5, 0.5, 0.25, 0.25;
         TabularPolicy p(m);
       },
       IA, {"TabularPolicy:", "sum of row 1 = 0.5"}},
      {"TabularPolicy::probabilities state 2",
       [] {
         TabularPolicy p = TabularPolicy::uniform(2, 3);
         (void)p.probabilities(2);
       },
       OOR, {"TabularPolicy::probabilities:", "state = 2"}},
      {"ValidActionCounts count 0", [] { ValidActionCounts c({2, 0, 1}); }, IA,
       {"ValidActionCounts:", "counts[1] = 0"}},
      {"EpsilonGreedy mask wider than the table",
       [&] {
         EpsilonGreedy p(q, 0.1, ValidActionCounts({2, 3, 1}));
       },
       IA, {"EpsilonGreedy", "largest valid action count = 3"}},
  });
}
