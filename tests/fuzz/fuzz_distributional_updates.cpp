// Fuzz harness: the tabular distributional learners (learners/categorical_td.hpp,
// learners/quantile_td.hpp): CategoricalTD, CategoricalQLearning, QuantileTD
// and QuantileQLearning, float and double, on small tables (1-4 states,
// 1-3 actions, 2-12 atoms or 1-12 quantiles) with fuzzed configs (gamma,
// step size, schedule, omega, kappa, support, initial values, rows set by
// hand) and up to 48 arbitrary transitions each: indices in and out of
// range, rewards including inf, NaN, denormals and the largest finite
// numbers, terminated and truncated flags.
//
// Invariants (a violation aborts):
// - a config is rejected (std::invalid_argument) exactly when it is invalid;
// - an update with an out-of-range state, action or next_state throws
//   std::out_of_range; one with a non-finite reward std::invalid_argument;
//   and a rejected update leaves the table and the visit counts byte for
//   byte unchanged;
// - after an accepted categorical update every row is on the simplex:
//   entries in [0, 1 + tol] and |sum - 1| <= tol, tol = sqrt(eps) (the
//   slack set_probabilities allows) + 8 (K + 4) eps (updates + 2);
// - after an accepted quantile update every estimate is finite, only the
//   updated row changed, and each of its estimates moved by at most alpha
//   (the step size) up to rounding: alpha (1 + 16 eps) + 2 eps |theta|.

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.hpp"
#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/learners/categorical_td.hpp"
#include "rlvalue/learners/quantile_td.hpp"

