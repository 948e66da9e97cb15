// Layer-1 off-policy sequence targets: importance_corrected_td_errors,
// retrace_returns, vtrace. Hand-worked numbers with a truncation and a
// termination mid-column, on-policy reductions (GAE, discounted and lambda
// returns), the papers' explicit sums, concatenated episodes, storage orders,
// float vs double, empty inputs, bad input.

#include <Eigen/Core>
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "targets/sequence_test_support.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/returns.hpp"

namespace {

using namespace rlvalue_test;

// T = 4, B = 3, gamma = 0.5, lambda = 0.5. Column 0 runs through; column 1 is
// truncated at t = 1 (lambda_1 = 0); column 2 terminates at t = 1
// (discount_1 = 0, lambda_1 = 0). In columns 1 and 2 a new episode starts at
// t = 2 with value 10, so next_values(1) = 4 != values(2).
// Importance ratios, the same in every column: rhos = 2, 0.5, 1.5, 0.5.
template <class T>
struct OffPolicyExample : HandExample<T> {
  Arr<T> rhos{4, 3};
  OffPolicyExample() {
    rhos << 2, 2, 2,  //
        T(0.5), T(0.5), T(0.5),  //
        T(1.5), T(1.5), T(1.5),  //
        T(0.5), T(0.5), T(0.5);
  }
};

// Random data with episode ends: terminations (discount 0) and truncations
// (lambda 0), next_values(t) = values(t+1) inside episodes.
struct RandomEpisodes {
  Arr<double> r, v, nv, d, l, rho;
  RandomEpisodes(rlvalue::Rng& rng, Index T, Index B) {
    r = random_array(rng, T, B, -1, 1);
    v = random_array(rng, T, B, -2, 2);
    nv = random_array(rng, T, B, -2, 2);
    d = random_array(rng, T, B, 0.8, 1);
    l = random_array(rng, T, B, 0.3, 1);
    rho = random_array(rng, T, B, 0, 2.5);
    const Flags term = random_flags(rng, T, B, 0.1), trunc = random_flags(rng, T, B, 0.1);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) {
        if (term(t, b)) d(t, b) = 0;
        if (term(t, b) || trunc(t, b)) l(t, b) = 0;
        else if (t + 1 < T) nv(t, b) = v(t + 1, b);
      }
  }
};

}  // namespace

