// Overflow in the trace learners and the linear approximators: an update
// whose trace or weights would leave the floating-point range throws
// std::invalid_argument and changes nothing (weights and trace byte for
// byte); one near the edge of the range that stays finite is applied exactly;
// and a long random walk through huge rewards, weights and importance
// ratios never writes a non-finite value and keeps Trace::bound() >= max |z|.
// (The learner fuzz harness found the first case: TDLambda and SarsaLambda
// wrote w + alpha*delta*z = inf.)

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "learners/learner_test_support.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/polynomial_basis.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/emphatic_td.hpp"
#include "rlvalue/learners/off_policy_q_lambda.hpp"
#include "rlvalue/learners/q_lambda.hpp"
#include "rlvalue/learners/sarsa_lambda.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/learners/true_online_sarsa_lambda.hpp"
#include "rlvalue/learners/true_online_td_lambda.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

namespace {

// The bytes of a parameter vector or matrix.
template <class M>
std::vector<unsigned char> bytes_of(const M& m) {
  std::vector<unsigned char> b(static_cast<std::size_t>(m.size()) * sizeof(typename M::Scalar));
  if (!b.empty()) std::memcpy(b.data(), m.data(), b.size());
  return b;
}

// The trace of a learner as a dense vector (DenseTrace, SparseTrace, or the
// plain vector EmphaticTD returns).
template <class L>
auto trace_values(const L& learner) {
  const auto& z = learner.trace();
  using Z = std::remove_cvref_t<decltype(z)>;
  if constexpr (requires { z.values(); }) {
    return Eigen::Matrix<typename Z::scalar_type, Eigen::Dynamic, 1>(z.values());
  } else if constexpr (requires { z.active(); }) {
    Eigen::Matrix<typename Z::scalar_type, Eigen::Dynamic, 1> v(z.size());
    for (Index i = 0; i < z.size(); ++i) v(i) = z[i];
    return v;
  } else {
    return Eigen::Matrix<typename Z::Scalar, Eigen::Dynamic, 1>(z);
  }
}

// Runs `update`, which must throw std::invalid_argument with a message
// containing `part`, and checks the weights and the trace are unchanged.
template <class L, class F, class U>
void check_rejected(L& learner, F& f, U&& update, std::string_view part) {
  const auto w_before = bytes_of(f.parameters());
  const auto z_before = bytes_of(trace_values(learner));
  const std::string message = thrown_message<std::invalid_argument>(update);
  INFO(message);
  CHECK(contains(message, part));
  CHECK(contains(message, "nothing was"));
  CHECK(bytes_of(f.parameters()) == w_before);
  CHECK(bytes_of(trace_values(learner)) == z_before);
}

template <class T>
constexpr T kMax = std::numeric_limits<T>::max();

}  // namespace

