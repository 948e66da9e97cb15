// Exact asymptotic MSE of batch TD and first-visit Monte Carlo
// (mdp/td_mc_statistics.hpp; Cheikhi & Russo 2023): hand-worked chains, the
// layered chain's 1/W ratio and the disjoint chain's 1, the formula against
// simulation (fixed seeds, stated tolerance), bad input.

#include "rlvalue/mdp/td_mc_statistics.hpp"

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

using namespace rlvalue;

namespace {

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

// 3 states with revisits, gamma 0.9, start (0.6, 0.4, 0):
//   s0: -> s1 (0.5, r 0) | -> s2 (0.5, r 1)
//   s1: -> s0 (0.3, r 0) | -> s2 (0.4, r 0) | end (0.3, r 2)
//   s2: -> s1 (0.2, r -1) | end (0.4, r 0) | end (0.4, r 1)
EpisodicMRP revisiting_mrp() {
  TabularMDP<double>::Builder b(3, 1);
  b.add(0, 0, 1, 0.5, 0.0, false);
  b.add(0, 0, 2, 0.5, 1.0, false);
  b.add(1, 0, 0, 0.3, 0.0, false);
  b.add(1, 0, 2, 0.4, 0.0, false);
  b.add(1, 0, 1, 0.3, 2.0, true);
  b.add(2, 0, 1, 0.2, -1.0, false);
  b.add(2, 0, 2, 0.4, 0.0, true);
  b.add(2, 0, 2, 0.4, 1.0, true);
  return {std::move(b).build(), Eigen::Vector3d(0.6, 0.4, 0.0)};
}

// N * MSE of both estimators over `reps` simulated data sets of N episodes.
void simulate(const EpisodicMRP& m, double gamma, Index N, Index reps, std::uint64_t seed,
              Eigen::VectorXd& td, Eigen::VectorXd& mc) {
  const auto exact = td_mc_statistics(m.mrp, m.start, gamma, N);
  const Index S = m.mrp.num_states();
  td = mc = Eigen::VectorXd::Zero(S);
  auto rng = make_rng(seed);
  for (Index r = 0; r < reps; ++r) {
    const auto est = sample_td_mc_estimates(m.mrp, m.start, gamma, N, rng);
    for (Index s = 0; s < S; ++s) {
      // A state unvisited in a data set is counted at its prior error V^2
      // (probability < 1e-6 for the states checked below).
      const double dt = std::isnan(est.td[s]) ? exact.values[s] : est.td[s] - exact.values[s];
      const double dm = std::isnan(est.mc[s]) ? exact.values[s] : est.mc[s] - exact.values[s];
      td[s] += dt * dt;
      mc[s] += dm * dm;
    }
  }
  td *= double(N) / double(reps);
  mc *= double(N) / double(reps);
}

}  // namespace

TEST_CASE("td_mc_statistics: hand-worked chains", "[mdp][td_mc_statistics]") {
  SECTION("one state, Bernoulli(1/2) reward: sigma2 = VarG = 1/4, MSE = 1/(4N), ratio 1") {
    const auto m = layered_chain(1, 1);
    const auto st = td_mc_statistics(m.mrp, m.start, 1.0, 10);
    CHECK(st.values[0] == Approx(0.5));
    CHECK(st.td_error_variance[0] == Approx(0.25));
    CHECK(st.td_mse[0] == Approx(0.025));
    CHECK(st.mc_mse[0] == Approx(0.025));
    CHECK(st.ratio[0] == Approx(1.0));
  }
  SECTION("two states with revisits: V = (1, 1), nu = (2, 2), N*MSE_TD = N*MSE_MC = 1") {
    // s0 -> s1 (r 0); s1 -> s0 (0.5) | end r 2 (0.25) | end r 0 (0.25); start s0; gamma 1.
    // (I - P)^-1 = [[2, 2], [1, 2]]; sigma2 = (0, 0.25*1 + 0.25*1) = (0, 0.5).
    // TD: M(0,1)^2 sigma2(1) / nu(1) = 4 * 0.5 / 2 = 1; MC: VarG(0) / p(0) = (2*0.5) / 1 = 1.
    TabularMDP<double>::Builder b(2, 1);
    b.add(0, 0, 1, 1.0, 0.0, false);
    b.add(1, 0, 0, 0.5, 0.0, false);
    b.add(1, 0, 1, 0.25, 2.0, true);
    b.add(1, 0, 1, 0.25, 0.0, true);
    const auto mrp = std::move(b).build();
    const auto st = td_mc_statistics(mrp, Eigen::Vector2d(1, 0), 1.0, 1);
    CHECK(st.values[0] == Approx(1.0));
    CHECK(st.visits[0] == Approx(2.0));
    CHECK(st.visits[1] == Approx(2.0));
    CHECK(st.visit_probability[1] == Approx(1.0));
    CHECK(st.td_error_variance[1] == Approx(0.5));
    CHECK(st.return_variance[0] == Approx(1.0));
    CHECK(st.td_mse[0] == Approx(1.0));
    CHECK(st.mc_mse[0] == Approx(1.0));
  }
}

