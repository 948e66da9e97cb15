#pragma once
/// @file
/// The fixed-capacity FIFO of the last n steps shared by NStepTD and
/// NStepSarsa (allocated once; push/pop never allocate), and the n-step return
/// of its contents (Sutton & Barto 2nd ed. eq. 7.1):
///   G = sum_{j < k} gamma^j r_j + gamma^k * bootstrap,  k = number of entries.

#include <vector>

#include "rlvalue/core/types.hpp"

namespace rlvalue::detail {

/// A ring buffer of at most `capacity` entries.
template <class Entry>
class StepRing {
 public:
  explicit StepRing(Index capacity) : data_(static_cast<std::size_t>(capacity)) {}

  Index size() const noexcept { return size_; }
  Index capacity() const noexcept { return static_cast<Index>(data_.size()); }
  bool full() const noexcept { return size_ == capacity(); }
  void push(const Entry& e) noexcept {
    data_[index(size_)] = e;
    ++size_;
  }
  const Entry& front() const noexcept { return data_[index(0)]; }
  const Entry& operator[](Index k) const noexcept { return data_[index(k)]; }
  void pop() noexcept {
    head_ = wrap(head_ + 1);
    --size_;
  }
  void clear() noexcept { head_ = size_ = 0; }

  /// sum_{j < size} gamma^j entry[j].reward + gamma^size * bootstrap.
  template <class Scalar>
  Scalar n_step_return(Scalar gamma, Scalar bootstrap) const noexcept {
    Scalar g = bootstrap;
    for (Index k = size_; k-- > 0;) g = (*this)[k].reward + gamma * g;
    return g;
  }

 private:
  // head_ + k for 0 <= k <= capacity(), wrapped into [0, capacity()) by a
  // subtraction: a division per access costs more than the whole n-step
  // update around it.
  std::size_t index(Index k) const noexcept { return static_cast<std::size_t>(wrap(head_ + k)); }
  Index wrap(Index i) const noexcept {
    const Index cap = capacity();
    return i >= cap ? i - cap : i;
  }
  std::vector<Entry> data_;
  Index head_ = 0;
  Index size_ = 0;
};

}  // namespace rlvalue::detail