TEMPLATE_TEST_CASE("TDLambda, SarsaLambda, QLambda: a step that would overflow a weight is rejected",
                   "[reliability][overflow][traces]", float, double) {
  using T = TestType;
  const T M = kMax<T>;
  // v(0) = 0.9 M, v(2) = 0.6 M, alpha = gamma = lambda = 1. Step 1 is a
  // self-loop on s0 (delta = 0, z = e0); step 2 from s1 to s2 has delta =
  // 0.6 M, so w0 + delta * z0 = 1.5 M overflows while delta itself is finite.
  const Transition<Index, Index, T> loop{.state = 0, .action = 0, .reward = T(0), .next_state = 0};
  const Transition<Index, Index, T> jump{.state = 1, .action = 0, .reward = T(0), .next_state = 2};
  for (const TraceType type : {TraceType::accumulating, TraceType::replacing, TraceType::dutch}) {
    INFO("trace type " << static_cast<int>(type));
    TabularV<T> v(3);
    v.set_value(0, T(0.9) * M);
    v.set_value(2, T(0.6) * M);
    TDLambda<TabularV<T>> td(v, {.gamma = 1.0, .step_size = 1.0, .lambda = 1.0, .trace = type});
    CHECK(td.update(loop) == T(0));
    check_rejected(td, v, [&] { td.update(jump); }, "step_size * td_error");
    // The learner goes on: a harmless step is applied.
    CHECK(td.update({.state = 1, .action = 0, .reward = T(1), .next_state = 1, .terminated = true}) == T(1));
    CHECK(v.value(1) == T(1));

    TabularV<T> vs(3);
    vs.set_value(0, T(0.9) * M);
    vs.set_value(2, T(0.6) * M);
    TDLambda<TabularV<T>, SparseTrace<T>> sparse(vs, {.gamma = 1.0, .step_size = 1.0, .lambda = 1.0, .trace = type});
    CHECK(sparse.update(loop) == T(0));
    check_rejected(sparse, vs, [&] { sparse.update(jump); }, "step_size * td_error");

    TabularQ<T> q(3, 1);
    q.set_value(0, 0, T(0.9) * M);
    q.set_value(2, 0, T(0.6) * M);
    SarsaLambda<TabularQ<T>> sarsa(q, {.gamma = 1.0, .step_size = 1.0, .lambda = 1.0, .trace = type});
    CHECK(sarsa.update(loop, 0) == T(0));
    check_rejected(sarsa, q, [&] { sarsa.update(jump, 0); }, "step_size * td_error");

    for (const QLambdaVariant variant : {QLambdaVariant::watkins, QLambdaVariant::peng}) {
      if (type == TraceType::dutch) continue;  // QLambda: accumulating or replacing
      TabularQ<T> ql(3, 1);
      ql.set_value(0, 0, T(0.9) * M);
      ql.set_value(2, 0, T(0.6) * M);
      QLambda<TabularQ<T>> learner(
          ql, {.gamma = 1.0, .step_size = 1.0, .lambda = 1.0, .trace = type, .variant = variant});
      CHECK(learner.update(loop, 0) == T(0));
      check_rejected(learner, ql, [&] { learner.update(jump, 0); },
                     variant == QLambdaVariant::peng ? "step_size * peng_error" : "step_size * td_error");
    }
  }
}

TEMPLATE_TEST_CASE("SarsaLambda: self-loops with reward -max/2 accumulate into an overflow",
                   "[reliability][overflow][traces]", float, double) {
  using T = TestType;
  // The shape the fuzzer found: every error is finite (a self-loop's error
  // is its reward), but with lambda = 1 the trace keeps (0, 0) eligible.
  // Step 1: q00 = -0.375 M. Step 2 on (1, 0): q00 = -0.75 M, q10 = -0.375 M.
  // Step 3 on (1, 0): q00 would be -1.125 M.
  TabularQ<T> q(2, 1);
  SarsaLambda<TabularQ<T>> sarsa(q, {.gamma = 1.0, .step_size = 0.75, .lambda = 1.0});
  const T r = -kMax<T> / 2;
  const Transition<Index, Index, T> t0{.state = 0, .action = 0, .reward = r, .next_state = 0};
  const Transition<Index, Index, T> t1{.state = 1, .action = 0, .reward = r, .next_state = 1};
  CHECK(sarsa.update(t0, 0) == r);
  CHECK(sarsa.update(t1, 0) == r);
  CHECK(q.value(0, 0) == Approx(-0.75 * static_cast<double>(kMax<T>)).epsilon(1e-6));
  check_rejected(sarsa, q, [&] { sarsa.update(t1, 0); }, "step_size * td_error");
}

TEMPLATE_TEST_CASE("OffPolicyQLambda: an importance ratio that overflows the trace is rejected",
                   "[reliability][overflow][traces]", float, double) {
  using T = TestType;
  // pi/mu = 1 / denorm_min makes gamma * lambda * (pi/mu) * z overflow.
  TabularQ<T> q(2, 2);
  ImportanceSamplingQLambda<TabularQ<T>> is(q, {.gamma = 1.0, .step_size = 0.5, .lambda = 1.0});
  const Eigen::Matrix<T, 1, 2> pi(T(0.5), T(0.5));
  const Transition<Index, Index, T> t{.state = 0, .action = 0, .reward = T(1), .next_state = 1};
  is.update(t, pi, 1.0, 1.0);
  const double mu = static_cast<double>(std::numeric_limits<T>::denorm_min());
  check_rejected(is, q, [&] { is.update(t, pi, 1.0, mu); }, "eligibility trace");
}