TEMPLATE_TEST_CASE("off-policy targets: hand-worked numbers", "[targets][off_policy]", float,
                   double) {
  using T = TestType;
  const OffPolicyExample<T> ex;
  // One-step errors delta_t = r_t + d_t*N_t - V_t:
  //   column 0: 1+1-0 = 2, 2+2-2 = 2, 3+3-4 = 2, 4+4-6 = 2
  //   column 1: 2, 2, 3+3-10 = -4, 2
  //   column 2: 2, 2+0-2 = 0, -4, 2

  SECTION("importance_corrected_td_errors: E_t = rho_t*(delta_t + d_t*l_t*E_{t+1})") {
    // Column 0: E3 = 0.5*2 = 1
    //   E2 = 1.5*(2 + 0.25*1) = 3.375
    //   E1 = 0.5*(2 + 0.25*3.375) = 0.5*2.84375 = 1.421875
    //   E0 = 2*(2 + 0.25*1.421875) = 2*2.35546875 = 4.7109375
    // Column 1 (l1 = 0): E3 = 1, E2 = 1.5*(-4 + 0.25) = -5.625, E1 = 0.5*2 = 1,
    //   E0 = 2*(2 + 0.25*1) = 4.5
    // Column 2 (d1 = 0): E3 = 1, E2 = -5.625, E1 = 0.5*0 = 0, E0 = 2*2 = 4
    Arr<T> expected(4, 3);
    expected << T(4.7109375), T(4.5), T(4),  //
        T(1.421875), T(1), T(0),             //
        T(3.375), T(-5.625), T(-5.625),      //
        T(1), T(1), T(1);
    Arr<T> out = Arr<T>::Constant(4, 3, T(-99));
    rlvalue::importance_corrected_td_errors(ex.rewards, ex.discounts, ex.rhos, ex.values,
                                            ex.next_values, ex.lambdas, out);
    CHECK((out == expected).all());
    const Arr<T> alloc = rlvalue::importance_corrected_td_errors(
        ex.rewards, ex.discounts, ex.rhos, ex.values, ex.next_values, ex.lambdas);
    CHECK((alloc == expected).all());
    // Scalar lambda: column 0 has no ends and matches.
    const Arr<T> scalar = rlvalue::importance_corrected_td_errors(
        ex.rewards, ex.discounts, ex.rhos, ex.values, ex.next_values, T(0.5));
    CHECK((scalar.col(0) == expected.col(0)).all());
  }

  SECTION("retrace_returns") {
    // expected_next_q = next_values = 2, 4, 6, 8; next_q_taken = 3, 5, 7, 9;
    // next_rhos = 0.5, 2, 0.5, 1, so c_t = l_t*min(1, next_rho_t) = 0.25, 0.5, 0.25 (col 0).
    Arr<T> next_q_taken(4, 3), next_rhos(4, 3);
    next_q_taken.colwise() = (Eigen::Array<T, 4, 1>() << 3, 5, 7, 9).finished();
    next_rhos.colwise() = (Eigen::Array<T, 4, 1>() << T(0.5), 2, T(0.5), 1).finished();
    // G3 = 4 + 0.5*8 = 8 in every column.
    // Column 0: G2 = 3 + 0.5*(6 - 0.25*7 + 0.25*8) = 3 + 0.5*6.25 = 6.125
    //   G1 = 2 + 0.5*(4 - 0.5*5 + 0.5*6.125) = 2 + 0.5*4.5625 = 4.28125
    //   G0 = 1 + 0.5*(2 - 0.25*3 + 0.25*4.28125) = 1 + 0.5*2.3203125 = 2.16015625
    // Column 1 (truncated at 1, c1 = 0): G2 = 6.125, G1 = 2 + 0.5*4 = 4,
    //   G0 = 1 + 0.5*(2 - 0.75 + 0.25*4) = 2.125
    // Column 2 (terminated at 1, d1 = 0): G2 = 6.125, G1 = 2,
    //   G0 = 1 + 0.5*(2 - 0.75 + 0.25*2) = 1.875
    Arr<T> expected(4, 3);
    expected << T(2.16015625), T(2.125), T(1.875),  //
        T(4.28125), T(4), T(2),                     //
        T(6.125), T(6.125), T(6.125),               //
        T(8), T(8), T(8);
    Arr<T> out = Arr<T>::Constant(4, 3, T(-99));
    rlvalue::retrace_returns(ex.rewards, ex.discounts, ex.next_values, next_q_taken, next_rhos,
                             ex.lambdas, out);
    CHECK((out == expected).all());
    const Arr<T> alloc = rlvalue::retrace_returns(ex.rewards, ex.discounts, ex.next_values,
                                                  next_q_taken, next_rhos, ex.lambdas);
    CHECK((alloc == expected).all());
  }

  SECTION("vtrace, clips 1 and 1") {
    // rb_t = min(1, rho_t) = 1, 0.5, 1, 0.5; c_t = l_t*min(1, rho_t) = 0.5, 0.25, 0.5, 0.25
    // (c_1 = 0 in columns 1 and 2). vs_t - V_t = rb_t*delta_t + d_t*c_t*(vs_{t+1} - V_{t+1}):
    // Column 0: A3 = 0.5*2 = 1 -> vs3 = 7
    //   A2 = 2 + 0.5*0.5*1 = 2.25 -> vs2 = 6.25
    //   A1 = 0.5*2 + 0.5*0.25*2.25 = 1.28125 -> vs1 = 3.28125
    //   A0 = 2 + 0.5*0.5*1.28125 = 2.3203125 -> vs0 = 2.3203125
    // Column 1: vs3 = 7; A2 = -4 + 0.25*1 = -3.75 -> vs2 = 6.25; A1 = 0.5*2 + 0 = 1 -> vs1 = 3;
    //   A0 = 2 + 0.25*1 = 2.25 -> vs0 = 2.25
    // Column 2: vs3 = 7, vs2 = 6.25; A1 = 0.5*0 = 0 -> vs1 = 2; A0 = 2 + 0.25*0 -> vs0 = 2
    Arr<T> expected_vs(4, 3);
    expected_vs << T(2.3203125), T(2.25), T(2),  //
        T(3.28125), T(3), T(2),                  //
        T(6.25), T(6.25), T(6.25),               //
        T(7), T(7), T(7);
    // pg_t = rb_t*(r_t + d_t*vs'_{t+1} - V_t):
    // Column 0: pg0 = 1 + 0.5*3.28125 = 2.640625, pg1 = 0.5*(2 + 0.5*6.25 - 2) = 1.5625,
    //   pg2 = 3 + 0.5*7 - 4 = 2.5, pg3 = 0.5*(4 + 0.5*8 - 6) = 1 (bootstraps from N3)
    // Column 1: pg0 = 1 + 0.5*3 = 2.5; pg1 bootstraps from N1 = 4, not vs2:
    //   0.5*(2 + 0.5*4 - 2) = 1; pg2 = 3 + 3.5 - 10 = -3.5; pg3 = 1
    // Column 2: pg0 = 1 + 0.5*2 = 2, pg1 = 0.5*(2 + 0 - 2) = 0, pg2 = -3.5, pg3 = 1
    Arr<T> expected_pg(4, 3);
    expected_pg << T(2.640625), T(2.5), T(2),  //
        T(1.5625), T(1), T(0),                 //
        T(2.5), T(-3.5), T(-3.5),              //
        T(1), T(1), T(1);
    Arr<T> vs = Arr<T>::Constant(4, 3, T(-99)), pg = Arr<T>::Constant(4, 3, T(-99));
    rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts, ex.rhos, ex.lambdas,
                    T(1), T(1), vs, pg);
    CHECK((vs == expected_vs).all());
    CHECK((pg == expected_pg).all());
    const auto alloc = rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts,
                                       ex.rhos, ex.lambdas);
    CHECK((alloc.vs == expected_vs).all());
    CHECK((alloc.pg_advantages == expected_pg).all());
  }

  SECTION("vtrace, no clipping (infinite thresholds)") {
    // Column 0 with rb = c/l = rho = 2, 0.5, 1.5, 0.5:
    //   A3 = 1 -> vs3 = 7; A2 = 1.5*2 + 0.5*0.75*1 = 3.375 -> vs2 = 7.375
    //   A1 = 0.5*2 + 0.5*0.25*3.375 = 1.421875 -> vs1 = 3.421875
    //   A0 = 2*2 + 0.5*1*1.421875 = 4.7109375 -> vs0 = 4.7109375
    //   pg0 = 2*(1 + 0.5*3.421875) = 5.421875
    const T inf = std::numeric_limits<T>::infinity();
    const auto res = rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts,
                                     ex.rhos, ex.lambdas, inf, inf);
    CHECK(res.vs(0, 0) == T(4.7109375));
    CHECK(res.vs(1, 0) == T(3.421875));
    CHECK(res.vs(2, 0) == T(7.375));
    CHECK(res.pg_advantages(0, 0) == T(5.421875));
  }
}

