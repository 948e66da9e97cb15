// Feature maps: hand-worked indices and values, properties (active counts,
// ranges, shared tiles falling with distance, deterministic hashing), bad input.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "../learners/learner_test_support.hpp"
#include "catch.hpp"
#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/approx/fourier_basis.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/polynomial_basis.hpp"
#include "rlvalue/approx/radial_basis.hpp"
#include "rlvalue/approx/state_aggregation.hpp"
#include "rlvalue/approx/tile_coding.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(SparseFeatureMap<OneHotMap> && SparseFeatureMap<StateAggregation>);
static_assert(SparseFeatureMap<TileCoding<2>> && SparseFeatureMap<TileCoding<>>);
static_assert(StateActionFeatureMap<TileCoding<2>>);
static_assert(!StateActionFeatureMap<StateAggregation>);
static_assert(DenseFeatureMap<FourierBasis<2>> && DenseFeatureMap<PolynomialBasis<>> &&
              DenseFeatureMap<RadialBasis<1>>);
static_assert(!DenseFeatureMap<TileCoding<2>>);

namespace {
std::vector<Index> tiles_of(const TileCoding<>& tc, std::vector<double> x, Index action = -1) {
  Eigen::VectorXd s = Eigen::Map<Eigen::VectorXd>(x.data(), static_cast<Index>(x.size()));
  std::vector<Index> out(static_cast<std::size_t>(tc.num_active()));
  tc.check_state("test", "state", s);
  if (action < 0)
    tc.write(s, out);
  else
    tc.write(s, action, out);
  return out;
}
Index shared(const std::vector<Index>& a, const std::vector<Index>& b) {
  Index n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += a[i] == b[i];
  return n;
}
}  // namespace

TEST_CASE("OneHotMap and StateAggregation: indices and bad input", "[approx][features]") {
  OneHotMap one_hot(4);
  Index out[1] = {-1};
  one_hot.write(3, out);
  CHECK(out[0] == 3);
  CHECK(one_hot.num_features() == 4);
  CHECK(thrown_message<std::out_of_range>([&] { one_hot.check_state("f", "state", 4); }) ==
        "f: state = 4 is out of range [0, 4)");
  CHECK_THROWS_AS(OneHotMap(0), std::invalid_argument);

  // 10 states in groups of 4: {0..3}, {4..7}, {8, 9}.
  StateAggregation agg(10, 4);
  CHECK(agg.num_features() == 3);
  agg.write(7, out);
  CHECK(out[0] == 1);
  agg.write(9, out);
  CHECK(out[0] == 2);
  CHECK_THROWS_AS(agg.check_state("f", "state", -1), std::out_of_range);
  CHECK(contains(thrown_message<std::invalid_argument>([] { StateAggregation(10, 0); }),
                 "group_size = 0"));
}

TEST_CASE("TileCoding: hand-worked 1-D and 2-D indices", "[approx][features][tiles]") {
  // 1-D, [0, 1], 2 tiles, 2 tilings: q = floor(4x) in [0, 4]; grid 3 per tiling.
  // Tiling 0: c = q / 2;  tiling 1 (offset 1): c = (q + 1) / 2, index 3 + c.
  TileCoding<> one({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}});
  CHECK(one.num_features() == 6);
  CHECK(tiles_of(one, {0.3}) == std::vector<Index>{0, 4});   // q = 1: c0 = 0, c1 = 1
  CHECK(tiles_of(one, {0.6}) == std::vector<Index>{1, 4});   // q = 2: c0 = 1, c1 = 1
  CHECK(tiles_of(one, {0.0}) == std::vector<Index>{0, 3});   // q = 0
  CHECK(tiles_of(one, {1.0}) == std::vector<Index>{2, 5});   // q = 4: c0 = 2, c1 = 2

  // 2-D, [0, 1]^2, 1 tile per dimension, 4 tilings: grid 2 x 2 = 4 per tiling,
  // strides (1, 2). q_i = floor(4 x_i) in [0, 4]. Offsets: dim 0: t mod 4,
  // dim 1: 3t mod 4 = (0, 3, 2, 1) (asymmetric).
  // x = (0.3, 0.6): q = (1, 2).
  //  t0: c = (1/4, 2/4) = (0, 0) -> 0
  //  t1: c = ((1+1)/4, (2+3)/4) = (0, 1) -> 4 + 2 = 6
  //  t2: c = ((1+2)/4, (2+2)/4) = (0, 1) -> 8 + 2 = 10
  //  t3: c = ((1+3)/4, (2+1)/4) = (1, 0) -> 12 + 1 = 13
  TileCoding<> two({.num_tilings = 4, .low = {0.0, 0.0}, .high = {1.0, 1.0}, .tiles = {1, 1}});
  CHECK(two.num_features() == 16);
  CHECK(tiles_of(two, {0.3, 0.6}) == std::vector<Index>{0, 6, 10, 13});
  // With an action (num_actions = 3) the dense numbering adds action * 16.
  TileCoding<> with_actions(
      {.num_tilings = 4, .low = {0.0, 0.0}, .high = {1.0, 1.0}, .tiles = {1, 1}, .num_actions = 3});
  CHECK(with_actions.num_features() == 48);
  CHECK(tiles_of(with_actions, {0.3, 0.6}, 2) == std::vector<Index>{32, 38, 42, 45});
}

