// Catch2 v2: the test runner's main, in its own translation unit.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