TEST_CASE("off-policy targets: on-policy reductions", "[targets][off_policy][properties]") {
  auto rng = rlvalue::make_rng(20261125);
  const Index T = 29, B = 6;
  const RandomEpisodes e(rng, T, B);
  const Arr<double> ones = Arr<double>::Ones(T, B);

  SECTION("importance_corrected_td_errors with rho = 1 is GAE, bit for bit") {
    CHECK((rlvalue::importance_corrected_td_errors(e.r, e.d, ones, e.v, e.nv, e.l) ==
           rlvalue::gae(e.r, e.v, e.nv, e.d, e.l))
              .all());
    CHECK((rlvalue::importance_corrected_td_errors(e.r, e.d, ones, e.v, e.nv, 0.8) ==
           rlvalue::gae(e.r, e.v, e.nv, e.d, 0.8))
              .all());
  }
  SECTION("retrace with pi = mu, lambda = 1 is the discounted return, bit for bit") {
    CHECK((rlvalue::retrace_returns(e.r, e.d, e.nv, e.nv, ones, 1.0) ==
           rlvalue::discounted_returns(e.r, e.d, e.nv))
              .all());
  }
  SECTION("retrace with pi = mu is the lambda-return (per-step lambdas)") {
    const Arr<double> g = rlvalue::retrace_returns(e.r, e.d, e.nv, e.nv, ones, e.l);
    const Arr<double> lr = rlvalue::lambda_returns(e.r, e.d, e.nv, e.l);
    for (Index i = 0; i < g.size(); ++i) CHECK(g(i) == Approx(lr(i)).epsilon(1e-12));
  }
  SECTION("retrace: ratios above 1 are clipped to 1") {
    CHECK((rlvalue::retrace_returns(e.r, e.d, e.nv, e.v, ones, e.l) ==
           rlvalue::retrace_returns(e.r, e.d, e.nv, e.v, ones * 3.5, e.l))
              .all());
  }
  SECTION("vtrace with rho = 1 and clips >= 1 is the lambda-return; vs - V is GAE") {
    const Arr<double> lr = rlvalue::lambda_returns(e.r, e.d, e.nv, e.l);
    const Arr<double> adv = rlvalue::gae(e.r, e.v, e.nv, e.d, e.l);
    for (double clip : {1.0, 2.0}) {
      const auto res = rlvalue::vtrace(e.v, e.nv, e.r, e.d, ones, e.l, clip, clip);
      for (Index i = 0; i < lr.size(); ++i) {
        CHECK(res.vs(i) == Approx(lr(i)).epsilon(1e-12));
        CHECK(res.vs(i) - e.v(i) == Approx(adv(i)).margin(1e-12));
      }
    }
  }
}

