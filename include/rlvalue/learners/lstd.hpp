#pragma once
/// @file
/// Least-squares TD (Bradtke & Barto 1996; LSTD(lambda): Boyan 2002):
///   z  = gamma*lambda*z + x                  (trace; z = x when lambda = 0)
///   A += z * (x - gamma_t*x')^T,  b += z * r (gamma_t = 0 when `terminated`)
///   w  = (A + ridge*I)^-1 b                  (the TD(lambda) fixed point of the data)
/// The trace is cleared after a `terminated` or `truncated` transition
/// (truncation still bootstraps from x').
///
///   LSTD           accumulates A and b (O(d^2) per transition, no per-step
///                  allocation) and solves on `solve()` (O(d^3)); a singular
///                  A + ridge*I is reported (std::invalid_argument naming its
///                  rank) and the weights are left as they were.
///   RecursiveLSTD  keeps C = (ridge*I + A)^-1 up to date by Sherman-Morrison,
///                  C -= (C z)(u^T C) / (1 + u^T C z),  u = x - gamma_t*x',
///                  and writes w = C b after every transition (O(d^2)). With
///                  the same ridge (> 0) it equals the batch solve up to
///                  rounding.
/// With one-hot (tabular) features and lambda = 0, A = diag(n) - gamma*N and
/// b = summed rewards, so w is certainty equivalence,
/// V = (I - gamma*P_hat)^-1 r_hat of the empirical model (Sutton 1988): what
/// batch TD(0) converges to.

#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"

namespace rlvalue {

/// Config of LSTD and RecursiveLSTD.
struct LSTDConfig {
  double gamma = 1.0;   ///< discount, in [0, 1]
  double lambda = 0.0;  ///< trace decay, in [0, 1]
  double ridge = 0.0;   ///< >= 0 for LSTD; > 0 for RecursiveLSTD (C starts at I/ridge)
};

namespace detail {

/// What LSTD and RecursiveLSTD share: trace, dense features, checks.
template <StateValueFunction V>
class LSTDBase {
 public:
  using approximator_type = V;
  using scalar_type = typename V::scalar_type;
  using state_type = typename V::state_type;
  using transition_type = Transition<state_type, Index, scalar_type>;  ///< action ignored
  using vector_type = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;
  using matrix_type = Eigen::Matrix<scalar_type, Eigen::Dynamic, Eigen::Dynamic>;

  scalar_type value(const state_type& s) const { return v_->value(s); }
  /// Clears the trace (an episode abandoned without a terminal transition).
  void end_episode() noexcept { z_.setZero(); }
  const vector_type& trace() const noexcept { return z_; }
  V& approximator() noexcept { return *v_; }
  const V& approximator() const noexcept { return *v_; }
  const LSTDConfig& config() const noexcept { return config_; }
  /// Transitions seen.
  Index count() const noexcept { return count_; }

 protected:
  LSTDBase(V& v, const LSTDConfig& config, std::string_view where, bool ridge_positive)
      : v_(&v), config_(config), g_(make_gradient(v)) {
    check_unit_interval(where, "gamma", config.gamma);
    check_unit_interval(where, "lambda", config.lambda);
    if (ridge_positive) {
      check_positive(where, "ridge", config.ridge);
    } else if (!(config.ridge >= 0.0 && std::isfinite(config.ridge))) {
      fail_check(where, "ridge", config.ridge, "must be >= 0 and finite");
    }
    gamma_ = static_cast<scalar_type>(config.gamma);
    lambda_ = static_cast<scalar_type>(config.lambda);
    const Index d = static_cast<Index>(v.parameters().size());
    z_ = vector_type::Zero(d);
    z_new_ = vector_type::Zero(d);
    x_ = vector_type::Zero(d);
    u_ = vector_type::Zero(d);
  }

  /// Checks t and fills z_new_ (the trace after this step) and u_ = x -
  /// gamma_t*x'; nothing of the learner's state changes.
  void prepare(const transition_type& t, std::string_view where) {
    v_->check_state(where, "state", t.state);
    v_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    dense(t.state, x_);
    u_ = x_;
    if (!t.terminated) {
      write_gradient(*v_, t.next_state, g_);
      gradient_add(u_.data(), -gamma_, g_);
    }
    z_new_ = gamma_ * lambda_ * z_ + x_;
  }
  /// Commits the trace after a successful step.
  void commit(const transition_type& t) {
    if (t.terminated || t.truncated) {
      z_.setZero();
    } else {
      z_.swap(z_new_);
    }
    ++count_;
  }

  void dense(const state_type& s, vector_type& out) {
    write_gradient(*v_, s, g_);
    out.setZero();
    gradient_add(out.data(), scalar_type(1), g_);
  }

  V* v_;
  LSTDConfig config_;
  scalar_type gamma_{};
  scalar_type lambda_{};
  decltype(make_gradient(std::declval<const V&>())) g_;
  vector_type z_, z_new_, x_, u_;
  Index count_ = 0;
};

}  // namespace detail

/// Batch LSTD(lambda): `update` accumulates A and b; `solve` writes
/// w = (A + ridge*I)^-1 b into the approximator.
template <StateValueFunction V>
class LSTD : public detail::LSTDBase<V> {
  using Base = detail::LSTDBase<V>;

