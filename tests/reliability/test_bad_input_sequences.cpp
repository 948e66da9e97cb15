// Bad-input matrix, part 1: the (T x B) sequence functions of targets/
// (returns, gae, lambda_errors, off_policy, transformed_returns), in both
// forms (general and flags). Every array argument is walked through a shape
// mismatch and a bad entry at a given (t, b) (NaN for values and rewards,
// 1.5 for discounts and lambdas, -0.5 and inf for importance ratios); every
// scalar through values outside its range. The message must name the
// function, the argument and the value, with its (t, b) for an entry; the
// inputs must be unchanged. T = 0 and B = 0 return empty results.

#include <catch2/catch.hpp>

#include <Eigen/Core>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "reliability/bad_input_support.hpp"
#include "rlvalue/mapping/signed_hyperbolic.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/lambda_errors.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/transformed_returns.hpp"

namespace {

using rlvalue::Index;
using rlvalue::testing::BadInputCase;
using rlvalue::testing::kInf;
using rlvalue::testing::kNaN;
using rlvalue::testing::Bytes;
using rlvalue::testing::bytes_of;
using rlvalue::testing::Throws;
using A = Eigen::ArrayXXd;
using Flags = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;


/// Every input any sequence function takes, valid, T = 3, B = 2.
struct Inputs {
  A rewards, discounts, next_values, values, rhos, lambdas, out, out2;
  Flags terminated, truncated;
  double gamma = 0.9, lambda = 0.8, clip_rho = 1.0, clip_c = 1.0;
  Index n = 2;

  explicit Inputs(Index T = 3, Index B = 2) {
    rewards = A::Constant(T, B, 0.5);
    for (Index i = 0; i < rewards.size(); ++i) rewards(i) += 0.25 * double(i);
    discounts = A::Constant(T, B, 0.9);
    next_values = A::Constant(T, B, 1.5);
    values = A::Constant(T, B, 1.0);
    rhos = A::Constant(T, B, 0.7);
    lambdas = A::Constant(T, B, 0.6);
    out = A::Constant(T, B, -7.0);
    out2 = A::Constant(T, B, -9.0);
    terminated = Flags::Constant(T, B, false);
    truncated = Flags::Constant(T, B, false);
    if (T > 1 && B > 0) terminated(1, 0) = true;
    if (T > 2 && B > 1) truncated(2, 1) = true;
  }

