// RETURN_IF_ERROR and ASSIGN_OR_RETURN (common/status.h): what they return, what they assign, and
// that each evaluates its argument once.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace natter {
namespace {

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError(std::to_string(n) + " is odd");
  return n / 2;
}

absl::Status CheckEven(int n) { return Half(n).status(); }

absl::Status BothEven(int a, int b, int& checks) {
  ++checks;
  RETURN_IF_ERROR(CheckEven(a));
  ++checks;
  RETURN_IF_ERROR(Half(b));  // a StatusOr passes its status on too
  ++checks;
  return absl::OkStatus();
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(auto quarter, Half(half));
  return quarter;
}

absl::StatusOr<std::string> QuarterInWords(int n) {
  std::string words = "quarter: ";
  ASSIGN_OR_RETURN(const int quarter, Quarter(n));
  RETURN_IF_ERROR(CheckEven(quarter));
  return words + std::to_string(quarter);
}

TEST(StatusMacrosTest, ReturnIfErrorGoesOnWhileOkAndReturnsTheFirstError) {
  int checks = 0;
  EXPECT_TRUE(BothEven(2, 4, checks).ok());
  EXPECT_EQ(checks, 3);

  checks = 0;
  absl::Status first = BothEven(3, 5, checks);
  EXPECT_EQ(first.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(first.message(), "3 is odd");
  EXPECT_EQ(checks, 1);

  checks = 0;
  EXPECT_EQ(BothEven(2, 5, checks).message(), "5 is odd");
  EXPECT_EQ(checks, 2);
}

TEST(StatusMacrosTest, AssignOrReturnAssignsTheValueOrReturnsTheError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).status().message(), "3 is odd");
  EXPECT_EQ(Quarter(5).status().message(), "5 is odd");
  EXPECT_EQ(QuarterInWords(16).value(), "quarter: 4");
  EXPECT_EQ(QuarterInWords(4).status().message(), "1 is odd");
}

TEST(StatusMacrosTest, AssignOrReturnMovesIntoAnExistingVariable) {
  auto make = [](bool ok) -> absl::StatusOr<std::unique_ptr<int>> {
    if (!ok) return absl::NotFoundError("none");
    return std::make_unique<int>(7);
  };
  auto take = [&](bool ok, std::unique_ptr<int>& into) -> absl::Status {
    ASSIGN_OR_RETURN(into, make(ok));
    return absl::OkStatus();
  };
  std::unique_ptr<int> value;
  EXPECT_EQ(take(false, value).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(value, nullptr) << "an error leaves the variable alone";
  ASSERT_TRUE(take(true, value).ok());
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value, 7);
}

TEST(StatusMacrosTest, EachMacroEvaluatesItsArgumentOnce) {
  int calls = 0;
  auto counted = [&]() -> absl::StatusOr<int> {
    ++calls;
    return 4;
  };
  auto run = [&]() -> absl::Status {
    RETURN_IF_ERROR(counted());
    ASSIGN_OR_RETURN(int value, counted());
    EXPECT_EQ(value, 4);
    return absl::OkStatus();
  };
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace natter
