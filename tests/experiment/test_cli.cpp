// Example flags: --runs N --seed S --out DIR --quick --help.

#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"

#include "rlvalue/experiment/cli.hpp"

namespace {

rlvalue::ExampleOptions parse(std::vector<const char*> args,
                              const rlvalue::ExampleDefaults& defaults = {}) {
  args.insert(args.begin(), "example");
  return rlvalue::parse_example_options(static_cast<int>(args.size()), args.data(), defaults);
}

// Runs example_main with cout and cerr captured.
struct MainResult {
  int code;
  std::string out, err;
};
MainResult run_main(std::vector<const char*> args,
                    const std::function<int(const rlvalue::ExampleOptions&)>& body) {
  args.insert(args.begin(), "demo");
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  const int code = rlvalue::example_main(static_cast<int>(args.size()), args.data(), "demo",
                                         "Demo experiment.", {.runs = 50, .quick_runs = 5}, body);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("cli: defaults", "[experiment][cli]") {
  const rlvalue::ExampleDefaults defaults{.runs = 100, .quick_runs = 7, .seed = 3, .out = "res"};
  const auto opts = parse({}, defaults);
  CHECK(opts.runs == 100);
  CHECK(opts.seed == 3);
  CHECK(opts.out == "res");
  CHECK_FALSE(opts.quick);
  CHECK_FALSE(opts.help);
  CHECK(opts.csv_path("random_walk") == "res/random_walk.csv");
  CHECK(parse({"--out", "res/"}).csv_path("random_walk") == "res/random_walk.csv");
  CHECK(parse({"--out", "/"}).csv_path("random_walk") == "/random_walk.csv");
  CHECK(parse({"--quick"}, defaults).runs == 7);
  CHECK(parse({"--quick"}, defaults).quick);
  CHECK(parse({"--quick", "--runs", "30"}, defaults).runs == 30);  // explicit wins
}

TEST_CASE("cli: every flag, both forms", "[experiment][cli]") {
  const auto opts = parse({"--runs", "12", "--seed", "18446744073709551615", "--out", "/tmp/x"});
  CHECK(opts.runs == 12);
  CHECK(opts.seed == 18446744073709551615ULL);
  CHECK(opts.out == "/tmp/x");
  const auto eq = parse({"--runs=4", "--seed=9", "--out=dir/sub", "--quick"});
  CHECK(eq.runs == 4);
  CHECK(eq.seed == 9);
  CHECK(eq.out == "dir/sub");
  CHECK(eq.quick);
  CHECK(parse({"--help"}).help);
  CHECK(parse({"-h"}).help);
}

TEST_CASE("cli: bad values name the flag and the value", "[experiment][cli][errors]") {
  CHECK_THROWS_AS(parse({"--runs", "abc"}), std::invalid_argument);
  CHECK_THROWS_WITH(parse({"--runs", "abc"}), RLV_CONTAINS("--runs") && RLV_CONTAINS("abc"));
  CHECK_THROWS_WITH(parse({"--runs", "0"}), RLV_CONTAINS("--runs = '0'"));
  CHECK_THROWS_WITH(parse({"--runs=-3"}), RLV_CONTAINS("--runs = '-3'"));
  CHECK_THROWS_WITH(parse({"--runs", "5x"}), RLV_CONTAINS("'5x'"));
  CHECK_THROWS_WITH(parse({"--seed", "-1"}), RLV_CONTAINS("--seed = '-1'"));
  CHECK_THROWS_WITH(parse({"--seed", "18446744073709551616"}),
                    RLV_CONTAINS("18446744073709551616"));
  CHECK_THROWS_WITH(parse({"--seed", ""}), RLV_CONTAINS("--seed = ''"));
  CHECK_THROWS_WITH(parse({"--runs"}), RLV_CONTAINS("--runs requires a value"));
  CHECK_THROWS_WITH(parse({"--out="}), RLV_CONTAINS("--out"));
  CHECK_THROWS_WITH(parse({"--quick=1"}), RLV_CONTAINS("--quick"));
  CHECK_THROWS_WITH(parse({"--run", "5"}), RLV_CONTAINS("unknown flag '--run'"));
  CHECK_THROWS_WITH(parse({"extra"}), RLV_CONTAINS("'extra'"));
}

TEST_CASE("cli: example_main", "[experiment][cli]") {
  int calls = 0;
  auto body = [&](const rlvalue::ExampleOptions& opts) {
    ++calls;
    return opts.runs == 5 ? 0 : 1;
  };
  auto quick = run_main({"--quick"}, body);
  CHECK(quick.code == 0);
  CHECK(calls == 1);
  CHECK(run_main({}, body).code == 1);  // 50 runs: the body says fail

  auto help = run_main({"--help"}, body);
  CHECK(help.code == 0);
  CHECK(calls == 2);  // the body did not run
  CHECK_THAT(help.out, RLV_CONTAINS("usage: demo") && RLV_CONTAINS("Demo experiment.") &&
                           RLV_CONTAINS("default 50, 5 with --quick"));

  auto bad = run_main({"--runs", "x"}, body);
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Matchers::StartsWith("demo: --runs = 'x'"));

  auto throws = run_main({}, [](const rlvalue::ExampleOptions&) -> int {
    throw std::runtime_error("cannot open 'out/demo.csv'");
  });
  CHECK(throws.code == 1);
  CHECK_THAT(throws.err, RLV_CONTAINS("demo: error: cannot open 'out/demo.csv'"));
}
