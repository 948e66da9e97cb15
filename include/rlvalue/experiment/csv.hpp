#pragma once
/// @file
/// CSV output of experiment curves in the long form every example writes:
///   series,x,mean,stderr
/// one row per point; series names say method and parameter ("TD alpha=0.05").
/// Numbers are written in the shortest form that reads back as the same
/// double; series names containing a comma, quote or line break are quoted
/// (RFC 4180: "..." with inner quotes doubled).

#include <Eigen/Core>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sys/stat.h>
#include <sys/types.h>
#if defined(_WIN32)
#include <direct.h>
#endif

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/experiment/multi_seed.hpp"

namespace rlvalue {

namespace detail {

/// The separators of path components: '/', and also '\\' on Windows.
#if defined(_WIN32)
inline constexpr std::string_view path_separators = "/\\";
#else
inline constexpr std::string_view path_separators = "/";
#endif

/// True for one of path_separators.
inline bool is_path_separator(char c) noexcept {
  return path_separators.find(c) != std::string_view::npos;
}

/// Creates directory `dir` and its missing parents, like
/// std::filesystem::create_directories, without `<filesystem>` (which alone
/// costs g++ 6% of the umbrella header's front-end memory). Returns an empty
/// string on success, else what failed.
inline std::string make_directories(const std::string& dir) {
#if defined(_WIN32)
  const auto make = [](const std::string& d) { return _mkdir(d.c_str()); };
  const auto is_drive = [](const std::string& d) { return d.size() == 2 && d[1] == ':'; };
  struct _stat info {};
  const auto is_directory = [&](const std::string& d) {
    return _stat(d.c_str(), &info) == 0 && (info.st_mode & _S_IFDIR) != 0;
  };
#else
  const auto make = [](const std::string& d) { return mkdir(d.c_str(), 0777); };
  const auto is_drive = [](const std::string&) { return false; };
  struct stat info {};
  const auto is_directory = [&](const std::string& d) {
    return stat(d.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  };
#endif
  // Every prefix that ends a component, shortest first; an empty component
  // ("//", or the root "/") and a drive ("C:") are not made.
  for (std::size_t end = 1; end <= dir.size(); ++end) {
    if (end < dir.size() && !is_path_separator(dir[end])) continue;
    if (is_path_separator(dir[end - 1])) continue;
    const std::string prefix = dir.substr(0, end);
    if (is_drive(prefix)) continue;
    if (make(prefix) != 0 && errno != EEXIST) return prefix + ": " + std::strerror(errno);
  }
  if (!is_directory(dir)) return dir + ": exists and is not a directory";
  return {};
}

}  // namespace detail

/// Collects curves and writes them as one CSV file.
class CsvWriter {
 public:
  /// The header line (without newline).
  static constexpr std::string_view header = "series,x,mean,stderr";

  CsvWriter() { text_.append(header).push_back('\n'); }

  /// Appends one row.
  void add_point(std::string_view series, double x, double mean, double standard_error) {
    append_field(series);
    for (double v : {x, mean, standard_error}) {
      text_.push_back(',');
      append_number(v);
    }
    text_.push_back('\n');
  }

  /// Appends one row per point of a curve; x, mean and standard_error must
  /// have the same size (std::invalid_argument otherwise).
  template <class X, class M, class E>
  void add_curve(std::string_view series, const Eigen::MatrixBase<X>& x_values,
                 const Eigen::MatrixBase<M>& mean, const Eigen::MatrixBase<E>& standard_error) {
    check_size("CsvWriter::add_curve", "mean", mean.size(), x_values.size());
    check_size("CsvWriter::add_curve", "stderr", standard_error.size(), x_values.size());
    for (Index i = 0; i < x_values.size(); ++i)
      add_point(series, static_cast<double>(x_values(i)), static_cast<double>(mean(i)),
                static_cast<double>(standard_error(i)));
  }

  /// Appends the mean and standard error of a multi-seed run.
  template <class X>
  void add_curve(std::string_view series, const Eigen::MatrixBase<X>& x_values,
                 const SeedStatistics& stats) {
    add_curve(series, x_values, stats.mean, stats.standard_error);
  }

  /// The CSV text so far.
  const std::string& str() const noexcept { return text_; }

  /// Writes the text to `path` (a std::filesystem::path converts), creating
  /// its directory if needed. std::runtime_error naming the path if that fails.
  void write(const std::string& path) const {
    const auto slash = path.find_last_of(detail::path_separators);
    if (slash != std::string::npos && slash > 0) {  // a directory other than the root
      const std::string dir = path.substr(0, slash);
      const std::string error = detail::make_directories(dir);
      if (!error.empty())
        throw std::runtime_error("CsvWriter: cannot create directory '" + dir + "' (" + error +
                                 ")");
    }
    // <cstdio> rather than <fstream>, which would add 3 MB to every
    // includer's compile (issue 9's compile-time budget).
    std::FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr)
      throw std::runtime_error("CsvWriter: cannot open '" + path + "' for writing (" +
                               std::strerror(errno) + ")");
    const bool written = std::fwrite(text_.data(), 1, text_.size(), out) == text_.size();
    const bool closed = std::fclose(out) == 0;
    if (!written || !closed) throw std::runtime_error("CsvWriter: failed writing '" + path + "'");
  }

 private:
  void append_field(std::string_view field) {
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
      text_.append(field);
      return;
    }
    text_.push_back('"');
    for (char c : field) {
      if (c == '"') text_.push_back('"');
      text_.push_back(c);
    }
    text_.push_back('"');
  }

  void append_number(double v) {
    if (std::isnan(v)) {
      text_.append("nan");
    } else if (std::isinf(v)) {
      text_.append(v > 0 ? "inf" : "-inf");
    } else {
      char buf[64];
      const auto res = std::to_chars(buf, buf + sizeof buf, v);
      text_.append(buf, res.ptr);
    }
  }

  std::string text_;
};

}  // namespace rlvalue
