// The multi-critic learners on LinearQ: with one-hot features (OneHotMap)
// LinearQ is TabularQ exactly, so every learner fed the same stream and the
// same draws must match its tabular run bit for bit; a policy acting on the
// learner's combined estimate too.

#include <span>
#include <vector>

#include "catch.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"

using namespace rlvalue;

namespace {
using Linear = LinearQ<OneHotMap>;
using Table = TabularQ<double>;
static_assert(!detail::StoredActionRows<Linear>);  // rows are computed: no prefetch
static_assert(detail::StoredActionRows<Table>);
}  // namespace

TEST_CASE("Double, clipped, Maxmin and ensemble critics on one-hot LinearQ equal TabularQ",
          "[learners][linear][critics]") {
  std::vector<Linear> lin(10, Linear(OneHotMap(5), 3));
  std::vector<Table> tab(10, Table(5, 3));
  const TDConfig c{.gamma = 0.9, .step_size = 0.1};
  DoubleQLearning<Linear> dl(lin[0], lin[1], c);
  DoubleQLearning<Table> dt(tab[0], tab[1], c);
  ClippedDoubleQLearning<Linear> cl(lin[2], lin[3], {.gamma = 0.9, .step_size = 0.1,
                                                     .critic_update = CriticUpdate::one_at_random,
                                                     .target_period = 3, .polyak = 0.5});
  ClippedDoubleQLearning<Table> ct(tab[2], tab[3], {.gamma = 0.9, .step_size = 0.1,
                                                    .critic_update = CriticUpdate::one_at_random,
                                                    .target_period = 3, .polyak = 0.5});
  MaxminQLearning<Linear> ml(std::span<Linear>(lin).subspan(4, 3), {.gamma = 0.9, .step_size = 0.1});
  MaxminQLearning<Table> mt(std::span<Table>(tab).subspan(4, 3), {.gamma = 0.9, .step_size = 0.1});
  const EnsembleQConfig ec{.gamma = 0.9, .step_size = 0.1,
                           .reduction = EnsembleReduction::random_subset_min, .subset_size = 2,
                           .update_count = 1};
  EnsembleQLearning<Linear> el(std::span<Linear>(lin).subspan(7, 3), ec);
  EnsembleQLearning<Table> et(std::span<Table>(tab).subspan(7, 3), ec);
  EpsilonGreedy pl(ml, 0.1);
  EpsilonGreedy pt(mt, 0.1);
  auto rl = make_rng(1), rt = make_rng(1), data = make_rng(2);
  int mismatches = 0;
  for (int i = 0; i < 20000; ++i) {
    const Transition<> t{.state = uniform_index(data, 5), .action = uniform_index(data, 3),
                         .reward = normal(data, 0.0, 1.0), .next_state = uniform_index(data, 5),
                         .terminated = uniform01(data) < 0.1,
                         .truncated = uniform01(data) < 0.05};
    mismatches += dl.update(t, rl) != dt.update(t, rt) ? 1 : 0;
    mismatches += cl.update(t, rl) != ct.update(t, rt) ? 1 : 0;
    mismatches += ml.update(t, rl) != mt.update(t, rt) ? 1 : 0;
    mismatches += el.update(t, rl) != et.update(t, rt) ? 1 : 0;
    mismatches += pl.action(t.next_state, rl) != pt.action(t.next_state, rt) ? 1 : 0;
  }
  CHECK(mismatches == 0);
  for (std::size_t k = 0; k < lin.size(); ++k) {
    INFO("critic " << k);
    CHECK(lin[k].parameters() == tab[k].parameters());
  }
  CHECK(cl.target_critic(0).parameters() == ct.target_critic(0).parameters());
  CHECK_FALSE(tab[4].parameters().isZero());  // the stream moved the tables
}
