#pragma once
/// @file
/// Polyak averaging of target parameters (layer 1): the soft target update of
/// DDPG (Lillicrap et al. 2016, arXiv:1509.02971) and TD3 (Fujimoto, van Hoof,
/// Meger 2018, arXiv:1802.09477; tau = 0.005 there),
///   target <- tau * online + (1 - tau) * target.
/// tau = 1 copies the online parameters (a hard update, DQN's target network);
/// tau = 0 leaves the target alone.

#include <Eigen/Core>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// target = tau * online + (1 - tau) * target, elementwise, in place.
/// `online`: any Eigen dense expression; `target`: a writable Eigen object or
/// expression (Matrix, Array, Map, block; lvalue or temporary) of the same
/// shape and scalar type. std::invalid_argument (nothing written) unless
/// tau lies in [0, 1] and the shapes agree. Does not allocate.
template <class Online, class Target>
void polyak_update(const Eigen::DenseBase<Online>& online, Target&& target, double tau) {
  using TargetType = std::remove_cvref_t<Target>;
  static_assert(std::is_base_of_v<Eigen::DenseBase<TargetType>, TargetType>,
                "rlvalue::polyak_update: target must be a writable Eigen object or expression");
  using Scalar = typename TargetType::Scalar;
  static_assert(std::is_same_v<typename Online::Scalar, Scalar>,
                "rlvalue::polyak_update: online and target must share a scalar type");
  constexpr std::string_view where = "polyak_update";
  check_unit_interval(where, "tau", tau);
  check_size(where, "target.rows()", target.rows(), online.rows());
  check_size(where, "target.cols()", target.cols(), online.cols());
  if (tau == 1.0) {
    target.derived() = online.derived();
    return;
  }
  if (tau == 0.0) return;
  const auto t = static_cast<Scalar>(tau);
  const auto keep = static_cast<Scalar>(1.0 - tau);
  target.derived() = t * online.derived() + keep * target.derived();
}

}  // namespace rlvalue