  /// The inputs (not the outputs): a throwing call must leave them as they were.
  Bytes snapshot() const {
    return bytes_of(rewards, discounts, next_values, values, rhos, lambdas, terminated,
                    truncated, gamma, lambda, clip_rho, clip_c, n);
  }
};

using Call = std::function<void(Inputs&)>;
using Mutation = std::function<void(Inputs&)>;

/// One case: fresh valid inputs, one mutation, the call.
BadInputCase make_case(const std::string& where, const std::string& what, const Call& call,
                       const Mutation& mutate, Throws expected,
                       std::vector<std::string> parts) {
  auto in = std::make_shared<Inputs>();
  mutate(*in);
  parts.insert(parts.begin(), where + ":");
  return {where + ": " + what, [in, call] { call(*in); }, expected, std::move(parts),
          [in] { return in->snapshot(); }};
}

/// How the entries of an array argument are checked.
enum class Entries { finite, unit, ratio, none };

struct ArrayArg {
  const char* name;   ///< as the function names it
  A Inputs::*member;  ///< where the test keeps it
  Entries entries;
};

struct ScalarArg {
  const char* name;
  double Inputs::*member;
  std::vector<double> bad;  ///< values that must be rejected
  std::vector<std::string> printed;
};

const ScalarArg kGamma{"gamma", &Inputs::gamma, {1.5, -0.1, kNaN}, {"1.5", "-0.1", "nan"}};
const ScalarArg kLambda{"lambda", &Inputs::lambda, {1.25, -0.5, kNaN}, {"1.25", "-0.5", "nan"}};
const ScalarArg kClipRho{"clip_rho", &Inputs::clip_rho, {-1.0, kNaN}, {"-1", "nan"}};
const ScalarArg kClipC{"clip_c", &Inputs::clip_c, {-0.5}, {"-0.5"}};

/// The cases of one entry point: each array argument with a wrong shape and
/// a bad entry, each flag array with a wrong shape, each scalar out of range.
std::vector<BadInputCase> cases_for(const std::string& where, const Call& call,
                                    const std::vector<ArrayArg>& arrays,
                                    const std::vector<ScalarArg>& scalars, bool flags,
                                    bool checks_n = false) {
  std::vector<BadInputCase> cases;
  int k = 0;
  for (const auto& arg : arrays) {
    const auto m = arg.member;
    const std::string name = arg.name;
    if (name != "rewards") {  // rewards set the shape
      cases.push_back(make_case(
          where, name + " with one row too few", call,
          [m](Inputs& in) { in.*m = A::Constant(2, 2, 0.5); }, Throws::invalid_argument,
          {name + " has shape 2x2, expected 3x2"}));
      cases.push_back(make_case(
          where, name + " with one column too many", call,
          [m](Inputs& in) { in.*m = A::Constant(3, 3, 0.5); }, Throws::invalid_argument,
          {name + " has shape 3x3, expected 3x2"}));
    }
    // A different (t, b) for each argument, so a message citing the wrong
    // place fails.
    const Index t = k % 3, b = (k / 3 + k) % 2;
    ++k;
    const std::string at = name + "(" + std::to_string(t) + ", " + std::to_string(b) + ")";
    switch (arg.entries) {
      case Entries::finite:
        cases.push_back(make_case(
            where, at + " = nan", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = kNaN; },
            Throws::invalid_argument, {at + " = nan", "not finite"}));
        cases.push_back(make_case(
            where, at + " = -inf", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = -kInf; },
            Throws::invalid_argument, {at + " = -inf", "not finite"}));
        break;
      case Entries::unit:
        cases.push_back(make_case(
            where, at + " = 1.5", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = 1.5; },
            Throws::invalid_argument, {at + " = 1.5", "[0, 1]"}));
        cases.push_back(make_case(
            where, at + " = -0.25", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = -0.25; },
            Throws::invalid_argument, {at + " = -0.25", "[0, 1]"}));
        cases.push_back(make_case(
            where, at + " = nan", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = kNaN; },
            Throws::invalid_argument, {at + " = nan"}));
        break;
      case Entries::ratio:
        cases.push_back(make_case(
            where, at + " = -0.5", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = -0.5; },
            Throws::invalid_argument, {at + " = -0.5", "negative"}));
        cases.push_back(make_case(
            where, at + " = inf", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = kInf; },
            Throws::invalid_argument, {at + " = inf"}));
        cases.push_back(make_case(
            where, at + " = nan", call, [m, t, b](Inputs& in) { (in.*m)(t, b) = kNaN; },
            Throws::invalid_argument, {at + " = nan"}));
        break;
      case Entries::none:
        break;
    }
  }
  if (flags) {
    cases.push_back(make_case(
        where, "terminated with a row too few", call,
        [](Inputs& in) { in.terminated = Flags::Constant(2, 2, false); },
        Throws::invalid_argument, {"terminated has shape 2x2, expected 3x2"}));
    cases.push_back(make_case(
        where, "truncated with a column too few", call,
        [](Inputs& in) { in.truncated = Flags::Constant(3, 1, false); },
        Throws::invalid_argument, {"truncated has shape 3x1, expected 3x2"}));
  }
  for (const auto& s : scalars) {
    for (std::size_t i = 0; i < s.bad.size(); ++i) {
      const auto m = s.member;
      const double v = s.bad[i];
      const std::string text = std::string(s.name) + " = " + s.printed[i];
      cases.push_back(make_case(where, text, call, [m, v](Inputs& in) { in.*m = v; },
                                Throws::invalid_argument, {text}));
    }
  }
  if (checks_n) {
    cases.push_back(make_case(where, "n = 0", call, [](Inputs& in) { in.n = 0; },
                              Throws::invalid_argument, {"n = 0", "at least 1"}));
    cases.push_back(make_case(where, "n = -3", call, [](Inputs& in) { in.n = -3; },
                              Throws::invalid_argument, {"n = -3"}));
  }
  return cases;
}

