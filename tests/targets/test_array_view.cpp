// targets/array_view.hpp: the sequence kernels take a Map with a run-time
// outer stride in place of any in-memory object with consecutive inner
// entries. Checks that the view covers exactly the caller's memory (same
// pointer, shape, outer stride and storage order), which objects get one,
// that ValidateRef calls what it refers to, and that the public functions
// give bit-identical results whichever Eigen type holds the arrays: a plain
// Array, a Matrix, a Map with padding between columns or rows, a block of
// columns of a wider array, a Ref, and (not viewed) a Map with an inner
// stride and an expression.

#include <Eigen/Core>
#include <stdexcept>
#include <type_traits>

#include "catch.hpp"
#include "rlvalue/targets/array_view.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/lambda_errors.hpp"
#include "rlvalue/targets/returns.hpp"
#include "sequence_test_support.hpp"

using rlvalue::Index;
using rlvalue_test::Arr;
using rlvalue_test::ArrRow;

namespace {

using ViewArrF = Eigen::ArrayXXf;
using ViewRowF = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ViewStrided = Eigen::Map<const Eigen::ArrayXXf, 0, Eigen::InnerStride<2>>;

static_assert(rlvalue::detail::kHasArrayView<ViewArrF>);
static_assert(rlvalue::detail::kHasArrayView<Eigen::MatrixXd>);
static_assert(rlvalue::detail::kHasArrayView<ViewRowF>);
static_assert(rlvalue::detail::kHasArrayView<Eigen::Map<const Eigen::MatrixXf>>);
static_assert(rlvalue::detail::kHasArrayView<Eigen::Ref<const Eigen::ArrayXXd>>);
static_assert(rlvalue::detail::kHasArrayView<Eigen::Array<float, 4, 3>>);
static_assert(rlvalue::detail::kHasArrayView<decltype(std::declval<ViewArrF&>().middleCols(1, 2))>);
static_assert(rlvalue::detail::kHasArrayView<Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>>);
static_assert(!rlvalue::detail::kHasArrayView<ViewStrided>);
static_assert(!rlvalue::detail::kHasArrayView<decltype(std::declval<const ViewArrF&>() * 2.0f)>);
static_assert(!rlvalue::detail::kHasArrayView<float>);
// A column of a row-major array is in memory but its entries are not
// consecutive.
static_assert(!rlvalue::detail::kHasArrayView<decltype(std::declval<ViewRowF&>().col(0))>);
// Every viewable type of one scalar and storage order has the same view
// type: that is what makes one kernel instantiation serve them all.
static_assert(std::is_same_v<rlvalue::detail::ArrayViewOf<ViewArrF>,
                             rlvalue::detail::ArrayViewOf<Eigen::MatrixXf>>);
static_assert(std::is_same_v<rlvalue::detail::ArrayViewOf<ViewArrF>,
                             rlvalue::detail::ArrayViewOf<Eigen::Map<Eigen::MatrixXf>>>);

template <class X>
void check_view_covers(const X& x) {
  const auto& v = rlvalue::detail::view_of(x);
  CHECK(v.data() == x.data());
  CHECK(v.rows() == x.rows());
  CHECK(v.cols() == x.cols());
  CHECK(v.outerStride() == x.outerStride());
  CHECK(v.innerStride() == 1);
  CHECK(bool(std::remove_cvref_t<decltype(v)>::IsRowMajor) == bool(X::IsRowMajor));
  for (Index i = 0; i < x.rows(); ++i)
    for (Index j = 0; j < x.cols(); ++j) CHECK(v(i, j) == x(i, j));
}

}  // namespace

TEST_CASE("array_view: the view is the caller's memory, shape, stride and order") {
  ViewArrF a = ViewArrF::Random(7, 5);
  ViewRowF r = ViewRowF::Random(6, 9);
  check_view_covers(a);
  check_view_covers(r);
  check_view_covers(a.middleCols(1, 3));  // outer stride 7, 3 columns
  check_view_covers(r.middleRows(2, 3));  // outer stride 9
  check_view_covers(r.block(1, 2, 4, 5));
  const Eigen::Ref<const Eigen::ArrayXXf> ref(a.middleCols(2, 2));
  check_view_covers(ref);
  // A writable view writes the caller's entries.
  auto&& w = rlvalue::detail::out_view_of(a.middleCols(1, 2).derived());
  w(3, 1) = 42.0f;
  CHECK(a(3, 2) == 42.0f);
  // Objects without a view pass through as themselves.
  ViewStrided s(a.data(), 7, 2);
  CHECK(&rlvalue::detail::view_of(s) == &s);
}

