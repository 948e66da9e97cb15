// CSV writer, rmse, report and progress output.

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "catch.hpp"

#include "rlvalue/experiment/csv.hpp"
#include "rlvalue/experiment/metrics.hpp"
#include "rlvalue/experiment/progress.hpp"
#include "rlvalue/experiment/report.hpp"

using rlvalue::Index;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh directory under the system temp directory.
fs::path scratch_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("rlvalue_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

}  // namespace

TEST_CASE("CsvWriter: long form text", "[experiment][csv]") {
  rlvalue::CsvWriter csv;
  csv.add_curve("TD alpha=0.05", Eigen::Vector2d(1, 2), Eigen::Vector2d(0.5, 0.25),
                Eigen::Vector2d(0.125, 0.0));
  csv.add_point("MC", 0.1, -3.0, 1e-300);
  CHECK(csv.str() ==
        "series,x,mean,stderr\n"
        "TD alpha=0.05,1,0.5,0.125\n"
        "TD alpha=0.05,2,0.25,0\n"
        "MC,0.1,-3,1e-300\n");
}

TEST_CASE("CsvWriter: quoting of series names", "[experiment][csv]") {
  rlvalue::CsvWriter csv;
  csv.add_point("TD, alpha=\"0.1\"", 1, 2, 3);
  csv.add_point("line\nbreak", 1, 2, 3);
  CHECK(csv.str() ==
        "series,x,mean,stderr\n"
        "\"TD, alpha=\"\"0.1\"\"\",1,2,3\n"
        "\"line\nbreak\",1,2,3\n");
}

TEST_CASE("CsvWriter: numbers round-trip", "[experiment][csv]") {
  const std::vector<double> values{1.0 / 3.0, 0.1, -2.5e10, 6.02214076e23,
                                   std::numeric_limits<double>::min(),
                                   std::numeric_limits<double>::max(), 123456789.123456789};
  rlvalue::CsvWriter csv;
  for (double v : values) csv.add_point("s", v, v, v);
  std::istringstream in(csv.str());
  std::string line;
  std::getline(in, line);
  CHECK(line == "series,x,mean,stderr");
  for (double v : values) {
    REQUIRE(std::getline(in, line));
    std::istringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');
    CHECK(field == "s");
    for (int k = 0; k < 3; ++k) {
      REQUIRE(std::getline(fields, field, ','));
      CHECK(std::strtod(field.c_str(), nullptr) == v);  // exact
    }
  }
  rlvalue::CsvWriter special;
  special.add_point("s", std::nan(""), INFINITY, -INFINITY);
  CHECK(special.str().ends_with("s,nan,inf,-inf\n"));
}

TEST_CASE("CsvWriter: curves from run statistics", "[experiment][csv]") {
  rlvalue::SeedStatistics stats{Eigen::Vector2d(1.5, 2.5), Eigen::Vector2d(0.5, 0.0), 4};
  rlvalue::CsvWriter csv;
  csv.add_curve("Q", Eigen::Vector2d(10, 20), stats);
  CHECK(csv.str() == "series,x,mean,stderr\nQ,10,1.5,0.5\nQ,20,2.5,0\n");
  CHECK_THROWS_AS(csv.add_curve("Q", Eigen::Vector3d(1, 2, 3), stats), std::invalid_argument);
  CHECK_THROWS_WITH(
      csv.add_curve("Q", Eigen::Vector2d(1, 2), Eigen::Vector2d(1, 2), Eigen::Vector3d(1, 2, 3)),
      RLV_CONTAINS("stderr has size 3, expected 2"));
}

TEST_CASE("CsvWriter: writes the file, creating directories", "[experiment][csv]") {
  const fs::path dir = scratch_dir("csv");
  const fs::path path = dir / "nested" / "random_walk.csv";
  rlvalue::CsvWriter csv;
  csv.add_point("TD, alpha=0.1", 1, 0.5, 0.01);
  csv.write(path);
  CHECK(read_file(path) == csv.str());
  // Overwrites.
  rlvalue::CsvWriter second;
  second.write(path);
  CHECK(read_file(path) == "series,x,mean,stderr\n");

  // A file where a directory should be: the error names the path.
  const fs::path blocked = dir / "nested" / "random_walk.csv" / "x.csv";
  CHECK_THROWS_AS(csv.write(blocked), std::runtime_error);
  CHECK_THROWS_WITH(csv.write(blocked), RLV_CONTAINS((dir / "nested").string()) &&
                                             RLV_CONTAINS("not a directory"));
  // Repeated separators, several missing levels, a directory that exists.
  const std::string deep = dir.string() + "//a///b/c/curve.csv";
  csv.write(deep);
  CHECK(read_file(dir / "a" / "b" / "c" / "curve.csv") == csv.str());
  csv.write(deep);
  CHECK(read_file(deep) == csv.str());
  // A component ending in ':' is an ordinary directory name on POSIX.
#if !defined(_WIN32)
  csv.write(dir.string() + "/run:/curve.csv");
  CHECK(read_file(dir / "run:" / "curve.csv") == csv.str());
#endif
  fs::remove_all(dir);
}

