// No heap allocation per update. The C allocation functions are replaced in
// this executable (forwarding to glibc's own entry points) and counted while a
// NoAllocationScope is open on this thread. That sees every heap allocation:
// operator new (libstdc++ calls malloc) and Eigen's (Eigen calls malloc).
// Sanitizer runtimes replace malloc themselves, so there the test is skipped
// (the Release test run covers it).
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <span>
#include <vector>

#include "catch.hpp"
#include "rlvalue/rlvalue.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"
#include "rlvalue/learners/linear_categorical_q_learning.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RLVALUE_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define RLVALUE_TEST_SANITIZED 1
#endif
#endif
#if !defined(RLVALUE_TEST_SANITIZED) && defined(__GLIBC__)
#define RLVALUE_COUNT_MALLOC 1
#endif

namespace {
thread_local bool counting = false;
std::atomic<long> allocations{0};

struct NoAllocationScope {
  long start;
  NoAllocationScope() : start(allocations.load()) { counting = true; }
  ~NoAllocationScope() { counting = false; }
  long count() const { return allocations.load() - start; }
};

[[maybe_unused]] inline void note_allocation() {
  if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#ifdef RLVALUE_COUNT_MALLOC
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t size) {
  note_allocation();
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  note_allocation();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  note_allocation();
  return __libc_realloc(p, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  note_allocation();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}
#endif

using namespace rlvalue;

#ifdef RLVALUE_COUNT_MALLOC
namespace {
// A fixed stream of episodes over S states and A actions (each transition
// starts where the previous one went, unless that ended the episode), with
// both kinds of episode end.
std::vector<Transition<>> make_stream(Index states, Index actions, std::size_t n) {
  auto rng = make_rng(99);
  std::vector<Transition<>> stream(n);
  Index state = 0;
  for (auto& t : stream) {
    t.state = state;
    t.action = uniform_index(rng, actions);
    t.reward = uniform01(rng) - 0.5;
    t.next_state = uniform_index(rng, states);
    t.terminated = uniform01(rng) < 0.1;
    t.truncated = !t.terminated && uniform01(rng) < 0.05;
    state = (t.terminated || t.truncated) ? uniform_index(rng, states) : t.next_state;
  }
  return stream;
}
}  // namespace

TEST_CASE("the counter sees operator new and Eigen's allocations", "[alloc]") {
  NoAllocationScope scope;
  void* p = ::operator new(64);  // a call, not a new-expression: never elided
  ::operator delete(p);
  REQUIRE(scope.count() == 1);
  Eigen::VectorXd v(1000);  // Eigen allocates with malloc
  v.setZero();
  REQUIRE(scope.count() == 2);
}

TEST_CASE("one-step learners do not allocate per update", "[alloc]") {
  const auto stream = make_stream(50, 4, 5000);
  TabularQ<double> q(50, 4);
  TabularV<double> v(50);
  QLearning<TabularQ<double>> ql(q, {.gamma = 0.9, .step_size = 0.1});
  Sarsa<TabularQ<double>> sarsa(q, {.gamma = 0.9, .step_size = 0.1});
  ExpectedSarsa<TabularQ<double>> esarsa(q, {.gamma = 0.9, .step_size = 1.0,
                                             .schedule = StepSchedule::per_visit, .omega = 0.8});
  TD0<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit});
  EpsilonGreedy<TabularQ<double>> policy(q, 0.1);
  auto rng = make_rng(3);
  policy.probabilities(0);  // the policy's buffer exists before counting
  NoAllocationScope scope;
  for (const auto& t : stream) {
    ql.update(t);
    const Index next = policy.action(t.next_state, rng);
    sarsa.update(t, next);
    esarsa.update(t, policy.probabilities(t.next_state));
    td.update(t);
  }
  REQUIRE(scope.count() == 0);
}

