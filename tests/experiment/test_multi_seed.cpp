// run_seeds: bit-identical results for any thread count, statistics by hand,
// exceptions, progress.

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"

#include "rlvalue/core/rng.hpp"
#include "rlvalue/experiment/multi_seed.hpp"

using rlvalue::Index;

namespace {

// A noisy curve that depends on the run's generator.
Eigen::VectorXd noisy_curve(Index run, rlvalue::Rng& rng) {
  Eigen::VectorXd c(50);
  double x = static_cast<double>(run);
  for (Index i = 0; i < c.size(); ++i) {
    x = 0.9 * x + rlvalue::uniform01(rng);
    c[i] = x;
  }
  return c;
}

}  // namespace

TEST_CASE("run_seeds: bit-identical for any thread count", "[experiment][multi_seed]") {
  const auto reference = rlvalue::run_seeds(37, 2024, 1, noisy_curve);
  REQUIRE(reference.num_runs == 37);
  REQUIRE(reference.mean.size() == 50);
  CHECK(reference.standard_error.minCoeff() > 0.0);
  for (Index threads : {2, 3, 8, 0}) {
    INFO("threads = " << threads);
    const auto stats = rlvalue::run_seeds(37, 2024, threads, noisy_curve);
    CHECK(stats.mean == reference.mean);  // exact equality
    CHECK(stats.standard_error == reference.standard_error);
  }
  const auto other_seed = rlvalue::run_seeds(37, 2025, 2, noisy_curve);
  CHECK(other_seed.mean != reference.mean);
}

TEST_CASE("run_seeds: run r uses make_rng(seed, r)", "[experiment][multi_seed]") {
  // With one run per index, the mean is that run's curve.
  auto first_draw = [](Index run, rlvalue::Rng& rng) {
    Eigen::VectorXd c(2);
    c << static_cast<double>(run), rlvalue::uniform01(rng);
    return c;
  };
  const auto stats = rlvalue::run_seeds(1, 99, 1, first_draw);
  rlvalue::Rng expected = rlvalue::make_rng(99, 0);
  CHECK(stats.mean[1] == rlvalue::uniform01(expected));
  CHECK(stats.standard_error.isZero(0.0));  // n = 1
}

TEST_CASE("run_seeds: mean and standard error by hand", "[experiment][multi_seed]") {
  // Runs r = 0, 1, 2 give [r, 2r, 1, r^2].
  auto curves = [](Index r, rlvalue::Rng&) {
    const double x = static_cast<double>(r);
    Eigen::VectorXd c(4);
    c << x, 2 * x, 1.0, x * x;
    return c;
  };
  for (Index threads : {1, 3}) {
    const auto stats = rlvalue::run_seeds(3, 7, threads, curves);
    // Means 1, 2, 1, 5/3. Sample stds: 1, 2, 0, std{0, 1, 4} = sqrt(13/3).
    CHECK(stats.mean[0] == Approx(1.0));
    CHECK(stats.mean[1] == Approx(2.0));
    CHECK(stats.mean[2] == Approx(1.0));
    CHECK(stats.mean[3] == Approx(5.0 / 3));
    CHECK(stats.standard_error[0] == Approx(1.0 / std::sqrt(3.0)));
    CHECK(stats.standard_error[1] == Approx(2.0 / std::sqrt(3.0)));
    CHECK(stats.standard_error[2] == 0.0);
    CHECK(stats.standard_error[3] == Approx(std::sqrt(13.0 / 3) / std::sqrt(3.0)));
  }
}

TEST_CASE("curve_statistics: by hand and errors", "[experiment][multi_seed]") {
  std::vector<Eigen::VectorXd> curves{Eigen::Vector2d(1.0, 4.0), Eigen::Vector2d(3.0, 4.0)};
  const auto stats = rlvalue::curve_statistics(curves);
  CHECK(stats.mean == Eigen::Vector2d(2.0, 4.0));
  // std{1, 3} = sqrt(2); / sqrt(2) = 1.
  CHECK(stats.standard_error[0] == Approx(1.0));
  CHECK(stats.standard_error[1] == 0.0);
  curves.push_back(Eigen::Vector3d(1, 2, 3));
  CHECK_THROWS_WITH(rlvalue::curve_statistics(curves), RLV_CONTAINS("curve of run 2"));
  CHECK_THROWS_AS(rlvalue::curve_statistics({}), std::invalid_argument);
}

TEST_CASE("run_seeds: an exception in a run propagates", "[experiment][multi_seed]") {
  for (Index threads : {1, 4}) {
    INFO("threads = " << threads);
    std::atomic<int> started{0};
    auto failing = [&](Index r, rlvalue::Rng& rng) {
      ++started;
      if (r == 3) throw std::runtime_error("run 3 failed");
      return noisy_curve(r, rng);
    };
    CHECK_THROWS_WITH(rlvalue::run_seeds(20, 1, threads, failing), "run 3 failed");
    CHECK(started.load() <= 20);
  }
}

TEST_CASE("run_seeds: bad input", "[experiment][multi_seed][errors]") {
  CHECK_THROWS_AS(rlvalue::run_seeds(0, 1, 1, noisy_curve), std::invalid_argument);
  CHECK_THROWS_WITH(rlvalue::run_seeds(2, 1, -1, noisy_curve), RLV_CONTAINS("threads = -1"));
  auto ragged = [](Index r, rlvalue::Rng&) { return Eigen::VectorXd::Zero(r == 2 ? 4 : 5).eval(); };
  CHECK_THROWS_WITH(rlvalue::run_seeds(4, 1, 2, ragged),
                    RLV_CONTAINS("curve of run 2 has size 4, expected 5"));
  auto empty = [](Index, rlvalue::Rng&) { return Eigen::VectorXd(); };
  CHECK_THROWS_AS(rlvalue::run_seeds(2, 1, 1, empty), std::invalid_argument);
}

TEST_CASE("run_seeds: progress is reported once per run", "[experiment][multi_seed]") {
  std::vector<Index> reported;
  Index total_seen = 0;
  const rlvalue::ProgressCallback progress = [&](Index done, Index total) {
    reported.push_back(done);
    total_seen = total;
  };
  rlvalue::run_seeds(9, 5, 3, noisy_curve, progress);
  CHECK(total_seen == 9);
  REQUIRE(reported.size() == 9);
  for (std::size_t i = 0; i < reported.size(); ++i) CHECK(reported[i] == Index(i) + 1);
}
