// Versioned schema migrations, compiled into each binary (cmake/NatterEmbed.cmake) and applied at
// start. Each component (auth, chat) owns its tables and its migration sequence; schema_migrations
// records (component, version). Statements in one file are separated by a ';' at the end of a line.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/mysql_pool.h"

namespace natter {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Applies, in version order, the migrations of `component` not yet recorded. Safe to run from
// several replicas at once: a MySQL named lock serializes them.
absl::Status ApplyMigrations(MysqlPool& pool, std::string_view component,
                             const std::vector<Migration>& migrations);

// Splits a migration file into statements (exposed for tests).
std::vector<std::string> SplitSqlStatements(std::string_view sql);

}  // namespace natter
