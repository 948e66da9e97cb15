// Sutton & Barto (2nd ed.) 19-state random walk (chapters 7 and 12): start in
// the centre, -1 at the left exit, +1 at the right, gamma = 1, values start at
// 0; the error measure is the RMS error over the 19 states after each of the
// first 10 episodes, averaged over those episodes and over runs, as a
// function of the step size alpha.
//   Figure 7.2:  n-step TD, n in {1, 2, 4, ..., 512}
//   Figure 12.3: the offline lambda-return algorithm
//   Figure 12.6: TD(lambda) with accumulating traces
//   Figure 12.8: true online TD(lambda)
//   (lambda in {0, 0.4, 0.8, 0.9, 0.95, 0.975, 0.99, 1})
// The book's outcome: U-shaped curves in alpha; intermediate n (about 4) and
// intermediate lambda (about 0.8) do best; accumulating-trace TD(lambda)
// degrades at large alpha for large lambda, true online TD(lambda) does not.
//
// Every method sees the same 10 episodes in a run (the walk has no actions),
// so the curves differ by method only. Per-episode RMS errors are capped at
// 1 (a diverging run, as accumulating traces give at large alpha and lambda,
// counts as 1 from then on), like the clipped axes of the book's figures.
#include <rlvalue/rlvalue.hpp>
#include <rlvalue/learners/n_step_td.hpp>
#include <rlvalue/learners/offline_lambda_return.hpp>
#include <rlvalue/learners/td_lambda.hpp>
#include <rlvalue/learners/true_online_td_lambda.hpp>

#include <cmath>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace rlvalue;