/// The lambda-array variant: the general form's lambda as a (T x B) array.
std::vector<ArrayArg> with_lambda_array(std::vector<ArrayArg> arrays) {
  arrays.push_back({"lambda", &Inputs::lambdas, Entries::unit});
  return arrays;
}

const ArrayArg kRewards{"rewards", &Inputs::rewards, Entries::finite};
const ArrayArg kDiscounts{"discounts", &Inputs::discounts, Entries::unit};
const ArrayArg kNextValues{"next_values", &Inputs::next_values, Entries::finite};
const ArrayArg kValues{"values", &Inputs::values, Entries::finite};
const ArrayArg kOut{"out", &Inputs::out, Entries::none};

}  // namespace

TEST_CASE("bad input: lambda_returns, discounted_returns, n_step_returns",
          "[reliability][bad_input][returns]") {
  using namespace rlvalue;
  const std::vector<ArrayArg> general{kRewards, kDiscounts, kNextValues, kOut};
  const std::vector<ArrayArg> flags{kRewards, kNextValues, kOut};
  std::vector<BadInputCase> cases;
  auto add = [&](std::vector<BadInputCase> more) {
    for (auto& c : more) cases.push_back(std::move(c));
  };
  add(cases_for(
      "lambda_returns",
      [](Inputs& in) {
        lambda_returns(in.rewards, in.discounts, in.next_values, in.lambda, in.out);
      },
      general, {kLambda}, false));
  add(cases_for(
      "lambda_returns",
      [](Inputs& in) {
        lambda_returns(in.rewards, in.discounts, in.next_values, in.lambdas, in.out);
      },
      with_lambda_array(general), {}, false));
  add(cases_for(
      "lambda_returns",
      [](Inputs& in) {
        lambda_returns(in.rewards, in.next_values, in.terminated, in.truncated, in.gamma,
                       in.lambda, in.out);
      },
      flags, {kGamma, kLambda}, true));
  add(cases_for(
      "discounted_returns",
      [](Inputs& in) { discounted_returns(in.rewards, in.discounts, in.next_values, in.out); },
      general, {}, false));
  add(cases_for(
      "n_step_returns",
      [](Inputs& in) {
        n_step_returns(in.rewards, in.discounts, in.next_values, in.n, in.out);
      },
      general, {}, false, true));
  add(cases_for(
      "n_step_returns",
      [](Inputs& in) {
        n_step_returns(in.rewards, in.discounts, in.next_values, in.n, in.lambdas, in.out);
      },
      with_lambda_array(general), {}, false, true));
  add(cases_for(
      "n_step_returns",
      [](Inputs& in) {
        n_step_returns(in.rewards, in.next_values, in.terminated, in.truncated, in.gamma, in.n,
                       in.out);
      },
      flags, {kGamma}, true, true));
  rlvalue::testing::run_cases(cases);
  CHECK(cases.size() > 100);
}

TEST_CASE("bad input: discounted_returns flags form names itself", "[reliability][bad_input]") {
  // Found by this matrix (fixed): the flags form of discounted_returns
  // delegated to lambda_returns and its messages said "lambda_returns: ...".
  using namespace rlvalue;
  const std::vector<ArrayArg> flags{kRewards, kNextValues, kOut};
  rlvalue::testing::run_cases(cases_for(
      "discounted_returns",
      [](Inputs& in) {
        discounted_returns(in.rewards, in.next_values, in.terminated, in.truncated, in.gamma,
                           in.out);
      },
      flags, {kGamma}, true));
}

