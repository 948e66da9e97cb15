#pragma once
/// @file
/// Command-line flags shared by the example programs:
///   --runs N   number of independent runs (N >= 1)
///   --seed S   base seed (unsigned 64-bit); run r uses make_rng(S, r)
///   --out DIR  output directory; the example writes `DIR/<name>.csv`
///   --quick    a short smoke run (fewer runs unless --runs is given, and
///              whatever else the example shortens)
///   --help     print usage and exit
/// Values may also be given as --flag=value. Bad input throws
/// std::invalid_argument naming the flag and the value.

#include <charconv>
#include <limits>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// An example's defaults.
struct ExampleDefaults {
  Index runs = 100;         ///< --runs when not given
  Index quick_runs = 10;    ///< --runs when not given and --quick is
  std::uint64_t seed = 0;   ///< --seed when not given
  std::string out = "results";  ///< --out when not given
};

/// Parsed flags.
struct ExampleOptions {
  /// --runs N: independent runs, averaged.
  Index runs = 100;
  /// --seed S: the base seed.
  std::uint64_t seed = 0;
  /// --out DIR: directory of the CSV output (a std::string, not a
  /// std::filesystem::path: `<filesystem>` alone costs g++ 6% of the umbrella
  /// header's front-end memory).
  std::string out = "results";
  /// --quick: the short version of the example.
  bool quick = false;
  bool help = false;  ///< --help was given: print example_usage and exit 0

  /// `DIR/<name>.csv` (no separator added when DIR ends with '/').
  std::string csv_path(std::string_view name) const {
    std::string path = out;
    if (!path.empty() && path.back() != '/') path.push_back('/');
    return path.append(name).append(".csv");
  }
};

namespace detail {

[[noreturn]] inline void throw_bad_flag(std::string_view flag, std::string_view value,
                                        std::string_view requirement) {
  std::string msg;
  msg.append(flag).append(" = '").append(value).append("' ").append(requirement);
  throw std::invalid_argument(msg);
}

/// Parses all of `text` as an unsigned decimal integer.
inline bool parse_unsigned(std::string_view text, std::uint64_t& value) {
  if (text.empty() || text.front() == '+' || text.front() == '-') return false;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
  return res.ec == std::errc{} && res.ptr == text.data() + text.size();
}

}  // namespace detail

/// Parses argv[1..argc-1]. std::invalid_argument for an unknown flag, a
/// missing value, or a bad value ("--runs = 'abc' must be an integer >= 1").
inline ExampleOptions parse_example_options(int argc, const char* const* argv,
                                            const ExampleDefaults& defaults = {}) {
  ExampleOptions opts;
  opts.seed = defaults.seed;
  opts.out = defaults.out;
  bool runs_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view flag = arg;
    std::string_view value;
    bool has_inline_value = false;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_inline_value = true;
    }
    auto take_value = [&]() -> std::string_view {
      if (has_inline_value) return value;
      if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + " requires a value");
      return argv[++i];
    };

    if (flag == "--help" || flag == "-h") {
      opts.help = true;
    } else if (flag == "--quick") {
      if (has_inline_value) detail::throw_bad_flag(flag, value, "takes no value");
      opts.quick = true;
    } else if (flag == "--runs") {
      const auto text = take_value();
      std::uint64_t n = 0;
      if (!detail::parse_unsigned(text, n) || n < 1 ||
          n > static_cast<std::uint64_t>(std::numeric_limits<Index>::max()))
        detail::throw_bad_flag(flag, text, "must be an integer >= 1");
      opts.runs = static_cast<Index>(n);
      runs_given = true;
    } else if (flag == "--seed") {
      const auto text = take_value();
      if (!detail::parse_unsigned(text, opts.seed))
        detail::throw_bad_flag(flag, text, "must be an unsigned 64-bit integer");
    } else if (flag == "--out") {
      const auto text = take_value();
      if (text.empty()) detail::throw_bad_flag(flag, text, "must be a directory name");
      opts.out = std::string(text);
    } else {
      throw std::invalid_argument("unknown flag '" + std::string(arg) + "' (see --help)");
    }
  }
  if (!runs_given) opts.runs = opts.quick ? defaults.quick_runs : defaults.runs;
  return opts;
}

/// The usage text of an example.
inline std::string example_usage(std::string_view program, std::string_view description,
                                 const ExampleDefaults& defaults = {}) {
  std::string s;
  s.append("usage: ").append(program).append(" [--runs N] [--seed S] [--out DIR] [--quick]\n");
  if (!description.empty()) s.append(description).append("\n");
  s.append("  --runs N   independent runs (default ")
      .append(std::to_string(defaults.runs))
      .append(", ")
      .append(std::to_string(defaults.quick_runs))
      .append(" with --quick)\n");
  s.append("  --seed S   base seed (default ").append(std::to_string(defaults.seed)).append(")\n");
  s.append("  --out DIR  output directory for ")
      .append(program)
      .append(".csv (default ")
      .append(defaults.out)
      .append(")\n");
  s.append("  --quick    short smoke run\n");
  s.append("  --help     this text\n");
  return s;
}

/// The body of an example's main(): parses the flags, prints usage for
/// --help (exit code 0), prints "<program>: <error>" to stderr for bad flags
/// (exit code 2) and for exceptions escaping `body` (exit code 1); otherwise
/// returns body(options) (0 when the reproduction passed).
inline int example_main(int argc, const char* const* argv, std::string_view program,
                        std::string_view description, const ExampleDefaults& defaults,
                        const std::function<int(const ExampleOptions&)>& body) {
  ExampleOptions opts;
  try {
    opts = parse_example_options(argc, argv, defaults);
  } catch (const std::invalid_argument& e) {
    std::cerr << program << ": " << e.what() << "\n" << example_usage(program, "", defaults);
    return 2;
  }
  if (opts.help) {
    std::cout << example_usage(program, description, defaults);
    return 0;
  }
  try {
    return body(opts);
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace rlvalue