constexpr Index kEpisodes = 10;
constexpr double kCap = 1.0;
const std::vector<double> kAlphas{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
const std::vector<Index> kNs{1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
const std::vector<double> kLambdas{0.0, 0.4, 0.8, 0.9, 0.95, 0.975, 0.99, 1.0};

enum class Method { n_step, offline, accumulating, true_online };
struct Series {
  Method method;
  double parameter;  // n or lambda
  std::string name;
};

std::vector<Series> all_series() {
  std::vector<Series> s;
  for (Index n : kNs) s.push_back({Method::n_step, double(n), "n-step TD n=" + std::to_string(n)});
  auto lam = [](double l) { return format_number(l); };
  for (double l : kLambdas) s.push_back({Method::offline, l, "offline lambda-return lambda=" + lam(l)});
  for (double l : kLambdas) s.push_back({Method::accumulating, l, "TD(lambda) accumulating lambda=" + lam(l)});
  for (double l : kLambdas) s.push_back({Method::true_online, l, "true online TD(lambda) lambda=" + lam(l)});
  return s;
}

using Episode = std::vector<Transition<>>;

Episode walk_episode(RandomWalk& walk, Rng& rng) {
  Episode ep;
  Index s = walk.reset(rng);
  for (bool done = false; !done;) {
    const auto step = walk.step(0, rng);
    ep.push_back({.state = s, .reward = step.reward, .next_state = step.next_state,
                  .terminated = step.terminated});
    s = step.next_state;
    done = step.terminated;
  }
  return ep;
}

// Average over the 10 episodes of the (capped) RMS error after each.
template <class Learner>
double average_rms(Learner& learner, const TabularV<double>& v, const std::vector<Episode>& episodes,
                   const Eigen::VectorXd& truth) {
  double total = 0.0;
  bool diverged = false;
  for (const auto& ep : episodes) {
    if (!diverged) {
      try {
        for (const auto& t : ep) learner.update(t);
      } catch (const std::invalid_argument&) {  // a non-finite error: the run diverged
        diverged = true;
      }
    }
    const double rms = diverged ? kCap : std::sqrt((v.parameters() - truth).squaredNorm() / 19.0);
    total += std::isfinite(rms) ? std::min(rms, kCap) : kCap;
  }
  return total / double(episodes.size());
}

double evaluate(const Series& s, double alpha, const std::vector<Episode>& episodes,
                const Eigen::VectorXd& truth) {
  TabularV<double> v(19);
  switch (s.method) {
    case Method::n_step: {
      NStepTD<TabularV<double>> l(v, {.gamma = 1.0, .step_size = alpha, .n = Index(s.parameter)});
      return average_rms(l, v, episodes, truth);
    }
    case Method::offline: {
      OfflineLambdaReturn<TabularV<double>> l(v, {.gamma = 1.0, .step_size = alpha, .lambda = s.parameter});
      return average_rms(l, v, episodes, truth);
    }
    case Method::accumulating: {
      TDLambda<TabularV<double>> l(v, {.gamma = 1.0, .step_size = alpha, .lambda = s.parameter});
      return average_rms(l, v, episodes, truth);
    }
    case Method::true_online: {
      TrueOnlineTDLambda<TabularV<double>> l(v, {.gamma = 1.0, .step_size = alpha, .lambda = s.parameter});
      return average_rms(l, v, episodes, truth);
    }
  }
  return kCap;
}

int run(const ExampleOptions& opts) {
  const auto series = all_series();
  const Index A = static_cast<Index>(kAlphas.size());
  const Eigen::VectorXd truth = RandomWalk::sutton_barto_19().true_values();
  ProgressReporter progress("random_walk_19");
  const auto stats = run_seeds(
      opts.runs, opts.seed, 0,
      [&](Index, Rng& rng) {
        RandomWalk walk = RandomWalk::sutton_barto_19();
        std::vector<Episode> episodes;
        for (Index e = 0; e < kEpisodes; ++e) episodes.push_back(walk_episode(walk, rng));
        Eigen::VectorXd out(static_cast<Index>(series.size()) * A);
        for (std::size_t k = 0; k < series.size(); ++k)
          for (Index i = 0; i < A; ++i)
            out[static_cast<Index>(k) * A + i] = evaluate(series[k], kAlphas[static_cast<std::size_t>(i)], episodes, truth);
        return out;
      },
      std::ref(progress));

  // DIR/random_walk_19.csv holds every series; one file per figure beside it
  // (random_walk_19_figure_7_2.csv, ...) keeps each plot readable.
  CsvWriter csv;
  CsvWriter figures[4];
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(kAlphas.data(), A);
  auto curve = [&](std::size_t k) { return Eigen::VectorXd(stats.mean.segment(static_cast<Index>(k) * A, A)); };
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Eigen::VectorXd se = stats.standard_error.segment(static_cast<Index>(k) * A, A);
    csv.add_curve(series[k].name, x, curve(k), se);
    figures[static_cast<int>(series[k].method)].add_curve(series[k].name, x, curve(k), se);
  }

  Report report("random_walk_19");
  // Best (over alpha) error of each series, and the best parameter per figure.
  auto best_of = [&](Method m, double& best_param) {
    double best = 1e9;
    std::string text;
    for (std::size_t k = 0; k < series.size(); ++k) {
      if (series[k].method != m) continue;
      const double b = curve(k).minCoeff();
      text += format_number(series[k].parameter) + ":" + format_number(b, 3) + " ";
      if (b < best) {
        best = b;
        best_param = series[k].parameter;
      }
    }
    std::cout << "[random_walk_19] best error over alpha by parameter: " << text << "\n";
    return best;
  };
  auto min_for = [&](Method m, double p) {
    for (std::size_t k = 0; k < series.size(); ++k)
      if (series[k].method == m && series[k].parameter == p) return curve(k).minCoeff();
    return 1e9;
  };
  auto at = [&](Method m, double p, double alpha) {
    for (std::size_t k = 0; k < series.size(); ++k)
      if (series[k].method == m && series[k].parameter == p)
        for (Index i = 0; i < A; ++i)
          if (kAlphas[static_cast<std::size_t>(i)] == alpha) return curve(k)[i];
    return 1e9;
  };

  double best_n = 0;
  best_of(Method::n_step, best_n);
  report.check("Figure 7.2: an intermediate n does best (about 4)", "n in [2, 16]",
               "n = " + format_number(best_n), best_n >= 2 && best_n <= 16);
  report.check("Figure 7.2: n = 1 and n = 512 both worse than the best n", "min error(1), min error(512) > best",
               format_number(min_for(Method::n_step, 1)) + ", " + format_number(min_for(Method::n_step, 512)) +
                   " > " + format_number(min_for(Method::n_step, best_n)),
               min_for(Method::n_step, 1) > min_for(Method::n_step, best_n) &&
                   min_for(Method::n_step, 512) > min_for(Method::n_step, best_n));
  for (const auto& [m, fig] : {std::pair{Method::offline, "Figure 12.3 (offline lambda-return)"},
                               std::pair{Method::accumulating, "Figure 12.6 (TD(lambda))"},
                               std::pair{Method::true_online, "Figure 12.8 (true online TD(lambda))"}}) {
    double best_lambda = 0;
    best_of(m, best_lambda);
    report.check(std::string(fig) + ": an intermediate lambda does best (about 0.8)", "lambda in [0.4, 0.95]",
                 "lambda = " + format_number(best_lambda), best_lambda >= 0.4 && best_lambda <= 0.95);
  }
  // U shape: for lambda = 0.8, the error at the smallest and at the largest
  // alpha both exceed the minimum over alpha.
  for (const auto& [m, name] : {std::pair{Method::offline, "offline lambda-return"},
                                std::pair{Method::true_online, "true online TD(lambda)"}}) {
    const double lo = at(m, 0.8, kAlphas.front()), hi = at(m, 0.8, kAlphas.back()), mid = min_for(m, 0.8);
    report.check(std::string("U-shaped in alpha, ") + name + " lambda=0.8",
                 "error(alpha=0.05), error(alpha=1) > min",
                 format_number(lo) + ", " + format_number(hi) + " > " + format_number(mid), lo > mid && hi > mid);
  }
  const double acc = at(Method::accumulating, 0.975, 0.6), online = at(Method::true_online, 0.975, 0.6);
  report.check("Accumulating traces degrade at large alpha and lambda where true online does not "
               "(lambda=0.975, alpha=0.6)",
               "TD(lambda) > 2 x true online", format_number(acc) + " vs " + format_number(online),
               acc > 2.0 * online);

  const auto path = opts.csv_path("random_walk_19");
  csv.write(path);
  const char* figure_names[4] = {"random_walk_19_figure_7_2", "random_walk_19_figure_12_3",
                                 "random_walk_19_figure_12_6", "random_walk_19_figure_12_8"};
  for (int f = 0; f < 4; ++f) figures[f].write(opts.csv_path(figure_names[f]));
  std::cout << "random_walk_19: wrote " << path << "\n";
  return report.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  return rlvalue::example_main(
      argc, argv, "random_walk_19",
      "Sutton & Barto Figures 7.2, 12.3, 12.6, 12.8: n-step TD and TD(lambda) variants on the "
      "19-state random walk.",
      {.runs = 100, .quick_runs = 20, .seed = 0, .out = "out"}, run);
}