TEST_CASE("off-policy targets: the papers' explicit sums", "[targets][off_policy][properties]") {
  auto rng = rlvalue::make_rng(41);
  const Index T = 12, B = 3;
  const RandomEpisodes e(rng, T, B);
  const double clip_rho = 1.2, clip_c = 0.9;

  SECTION("importance_corrected: sum_k (prod d_j l_j)(prod_{j=t}^{k} rho_j) delta_k") {
    const Arr<double> out =
        rlvalue::importance_corrected_td_errors(e.r, e.d, e.rho, e.v, e.nv, e.l);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) {
        double sum = 0, weight = 1;
        for (Index k = t; k < T; ++k) {
          weight *= e.rho(k, b);
          sum += weight * (e.r(k, b) + e.d(k, b) * e.nv(k, b) - e.v(k, b));
          weight *= e.d(k, b) * e.l(k, b);
        }
        CHECK(out(t, b) == Approx(sum).margin(1e-12));
      }
  }
  SECTION("vtrace: v_s = V_s + sum_t (prod_{i<t} d_i c_i) rb_t delta_t (Espeholt eq. 1)") {
    const auto res = rlvalue::vtrace(e.v, e.nv, e.r, e.d, e.rho, e.l, clip_rho, clip_c);
    for (Index b = 0; b < B; ++b)
      for (Index s = 0; s < T; ++s) {
        double sum = 0, weight = 1;
        Index t = s;
        for (; t < T; ++t) {
          sum += weight * std::min(clip_rho, e.rho(t, b)) *
                 (e.r(t, b) + e.d(t, b) * e.nv(t, b) - e.v(t, b));
          weight *= e.d(t, b) * e.l(t, b) * std::min(clip_c, e.rho(t, b));
        }
        CHECK(res.vs(s, b) == Approx(e.v(s, b) + sum).margin(1e-12));
        const bool end = s + 1 == T || e.d(s, b) == 0 || e.l(s, b) == 0;
        const double next = end ? e.nv(s, b) : res.vs(s + 1, b);
        CHECK(res.pg_advantages(s, b) ==
              Approx(std::min(clip_rho, e.rho(s, b)) *
                     (e.r(s, b) + e.d(s, b) * next - e.v(s, b)))
                  .margin(1e-12));
      }
  }
  SECTION("retrace: G_t - Q_t = sum_k (prod d_j c_j) delta_k with expected-value deltas") {
    // Munos et al. 2016, eq. 3 with q_taken(t+1) = next_q_taken(t) inside episodes.
    const Arr<double> eq = random_array(rng, T, B, -1, 1);
    const Arr<double> q = random_array(rng, T, B, -1, 1);  // Q(s_t, a_t)
    Arr<double> qn(T, B);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) qn(t, b) = t + 1 < T ? q(t + 1, b) : 0.0;
    const Arr<double> g = rlvalue::retrace_returns(e.r, e.d, eq, qn, e.rho, e.l);
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) {
        double sum = 0, weight = 1;
        for (Index k = t; k < T; ++k) {
          sum += weight * (e.r(k, b) + e.d(k, b) * eq(k, b) - q(k, b));
          weight *= e.d(k, b) * e.l(k, b) * std::min(1.0, e.rho(k, b));
        }
        CHECK(g(t, b) - q(t, b) == Approx(sum).margin(1e-12));
      }
  }
}