TEST_CASE("bad input: gae", "[reliability][bad_input][gae]") {
  using namespace rlvalue;
  const std::vector<ArrayArg> general{kRewards, kValues, kNextValues, kDiscounts, kOut};
  const std::vector<ArrayArg> flags{kRewards, kValues, kNextValues, kOut};
  std::vector<BadInputCase> cases;
  auto add = [&](std::vector<BadInputCase> more) {
    for (auto& c : more) cases.push_back(std::move(c));
  };
  add(cases_for(
      "gae",
      [](Inputs& in) {
        gae(in.rewards, in.values, in.next_values, in.discounts, in.lambda, in.out);
      },
      general, {kLambda}, false));
  add(cases_for(
      "gae",
      [](Inputs& in) {
        gae(in.rewards, in.values, in.next_values, in.discounts, in.lambdas, in.out);
      },
      with_lambda_array(general), {}, false));
  add(cases_for(
      "gae",
      [](Inputs& in) {
        gae(in.rewards, in.values, in.next_values, in.terminated, in.truncated, in.gamma,
            in.lambda, in.out);
      },
      flags, {kGamma, kLambda}, true));
  rlvalue::testing::run_cases(cases);
}

TEST_CASE("bad input: td / sarsa / q lambda errors", "[reliability][bad_input][lambda_errors]") {
  using namespace rlvalue;
  // sarsa_lambda_errors names its prediction q_taken, its bootstrap
  // next_q_taken; q_lambda_errors next_max_q. The test keeps them in
  // values / next_values.
  struct Names {
    const char* where;
    const char* prediction;
    const char* next;
  };
  std::vector<BadInputCase> cases;
  auto add = [&](std::vector<BadInputCase> more) {
    for (auto& c : more) cases.push_back(std::move(c));
  };
  for (const Names names : {Names{"td_lambda_errors", "values", "next_values"},
                            Names{"sarsa_lambda_errors", "q_taken", "next_q_taken"},
                            Names{"q_lambda_errors", "q_taken", "next_max_q"}}) {
    const std::string where = names.where;
    const ArrayArg prediction{names.prediction, &Inputs::values, Entries::finite};
    const ArrayArg next{names.next, &Inputs::next_values, Entries::finite};
    const std::vector<ArrayArg> general{kRewards, prediction, next, kDiscounts, kOut};
    const std::vector<ArrayArg> flags{kRewards, prediction, next, kOut};
    auto general_call = [where](Inputs& in, bool array) {
      if (where == "td_lambda_errors") {
        array ? td_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, in.lambdas,
                                 in.out)
              : td_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, in.lambda,
                                 in.out);
      } else if (where == "sarsa_lambda_errors") {
        array ? sarsa_lambda_errors(in.rewards, in.values, in.next_values, in.discounts,
                                    in.lambdas, in.out)
              : sarsa_lambda_errors(in.rewards, in.values, in.next_values, in.discounts,
                                    in.lambda, in.out);
      } else {
        array ? q_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, in.lambdas,
                                in.out)
              : q_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, in.lambda,
                                in.out);
      }
    };
    add(cases_for(
        where, [general_call](Inputs& in) { general_call(in, false); }, general, {kLambda},
        false));
    add(cases_for(
        where, [general_call](Inputs& in) { general_call(in, true); },
        with_lambda_array(general), {}, false));
    add(cases_for(
        where,
        [where](Inputs& in) {
          if (where == "td_lambda_errors")
            td_lambda_errors(in.rewards, in.values, in.next_values, in.terminated, in.truncated,
                             in.gamma, in.lambda, in.out);
          else if (where == "sarsa_lambda_errors")
            sarsa_lambda_errors(in.rewards, in.values, in.next_values, in.terminated,
                                in.truncated, in.gamma, in.lambda, in.out);
          else
            q_lambda_errors(in.rewards, in.values, in.next_values, in.terminated, in.truncated,
                            in.gamma, in.lambda, in.out);
        },
        flags, {kGamma, kLambda}, true));
  }
  rlvalue::testing::run_cases(cases);
}