TEMPLATE_TEST_CASE("TrueOnline learners and EmphaticTD: an overflowing step is rejected",
                   "[reliability][overflow][traces]", float, double) {
  using T = TestType;
  const T M = kMax<T>;
  // A huge reward on an empty trace: alpha * (delta + v - v_old) = 0.75 M
  // and the weight it lands on is already 0.5 M.
  {
    TabularV<T> v(2);
    v.set_value(0, T(0.5) * M);
    TrueOnlineTDLambda<TabularV<T>> learner(v, {.gamma = 1.0, .step_size = 0.75, .lambda = 1.0});
    const Transition<Index, Index, T> t{.state = 1, .action = 0, .reward = M, .next_state = 1};
    learner.update(t);  // v1 = 0.75 M; z = e1
    const Transition<Index, Index, T> back{.state = 0, .action = 0, .reward = T(0), .next_state = 1};
    check_rejected(learner, v, [&] { learner.update(back); }, "step_size * (td_error + v - v_old)");
  }
  {
    TabularQ<T> q(2, 1);
    q.set_value(0, 0, T(0.5) * M);
    TrueOnlineSarsaLambda<TabularQ<T>> learner(q, {.gamma = 1.0, .step_size = 0.75, .lambda = 1.0});
    const Transition<Index, Index, T> t{.state = 1, .action = 0, .reward = M, .next_state = 1};
    learner.update(t, 0);
    const Transition<Index, Index, T> back{.state = 0, .action = 0, .reward = T(0), .next_state = 1};
    check_rejected(learner, q, [&] { learner.update(back, 0); }, "step_size * (td_error + q - q_old)");
  }
  {
    TabularV<T> v(3);
    v.set_value(0, T(0.9) * M);
    v.set_value(2, T(0.6) * M);
    EmphaticTD<TabularV<T>> learner(v, {.gamma = 1.0, .step_size = 1.0, .lambda = 1.0});
    learner.update({.state = 0, .action = 0, .reward = T(0), .next_state = 0});
    check_rejected(learner, v, [&] { learner.update({.state = 1, .action = 0, .reward = T(0), .next_state = 2}); },
                   "step_size * td_error");
  }
}

TEST_CASE("A trace step past the cheap bound but finite is applied exactly", "[reliability][overflow][traces]") {
  // delta = 1e300, alpha = 0.5: alpha * delta * z = 5e299 is beyond the
  // bound that proves safety (about 2.5e291), so the step runs on copies,
  // which are finite and kept.
  TabularV<double> v(2), reference(2);
  TDLambda<TabularV<double>> td(v, {.gamma = 1.0, .step_size = 0.5, .lambda = 0.5});
  CHECK(td.update({.state = 0, .action = 0, .reward = 1e300, .next_state = 1, .terminated = false}) == 1e300);
  CHECK(v.value(0) == 5e299);
  CHECK(v.value(1) == 0.0);
  CHECK(td.trace()[0] == 1.0);
  CHECK(td.trace().bound() == 1.0);  // tightened to the exact max
  // Then the cheap path again: z = 0.5 e0 + e1, delta = 1 - 0 => w += 0.5 z.
  CHECK(td.update({.state = 1, .action = 0, .reward = 1.0, .next_state = 1, .terminated = true}) == 1.0);
  CHECK(v.value(0) == 5e299 + 0.25);
  CHECK(v.value(1) == 0.5);
  CHECK(td.trace().values().isZero());
  CHECK(td.trace().bound() == 0.0);
}