TEST_CASE("Monte Carlo does not allocate per update once its buffer is warm", "[alloc]") {
  const auto stream = make_stream(20, 1, 5000);
  TabularV<double> v(20);
  MonteCarlo<TabularV<double>> every(v, {.gamma = 0.9, .step_size = 0.05});
  TabularV<double> w(20);
  MonteCarlo<TabularV<double>> first(w, {.gamma = 0.9, .step_size = 1.0,
                                         .schedule = StepSchedule::per_visit,
                                         .visits = MonteCarloVisits::first});
  NoAllocationScope scope;
  for (const auto& t : stream) {
    every.update(t);
    first.update(t);
  }
  REQUIRE(scope.count() == 0);
}
TEST_CASE("sequence targets do not allocate in their non-allocating forms", "[alloc]") {
  constexpr Index T = 64, B = 70;  // B > 64 exercises the row-major n-step buffer
  auto rng = make_rng(5);
  using ColMajor = Eigen::ArrayXXd;
  using RowMajor = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  ColMajor r(T, B), v(T, B), nv(T, B), d(T, B), out(T, B);
  for (Index i = 0; i < r.size(); ++i) {
    r(i) = uniform01(rng);
    v(i) = uniform01(rng);
    nv(i) = uniform01(rng);
    d(i) = uniform01(rng) < 0.05 ? 0.0 : 0.99;
  }
  const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> terminated = d == 0.0;
  const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> truncated =
      Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>::Constant(T, B, false);
  RowMajor rr = r, rv = v, rnv = nv, rd = d, rout(T, B);
  NoAllocationScope scope;
  lambda_returns(r, d, nv, 0.95, out);
  discounted_returns(r, d, nv, out);
  n_step_returns(r, d, nv, 5, out);
  gae(r, v, nv, d, 0.95, out);
  gae(r, v, nv, terminated, truncated, 0.99, 0.95, out);
  lambda_returns(r, nv, terminated, truncated, 0.99, 0.95, out);
  lambda_returns(rr, rd, rnv, 0.95, rout);
  n_step_returns(rr, rd, rnv, 5, rout);
  gae(rr, rv, rnv, rd, 0.95, rout);
  gae(Parallel{.threads = 1}, r, v, nv, d, 0.95, out);
  lambda_returns(Parallel{.threads = 1}, rr, rd, rnv, 0.95, rout);
  REQUIRE(scope.count() == 0);
}
#if !defined(RLVALUE_USE_STD_THREAD)  // std::thread allocates its state on the caller
TEST_CASE("threaded sequence targets allocate nothing on the calling thread", "[alloc]") {
  // Two blocks of 32 columns, on the calling thread and one started thread.
  // The first call starts a thread before counting: the threads library may
  // allocate the first time (glibc's per-thread TLS vector), then reuses it.
  const Index T = 64, B = 64;
  const Eigen::MatrixXf r = Eigen::MatrixXf::Random(T, B), v = Eigen::MatrixXf::Random(T, B),
                        nv = Eigen::MatrixXf::Random(T, B),
                        d = Eigen::MatrixXf::Constant(T, B, 0.9f);
  Eigen::MatrixXf out(T, B), reference(T, B);
  const Parallel two{.threads = 2, .min_entries_per_thread = 0};
  gae(two, r, v, nv, d, 0.95f, out);
  gae(r, v, nv, d, 0.95f, reference);
  {
    NoAllocationScope scope;
    gae(two, r, v, nv, d, 0.95f, out);
    lambda_returns(two, r, d, nv, 0.95f, out);
    gae(two, r, v, nv, d, 0.95f, out);
    CHECK(scope.count() == 0);
  }
  CHECK(out == reference);
}
#endif
TEST_CASE("double, clipped, Maxmin and ensemble critics do not allocate per update or batch",
          "[alloc]") {
  const auto stream = make_stream(50, 4, 5000);
  std::vector<TabularQ<double>> q(12, TabularQ<double>(50, 4));
  DoubleQLearning<TabularQ<double>> dq(q[0], q[1], {.gamma = 0.9, .step_size = 0.1});
  ClippedDoubleQLearning<TabularQ<double>> cq(
      q[2], q[3], {.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                   .target_period = 3, .polyak = 0.5});
  MaxminQLearning<TabularQ<double>> mm(std::span<TabularQ<double>>(q).subspan(4, 4),
                                       {.gamma = 0.9, .step_size = 0.1, .update_count = 2});
  EnsembleQLearning<TabularQ<double>> redq(
      std::span<TabularQ<double>>(q).subspan(8, 4), {.gamma = 0.9, .step_size = 0.1,
                                   .reduction = EnsembleReduction::random_subset_min,
                                   .subset_size = 2, .update_count = 1});
  EpsilonGreedy policy(mm, 0.1);
  auto rng = make_rng(4);
  policy.probabilities(0);  // the policy's buffers exist before counting
  std::vector<double> errors(stream.size());
  NoAllocationScope scope;
  for (const auto& t : stream) {
    dq.update(t, rng);
    cq.update(t, rng);
    mm.update(t, rng);
    redq.update(t, rng);
    (void)policy.action(t.next_state, rng);
  }
  dq.update_batch(stream, rng);
  dq.update_batch(stream, rng, errors);
  cq.update_batch(stream, rng, errors);
  cq.update_batch(std::span(stream).first(100), rng, std::span(errors).first(100), 0);
  mm.update_batch(stream, rng, errors);
  redq.update_batch(stream, rng, errors, 4);
  REQUIRE(scope.count() == 0);
}