TEST_CASE("TileCoding: properties of tilings and hashing", "[approx][features][tiles]") {
  TileCodingConfig config{.num_tilings = 8, .low = {-1.2, -0.07}, .high = {0.5, 0.07}, .tiles = {8, 8}};
  TileCoding<> tc(config);
  TileCoding<2> fixed(config);
  CHECK(tc.num_features() == 8 * 9 * 9);
  rlvalue::Rng rng = make_rng(3);
  for (int k = 0; k < 200; ++k) {
    const double p = -1.2 + 1.7 * uniform01(rng), v = -0.07 + 0.14 * uniform01(rng);
    const auto idx = tiles_of(tc, {p, v});
    // One tile per tiling, each within its tiling's block, so all distinct.
    for (Index t = 0; t < 8; ++t) {
      CHECK(idx[static_cast<std::size_t>(t)] >= t * 81);
      CHECK(idx[static_cast<std::size_t>(t)] < (t + 1) * 81);
    }
    // Fixed and dynamic dimensions agree.
    std::vector<Index> out(8);
    fixed.write(Eigen::Vector2d(p, v), out);
    CHECK(out == idx);
  }
  // Generalisation: the number of shared tiles never rises with distance
  // along a line, starts at 8 and reaches 0 beyond one tile width.
  const double width = 1.7 / 8;
  Index previous = 8;
  for (int k = 0; k <= 20; ++k) {
    const Index n = shared(tiles_of(tc, {-1.0, 0.0}), tiles_of(tc, {-1.0 + k * width / 10, 0.0}));
    CHECK(n <= previous);
    previous = n;
  }
  CHECK(previous == 0);
  CHECK(shared(tiles_of(tc, {-1.0, 0.0}), tiles_of(tc, {-1.0 + width / 16, 0.0})) == 7);

  // Hashing: indices within [0, hash_size), the same in two instances,
  // different for different actions.
  TileCodingConfig hashed = config;
  hashed.hash_size = 4096;
  hashed.num_actions = 3;
  TileCoding<> h1(hashed), h2(hashed);
  CHECK(h1.num_features() == 4096);
  const auto a0 = tiles_of(h1, {-0.5, 0.01}, 0);
  CHECK(a0 == tiles_of(h2, {-0.5, 0.01}, 0));
  CHECK(shared(a0, tiles_of(h1, {-0.5, 0.01}, 1)) < 2);
  for (Index i : a0) CHECK((i >= 0 && i < 4096));
  // Pinned values: the hash is part of the contract (same on every platform).
  CHECK(tiles_of(h1, {0.0, 0.0}, 1) ==
        std::vector<Index>{2436, 4020, 826, 200, 2880, 1099, 2276, 3792});
}