TEMPLATE_TEST_CASE("LinearV / LinearQ semi_gradient_step reject a weight overflow", "[reliability][overflow][approx]",
                   float, double) {
  using T = TestType;
  const T M = kMax<T>;
  using Tiles = TileCoding<1>;
  auto tiles = [] { return Tiles({.num_tilings = 4, .low = {0.0}, .high = {1.0}, .tiles = {4}}); };
  const Eigen::Matrix<double, 1, 1> s = Eigen::Matrix<double, 1, 1>::Constant(0.3);
  {
    LinearV<Tiles, T> v(tiles());
    v.parameters().setConstant(T(0.6) * M);
    const auto before = bytes_of(v.parameters());
    const std::string message = thrown_message<std::invalid_argument>([&] { v.semi_gradient_step(s, T(0.5) * M); });
    CHECK(contains(message, "LinearV::semi_gradient_step"));
    CHECK(contains(message, "overflows a weight"));
    CHECK(bytes_of(v.parameters()) == before);
    v.semi_gradient_step(s, T(-0.5) * M);  // finite: applied
    CHECK(std::isfinite(v.parameters().maxCoeff()));
  }
  {
    LinearV<PolynomialBasis<1>, T> v(PolynomialBasis<1>(1, 2));
    v.parameters().setConstant(T(0.6) * M);
    const auto before = bytes_of(v.parameters());
    const typename PolynomialBasis<1>::state_type x = PolynomialBasis<1>::state_type::Constant(1.0);
    CHECK_THROWS_AS(v.semi_gradient_step(x, T(0.5) * M), std::invalid_argument);
    CHECK(bytes_of(v.parameters()) == before);
  }
  {
    LinearQ<Tiles, T> q(tiles(), 2);
    q.parameters().setConstant(T(0.6) * M);
    const auto before = bytes_of(q.parameters());
    CHECK_THROWS_AS(q.semi_gradient_step(s, 1, T(0.5) * M), std::invalid_argument);
    CHECK(bytes_of(q.parameters()) == before);
  }
}

namespace {

// A random value for the walk below: mostly ordinary, sometimes huge.
template <class T>
T wild(Rng& rng) {
  const double u = uniform01(rng);
  const double sign = uniform01(rng) < 0.5 ? -1.0 : 1.0;
  if (u < 0.6) return static_cast<T>(sign * uniform01(rng));
  if (u < 0.8) return static_cast<T>(sign * uniform01(rng) * 1e3);
  return static_cast<T>(sign * (0.05 + 0.95 * uniform01(rng))) * kMax<T>;
}

struct WalkCounts {
  int accepted = 0;
  int rejected = 0;
};

// 4000 random updates of `learner` on approximator f (4 states, 2 actions);
// after each: accepted => every weight and trace entry finite and bound() >=
// max |z|; rejected => weights and trace unchanged byte for byte.
template <class L, class F, class Update>
WalkCounts random_walk(L& learner, F& f, Update&& update, std::uint64_t seed) {
  using T = typename F::scalar_type;
  Rng rng = make_rng(seed);
  WalkCounts counts;
  for (int step = 0; step < 4000; ++step) {
    if (uniform01(rng) < 0.02) {  // a weight poked near the edge from outside
      const Index i = uniform_index(rng, static_cast<Index>(f.parameters().size()));
      f.parameters().data()[i] = wild<T>(rng);
    }
    const Transition<Index, Index, T> t{.state = uniform_index(rng, 4),
                                        .action = uniform_index(rng, 2),
                                        .reward = wild<T>(rng),
                                        .next_state = uniform_index(rng, 4),
                                        .terminated = uniform01(rng) < 0.05,
                                        .truncated = uniform01(rng) < 0.05};
    const Index next_action = uniform_index(rng, 2);
    const auto w_before = bytes_of(f.parameters());
    const auto z_before = bytes_of(trace_values(learner));
    try {
      update(t, next_action, rng);
      ++counts.accepted;
      REQUIRE(f.parameters().allFinite());
      const auto z = trace_values(learner);
      REQUIRE(z.allFinite());
      if constexpr (requires { learner.trace().bound(); })
        REQUIRE(learner.trace().bound() >= (z.size() ? z.cwiseAbs().maxCoeff() : T(0)));
    } catch (const std::invalid_argument&) {
      ++counts.rejected;
      REQUIRE(bytes_of(f.parameters()) == w_before);
      REQUIRE(bytes_of(trace_values(learner)) == z_before);
    }
  }
  return counts;
}

}  // namespace

