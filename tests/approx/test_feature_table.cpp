// FeatureTable: phi(s) = column s of a fixed table. write() and view(s)
// give the column; LinearV's value is w . phi(s) by hand; TD(0)-style steps
// and emphatic TD on it equal the same learners on a copy-only map bit for
// bit; bad tables and states are rejected, naming what is wrong.

#include <Eigen/Core>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include "approx/feature_test_support.hpp"
#include "catch.hpp"
#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/approx/feature_table.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/emphatic_td.hpp"
#include "rlvalue/learners/td_lambda.hpp"

using rlvalue::FeatureTable;
using rlvalue::Index;
using rlvalue::LinearV;

static_assert(rlvalue::DenseFeatureMap<FeatureTable<double>>);
static_assert(rlvalue::DenseFeatureView<FeatureTable<double>, double>);
static_assert(rlvalue::DenseFeatureView<FeatureTable<float>, float>);
static_assert(!rlvalue::DenseFeatureView<FeatureTable<float>, double>);

namespace {

// The same table without view(s): learners copy phi(s) out with write().
using CopiedFeatureTable = rlvalue_test::WithoutView<FeatureTable<double>>;

Eigen::MatrixXd baird_like_table() {
  // Sutton & Barto Figure 11.1's features: states 0-5 have 2 w_i + w_8,
  // state 6 has w_7 + 2 w_8.
  Eigen::MatrixXd x = Eigen::MatrixXd::Zero(8, 7);
  for (Index s = 0; s < 6; ++s) {
    x(s, s) = 2.0;
    x(7, s) = 1.0;
  }
  x(6, 6) = 1.0;
  x(7, 6) = 2.0;
  return x;
}

}  // namespace

TEST_CASE("FeatureTable: write and view give column s", "[approx][feature_table]") {
  const FeatureTable<double> table(baird_like_table());
  CHECK(table.num_features() == 8);
  CHECK(table.num_states() == 7);
  std::vector<double> out(8, -1.0);
  table.write(6, std::span<double>(out));
  CHECK(out == std::vector<double>{0, 0, 0, 0, 0, 0, 1, 2});
  std::vector<float> outf(8, -1.0f);
  table.write(2, std::span<float>(outf));
  CHECK(outf == std::vector<float>{0, 0, 2, 0, 0, 0, 0, 1});
  CHECK(table.view(6) == table.table().data() + 6 * 8);
  CHECK(table.view(6)[7] == 2.0);

  // v(s) = w . phi(s): w = (1, ..., 8) gives v(0) = 2*1 + 8 = 10 and
  // v(6) = 7 + 2*8 = 23.
  LinearV<FeatureTable<double>> v{FeatureTable<double>(baird_like_table())};
  CHECK(v.num_states() == 7);
  for (Index i = 0; i < 8; ++i) v.parameters()[i] = static_cast<double>(i + 1);
  CHECK(v.value(0) == 10.0);
  CHECK(v.value(6) == 23.0);
  CHECK(v.feature_view(6) == v.map().view(6));
}

TEST_CASE("FeatureTable: learners give the bits of a copy-only map", "[approx][feature_table]") {
  auto rng = rlvalue::make_rng(808);
  Eigen::MatrixXd x(11, 10);
  for (Index s = 0; s < 10; ++s)
    for (Index i = 0; i < 11; ++i) x(i, s) = rlvalue::uniform01(rng) - 0.5;
  LinearV<FeatureTable<double>> va{FeatureTable<double>(x)};
  LinearV<CopiedFeatureTable> vb{CopiedFeatureTable(FeatureTable<double>(x))};
  const rlvalue::EmphaticTDConfig ec{.gamma = 0.95, .step_size = 0.02, .lambda = 0.4};
  rlvalue::EmphaticTD<LinearV<FeatureTable<double>>> ea(va, ec);
  rlvalue::EmphaticTD<LinearV<CopiedFeatureTable>> eb(vb, ec);
  LinearV<FeatureTable<double>> ta{FeatureTable<double>(x)};
  LinearV<CopiedFeatureTable> tb{CopiedFeatureTable(FeatureTable<double>(x))};
  const rlvalue::TDLambdaConfig tc{.gamma = 0.95, .step_size = 0.02, .lambda = 0.8};
  rlvalue::TDLambda<LinearV<FeatureTable<double>>> la(ta, tc);
  rlvalue::TDLambda<LinearV<CopiedFeatureTable>> lb(tb, tc);
  Index s = 0;
  for (int k = 0; k < 2000; ++k) {
    rlvalue::Transition<> t{.state = s, .reward = rlvalue::uniform01(rng),
                            .next_state = rlvalue::uniform_index(rng, 10)};
    t.terminated = rlvalue::uniform01(rng) < 0.05;
    const double rho = 2.0 * rlvalue::uniform01(rng);
    REQUIRE(ea.update(t, rho) == eb.update(t, rho));
    REQUIRE(la.update(t) == lb.update(t));
    s = t.terminated ? rlvalue::uniform_index(rng, 10) : t.next_state;
  }
  CHECK((va.parameters().array() == vb.parameters().array()).all());
  CHECK((ta.parameters().array() == tb.parameters().array()).all());
}

TEST_CASE("FeatureTable: bad input", "[approx][feature_table][errors]") {
  CHECK_THROWS_WITH(FeatureTable<double>(Eigen::MatrixXd(0, 3)),
                    "FeatureTable: table has shape 0x3, expected at least one row (feature) and "
                    "one column (state)");
  CHECK_THROWS_AS(FeatureTable<double>(Eigen::MatrixXd(2, 0)), std::invalid_argument);
  Eigen::MatrixXf bad = Eigen::MatrixXf::Zero(3, 4);
  bad(2, 1) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(FeatureTable<float>(bad), "FeatureTable: table(2, 1) = inf is not finite");
  const FeatureTable<double> table(baird_like_table());
  CHECK_THROWS_AS(table.check_state("f", "state", 7), std::out_of_range);
  CHECK_THROWS_AS(table.check_state("f", "state", -1), std::out_of_range);
  LinearV<FeatureTable<double>> v{FeatureTable<double>(baird_like_table())};
  CHECK_THROWS_WITH(v.value(7), "LinearV::value: state = 7 is out of range [0, 7)");
}
