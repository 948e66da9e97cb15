#pragma once
// Catch2 v2 (Debian's 2.13) or v3, whichever the build found.
#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
using Catch::Approx;
#else
#include <catch2/catch.hpp>
#endif