TEMPLATE_TEST_CASE("Trace learners: a random walk through huge values never writes a non-finite value",
                   "[reliability][overflow][traces]", float, double) {
  using T = TestType;
  std::uint64_t seed = 2026;
  auto report = [](const char* name, WalkCounts c) {
    INFO(name << ": " << c.accepted << " accepted, " << c.rejected << " rejected");
    CHECK(c.accepted > 100);
    CHECK(c.rejected > 10);
  };
  for (const TraceType type : {TraceType::accumulating, TraceType::replacing, TraceType::dutch}) {
    const double lambda = type == TraceType::accumulating ? 1.0 : 0.9;
    TraceConfig config{.gamma = 1.0, .step_size = 0.5, .lambda = lambda, .trace = type};
    {
      TabularV<T> v(4);
      TDLambda<TabularV<T>> l(v, config);
      report("TDLambda", random_walk(l, v, [&](const auto& t, Index, Rng&) { l.update(t); }, ++seed));
    }
    {
      TabularV<T> v(4);
      TDLambda<TabularV<T>, SparseTrace<T>> l(v, config);
      report("TDLambda sparse", random_walk(l, v, [&](const auto& t, Index, Rng&) { l.update(t); }, ++seed));
    }
    {
      TabularQ<T> q(4, 2);
      SarsaLambda<TabularQ<T>> l(q, config);
      report("SarsaLambda", random_walk(l, q, [&](const auto& t, Index a, Rng&) { l.update(t, a); }, ++seed));
    }
  }
  for (const QLambdaVariant variant : {QLambdaVariant::watkins, QLambdaVariant::peng}) {
    TabularQ<T> q(4, 2);
    QLambda<TabularQ<T>> l(q, {.gamma = 1.0, .step_size = 0.5, .lambda = 1.0, .variant = variant});
    report("QLambda", random_walk(l, q, [&](const auto& t, Index a, Rng&) { l.update(t, a); }, ++seed));
  }
  {
    TabularQ<T> q(4, 2);
    RetraceLambda<TabularQ<T>> l(q, {.gamma = 1.0, .step_size = 0.5, .lambda = 1.0});
    const Eigen::Matrix<T, 1, 2> pi(T(0.25), T(0.75));
    report("RetraceLambda", random_walk(l, q, [&](const auto& t, Index, Rng& rng) {
             const double target = uniform01(rng);  // drawn in a fixed order
             const double behaviour = 0.01 + 0.99 * uniform01(rng);
             l.update(t, pi, target, behaviour);
           }, ++seed));
  }
  {
    TabularQ<T> q(4, 2);
    ImportanceSamplingQLambda<TabularQ<T>> l(q, {.gamma = 1.0, .step_size = 0.5, .lambda = 1.0});
    const Eigen::Matrix<T, 1, 2> pi(T(0.25), T(0.75));
    report("ImportanceSamplingQLambda", random_walk(l, q, [&](const auto& t, Index, Rng& rng) {
             const double target = uniform01(rng);
             const double behaviour = uniform01(rng) < 0.1 ? 1e-30 : 0.01 + 0.99 * uniform01(rng);
             l.update(t, pi, target, behaviour);
           }, ++seed));
  }
  {
    TabularV<T> v(4);
    TrueOnlineTDLambda<TabularV<T>> l(v, {.gamma = 1.0, .step_size = 0.5, .lambda = 0.9});
    report("TrueOnlineTDLambda", random_walk(l, v, [&](const auto& t, Index, Rng&) { l.update(t); }, ++seed));
  }
  {
    TabularQ<T> q(4, 2);
    TrueOnlineSarsaLambda<TabularQ<T>> l(q, {.gamma = 1.0, .step_size = 0.5, .lambda = 0.9});
    report("TrueOnlineSarsaLambda", random_walk(l, q, [&](const auto& t, Index a, Rng&) { l.update(t, a); }, ++seed));
  }
  {
    TabularV<T> v(4);
    EmphaticTD<TabularV<T>> l(v, {.gamma = 1.0, .step_size = 0.5, .lambda = 0.9});
    report("EmphaticTD", random_walk(l, v, [&](const auto& t, Index, Rng& rng) {
             l.update(t, static_cast<T>(2.0 * uniform01(rng)));
           }, ++seed));
  }
}