TEST_CASE("off-policy targets: concatenated episodes equal separate columns",
          "[targets][off_policy][episodes]") {
  auto rng = rlvalue::make_rng(7);
  // Episode A: 3 steps, terminated (discount 0). Episode B: 4 steps, truncated
  // (lambda 0). Episode C: 2 steps, runs off the end of the array.
  const Index lens[3] = {3, 4, 2};
  const Arr<double> r = random_array(rng, 9, 1, -1, 1);
  const Arr<double> v = random_array(rng, 9, 1, -3, 3);
  Arr<double> nv = random_array(rng, 9, 1, -3, 3);
  const Arr<double> rho = random_array(rng, 9, 1, 0, 2);
  const Arr<double> eq = random_array(rng, 9, 1, -3, 3);
  Arr<double> d = Arr<double>::Constant(9, 1, 0.9), l = Arr<double>::Constant(9, 1, 0.7);
  d(2, 0) = 0;
  l(2, 0) = 0;
  l(6, 0) = 0;
  for (Index t : {0, 1, 3, 4, 5, 7}) nv(t, 0) = v(t + 1, 0);

  const Arr<double> ic = rlvalue::importance_corrected_td_errors(r, d, rho, v, nv, l);
  const Arr<double> rt = rlvalue::retrace_returns(r, d, eq, nv, rho, l);
  const auto vt = rlvalue::vtrace(v, nv, r, d, rho, l, 1.0, 1.0);
  Index start = 0;
  for (Index k = 0; k < 3; ++k) {
    const Index n = lens[k];
    const auto seg = [&](const Arr<double>& a) { return Arr<double>(a.middleRows(start, n)); };
    CHECK((rlvalue::importance_corrected_td_errors(seg(r), seg(d), seg(rho), seg(v), seg(nv),
                                                   seg(l)) == seg(ic))
              .all());
    CHECK((rlvalue::retrace_returns(seg(r), seg(d), seg(eq), seg(nv), seg(rho), seg(l)) ==
           seg(rt))
              .all());
    const auto alone = rlvalue::vtrace(seg(v), seg(nv), seg(r), seg(d), seg(rho), seg(l), 1.0, 1.0);
    CHECK((alone.vs == seg(vt.vs)).all());
    CHECK((alone.pg_advantages == seg(vt.pg_advantages)).all());
    start += n;
  }
  // The truncated step's advantage bootstraps from its own next value, not the next episode.
  CHECK(vt.pg_advantages(6, 0) == std::min(1.0, rho(6, 0)) * (r(6, 0) + 0.9 * nv(6, 0) - v(6, 0)));
  // Retrace at the terminated step: G_2 = r_2.
  CHECK(rt(2, 0) == r(2, 0));
}