TEST_CASE("trace, n-step and distributional learners do not allocate per update", "[alloc]") {
  const auto stream = make_stream(50, 4, 5000);
  TabularV<double> v1(50), v2(50), v3(50), v4(50);
  TabularQ<double> q1(50, 4), q2(50, 4), q3(50, 4);
  TDLambda<TabularV<double>> td_dense(v1, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.8});
  TDLambda<TabularV<double>, SparseTrace<double>> td_sparse(
      v2, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.8});
  TrueOnlineTDLambda<TabularV<double>> td_online(v3, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.8});
  NStepTD<TabularV<double>> n_step(v4, {.gamma = 0.9, .step_size = 0.1, .n = 4});
  SarsaLambda<TabularQ<double>> sarsa(q1, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.8});
  QLambda<TabularQ<double>> watkins(q2, {.gamma = 0.9, .step_size = 0.1, .lambda = 0.8});
  CategoricalTable<double> ctable(50, {.v_min = -5, .v_max = 5, .num_atoms = 51});
  CategoricalTD<CategoricalTable<double>> ctd(ctable, {.gamma = 0.9, .step_size = 0.1});
  QuantileTable<double> qtable(50, 1, 32);
  QuantileTD<QuantileTable<double>> qtd(qtable, {.gamma = 0.9, .step_size = 0.05});
  EpsilonGreedy<TabularQ<double>> policy(q3, 0.1);
  auto rng = make_rng(5);
  NoAllocationScope scope;
  for (const auto& t : stream) {
    td_dense.update(t);
    td_sparse.update(t);
    td_online.update(t);
    n_step.update(t);
    const Index next = policy.action(t.next_state, rng);
    sarsa.update(t, next);
    watkins.update(t, next);
    ctd.update(t);
    qtd.update(t);
  }
  REQUIRE(scope.count() == 0);
}

TEST_CASE("linear learners with tile coding do not allocate per update", "[alloc]") {
  using Map = TileCoding<2>;
  const Map tiles({.num_tilings = 8, .low = {0.0, 0.0}, .high = {1.0, 1.0}, .tiles = {8, 8}});
  LinearV<Map> v(tiles);
  LinearQ<Map> q(tiles, 3);
  TDLambda<LinearV<Map>> td(v, {.gamma = 0.9, .step_size = 0.1 / 8, .lambda = 0.8});
  SarsaLambda<LinearQ<Map>> sarsa(q, {.gamma = 0.9, .step_size = 0.1 / 8, .lambda = 0.8,
                                      .trace = TraceType::replacing});
  auto rng = make_rng(6);
  std::vector<Transition<Eigen::Vector2d>> stream(2000);
  Eigen::Vector2d s(0.5, 0.5);
  for (auto& t : stream) {
    const Eigen::Vector2d s2(uniform01(rng), uniform01(rng));
    t = {.state = s, .action = uniform_index(rng, 3), .reward = uniform01(rng),
         .next_state = s2, .terminated = uniform01(rng) < 0.05};
    s = t.terminated ? Eigen::Vector2d(0.5, 0.5) : s2;
  }
  NoAllocationScope scope;
  for (const auto& t : stream) {
    td.update(t);
    sarsa.update(t, uniform_index(rng, 3));
  }
  REQUIRE(scope.count() == 0);
}

TEST_CASE("gradient-TD, robust, emphatic and recursive LSTD learners do not allocate per update",
          "[alloc]") {
  const auto stream = make_stream(20, 1, 3000);
  TabularV<double> v1(20), v2(20), v3(20), v4(20), v5(20), v6(20);
  TDC<TabularV<double>> tdc(v1, {.gamma = 0.9, .step_size = 0.01, .secondary_step_size = 0.01});
  GTD2<TabularV<double>> gtd2(v2, {.gamma = 0.9, .step_size = 0.01, .secondary_step_size = 0.01});
  TDRC<TabularV<double>> tdrc(v3, {.gamma = 0.9, .step_size = 0.01, .secondary_step_size = 0.01});
  RobustBellman<TabularV<double>> huber(v4, {.gamma = 0.9, .step_size = 0.01,
                                             .secondary_step_size = 0.01, .tau = 0.5});
  EmphaticTD<TabularV<double>> emphatic(v5, {.gamma = 0.9, .step_size = 0.01, .lambda = 0.5});
  RecursiveLSTD<TabularV<double>> lstd(v6, {.gamma = 0.9, .lambda = 0.5, .ridge = 1.0});
  NoAllocationScope scope;
  for (const auto& t : stream) {
    tdc.update(t, 0.5);
    gtd2.update(t, 1.5);
    tdrc.update(t);
    huber.update(t);
    emphatic.update(t, 0.8);
    lstd.update(t);
  }
  REQUIRE(scope.count() == 0);
}

