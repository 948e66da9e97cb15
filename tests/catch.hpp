#pragma once
// Catch2 v2 (Debian's 2.13) or v3, whichever the build found.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif

// Substring matcher for REQUIRE_THROWS_WITH under Catch2 v2 and v3.
#if __has_include(<catch2/catch_all.hpp>)
#define RLV_CONTAINS(text) Catch::Matchers::ContainsSubstring(text)
#else
#define RLV_CONTAINS(text) Catch::Matchers::Contains(text)
#endif
