// SplitSqlStatements: how a migration file becomes the statements sent to MySQL one at a time.
#include "common/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace natter {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Trailing white space of a statement is irrelevant to MySQL; everything else must be exact.
std::vector<std::string> Split(std::string_view sql) {
  std::vector<std::string> out = SplitSqlStatements(sql);
  for (auto& s : out) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  }
  return out;
}

TEST(SplitSqlStatementsTest, SplitsAtSemicolonEndingALine) {
  EXPECT_THAT(Split("CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);\n"),
              ElementsAre("CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"));
}

TEST(SplitSqlStatementsTest, EmptyInputHasNoStatements) {
  EXPECT_THAT(SplitSqlStatements(""), IsEmpty());
  EXPECT_THAT(SplitSqlStatements("\n\n   \n\t\n"), IsEmpty());
}

TEST(SplitSqlStatementsTest, SkipsCommentLines) {
  EXPECT_THAT(Split("-- Users and their sessions.\n"
                    "CREATE TABLE a (x INT);\n"
                    "-- The second table;\n"
                    "--\n"
                    "INSERT INTO a VALUES (1);\n"
                    "-- trailing comment\n"),
              ElementsAre("CREATE TABLE a (x INT)", "INSERT INTO a VALUES (1)"));
}

TEST(SplitSqlStatementsTest, OnlyCommentsHasNoStatements) {
  EXPECT_THAT(SplitSqlStatements("-- nothing here yet\n-- still nothing;\n"), IsEmpty());
}

TEST(SplitSqlStatementsTest, SkipsBlankLinesBetweenStatements) {
  EXPECT_THAT(Split("\n\n   \nSELECT 1;\n\n\t\n\nSELECT 2;\n\n"),
              ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitSqlStatementsTest, KeepsMultiLineStatementTogether) {
  EXPECT_THAT(Split("CREATE TABLE t (\n"
                    "  id INT NOT NULL,\n"
                    "  name TEXT\n"
                    ") ENGINE=InnoDB;\n"
                    "SELECT 1;\n"),
              ElementsAre("CREATE TABLE t (\n  id INT NOT NULL,\n  name TEXT\n) ENGINE=InnoDB",
                          "SELECT 1"));
}

TEST(SplitSqlStatementsTest, DropsCommentLineInsideStatement) {
  EXPECT_THAT(Split("CREATE TABLE t (\n"
                    "-- the key;\n"
                    "  id INT\n"
                    ");\n"),
              ElementsAre("CREATE TABLE t (\n  id INT\n)"));
}

TEST(SplitSqlStatementsTest, KeepsTrailingStatementWithoutSemicolon) {
  EXPECT_THAT(Split("SELECT 1;\nSELECT 2"), ElementsAre("SELECT 1", "SELECT 2"));
  EXPECT_THAT(Split("UPDATE t\nSET x = 1\n"), ElementsAre("UPDATE t\nSET x = 1"));
}

TEST(SplitSqlStatementsTest, SemicolonInsideALineDoesNotSplit) {
  EXPECT_THAT(Split("INSERT INTO t VALUES ('a;b');\n"),
              ElementsAre("INSERT INTO t VALUES ('a;b')"));
  EXPECT_THAT(Split("SELECT 1; SELECT 2;\n"), ElementsAre("SELECT 1; SELECT 2"));
}

TEST(SplitSqlStatementsTest, IgnoresTrailingWhiteSpaceAndCarriageReturns) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;   \r\nSELECT\r\n  2;\t\r\n"),
              ElementsAre("SELECT 1", "SELECT\n  2"));
}

TEST(SplitSqlStatementsTest, WhitespaceOnlyLinesAfterLastStatementAddNothing) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;\n   \n\t\n"), ElementsAre("SELECT 1"));
}

// A comment indented under a statement (as SQL formatters write them) must not become a statement
// of its own: MySQL rejects a statement that is only a comment with "Query was empty".
TEST(SplitSqlStatementsTest, IndentedCommentIsNotAStatement) {
  EXPECT_THAT(Split("SELECT 1;\n  -- indented trailing comment\n"), ElementsAre("SELECT 1"));
  EXPECT_THAT(Split("CREATE TABLE t (\n  id INT, -- x\n  -- the name;\n  name TEXT\n);\n"),
              ElementsAre("CREATE TABLE t (\n  id INT, -- x\n  name TEXT\n)"));
}

}  // namespace
}  // namespace natter
