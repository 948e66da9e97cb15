#pragma once
// WithoutView<Map>: the same feature map with view(s) hidden, so learners
// copy phi(s) out with write(), for tests comparing the in-place path
// (approx/feature_map.hpp, DenseFeatureView) with the copies.

#include <span>
#include <string_view>
#include <utility>

#include "rlvalue/core/types.hpp"

namespace rlvalue_test {

template <class Map>
class WithoutView {
 public:
  using state_type = typename Map::state_type;
  explicit WithoutView(Map map) : map_(std::move(map)) {}
  rlvalue::Index num_features() const noexcept { return map_.num_features(); }
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    map_.check_state(where, name, s);
  }
  template <class U>
  void write(const state_type& s, std::span<U> out) const noexcept {
    map_.write(s, out);
  }

 private:
  Map map_;
};

}  // namespace rlvalue_test
