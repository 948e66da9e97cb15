#pragma once
// Exception-message matcher for REQUIRE_THROWS_MATCHES, Catch2 v2 and v3:
//   REQUIRE_THROWS_MATCHES(expr, std::invalid_argument, Contains("gamma = 2"));
// checks the exception type and that what() contains the text.
#include <exception>
#include <string>

#include "catch.hpp"

namespace rlvalue_test {

#if __has_include(<catch2/catch_all.hpp>)
using ExceptionMatcherBase = Catch::Matchers::MatcherBase<std::exception>;
#else
using ExceptionMatcherBase = Catch::MatcherBase<std::exception>;
#endif

class MessageContains : public ExceptionMatcherBase {
 public:
  explicit MessageContains(std::string text) : text_(std::move(text)) {}
  bool match(const std::exception& e) const override {
    return std::string(e.what()).find(text_) != std::string::npos;
  }
  std::string describe() const override { return "has a message containing \"" + text_ + "\""; }

 private:
  std::string text_;
};

inline MessageContains Contains(std::string text) { return MessageContains(std::move(text)); }

}  // namespace rlvalue_test
