// StatusFromSqlException (common/mysql_pool.h): which driver errors a caller may retry
// (UNAVAILABLE) and which are the statement's own fault (INTERNAL, no SQL text in the message).
#include <cppconn/exception.h>
#include <gtest/gtest.h>

#include <string>

#include "common/mysql_pool.h"

namespace natter {
namespace {

absl::Status StatusOf(int code, const std::string& message) {
  return StatusFromSqlException(sql::SQLException(message, "HY000", code), "append message");
}

TEST(MysqlStatusTest, ALostOrRefusingNodeIsUnavailable) {
  EXPECT_TRUE(absl::IsUnavailable(StatusOf(2013, "Lost connection to server during query")));
  EXPECT_TRUE(absl::IsUnavailable(StatusOf(2006, "Server has gone away")));
  EXPECT_TRUE(
      absl::IsUnavailable(StatusOf(1047, "WSREP has not yet prepared node for application use")));
  EXPECT_TRUE(
      absl::IsUnavailable(StatusOf(1290, "The MariaDB server is running with --read-only")));
}

// A Galera node that left the primary component while a transaction committed answers the COMMIT
// with 1180 (the writeset was never ordered, so nothing was stored): a retry on another node
// succeeds, and a client's resend with the same client_msg_id is deduplicated either way. It was
// INTERNAL "database error", which senders do not retry (a message lost in the HA fault suite).
TEST(MysqlStatusTest, ACommitTheClusterCouldNotReplicateIsUnavailable) {
  absl::Status s = StatusOf(1180, "Got error 6 \"No such device or address\" during COMMIT");
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
}

TEST(MysqlStatusTest, LockConflictsAreRetryable) {
  EXPECT_TRUE(absl::IsUnavailable(StatusOf(1213, "Deadlock found when trying to get lock")));
  EXPECT_TRUE(absl::IsUnavailable(StatusOf(1205, "Lock wait timeout exceeded")));
}

TEST(MysqlStatusTest, OtherErrorsAreInternalAndKeepTheStatementOut) {
  absl::Status s = StatusOf(1064, "You have an error in your SQL syntax near 'secret'");
  EXPECT_TRUE(absl::IsInternal(s));
  EXPECT_EQ(s.message(), "database error");
}

}  // namespace
}  // namespace natter
