#pragma once
/// @file
/// ValueMapping: what a mapping-based learner (Orchestrated Value Mapping,
/// Fatemi & Tavakoli, ICLR 2022; Log Q-learning, van Seijen, Fatemi &
/// Tavakoli, NeurIPS 2019) needs of a mapping f between regular value space
/// and the space an estimator learns in:
///   forward(x)  = f(x)      regular -> mapped; throws std::invalid_argument
///                           when x is outside f's domain
///   inverse(y)  = f^-1(y)   mapped -> regular, defined for every finite y
///                           (the result may overflow to inf; callers check)
///   in_domain(x)            whether forward(x) is defined (false for NaN/inf)
///   check_domain(where, name, x)  throws std::invalid_argument naming
///                           `where`, `name`, the value and the domain
/// Mappings are strictly increasing, so argmax commutes with them.

#include <concepts>
#include <string_view>

namespace rlvalue {

/// A strictly increasing value mapping f with inverse, over a scalar type.
template <class M>
concept ValueMapping =
    requires(const M& m, typename M::scalar_type x, std::string_view name) {
      typename M::scalar_type;
      requires std::floating_point<typename M::scalar_type>;
      { m.forward(x) } -> std::same_as<typename M::scalar_type>;
      { m.inverse(x) } -> std::same_as<typename M::scalar_type>;
      { m.in_domain(x) } -> std::same_as<bool>;
      m.check_domain(name, name, x);
    };

/// True for mappings that declare `static constexpr bool is_identity = true`
/// (IdentityMapping): learners then use the algebraically equal form of
/// their update that plain Q-learning uses, so the two agree to the last bit.
template <class M>
inline constexpr bool is_identity_mapping = requires { requires M::is_identity; };

}  // namespace rlvalue