TEST_CASE("td_mc_statistics: layered chain ratio 1/W, disjoint chains 1", "[mdp][td_mc_statistics]") {
  // First layer: nu = p = 1/W; MC: (1/4) / (1/W) = W/4; TD: sum over the W
  // last-layer states of (1/W)^2 (1/4) / (1/W) = 1/4; ratio 1/W.
  for (Index W : {2, 5, 10}) {
    const auto m = layered_chain(5, W);
    const auto st = td_mc_statistics(m.mrp, m.start, 1.0, 20 * W);
    for (Index s = 0; s < W; ++s) {
      CHECK(st.ratio[s] == Approx(1.0 / double(W)).epsilon(1e-12));
      CHECK(st.mc_mse[s] * double(20 * W) == Approx(double(W) / 4).epsilon(1e-12));
    }
    const auto d = layered_chain(5, W, true);
    const auto sd = td_mc_statistics(d.mrp, d.start, 1.0, 20 * W);
    for (Index s = 0; s < 5 * W; ++s) CHECK(sd.ratio[s] == Approx(1.0).epsilon(1e-12));
  }
}

TEST_CASE("td_mc_statistics: exact asymptotic MSE against simulation", "[mdp][td_mc_statistics]") {
  // reps data sets of N episodes; the Monte Carlo estimate of N*MSE has a
  // relative standard error of about sqrt(2/reps) (2.5% at 3000 reps) and
  // finite-N bias O(1/N); tolerance 10% relative.
  SECTION("revisiting 3-state chain, gamma 0.9, N = 100") {
    const auto m = revisiting_mrp();
    const auto st = td_mc_statistics(m.mrp, m.start, 0.9, 100);
    Eigen::VectorXd td, mc;
    simulate(m, 0.9, 100, 3000, 1, td, mc);
    for (Index s = 0; s < 3; ++s) {
      CHECK(td[s] == Approx(st.td_mse[s] * 100).epsilon(0.10));
      CHECK(mc[s] == Approx(st.mc_mse[s] * 100).epsilon(0.10));
    }
    CHECK(st.ratio.maxCoeff() < 1.0);  // pooling helps every state here
  }
  SECTION("layered chain L = 5, W = 3, N = 60") {
    const auto m = layered_chain(5, 3);
    const auto st = td_mc_statistics(m.mrp, m.start, 1.0, 60);
    Eigen::VectorXd td, mc;
    simulate(m, 1.0, 60, 3000, 2, td, mc);
    for (Index s = 0; s < 3; ++s) {
      CHECK(td[s] == Approx(st.td_mse[s] * 60).epsilon(0.10));
      CHECK(mc[s] == Approx(st.mc_mse[s] * 60).epsilon(0.10));
    }
  }
}

TEST_CASE("td_mc_statistics: bad input", "[mdp][td_mc_statistics][errors]") {
  const auto m = layered_chain(2, 2);
  CHECK(message_of([&] { td_mc_statistics(m.mrp, m.start, 1.5, 10); }).find("gamma = 1.5") !=
        std::string::npos);
  CHECK(message_of([&] { td_mc_statistics(m.mrp, m.start, 1.0, 0); }).find("num_episodes = 0") !=
        std::string::npos);
  CHECK(message_of([&] { td_mc_statistics(m.mrp, Eigen::Vector2d(0.5, 0.5), 1.0, 1); })
            .find("start has size 2, expected 4") != std::string::npos);
  CHECK(message_of([&] { td_mc_statistics(m.mrp, Eigen::Vector4d(0.5, 0.2, 0, 0), 1.0, 1); })
            .find("sum of start = 0.7") != std::string::npos);
  // A reachable loop that never ends.
  TabularMDP<double>::Builder b(2, 1);
  b.add(0, 0, 1, 1.0, 0.0, false);
  b.add(1, 0, 0, 1.0, 0.0, false);
  const auto loop = std::move(b).build();
  CHECK(message_of([&] { td_mc_statistics(loop, Eigen::Vector2d(1, 0), 0.9, 1); })
            .find("never terminates") != std::string::npos);
  CHECK_THROWS_AS(layered_chain(0, 3), std::invalid_argument);
}