TEST_CASE("off-policy targets: row-major equals column-major bit for bit",
          "[targets][off_policy][storage]") {
  auto rng = rlvalue::make_rng(99);
  const Index T = 17, B = 9;
  const RandomEpisodes e(rng, T, B);
  const ArrRow<double> rr = e.r, vr = e.v, nvr = e.nv, dr = e.d, lr = e.l, rhor = e.rho;
  ArrRow<double> out_row(T, B), pg_row(T, B);
  Arr<double> out_col(T, B), pg_col(T, B);

  rlvalue::importance_corrected_td_errors(e.r, e.d, e.rho, e.v, e.nv, e.l, out_col);
  rlvalue::importance_corrected_td_errors(rr, dr, rhor, vr, nvr, lr, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());

  rlvalue::retrace_returns(e.r, e.d, e.nv, e.v, e.rho, 0.9, out_col);
  rlvalue::retrace_returns(rr, dr, nvr, vr, rhor, 0.9, out_row);
  CHECK((Arr<double>(out_row) == out_col).all());

  rlvalue::vtrace(e.v, e.nv, e.r, e.d, e.rho, e.l, 1.0, 0.8, out_col, pg_col);
  rlvalue::vtrace(vr, nvr, rr, dr, rhor, lr, 1.0, 0.8, out_row, pg_row);
  CHECK((Arr<double>(out_row) == out_col).all());
  CHECK((Arr<double>(pg_row) == pg_col).all());
  // Mixed: column-major inputs, one row-major and one column-major output.
  rlvalue::vtrace(e.v, e.nv, e.r, e.d, e.rho, e.l, 1.0, 0.8, out_row, pg_col);
  CHECK((Arr<double>(out_row) == out_col).all());
}

TEST_CASE("off-policy targets: float agrees with double", "[targets][off_policy][float]") {
  auto rng = rlvalue::make_rng(3);
  const Index T = 40, B = 3;
  const RandomEpisodes e(rng, T, B);
  const Arr<float> rf = e.r.cast<float>(), vf = e.v.cast<float>(), nvf = e.nv.cast<float>(),
                   df = e.d.cast<float>(), lf = e.l.cast<float>(), rhof = e.rho.cast<float>();
  const auto vt = rlvalue::vtrace(e.v, e.nv, e.r, e.d, e.rho, e.l);
  const auto vtf = rlvalue::vtrace(vf, nvf, rf, df, rhof, lf);
  const Arr<double> rt = rlvalue::retrace_returns(e.r, e.d, e.nv, e.v, e.rho, e.l);
  const Arr<float> rtf = rlvalue::retrace_returns(rf, df, nvf, vf, rhof, lf);
  for (Index i = 0; i < rt.size(); ++i) {
    CHECK(vtf.vs(i) == Approx(vt.vs(i)).margin(1e-4));
    CHECK(vtf.pg_advantages(i) == Approx(vt.pg_advantages(i)).margin(1e-4));
    CHECK(rtf(i) == Approx(rt(i)).margin(1e-4));
  }
}

TEST_CASE("off-policy targets: empty inputs give empty outputs", "[targets][off_policy][empty]") {
  for (const Arr<double>& none : {Arr<double>(0, 3), Arr<double>(4, 0)}) {
    CHECK(rlvalue::importance_corrected_td_errors(none, none, none, none, none, 0.5).size() == 0);
    CHECK(rlvalue::retrace_returns(none, none, none, none, none, 0.5).size() == 0);
    const auto res = rlvalue::vtrace(none, none, none, none, none, 0.5);
    CHECK(res.vs.rows() == none.rows());
    CHECK(res.pg_advantages.size() == 0);
  }
}

