// Uses the umbrella header and checks one TD(0) update by hand.
#include <rlvalue/rlvalue.hpp>

#include <cstdio>

int main() {
  rlvalue::TabularV<double> v(3);
  rlvalue::TD0<rlvalue::TabularV<double>> td(v, {.gamma = 0.5, .step_size = 0.1});
  v.set_value(1, 2.0);
  td.update({.state = 0, .reward = 1.0, .next_state = 1});
  // 0 + 0.1 * (1 + 0.5 * 2 - 0) = 0.2
  const double got = td.value(0);
  std::printf("consumer: v(0) = %.17g (expected 0.2)\n", got);
  return (got > 0.2 - 1e-12 && got < 0.2 + 1e-12) ? 0 : 1;
}