TEST_CASE("array_view: ValidateRef calls the callable it refers to") {
  int calls = 0;
  auto count = [&] { ++calls; };
  const rlvalue::detail::ValidateRef ref(count);
  ref();
  ref();
  CHECK(calls == 2);
  auto throws = [] { throw std::invalid_argument("gae: rewards(1, 2) is not finite"); };
  const rlvalue::detail::ValidateRef thrower(throws);
  CHECK_THROWS_WITH(thrower(), "gae: rewards(1, 2) is not finite");
}

namespace {

// The same (T x B) data held in several Eigen types; every function must
// give the same bits through each.
template <class T, class Plain>
void check_all_holders(Index T_, Index B) {
  auto rng = rlvalue::make_rng(77, static_cast<std::uint64_t>(T_ * 1000 + B));
  const Plain r = rlvalue_test::random_array(rng, T_, B, -1.0, 1.0).cast<T>();
  const Plain v = rlvalue_test::random_array(rng, T_, B, -2.0, 2.0).cast<T>();
  const Plain nv = rlvalue_test::random_array(rng, T_, B, -2.0, 2.0).cast<T>();
  const Plain lam = rlvalue_test::random_array(rng, T_, B, 0.0, 1.0).cast<T>();
  const rlvalue_test::Flags term = rlvalue_test::random_flags(rng, T_, B, 0.05);
  const rlvalue_test::Flags trunc = rlvalue_test::random_flags(rng, T_, B, 0.05);
  const Plain d = (term.template cast<T>() * T(-0.97) + T(0.97)).eval();
  const T lambda = T(0.9), gamma = T(0.97);

  // Reference: the plain arrays.
  Plain gae_ref(T_, B), gae_lam_ref(T_, B), gae_flags_ref(T_, B), lr_ref(T_, B), lr_flags_ref(T_, B),
      dr_ref(T_, B), ns_ref(T_, B), tdl_ref(T_, B);
  rlvalue::gae(r, v, nv, d, lambda, gae_ref);
  rlvalue::gae(r, v, nv, d, lam, gae_lam_ref);
  rlvalue::gae(r, v, nv, term, trunc, gamma, lambda, gae_flags_ref);
  rlvalue::lambda_returns(r, d, nv, lambda, lr_ref);
  rlvalue::lambda_returns(r, nv, term, trunc, gamma, lambda, lr_flags_ref);
  rlvalue::discounted_returns(r, d, nv, dr_ref);
  rlvalue::n_step_returns(r, d, nv, 3, ns_ref);
  rlvalue::td_lambda_errors(r, v, nv, d, lambda, tdl_ref);

  // Wider arrays holding the data in their middle columns (or rows, for a
  // row-major Plain), so the blocks and padded maps have an outer stride
  // larger than their inner size.
  constexpr bool kRow = Plain::IsRowMajor;
  const Index pad = 3;
  auto widen = [&](const Plain& x) {
    Plain w = Plain::Constant(kRow ? T_ + pad : T_, kRow ? B : B + pad, T(-5));
    if constexpr (kRow)
      w.middleRows(1, T_) = x;
    else
      w.middleCols(1, B) = x;
    return w;
  };
  auto inner = [&](auto& w) {
    if constexpr (kRow)
      return w.middleRows(1, T_);
    else
      return w.middleCols(1, B);
  };
  const Plain rw = widen(r), vw = widen(v), nvw = widen(nv), dw = widen(d), lw = widen(lam);
  Plain outw = Plain::Constant(rw.rows(), rw.cols(), T(7));
  auto out = inner(outw);
  auto same = [](const auto& x, const Plain& y) { return (x.array() == y).all(); };

  rlvalue::gae(inner(rw), inner(vw), inner(nvw), inner(dw), lambda, out);
  CHECK(same(out, gae_ref));
  rlvalue::gae(inner(rw), inner(vw), inner(nvw), inner(dw), inner(lw), out);
  CHECK(same(out, gae_lam_ref));
  rlvalue::gae(inner(rw), inner(vw), inner(nvw), term, trunc, gamma, lambda, out);
  CHECK(same(out, gae_flags_ref));
  rlvalue::lambda_returns(inner(rw), inner(dw), inner(nvw), lambda, out);
  CHECK(same(out, lr_ref));
  rlvalue::lambda_returns(inner(rw), inner(nvw), term, trunc, gamma, lambda, out);
  CHECK(same(out, lr_flags_ref));
  rlvalue::discounted_returns(inner(rw), inner(dw), inner(nvw), out);
  CHECK(same(out, dr_ref));
  rlvalue::n_step_returns(inner(rw), inner(dw), inner(nvw), 3, out);
  CHECK(same(out, ns_ref));
  rlvalue::td_lambda_errors(inner(rw), inner(vw), inner(nvw), inner(dw), lambda, out);
  CHECK(same(out, tdl_ref));
  // The padding around the output block is untouched.
  if constexpr (kRow) {
    CHECK((outw.topRows(1) == T(7)).all());
    CHECK((outw.bottomRows(pad - 1) == T(7)).all());
  } else {
    CHECK((outw.leftCols(1) == T(7)).all());
    CHECK((outw.rightCols(pad - 1) == T(7)).all());
  }

  // Matrices (the .matrix() of the same data, and a Matrix output).
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, kRow ? Eigen::RowMajor : Eigen::ColMajor>;
  Mat mout(T_, B);
  rlvalue::gae(r.matrix(), v.matrix(), nv.matrix(), d.matrix(), lambda, mout);
  CHECK(same(mout, gae_ref));
  rlvalue::lambda_returns(Mat(r), Mat(d), Mat(nv), lambda, mout);
  CHECK(same(mout, lr_ref));

  // Refs.
  using ConstRef = Eigen::Ref<const Plain>;
  Plain rout(T_, B);
  Eigen::Ref<Plain> rref(rout);
  rlvalue::gae(ConstRef(r), ConstRef(v), ConstRef(nv), ConstRef(d), lambda, rref);
  CHECK(same(rout, gae_ref));

  // Not viewed: an expression (d * 1 is d exactly) and a map with an inner
  // stride over an interleaved copy.
  rlvalue::gae(r, v, nv, d * T(1), lambda, rout);
  CHECK(same(rout, gae_ref));
  Plain twice(kRow ? T_ : 2 * T_, kRow ? 2 * B : B);
  Plain interleaved_r(twice.rows(), twice.cols());
  for (Index t = 0; t < T_; ++t)
    for (Index b = 0; b < B; ++b) {
      if constexpr (kRow)
        interleaved_r(t, 2 * b) = r(t, b);
      else
        interleaved_r(2 * t, b) = r(t, b);
    }
  using Strided = Eigen::Map<const Plain, 0, Eigen::Stride<Eigen::Dynamic, 2>>;
  const Strided rs(interleaved_r.data(), T_, B,
                   Eigen::Stride<Eigen::Dynamic, 2>(kRow ? 2 * B : 2 * T_, 2));
  static_assert(!rlvalue::detail::kHasArrayView<Strided>);
  rlvalue::gae(rs, v, nv, d, lambda, rout);
  CHECK(same(rout, gae_ref));
}

}  // namespace