TEST_CASE("off-policy targets: bad input throws before writing", "[targets][off_policy][errors]") {
  const OffPolicyExample<double> ex;
  Arr<double> out = Arr<double>::Constant(4, 3, 42), pg = Arr<double>::Constant(4, 3, 42);
  auto untouched = [&] { return (out == 42).all() && (pg == 42).all(); };
  using E = std::invalid_argument;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  // Negative, infinite and NaN importance ratios, named with their position.
  Arr<double> bad_rho = ex.rhos;
  bad_rho(2, 1) = -0.5;
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts, bad_rho,
                          ex.lambdas, 1.0, 1.0, out, pg);
        }) == "vtrace: rhos(2, 1) = -0.5 is negative or not finite");
  CHECK(message_of<E>([&] {
          rlvalue::importance_corrected_td_errors(ex.rewards, ex.discounts, bad_rho, ex.values,
                                                  ex.next_values, 0.5, out);
        }) == "importance_corrected_td_errors: rhos(2, 1) = -0.5 is negative or not finite");
  CHECK(message_of<E>([&] {
          rlvalue::retrace_returns(ex.rewards, ex.discounts, ex.next_values, ex.values, bad_rho,
                                   0.5, out);
        }) == "retrace_returns: next_rhos(2, 1) = -0.5 is negative or not finite");
  bad_rho(2, 1) = inf;
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts, bad_rho,
                          ex.lambdas, 1.0, 1.0, out, pg);
        }) == "vtrace: rhos(2, 1) = inf is negative or not finite");
  bad_rho(2, 1) = nan;
  CHECK(message_of<E>([&] {
          rlvalue::retrace_returns(ex.rewards, ex.discounts, ex.next_values, ex.values, bad_rho,
                                   0.5, out);
        }) == "retrace_returns: next_rhos(2, 1) = nan is negative or not finite");
  CHECK(untouched());

  // Shapes, with both shapes named, including the second vtrace output.
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts, ex.rhos,
                          ex.lambdas, 1.0, 1.0, out, Arr<double>(4, 2));
        }) == "vtrace: out_pg_advantages has shape 4x2, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values.topRows(3), ex.next_values, ex.rewards, ex.discounts, ex.rhos,
                          ex.lambdas, 1.0, 1.0, out, pg);
        }) == "vtrace: values has shape 3x3, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::retrace_returns(ex.rewards, ex.discounts, ex.next_values,
                                   ex.values.leftCols(2), ex.rhos, 0.5, out);
        }) == "retrace_returns: next_q_taken has shape 4x2, expected 4x3");
  CHECK(message_of<E>([&] {
          rlvalue::importance_corrected_td_errors(ex.rewards, ex.discounts, ex.rhos.topRows(1),
                                                  ex.values, ex.next_values, 0.5, out);
        }) == "importance_corrected_td_errors: rhos has shape 1x3, expected 4x3");
  CHECK(untouched());

  // Clipping thresholds, lambda, discounts, non-finite values.
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts, ex.rhos,
                          ex.lambdas, -1.0, 1.0, out, pg);
        }) == "vtrace: clip_rho = -1 must be non-negative");
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, ex.discounts, ex.rhos,
                          ex.lambdas, 1.0, nan, out, pg);
        }) == "vtrace: clip_c = nan must be non-negative");
  CHECK(message_of<E>([&] {
          rlvalue::retrace_returns(ex.rewards, ex.discounts, ex.next_values, ex.values, ex.rhos,
                                   1.5, out);
        }) == "retrace_returns: lambda = 1.5 is outside [0, 1]");
  Arr<double> bad_d = ex.discounts;
  bad_d(3, 2) = 2;
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(ex.values, ex.next_values, ex.rewards, bad_d, ex.rhos, ex.lambdas, 1.0,
                          1.0, out, pg);
        }) == "vtrace: discounts(3, 2) = 2 is outside [0, 1]");
  Arr<double> bad_v = ex.values;
  bad_v(0, 1) = nan;
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(bad_v, ex.next_values, ex.rewards, ex.discounts, ex.rhos, ex.lambdas,
                          1.0, 1.0, out, pg);
        }) == "vtrace: values(0, 1) = nan is not finite");
  CHECK(message_of<E>([&] {
          rlvalue::importance_corrected_td_errors(ex.rewards, ex.discounts, ex.rhos, bad_v,
                                                  ex.next_values, 0.5, out);
        }) == "importance_corrected_td_errors: values(0, 1) = nan is not finite");
  CHECK(message_of<E>([&] {
          rlvalue::retrace_returns(ex.rewards, ex.discounts, bad_v, ex.values, ex.rhos, 0.5, out);
        }) == "retrace_returns: expected_next_q(0, 1) = nan is not finite");
  CHECK(untouched());
}

