// Overestimation of max_a Q(s, a) against the exact V* of random MDPs.
//
// Each run draws a Garnet MDP (Bhatnagar et al. 2009: 10 states, 5 actions,
// 3 successors per pair, mean rewards uniform in [-1, 1], gamma = 0.9) and a
// stream of 50,000 samples from its generative model: (s, a) uniform, s'
// from the MDP, reward = mean reward + N(0, 1) noise. Every method learns
// from that same stream with a constant step size 0.1, tables starting at 0.
// Measured in the second half of the stream (checkpoints every 1000 samples):
//   bias = mean_s [max_a Q(s, a) - V*(s)],  RMSE = sqrt(mean_s [...]^2),
// with V* = max_a Q*(s, a) from value iteration. Q(s, a) is each method's
// estimate: Q-learning's table, Double Q's mean of Q^A and Q^B, clipped
// double Q's mean of its critics (one updated per step), Maxmin's Q^min,
// REDQ's mean (M = 2 critics in the target min, one critic updated per step).
//
// Expected (van Hasselt 2010; Fujimoto et al. 2018; Lan et al. 2020):
// Q-learning positive bias; Double Q negative; clipped double Q at or below
// zero; Maxmin's bias decreasing in N, from Q-learning's positive bias at
// N = 1 to negative.
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/learners/clipped_double_q_learning.hpp>
#include <rlvalue/learners/double_q_learning.hpp>
#include <rlvalue/learners/ensemble_q_learning.hpp>
#include <rlvalue/learners/maxmin_q_learning.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kStates = 10, kActions = 5, kBranching = 3;
constexpr double kGamma = 0.9;
constexpr double kAlpha = 0.1;
constexpr double kNoise = 1.0;
constexpr Index kEvery = 1000;

using Table = TabularQ<double>;

/// One method under test: its tables, an update and the estimate max_a Q(s, .).
struct Method {
  std::string series;  // "Maxmin", "REDQ M=2", ...
  double n;            // its number of critics (the x of the plots)
  std::vector<Table> tables;
  std::function<void(const Transition<>&, Rng&)> update;
  std::function<double(Index)> max_value;
};

// Learners hold pointers into `tables`, so each Method lives on the heap.
template <class Make>
std::unique_ptr<Method> method(std::string series, Index n, Make make) {
  auto m = std::make_unique<Method>();
  m->series = std::move(series);
  m->n = static_cast<double>(n);
  m->tables.assign(static_cast<std::size_t>(n), Table(kStates, kActions));
  auto learner = make(m->tables);
  m->update = [learner](const Transition<>& t, Rng& rng) {
    if constexpr (requires { learner->update(t, rng); }) {
      learner->update(t, rng);
    } else {
      learner->update(t);
    }
  };
  m->max_value = [learner](Index s) { return learner->value(s); };
  return m;
}

const std::vector<Index> kMaxminSizes{1, 2, 3, 4, 6, 8};
const std::vector<Index> kRedqSizes{2, 4, 8};

std::vector<std::unique_ptr<Method>> make_methods() {
  const TDConfig c{.gamma = kGamma, .step_size = kAlpha};
  std::vector<std::unique_ptr<Method>> ms;
  ms.push_back(method("Q-learning", 1, [&](std::vector<Table>& t) {
    return std::make_shared<QLearning<Table>>(t[0], c);
  }));
  ms.push_back(method("Double Q", 2, [&](std::vector<Table>& t) {
    return std::make_shared<DoubleQLearning<Table>>(t[0], t[1], c);
  }));
  ms.push_back(method("Clipped double Q", 2, [&](std::vector<Table>& t) {
    return std::make_shared<ClippedDoubleQLearning<Table>>(
        t[0], t[1],
        ClippedDoubleQConfig{.gamma = kGamma, .step_size = kAlpha,
                             .critic_update = CriticUpdate::one_at_random});
  }));
  for (Index n : kMaxminSizes)
    ms.push_back(method("Maxmin", n, [&](std::vector<Table>& t) {
      return std::make_shared<MaxminQLearning<Table>>(
          std::span<Table>(t), MaxminQConfig{.gamma = kGamma, .step_size = kAlpha});
    }));
  for (Index n : kRedqSizes)
    ms.push_back(method("REDQ M=2", n, [&](std::vector<Table>& t) {
      return std::make_shared<EnsembleQLearning<Table>>(
          std::span<Table>(t),
          EnsembleQConfig{.gamma = kGamma, .step_size = kAlpha,
                          .reduction = EnsembleReduction::random_subset_min, .subset_size = 2,
                          .update_count = 1});
    }));
  return ms;
}

