#include "common/migrations.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace natter {
namespace {

constexpr std::string_view kCreateTable = R"(
CREATE TABLE IF NOT EXISTS schema_migrations (
  component VARCHAR(32) NOT NULL,
  version INT NOT NULL,
  name VARCHAR(255) NOT NULL,
  applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (component, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)";

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

}  // namespace

std::vector<std::string> SplitSqlStatements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t eol = sql.find('\n', pos);
    std::string_view line = sql.substr(pos, eol == std::string_view::npos ? sql.npos : eol - pos);
    pos = eol == std::string_view::npos ? sql.size() : eol + 1;
    std::string_view trimmed = line;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.remove_suffix(1);
    }
    std::string_view content = trimmed;
    while (!content.empty() && std::isspace(static_cast<unsigned char>(content.front()))) {
      content.remove_prefix(1);
    }
    if (content.starts_with("--") || (current.empty() && content.empty())) continue;
    if (trimmed.ends_with(';')) {
      current.append(trimmed.substr(0, trimmed.size() - 1));
      if (!IsBlank(current)) statements.push_back(std::move(current));
      current.clear();
    } else {
      current.append(trimmed).push_back('\n');
    }
  }
  if (!IsBlank(current)) statements.push_back(std::move(current));
  return statements;
}

absl::Status ApplyMigrations(MysqlPool& pool, std::string_view component,
                             const std::vector<Migration>& migrations) {
  return pool.Run("migrations", [&](sql::Connection& conn) -> absl::Status {
    std::unique_ptr<sql::Statement> stmt(conn.createStatement());
    std::unique_ptr<sql::ResultSet> lock(
        stmt->executeQuery("SELECT GET_LOCK('natter_schema_migrations', 60)"));
    if (!lock->next() || lock->getInt(1) != 1) {
      return absl::UnavailableError("another process holds the migration lock; try again");
    }
    struct Unlock {
      sql::Statement* stmt;
      ~Unlock() {
        try {
          stmt->execute("DO RELEASE_LOCK('natter_schema_migrations')");
        } catch (const sql::SQLException&) {
        }
      }
    } unlock{stmt.get()};

    stmt->execute(std::string(kCreateTable));
    std::set<int> applied;
    {
      std::unique_ptr<sql::PreparedStatement> query(
          conn.prepareStatement("SELECT version FROM schema_migrations WHERE component = ?"));
      query->setString(1, std::string(component));
      std::unique_ptr<sql::ResultSet> rows(query->executeQuery());
      while (rows->next()) applied.insert(rows->getInt(1));
    }
    std::vector<const Migration*> pending;
    for (const auto& m : migrations) {
      if (!applied.contains(m.version)) pending.push_back(&m);
    }
    std::sort(pending.begin(), pending.end(),
              [](const Migration* a, const Migration* b) { return a->version < b->version; });
    for (const Migration* m : pending) {
      spdlog::info("applying {} migration {}", component, m->name);
      for (const auto& statement : SplitSqlStatements(m->sql)) stmt->execute(statement);
      std::unique_ptr<sql::PreparedStatement> record(conn.prepareStatement(
          "INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)"));
      record->setString(1, std::string(component));
      record->setInt(2, m->version);
      record->setString(3, m->name);
      record->execute();
    }
    return absl::OkStatus();
  });
}

}  // namespace natter