TEST_CASE("rmse: by hand", "[experiment][metrics]") {
  const Eigen::Vector3d estimate(1.0, 2.0, 3.0);
  const Eigen::Vector3d truth(1.0, 4.0, 5.0);
  CHECK(rlvalue::rmse(estimate, truth) == Approx(std::sqrt(8.0 / 3.0)));
  CHECK(rlvalue::rmse(estimate, estimate) == 0.0);
  CHECK(rlvalue::rmse(estimate, truth, {0}) == 0.0);
  CHECK(rlvalue::rmse(estimate, truth, {1, 2}) == Approx(2.0));
  CHECK(rlvalue::rmse(estimate, truth, std::vector<Index>{0, 2}) == Approx(std::sqrt(2.0)));
  Eigen::VectorX<Index> idx(2);
  idx << 0, 1;
  CHECK(rlvalue::rmse(estimate, truth, idx) == Approx(std::sqrt(2.0)));
  // Matrices (Q tables) and float.
  Eigen::Matrix2d a, b;
  a << 1, 2, 3, 4;
  b << 1, 2, 3, 8;
  CHECK(rlvalue::rmse(a, b) == Approx(2.0));
  CHECK(rlvalue::rmse(Eigen::Vector2f(1, 3), Eigen::Vector2f(1, 1)) == Approx(std::sqrt(2.0)));
}

TEST_CASE("rmse: bad input", "[experiment][metrics][errors]") {
  const Eigen::VectorXd v = Eigen::Vector3d(1, 2, 3);
  const Eigen::VectorXd w = Eigen::Vector2d(1, 2);
  CHECK_THROWS_WITH(rlvalue::rmse(v, w), RLV_CONTAINS("estimate.rows() has size 3, expected 2"));
  CHECK_THROWS_AS(rlvalue::rmse(v, w, {0}), std::invalid_argument);
  CHECK_THROWS_AS(rlvalue::rmse(v, v.transpose()), std::invalid_argument);
  CHECK_THROWS_AS(rlvalue::rmse(Eigen::VectorXd(), Eigen::VectorXd()), std::invalid_argument);
  CHECK_THROWS_AS(rlvalue::rmse(v, v, std::vector<Index>{}), std::invalid_argument);
  CHECK_THROWS_AS(rlvalue::rmse(v, v, {0, 3}), std::out_of_range);
  CHECK_THROWS_WITH(rlvalue::rmse(v, v, {-1}), RLV_CONTAINS("index = -1"));
}

TEST_CASE("Report: prints expected, measured and the verdict", "[experiment][report]") {
  std::ostringstream out;
  rlvalue::Report report("random_walk", out);
  CHECK(report.check_less("TD error after 100 episodes", 0.05, 0.08));
  CHECK(report.exit_code() == 0);
  CHECK_FALSE(report.check_near("value of state C", 0.61, 0.5, 0.05));
  CHECK(report.check_greater("speedup", 3.0, 1.0));
  CHECK_FALSE(report.check_less("nan never passes", std::nan(""), 1.0));
  CHECK(report.checks() == 4);
  CHECK(report.failures() == 2);
  CHECK(report.exit_code() == 1);
  const std::string text = out.str();
  CHECK_THAT(text, RLV_CONTAINS("[random_walk] TD error after 100 episodes\n"
                                   "  expected: < 0.08\n"
                                   "  measured: 0.05\n"
                                   "  PASS\n"));
  CHECK_THAT(text, RLV_CONTAINS("  expected: 0.5 +- 0.05\n  measured: 0.61\n  FAIL\n"));
  CHECK_THAT(text, RLV_CONTAINS("[random_walk] 2/4 checks passed\n"));
}

TEST_CASE("ProgressReporter: writes to stderr only when enabled", "[experiment][progress]") {
  const fs::path dir = scratch_dir("progress");
  fs::create_directories(dir);
  const fs::path file = dir / "stderr.txt";
  std::fflush(stderr);
  const int saved = ::dup(::fileno(stderr));
  REQUIRE(saved >= 0);
  REQUIRE(std::freopen(file.c_str(), "w", stderr) != nullptr);
  {
    rlvalue::ProgressReporter quiet("quiet", false);
    quiet(1, 2);
    quiet(2, 2);
    rlvalue::ProgressReporter loud("random_walk", true);
    loud(1, 3);
    loud(2, 3);  // within 0.1 s of the first: skipped
    loud(3, 3);  // the last is always shown
  }
  std::fflush(stderr);
  ::dup2(saved, ::fileno(stderr));
  ::close(saved);
  const std::string text = read_file(file);
  CHECK(text == "\rrandom_walk: run 1/3\rrandom_walk: run 3/3\n");
  fs::remove_all(dir);
}