TEST_CASE("array_view: every holder of the same data gives the same bits") {
  // Shapes on both sides of the engine's strategy switches: short and long
  // columns (segmented from 1024 rows), narrow and wide rows (row packets
  // from 16 columns).
  for (const auto& [T, B] : {std::pair<Index, Index>{37, 5}, {1100, 3}, {40, 33}}) {
    CAPTURE(T, B);
    check_all_holders<float, Arr<float>>(T, B);
    check_all_holders<double, Arr<double>>(T, B);
    check_all_holders<float, ArrRow<float>>(T, B);
    check_all_holders<double, ArrRow<double>>(T, B);
  }
}

TEST_CASE("array_view: a bad entry is named in the caller's coordinates") {
  // The cold path's checks run on the caller's objects: the position named
  // is that of the block the caller passed, not of the array around it.
  Arr<double> wide = Arr<double>::Constant(6, 8, 0.5);
  Arr<double> out(6, 3);
  auto r = wide.middleCols(2, 3);
  const Arr<double> v = Arr<double>::Zero(6, 3), nv = Arr<double>::Zero(6, 3),
                    d = Arr<double>::Constant(6, 3, 0.9);
  wide(4, 3) = std::numeric_limits<double>::quiet_NaN();  // r(4, 1)
  CHECK(rlvalue_test::message_of<std::invalid_argument>(
            [&] { rlvalue::gae(r, v, nv, d, 0.9, out); }) ==
        "gae: rewards(4, 1) = nan is not finite");
}