TEST_CASE("bad input: importance-corrected TD errors and Retrace",
          "[reliability][bad_input][off_policy]") {
  using namespace rlvalue;
  const ArrayArg rhos{"rhos", &Inputs::rhos, Entries::ratio};
  std::vector<BadInputCase> cases;
  auto add = [&](std::vector<BadInputCase> more) {
    for (auto& c : more) cases.push_back(std::move(c));
  };
  const std::vector<ArrayArg> ic_general{kRewards, kDiscounts, rhos, kValues, kNextValues, kOut};
  add(cases_for(
      "importance_corrected_td_errors",
      [](Inputs& in) {
        importance_corrected_td_errors(in.rewards, in.discounts, in.rhos, in.values,
                                       in.next_values, in.lambda, in.out);
      },
      ic_general, {kLambda}, false));
  add(cases_for(
      "importance_corrected_td_errors",
      [](Inputs& in) {
        importance_corrected_td_errors(in.rewards, in.discounts, in.rhos, in.values,
                                       in.next_values, in.lambdas, in.out);
      },
      with_lambda_array(ic_general), {}, false));
  add(cases_for(
      "importance_corrected_td_errors",
      [](Inputs& in) {
        importance_corrected_td_errors(in.rewards, in.rhos, in.values, in.next_values,
                                       in.terminated, in.truncated, in.gamma, in.lambda, in.out);
      },
      {kRewards, rhos, kValues, kNextValues, kOut}, {kGamma, kLambda}, true));

  // Retrace: expected_next_q in values, next_q_taken in next_values.
  const ArrayArg expected_next_q{"expected_next_q", &Inputs::values, Entries::finite};
  const ArrayArg next_q_taken{"next_q_taken", &Inputs::next_values, Entries::finite};
  const ArrayArg next_rhos{"next_rhos", &Inputs::rhos, Entries::ratio};
  const std::vector<ArrayArg> rt_general{kRewards, kDiscounts, expected_next_q, next_q_taken,
                                         next_rhos, kOut};
  add(cases_for(
      "retrace_returns",
      [](Inputs& in) {
        retrace_returns(in.rewards, in.discounts, in.values, in.next_values, in.rhos, in.lambda,
                        in.out);
      },
      rt_general, {kLambda}, false));
  add(cases_for(
      "retrace_returns",
      [](Inputs& in) {
        retrace_returns(in.rewards, in.discounts, in.values, in.next_values, in.rhos, in.lambdas,
                        in.out);
      },
      with_lambda_array(rt_general), {}, false));
  add(cases_for(
      "retrace_returns",
      [](Inputs& in) {
        retrace_returns(in.rewards, in.values, in.next_values, in.rhos, in.terminated,
                        in.truncated, in.gamma, in.lambda, in.out);
      },
      {kRewards, expected_next_q, next_q_taken, next_rhos, kOut}, {kGamma, kLambda}, true));
  rlvalue::testing::run_cases(cases);
}