/// One run: a Garnet MDP, its exact V*, one noisy stream fed to every method.
/// Returns the bias of every method, then the RMSE of every method.
Eigen::VectorXd run_once(Rng& rng, Index samples) {
  const auto mdp = random_mdp(kStates, kActions, kBranching, rng);
  const auto exact = value_iteration(mdp, kGamma);
  if (!exact.converged) throw std::runtime_error("value iteration did not converge");
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  auto methods = make_methods();
  const auto count = static_cast<Index>(methods.size());
  Eigen::VectorXd bias = Eigen::VectorXd::Zero(count), rmse = Eigen::VectorXd::Zero(count);
  Index checkpoints = 0;
  for (Index i = 0; i < samples; ++i) {
    const Index s = uniform_index(rng, kStates);
    const Index a = uniform_index(rng, kActions);
    env.reset_to(s);
    const auto step = env.step(a, rng);
    const Transition<> t{.state = s, .action = a, .reward = step.reward + normal(rng, 0.0, kNoise),
                         .next_state = step.next_state, .terminated = step.terminated};
    for (auto& m : methods) m->update(t, rng);
    if (i >= samples / 2 && (i + 1) % kEvery == 0) {
      ++checkpoints;
      for (Index k = 0; k < count; ++k) {
        double sum = 0.0, sum_sq = 0.0;
        for (Index st = 0; st < kStates; ++st) {
          const double d = methods[static_cast<std::size_t>(k)]->max_value(st) - exact.v(st);
          sum += d;
          sum_sq += d * d;
        }
        bias[k] += sum / kStates;
        rmse[k] += std::sqrt(sum_sq / kStates);
      }
    }
  }
  Eigen::VectorXd out(2 * count);
  out << bias / double(checkpoints), rmse / double(checkpoints);
  return out;
}

int run(const ExampleOptions& opts) {
  const Index samples = opts.quick ? 50000 : 200000;
  Report report("overestimation");
  ProgressReporter progress("overestimation");
  const auto stats = run_seeds(opts.runs, opts.seed, 0,
                               [&](Index, Rng& rng) { return run_once(rng, samples); },
                               std::ref(progress));
  const auto layout = make_methods();  // names and sizes, in result order
  const auto count = static_cast<Index>(layout.size());

  // One CSV series per method family and measure, x = number of critics.
  CsvWriter csv;
  auto index_of = [&](const std::string& series, double n) {
    for (Index k = 0; k < count; ++k)
      if (layout[static_cast<std::size_t>(k)]->series == series &&
          layout[static_cast<std::size_t>(k)]->n == n)
        return k;
    throw std::logic_error("no method " + series);
  };
  for (const char* measure : {"bias", "RMSE"}) {
    const Index offset = std::string(measure) == "bias" ? 0 : count;
    std::vector<std::string> done;
    for (Index k = 0; k < count; ++k) {
      const std::string& series = layout[static_cast<std::size_t>(k)]->series;
      if (std::find(done.begin(), done.end(), series) != done.end()) continue;
      done.push_back(series);
      for (Index j = k; j < count; ++j)
        if (layout[static_cast<std::size_t>(j)]->series == series)
          csv.add_point(std::string(measure) + " " + series, layout[static_cast<std::size_t>(j)]->n,
                        stats.mean[offset + j], stats.standard_error[offset + j]);
    }
  }
  for (Index k = 0; k < count; ++k) {
    const auto& m = *layout[static_cast<std::size_t>(k)];
    std::cout << "[overestimation] " << m.series << " N=" << m.n << ": bias "
              << format_number(stats.mean[k]) << " +- " << format_number(stats.standard_error[k])
              << ", RMSE " << format_number(stats.mean[count + k]) << "\n";
  }

  auto bias = [&](const std::string& series, double n) { return stats.mean[index_of(series, n)]; };
  auto se = [&](const std::string& series, double n) {
    return stats.standard_error[index_of(series, n)];
  };
  const std::string what = " (mean_s max_a Q - V*, second half of the stream)";
  report.check_greater("Q-learning overestimates" + what, bias("Q-learning", 1),
                       3.0 * se("Q-learning", 1));
  report.check_less("Double Q-learning underestimates" + what, bias("Double Q", 2),
                    -3.0 * se("Double Q", 2));
  report.check_less("Clipped double Q is at or below zero" + what, bias("Clipped double Q", 2),
                    3.0 * se("Clipped double Q", 2));
  report.check_near("Maxmin N=1 is Q-learning (same stream, same bias)" + what,
                    bias("Maxmin", 1), bias("Q-learning", 1), 1e-12);
  std::string measured;
  bool decreasing = true;
  for (std::size_t i = 0; i < kMaxminSizes.size(); ++i) {
    const double b = bias("Maxmin", double(kMaxminSizes[i]));
    measured += (i ? " > " : "") + format_number(b);
    if (i > 0 && !(b < bias("Maxmin", double(kMaxminSizes[i - 1])))) decreasing = false;
  }
  report.check("Maxmin's bias decreases as N grows (N = 1, 2, 3, 4, 6, 8)" + what,
               "strictly decreasing", measured, decreasing);
  report.check_less("Maxmin with N = 8 underestimates" + what, bias("Maxmin", 8),
                    -3.0 * se("Maxmin", 8));

  const auto path = opts.csv_path("overestimation");
  csv.write(path);
  std::cout << "overestimation: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "overestimation",
      "Bias and RMSE of max_a Q against exact V* on noisy Garnet MDPs: Q-learning, Double Q, "
      "clipped double Q, Maxmin and REDQ-style ensembles.",
      {.runs = 100, .quick_runs = 10, .seed = 0, .out = "out"}, run);
}