TEST_CASE("replay-batch updates do not allocate", "[alloc]") {
  const auto stream = make_stream(1000, 4, 5000);
  TabularQ<double> q(1000, 4);
  TabularV<double> v(1000);
  QLearning<TabularQ<double>> ql(q, {.gamma = 0.9, .step_size = 1.0,
                                     .schedule = StepSchedule::per_visit});
  TD0<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 0.1});
  std::vector<double> errors(stream.size());
  NoAllocationScope scope;
  ql.update_batch(stream);
  ql.update_batch(stream, errors);
  ql.update_batch(std::span(stream).first(100), std::span(errors).first(100), 0);
  td.update_batch(stream);
  td.update_batch(stream, errors, 4);
  REQUIRE(scope.count() == 0);
}

TEST_CASE("linear categorical Q-learning does not allocate per update or read", "[alloc]") {
  const auto stream = make_stream(50, 4, 5000);
  using OneHotC51 = LinearCategoricalQ<OneHotMap>;
  OneHotC51 one_hot(OneHotMap(50), 4, {.v_min = -5, .v_max = 5, .num_atoms = 51});
  LinearCategoricalQLearning<OneHotC51> c51(one_hot, {.gamma = 0.9, .step_size = 1.0,
                                                      .schedule = StepSchedule::per_visit,
                                                      .omega = 0.8});
  EpsilonGreedy policy(c51, 0.1);
  using Tiles = TileCoding<2>;
  using TiledC51 = LinearCategoricalQ<Tiles>;
  TiledC51 tiled(Tiles({.num_tilings = 8, .low = {0.0, 0.0}, .high = {1.0, 1.0}, .tiles = {8, 8}}),
                 3, {.v_min = -5, .v_max = 5, .num_atoms = 51});
  LinearCategoricalQLearning<TiledC51> c51_tiles(tiled, {.gamma = 0.9, .step_size = 0.1 / 8});
  using Fourier = FourierBasis<2>;
  using DenseC51 = LinearCategoricalQ<Fourier>;
  DenseC51 dense(Fourier({.order = 2, .low = {0.0, 0.0}, .high = {1.0, 1.0}}), 3,
                 {.v_min = -5, .v_max = 5, .num_atoms = 51});
  LinearCategoricalQLearning<DenseC51> c51_dense(dense, {.gamma = 0.9, .step_size = 0.01});
  auto rng = make_rng(7);
  std::vector<Transition<Eigen::Vector2d>> continuous(2000);
  Eigen::Vector2d s(0.5, 0.5);
  for (auto& t : continuous) {
    const Eigen::Vector2d s2(uniform01(rng), uniform01(rng));
    const bool terminated = uniform01(rng) < 0.05;
    t = {.state = s, .action = uniform_index(rng, 3), .reward = uniform01(rng), .next_state = s2,
         .terminated = terminated, .truncated = !terminated && uniform01(rng) < 0.05};
    s = t.terminated || t.truncated ? Eigen::Vector2d(0.5, 0.5) : s2;
  }
  policy.probabilities(0);  // the policy's buffer exists before counting
  NoAllocationScope scope;
  double sink = 0.0;
  for (const auto& t : stream) {
    sink += c51.update(t);
    sink += c51.q(t.state, t.action) + c51.value(t.next_state);
    sink += static_cast<double>(c51.greedy_action(t.next_state) + policy.action(t.next_state, rng));
  }
  for (const auto& t : continuous) {
    sink += c51_tiles.update(t) + c51_dense.update(t);
    sink += static_cast<double>(c51_tiles.greedy_action(t.next_state) +
                                c51_dense.greedy_action(t.next_state));
  }
  REQUIRE(scope.count() == 0);
  CHECK(std::isfinite(sink));
}
#else
TEST_CASE("allocation counting needs glibc and no sanitizer", "[alloc]") {
  SUCCEED("skipped: the sanitizer runtime owns malloc here; the Release run checks this");
}
#endif