TEST_CASE("TileCoding: bad input", "[approx][features][tiles][errors]") {
  TileCoding<> tc({.num_tilings = 8, .low = {-1.2, -0.07}, .high = {0.5, 0.07}, .tiles = {8, 8}});
  CHECK(thrown_message<std::invalid_argument>([&] {
          tc.check_state("TileCoding", "state", Eigen::Vector2d(0.6, 0.0));
        }) == "TileCoding: state[0] = 0.6 is outside [-1.2, 0.5] (tile-coding bounds)");
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   tc.check_state("f", "state", Eigen::Vector2d(0.0, std::nan("")));
                 }),
                 "state[1] = nan"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { tc.check_state("f", "state", Eigen::Vector3d(0, 0, 0)); }),
                 "state has size 3, expected 2"));
  CHECK(contains(thrown_message<std::invalid_argument>([] {
                   TileCoding<>({.num_tilings = 8, .low = {1.0}, .high = {1.0}, .tiles = {4}});
                 }),
                 "high[0] = 1 must exceed low[0] = 1"));
  CHECK(contains(thrown_message<std::invalid_argument>([] {
                   TileCoding<>({.num_tilings = 8, .low = {0.0}, .high = {1.0}, .tiles = {0}});
                 }),
                 "tiles[0] = 0"));
  CHECK(contains(thrown_message<std::invalid_argument>([] {
                   TileCoding<>({.num_tilings = 0, .low = {0.0}, .high = {1.0}, .tiles = {2}});
                 }),
                 "num_tilings = 0"));
  CHECK(contains(thrown_message<std::invalid_argument>([] {
                   TileCoding<>({.num_tilings = 2, .low = {0.0, 0.0}, .high = {1.0}, .tiles = {2, 2}});
                 }),
                 "high has size 1, expected 2"));
  CHECK_THROWS_AS(TileCoding<3>({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(TileCoding<>({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}, .hash_size = -1}),
                  std::invalid_argument);
  TileCoding<> sa({.num_tilings = 2, .low = {0.0}, .high = {1.0}, .tiles = {2}, .num_actions = 2});
  CHECK_THROWS_AS(sa.check_action("f", "action", 2), std::out_of_range);
}

TEST_CASE("Fourier, polynomial and radial bases: hand-worked values", "[approx][features]") {
  // Fourier order 1 over [0, 2] x [-1, 1]; s = (0.5, 0) -> u = (0.25, 0.5).
  // Rows c = (0,0), (1,0), (0,1), (1,1):
  //   1, cos(pi/4) = 0.70711, cos(pi/2) = 0, cos(3pi/4) = -0.70711.
  FourierBasis<2> fourier({.order = 1, .low = {0.0, -1.0}, .high = {2.0, 1.0}});
  REQUIRE(fourier.num_features() == 4);
  double phi[4];
  fourier.write(Eigen::Vector2d(0.5, 0.0), std::span<double>(phi));
  CHECK(phi[0] == 1.0);
  CHECK(phi[1] == Approx(std::sqrt(0.5)));
  CHECK(phi[2] == Approx(0.0).margin(1e-15));
  CHECK(phi[3] == Approx(-std::sqrt(0.5)));
  float phi_f[4];
  fourier.write(Eigen::Vector2d(0.5, 0.0), std::span<float>(phi_f));
  CHECK(phi_f[1] == Approx(std::sqrt(0.5)));
  CHECK(FourierBasis<>({.order = 3, .low = {0, 0, 0}, .high = {1, 1, 1}}).num_features() == 64);

  // Polynomial order 1 in 2-D at s = (2, 3): 1, s0, s1, s0*s1 = 1, 2, 3, 6.
  PolynomialBasis<> poly(2, 1);
  fourier.check_state("f", "state", Eigen::Vector2d(9.0, 9.0));  // periodic: accepted
  poly.write(Eigen::Vector2d(2.0, 3.0), std::span<double>(phi));
  CHECK(std::vector<double>(phi, phi + 4) == std::vector<double>{1, 2, 3, 6});
  // Order 2 in 1-D at 3: 1, 3, 9.
  PolynomialBasis<1> quad(1, 2);
  quad.write(Eigen::Matrix<double, 1, 1>(3.0), std::span<double>(phi, 3));
  CHECK(std::vector<double>(phi, phi + 3) == std::vector<double>{1, 3, 9});

  // RBF, centres 0 and 1 in 1-D, sigma 0.5, s = 0.5:
  // exp(-0.25 / 0.5) = exp(-0.5) for both.
  Eigen::MatrixXd centres(2, 1);
  centres << 0.0, 1.0;
  RadialBasis<1> rbf(centres, 0.5);
  rbf.write(Eigen::Matrix<double, 1, 1>(0.5), std::span<double>(phi, 2));
  CHECK(phi[0] == Approx(std::exp(-0.5)));
  CHECK(phi[1] == Approx(std::exp(-0.5)));
}

TEST_CASE("Dense bases: bad input", "[approx][features][errors]") {
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [] { FourierBasis<>({.order = -1, .low = {0.0}, .high = {1.0}}); }),
                 "order = -1"));
  CHECK_THROWS_AS(FourierBasis<>({.order = 1, .low = {0.0}, .high = {0.0}}), std::invalid_argument);
  CHECK_THROWS_AS(FourierBasis<>({.order = 1, .low = {}, .high = {}}), std::invalid_argument);
  FourierBasis<> f({.order = 1, .low = {0.0, 0.0}, .high = {1.0, 1.0}});
  CHECK(thrown_message<std::invalid_argument>([&] {
          f.check_state("g", "state", Eigen::Vector3d(0, 0, 0));
        }) == "g: state has size 3, expected 2");
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   f.check_state("g", "state", Eigen::Vector2d(0, INFINITY));
                 }),
                 "state[1] = inf is not finite"));
  CHECK_THROWS_AS(PolynomialBasis<>(0, 2), std::invalid_argument);
  CHECK_THROWS_AS(PolynomialBasis<2>(3, 2), std::invalid_argument);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [] { RadialBasis<>(Eigen::MatrixXd::Zero(2, 1), 0.0); }),
                 "sigma = 0"));
  CHECK_THROWS_AS(RadialBasis<>(Eigen::MatrixXd::Zero(0, 1), 1.0), std::invalid_argument);
}