 public:
  using typename Base::matrix_type;
  using typename Base::scalar_type;
  using typename Base::transition_type;
  using typename Base::vector_type;
  /// The config aggregate, validated at construction.
  using config_type = LSTDConfig;

  /// std::invalid_argument for gamma or lambda outside [0, 1], ridge < 0.
  LSTD(V& v, const LSTDConfig& config) : Base(v, config, "LSTD", false) {
    const Index d = this->z_.size();
    A_ = matrix_type::Zero(d, d);
    b_ = vector_type::Zero(d);
  }
  LSTD(V&&, const LSTDConfig&) = delete;

  /// Adds one transition to A and b (the weights do not change until
  /// solve()). Throws for a bad state, next_state or a non-finite reward,
  /// changing nothing.
  void update(const transition_type& t) {
    this->prepare(t, "LSTD::update");
    A_.noalias() += this->z_new_ * this->u_.transpose();
    b_.noalias() += t.reward * this->z_new_;
    this->commit(t);
  }

  /// w = (A + ridge*I)^-1 b, written into the approximator's parameters and
  /// returned. std::invalid_argument if A + ridge*I is singular (naming its
  /// rank; e.g. features never seen, or no transitions), leaving the weights
  /// unchanged.
  const auto& solve() {
    const Index d = A_.rows();
    matrix_type M = A_;
    M.diagonal().array() += static_cast<scalar_type>(this->config_.ridge);
    Eigen::FullPivLU<matrix_type> lu(M);
    if (lu.rank() < d) [[unlikely]]
      fail_check("LSTD::solve", "rank", lu.rank(),
                 "of A + ridge*I is below the number of features " + detail::format_value(d) +
                     ": the system is singular (features never visited or linearly dependent, "
                     "or gamma = 1 without termination); add transitions or a ridge > 0");
    vector_type w = lu.solve(b_);
    if (!w.allFinite()) [[unlikely]]
      fail_check("LSTD::solve", "w", static_cast<double>(w.sum()), "is not finite");
    this->v_->parameters() = w;
    return this->v_->parameters();
  }

  /// The accumulated matrix A = sum_t z_t (x_t - gamma_t x_{t+1})^T.
  const matrix_type& A() const noexcept { return A_; }
  /// The accumulated vector b = sum_t z_t r_t.
  const vector_type& b() const noexcept { return b_; }

 private:
  matrix_type A_;
  vector_type b_;
};

/// Recursive LSTD(lambda) (Bradtke & Barto 1996): C = (ridge*I + A)^-1 kept
/// by Sherman-Morrison; w = C b after every update.
template <StateValueFunction V>
class RecursiveLSTD : public detail::LSTDBase<V> {
  using Base = detail::LSTDBase<V>;

 public:
  using typename Base::matrix_type;
  using typename Base::scalar_type;
  using typename Base::transition_type;
  using typename Base::vector_type;
  /// The config aggregate, validated at construction.
  using config_type = LSTDConfig;

  /// std::invalid_argument for gamma or lambda outside [0, 1], ridge <= 0.
  RecursiveLSTD(V& v, const LSTDConfig& config) : Base(v, config, "RecursiveLSTD", true) {
    const Index d = this->z_.size();
    C_ = matrix_type::Identity(d, d) / static_cast<scalar_type>(config.ridge);
    b_ = vector_type::Zero(d);
    Cz_ = vector_type::Zero(d);
    uC_ = vector_type::Zero(d);
    w_ = vector_type::Zero(d);
  }
  RecursiveLSTD(V&&, const LSTDConfig&) = delete;

  /// One Sherman-Morrison step; w = C b is written into the approximator.
  /// Throws for a bad state, next_state, non-finite reward, or when
  /// 1 + u^T C z is (numerically) zero (the updated matrix is singular);
  /// a throwing update changes nothing.
  void update(const transition_type& t) {
    static constexpr std::string_view where = "RecursiveLSTD::update";
    this->prepare(t, where);
    Cz_.noalias() = C_ * this->z_new_;
    uC_.noalias() = C_.transpose() * this->u_;
    const scalar_type denom = scalar_type(1) + this->u_.dot(Cz_);
    const scalar_type scale = Cz_.cwiseAbs().maxCoeff() * uC_.cwiseAbs().maxCoeff();
    if (!(std::abs(denom) > scalar_type(1e3) * Eigen::NumTraits<scalar_type>::epsilon() *
                                std::max(scalar_type(1), scale)) ||
        !std::isfinite(denom)) [[unlikely]]
      fail_check(where, "1 + u^T C z", denom,
                 "is (numerically) zero: the updated A + ridge*I would be singular; nothing "
                 "was updated");
    Cz_ /= denom;  // scaled in place: the outer product then needs no temporary
    C_.noalias() -= Cz_ * uC_.transpose();
    b_.noalias() += t.reward * this->z_new_;
    w_.noalias() = C_ * b_;
    this->v_->parameters() = w_;
    this->commit(t);
  }

  /// C = (ridge*I + A)^-1.
  const matrix_type& inverse() const noexcept { return C_; }
  /// The accumulated vector b = sum_t z_t r_t.
  const vector_type& b() const noexcept { return b_; }

 private:
  matrix_type C_;
  vector_type b_, Cz_, uC_, w_;
};

}  // namespace rlvalue