namespace {

using rlvalue_fuzz::FuzzInput;
using rlvalue_fuzz::fuzz_check;
using rlvalue_fuzz::Index;
using rlvalue_fuzz::Outcome;

enum Kind : int { kCategoricalTD, kCategoricalQ, kQuantileTD, kQuantileQ };
const char* const kKindNames[] = {"CategoricalTD", "CategoricalQLearning", "QuantileTD",
                                  "QuantileQLearning"};

/// A step size: mostly in (0, 1], sometimes above 1, zero, negative or not finite.
double read_step_size(FuzzInput& in) {
  const std::uint8_t b = in.byte();
  if (b < 220) return double(b % 100 + 1) / 100.0;
  return FuzzInput::special<double>(b);
}

double read_omega(FuzzInput& in) {
  const std::uint8_t b = in.byte();
  if (b < 230) return double(b % 10 + 1) / 10.0;
  return FuzzInput::special<double>(b);
}

template <class S, Kind K>
void run_learner(FuzzInput& in) {
  constexpr bool categorical = K == kCategoricalTD || K == kCategoricalQ;
  constexpr bool control = K == kCategoricalQ || K == kQuantileQ;
  using Table =
      std::conditional_t<categorical, rlvalue::CategoricalTable<S>, rlvalue::QuantileTable<S>>;
  using Learner = std::conditional_t<
      K == kCategoricalTD, rlvalue::CategoricalTD<Table>,
      std::conditional_t<K == kCategoricalQ, rlvalue::CategoricalQLearning<Table>,
                         std::conditional_t<K == kQuantileTD, rlvalue::QuantileTD<Table>,
                                            rlvalue::QuantileQLearning<Table>>>>;
  const std::string prefix = std::string(kKindNames[K]) + (sizeof(S) == 4 ? "<float>: " : "<double>: ");
  std::string context;  // config and current transition, for the messages
  auto at = [&](const std::string& what) { return prefix + what + context; };

  const Index states = in.in_range(1, 4);
  // The TD learners need exactly one action; now and then they get two.
  const Index actions = control ? in.in_range(1, 3) : (in.byte() >= 245 ? 2 : 1);
  const Index width = categorical ? in.in_range(2, 12) : in.in_range(1, 12);
  const S initial = in.scalar<S>();

  // ---- the table --------------------------------------------------------
  rlvalue::UniformSupport support;
  if constexpr (categorical) {
    const std::uint8_t mode = in.byte();
    if (mode < 200) {
      support.v_min = double(static_cast<std::int8_t>(in.byte()));
      support.v_max = support.v_min + double(in.byte() % 64 + 1) / 4.0;
    } else {
      support.v_min = double(in.scalar<S>());
      support.v_max = double(in.scalar<S>());
    }
    support.num_atoms = width;
  }
  std::optional<Table> holder;  // constructed in place, so the learner can point at it
  const auto made = rlvalue_fuzz::call_rejecting([&] {
    if constexpr (categorical)
      holder.emplace(states, actions, support, initial);
    else
      holder.emplace(states, actions, width, initial);
  });
  bool table_valid = std::isfinite(initial);
  if constexpr (categorical) {
    table_valid = table_valid && std::isfinite(support.v_min) && std::isfinite(support.v_max) &&
                  support.v_min < support.v_max;
    // The atoms z_i = v_min + i (v_max - v_min) / (K - 1) (the last one
    // v_max) must also be finite and strictly increasing once rounded to S.
    const double dz = (support.v_max - support.v_min) / double(width - 1);
    for (Index i = 1; table_valid && i < width; ++i) {
      const S lo = static_cast<S>(support.v_min + double(i - 1) * dz);
      const S hi = static_cast<S>(i + 1 == width ? support.v_max : support.v_min + double(i) * dz);
      table_valid = std::isfinite(lo) && std::isfinite(hi) && lo < hi;
    }
  }
  fuzz_check(made.threw() != table_valid,
             at(table_valid ? "a valid table was rejected: " + made.message
                            : "an invalid table was accepted"));
  if (made.threw()) {
    fuzz_check(made.outcome == Outcome::invalid_argument, at("a bad table threw another type"));
    return;
  }
  Table& table = *holder;
  // A few rows set by hand (a random distribution or random quantiles).
  const Index hand_rows = in.in_range(0, 3);
  for (Index h = 0; h < hand_rows; ++h) {
    const Index s = in.index(states), a = in.index(actions);
    Eigen::Matrix<S, Eigen::Dynamic, 1> row(width);
    if constexpr (categorical) {
      double total = 0;
      for (Index i = 0; i < width; ++i) {
        row[i] = S(in.byte() % 8);
        total += double(row[i]);
      }
      if (total == 0) row[0] = S(1), total = 1;
      row /= S(total);
      rlvalue_fuzz::call_rejecting([&] { table.set_probabilities(s, a, row); });
    } else {
      for (Index i = 0; i < width; ++i) row[i] = in.scalar<S>();
      rlvalue_fuzz::call_rejecting([&] { table.set_quantiles(s, a, row); });
    }
  }

  // ---- the learner ------------------------------------------------------
  const double gamma = double(in.unit<S>());
  const double step_size = read_step_size(in);
  const bool per_visit = in.byte() >= 192;
  const double omega = per_visit ? read_omega(in) : 1.0;
  double kappa = 0;
  if constexpr (!categorical) {
    const std::uint8_t b = in.byte();
    kappa = b < 128 ? 0.0 : b < 230 ? double(b % 16) / 4.0 : FuzzInput::special<double>(b);
  }
  const rlvalue::StepSchedule schedule =
      per_visit ? rlvalue::StepSchedule::per_visit : rlvalue::StepSchedule::constant;
  std::optional<Learner> learner_holder;
  const auto built = rlvalue_fuzz::call_rejecting([&] {
    if constexpr (categorical)
      learner_holder.emplace(table, rlvalue::CategoricalTDConfig{.gamma = gamma,
                                                                      .step_size = step_size,
                                                                      .schedule = schedule,
                                                                      .omega = omega});
    else
      learner_holder.emplace(table, rlvalue::QuantileTDConfig{.gamma = gamma,
                                                                   .step_size = step_size,
                                                                   .schedule = schedule,
                                                                   .omega = omega,
                                                                   .kappa = kappa});
  });
  // The step size must also be positive and finite once converted to S.
  const S step_as_s = static_cast<S>(step_size);
  bool config_valid = gamma >= 0 && gamma <= 1 && step_size > 0 && std::isfinite(step_size) &&
                      step_as_s > S(0) && std::isfinite(step_as_s) && omega > 0 && omega <= 1;
  if constexpr (categorical) config_valid = config_valid && step_size <= 1.0;
  if constexpr (!categorical)
    config_valid = config_valid && kappa >= 0 && std::isfinite(kappa) &&
                   std::isfinite(static_cast<S>(kappa));  // finite in S too, like the step size
  if constexpr (!control) config_valid = config_valid && actions == 1;
  fuzz_check(built.threw() != config_valid,
             at(config_valid ? "a valid config was rejected: " + built.message
                             : "an invalid config was accepted"));
  if (built.threw()) {
    fuzz_check(built.outcome == Outcome::invalid_argument, at("a bad config threw another type"));
    return;
  }
  Learner& learner = *learner_holder;

  // ---- transitions ------------------------------------------------------
  const double eps = double(std::numeric_limits<S>::epsilon());
  const S alpha_max = static_cast<S>(step_size);
  const Index updates = in.in_range(1, 48);
  for (Index u = 0; u < updates; ++u) {
    const std::uint8_t flags = in.byte();
    const rlvalue::Transition<Index, Index, S> t{.state = in.index(states),
                                                 .action = in.index(actions),
                                                 .reward = in.scalar<S>(),
                                                 .next_state = in.index(states),
                                                 .terminated = (flags & 1u) != 0,
                                                 .truncated = (flags & 2u) != 0};
    context = "\n  config: gamma=" + rlvalue_fuzz::show(gamma) +
              " step_size=" + rlvalue_fuzz::show(step_size) + " per_visit=" +
              rlvalue_fuzz::show(int(per_visit)) + " omega=" + rlvalue_fuzz::show(omega) +
              " kappa=" + rlvalue_fuzz::show(kappa) + " support=[" +
              rlvalue_fuzz::show(support.v_min) + ", " + rlvalue_fuzz::show(support.v_max) +
              "] width=" + rlvalue_fuzz::show(width) + "\n  update " + rlvalue_fuzz::show(u) +
              ": " + rlvalue_fuzz::show_transition(t);
    const auto before = table.parameters();  // a copy
    const std::vector<Index> counts_before = learner.step_sizes().counts();
    const auto r = rlvalue_fuzz::call_rejecting([&] { learner.update(t); });
    auto bad = [&](Index i, Index n) { return i < 0 || i >= n; };
    const bool bad_index =
        bad(t.state, states) || bad(t.next_state, states) || (control && bad(t.action, actions));
    if (bad_index) {
      fuzz_check(r.outcome == Outcome::out_of_range,
                 at("an out-of-range index did not throw std::out_of_range"));
    } else if (!std::isfinite(t.reward)) {
      fuzz_check(r.outcome == Outcome::invalid_argument,
                 at("a non-finite reward did not throw std::invalid_argument"));
    } else if (categorical) {
      fuzz_check(!r.threw(), at("a valid categorical update threw: ") + r.message);
    } else if (r.threw()) {
      // Rejected only for a target that is not finite, or for theta + step
      // overflowing, which needs alpha m plus the largest |theta| near the
      // largest finite value (QuantileTD forms alpha * sum, |sum| <= m, the
      // number of quantiles, before the 1/m).
      const double largest = double(std::numeric_limits<S>::max());
      const bool step_may_overflow =
          r.message.find("theta + step") != std::string::npos &&
          double(alpha_max) * double(width) + double(before.cwiseAbs().maxCoeff()) >=
              0.5 * largest;
      fuzz_check(r.outcome == Outcome::invalid_argument &&
                     (r.message.find("target") != std::string::npos || step_may_overflow),
                 at("a quantile update with a finite reward threw for another reason than an "
                    "overflowing target or step: ") + r.message);
    }
    if (r.threw()) {
      fuzz_check(rlvalue_fuzz::same_bytes(before, table.parameters()) &&
                     counts_before == learner.step_sizes().counts(),
                 at("a rejected update changed the table or the visit counts: ") + r.message);
      continue;
    }
    const auto& p = table.parameters();
    if constexpr (categorical) {
      const double tol = std::sqrt(eps) + 8.0 * double(width + 4) * eps * double(u + 3);
      for (Index row = 0; row < p.rows(); ++row) {
        double sum = 0;
        for (Index i = 0; i < p.cols(); ++i) {
          fuzz_check(p(row, i) >= S(0) && double(p(row, i)) <= 1.0 + tol,
                     at("a probability left [0, 1] (or is not a number)"));
          sum += double(p(row, i));
        }
        fuzz_check(std::abs(sum - 1.0) <= tol, at("a row left the simplex (its sum drifted)") +
                                                   rlvalue_fuzz::show_all(p.row(row)));
      }
    } else {
      const Index updated = table.row(t.state, control ? t.action : 0);
      for (Index row = 0; row < p.rows(); ++row) {
        if (row != updated) {
          fuzz_check(rlvalue_fuzz::same_bytes(p.row(row), before.row(row)),
                     at("an update changed a row it does not own"));
          continue;
        }
        const std::string rows = "\n  row before " + rlvalue_fuzz::show_all(before.row(row)) +
                                 "\n  row after  " + rlvalue_fuzz::show_all(p.row(row));
        for (Index i = 0; i < p.cols(); ++i) {
          fuzz_check(std::isfinite(p(row, i)),
                     at("an accepted update wrote a non-finite estimate") + rows);
          const double moved = std::abs(double(p(row, i)) - double(before(row, i)));
          const double mag = std::max(std::abs(double(p(row, i))), std::abs(double(before(row, i))));
          fuzz_check(moved <= double(alpha_max) * (1.0 + 16.0 * eps) + 2.0 * eps * mag,
                     at("a quantile estimate moved by more than alpha") + rows);
        }
      }
    }
  }
}

template <class S>
void run_kind(FuzzInput& in, Kind kind) {
  switch (kind) {
    case kCategoricalTD: run_learner<S, kCategoricalTD>(in); break;
    case kCategoricalQ: run_learner<S, kCategoricalQ>(in); break;
    case kQuantileTD: run_learner<S, kQuantileTD>(in); break;
    default: run_learner<S, kQuantileQ>(in); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const std::uint8_t head = in.byte();
  const auto kind = static_cast<Kind>(head % 4);
  if ((head & 4u) != 0)
    run_kind<float>(in, kind);
  else
    run_kind<double>(in, kind);
  return 0;
}