TEST_CASE("bad input: vtrace", "[reliability][bad_input][off_policy]") {
  using namespace rlvalue;
  const ArrayArg rhos{"rhos", &Inputs::rhos, Entries::ratio};
  const ArrayArg out_vs{"out_vs", &Inputs::out, Entries::none};
  const ArrayArg out_pg{"out_pg_advantages", &Inputs::out2, Entries::none};
  std::vector<BadInputCase> cases;
  auto add = [&](std::vector<BadInputCase> more) {
    for (auto& c : more) cases.push_back(std::move(c));
  };
  add(cases_for(
      "vtrace",
      [](Inputs& in) {
        vtrace(in.values, in.next_values, in.rewards, in.discounts, in.rhos, in.lambda,
               in.clip_rho, in.clip_c, in.out, in.out2);
      },
      {kValues, kNextValues, kRewards, kDiscounts, rhos, out_pg}, {kLambda, kClipRho, kClipC},
      false));
  add(cases_for(
      "vtrace",
      [](Inputs& in) {
        vtrace(in.values, in.next_values, in.rewards, in.discounts, in.rhos, in.lambdas,
               in.clip_rho, in.clip_c, in.out, in.out2);
      },
      with_lambda_array({kValues, kNextValues, kRewards, kDiscounts, rhos}), {}, false));
  add(cases_for(
      "vtrace",
      [](Inputs& in) {
        vtrace(in.values, in.next_values, in.rewards, in.terminated, in.truncated, in.rhos,
               in.gamma, in.lambda, in.clip_rho, in.clip_c, in.out, in.out2);
      },
      {kValues, kNextValues, kRewards, rhos, out_vs, out_pg},
      {kGamma, kLambda, kClipRho, kClipC}, true));
  rlvalue::testing::run_cases(cases);
}

TEST_CASE("bad input: vtrace general form names out_vs", "[reliability][bad_input]") {
  // Found by this matrix (fixed): the general form checked out_vs through
  // check_general_form and called it "out".
  using namespace rlvalue;
  const ArrayArg out_vs{"out_vs", &Inputs::out, Entries::none};
  rlvalue::testing::run_cases(cases_for(
      "vtrace",
      [](Inputs& in) {
        vtrace(in.values, in.next_values, in.rewards, in.discounts, in.rhos, in.lambda,
               in.clip_rho, in.clip_c, in.out, in.out2);
      },
      {out_vs}, {}, false));
}

TEST_CASE("bad input: transformed returns", "[reliability][bad_input][transformed]") {
  using namespace rlvalue;
  const SignedHyperbolicMapping<double> h(1e-3);
  std::vector<BadInputCase> cases;
  auto add = [&](std::vector<BadInputCase> more) {
    for (auto& c : more) cases.push_back(std::move(c));
  };
  const std::vector<ArrayArg> general{kRewards, kDiscounts, kNextValues, kOut};
  const std::vector<ArrayArg> flags{kRewards, kNextValues, kOut};
  add(cases_for(
      "transformed_n_step_returns",
      [h](Inputs& in) {
        transformed_n_step_returns(h, in.rewards, in.discounts, in.next_values, in.n, in.out);
      },
      general, {}, false, true));
  add(cases_for(
      "transformed_n_step_returns",
      [h](Inputs& in) {
        transformed_n_step_returns(h, in.rewards, in.discounts, in.next_values, in.n, in.lambdas,
                                   in.out);
      },
      with_lambda_array(general), {}, false, true));
  add(cases_for(
      "transformed_n_step_returns",
      [h](Inputs& in) {
        transformed_n_step_returns(h, in.rewards, in.next_values, in.terminated, in.truncated,
                                   in.gamma, in.n, in.out);
      },
      flags, {kGamma}, true, true));
  add(cases_for(
      "transformed_lambda_returns",
      [h](Inputs& in) {
        transformed_lambda_returns(h, in.rewards, in.discounts, in.next_values, in.lambda,
                                   in.out);
      },
      general, {kLambda}, false));
  add(cases_for(
      "transformed_lambda_returns",
      [h](Inputs& in) {
        transformed_lambda_returns(h, in.rewards, in.discounts, in.next_values, in.lambdas,
                                   in.out);
      },
      with_lambda_array(general), {}, false));
  add(cases_for(
      "transformed_lambda_returns",
      [h](Inputs& in) {
        transformed_lambda_returns(h, in.rewards, in.next_values, in.terminated, in.truncated,
                                   in.gamma, in.lambda, in.out);
      },
      flags, {kGamma, kLambda}, true));
  rlvalue::testing::run_cases(cases);
}