TEST_CASE("off-policy targets: flags forms", "[targets][off_policy][flags]") {
  auto rng = rlvalue::make_rng(4242);
  const Index T = 17, B = 3;
  const Arr<double> r = random_array(rng, T, B, -1, 1);
  const Arr<double> v = random_array(rng, T, B, -2, 2);
  const Arr<double> nv = random_array(rng, T, B, -2, 2);
  const Arr<double> eq = random_array(rng, T, B, -2, 2);
  const Arr<double> rho = random_array(rng, T, B, 0, 2);
  Flags term = Flags::Constant(T, B, false), trunc = Flags::Constant(T, B, false);
  term(4, 0) = true;
  trunc(9, 1) = true;
  term(12, 2) = true;
  trunc(3, 2) = true;
  const double gamma = 0.9, lambda = 0.8;
  const Arr<double> d = term.select(Arr<double>::Zero(T, B), Arr<double>::Constant(T, B, gamma));
  const Arr<double> l =
      (term || trunc).select(Arr<double>::Zero(T, B), Arr<double>::Constant(T, B, lambda));
  Arr<double> out(T, B), out2(T, B);

  rlvalue::importance_corrected_td_errors(r, rho, v, nv, term, trunc, gamma, lambda, out);
  CHECK((out == rlvalue::importance_corrected_td_errors(r, d, rho, v, nv, l)).all());
  // By hand at the truncation (9, 1): E = rho * (r + gamma * nv - v), no trace.
  CHECK(out(9, 1) == rho(9, 1) * ((r(9, 1) + gamma * nv(9, 1)) - v(9, 1)));

  rlvalue::retrace_returns(r, eq, nv, rho, term, trunc, gamma, lambda, out);
  CHECK((out == rlvalue::retrace_returns(r, d, eq, nv, rho, l)).all());
  // At the termination (4, 0): G = r.
  CHECK(out(4, 0) == r(4, 0));

  rlvalue::vtrace(v, nv, r, term, trunc, rho, gamma, lambda, 1.0, 1.0, out, out2);
  const auto general = rlvalue::vtrace(v, nv, r, d, rho, l, 1.0, 1.0);
  CHECK((out == general.vs).all());
  CHECK((out2 == general.pg_advantages).all());
  // With lambda = 0 the flags still mark the only episode ends: away from
  // them the advantage bootstraps from vs_{t+1}, as rlax's vtrace does.
  rlvalue::vtrace(v, nv, r, term, trunc, rho, gamma, 0.0, 1.0, 1.0, out, out2);
  const double rb = std::min(1.0, rho(5, 0));
  CHECK(out2(5, 0) == rb * ((r(5, 0) + gamma * out(6, 0)) - v(5, 0)));
  const double rb9 = std::min(1.0, rho(9, 1));
  CHECK(out2(9, 1) == rb9 * ((r(9, 1) + gamma * nv(9, 1)) - v(9, 1)));

  using E = std::invalid_argument;
  CHECK(message_of<E>([&] {
          rlvalue::retrace_returns(r, eq, nv, rho, term, trunc, 1.5, lambda, out);
        }) == "retrace_returns: gamma = 1.5 is outside [0, 1]");
  CHECK(message_of<E>([&] {
          rlvalue::vtrace(v, nv, r, term, trunc, rho, gamma, -1.0, 1.0, 1.0, out, out2);
        }) == "vtrace: lambda = -1 is outside [0, 1]");
}