TEST_CASE("empty inputs: T = 0 or B = 0 return empty results",
          "[reliability][bad_input][empty]") {
  using namespace rlvalue;
  const SignedHyperbolicMapping<double> h(1e-3);
  for (const auto& shape : {std::pair<Index, Index>{0, 2}, {3, 0}, {0, 0}}) {
    const Index T = shape.first, B = shape.second;  // (lambdas cannot capture bindings in clang 14)
    INFO("T = " << T << ", B = " << B);
    Inputs in(T, B);
    auto empty = [&](const A& a) {
      CHECK(a.rows() == T);
      CHECK(a.cols() == B);
    };
    empty(lambda_returns(in.rewards, in.discounts, in.next_values, 0.5));
    empty(lambda_returns(in.rewards, in.discounts, in.next_values, in.lambdas));
    empty(lambda_returns(in.rewards, in.next_values, in.terminated, in.truncated, 0.9, 0.5));
    empty(discounted_returns(in.rewards, in.discounts, in.next_values));
    empty(discounted_returns(in.rewards, in.next_values, in.terminated, in.truncated, 0.9));
    empty(n_step_returns(in.rewards, in.discounts, in.next_values, 3));
    empty(n_step_returns(in.rewards, in.discounts, in.next_values, 3, 0.5));
    REQUIRE_NOTHROW(n_step_returns(in.rewards, in.discounts, in.next_values, 3, in.lambdas, in.out));
    empty(n_step_returns(in.rewards, in.next_values, in.terminated, in.truncated, 0.9, 3));
    empty(gae(in.rewards, in.values, in.next_values, in.discounts, 0.5));
    empty(gae(in.rewards, in.values, in.next_values, in.terminated, in.truncated, 0.9, 0.5));
    empty(td_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, 0.5));
    empty(td_lambda_errors(in.rewards, in.values, in.next_values, in.terminated, in.truncated,
                           0.9, 0.5));
    empty(sarsa_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, 0.5));
    empty(q_lambda_errors(in.rewards, in.values, in.next_values, in.discounts, 0.5));
    empty(importance_corrected_td_errors(in.rewards, in.discounts, in.rhos, in.values,
                                         in.next_values, 0.5));
    empty(retrace_returns(in.rewards, in.discounts, in.values, in.next_values, in.rhos, 0.5));
    const auto vt = vtrace(in.values, in.next_values, in.rewards, in.discounts, in.rhos, 0.5);
    empty(vt.vs);
    empty(vt.pg_advantages);
    // Flags forms without an allocating overload: written into empty outputs.
    REQUIRE_NOTHROW(importance_corrected_td_errors(in.rewards, in.rhos, in.values,
                                                   in.next_values, in.terminated, in.truncated,
                                                   0.9, 0.5, in.out));
    REQUIRE_NOTHROW(retrace_returns(in.rewards, in.values, in.next_values, in.rhos,
                                    in.terminated, in.truncated, 0.9, 0.5, in.out));
    REQUIRE_NOTHROW(vtrace(in.values, in.next_values, in.rewards, in.terminated, in.truncated,
                           in.rhos, 0.9, 0.5, 1.0, 1.0, in.out, in.out2));
    empty(in.out);
    empty(transformed_n_step_returns(h, in.rewards, in.discounts, in.next_values, 2));
    empty(transformed_lambda_returns(h, in.rewards, in.discounts, in.next_values, 0.5));
    empty(transformed_lambda_returns(h, in.rewards, in.next_values, in.terminated, in.truncated,
                                     0.9, 0.5));
    empty(transformed_n_step_returns(h, in.rewards, in.next_values, in.terminated, in.truncated,
                                     0.9, 2));
  }
}
