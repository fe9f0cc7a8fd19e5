#include "mysql_user_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>

namespace natter::auth {

absl::StatusOr<uint64_t> MysqlUserStore::CreateUser(std::string_view username,
                                                    std::string_view username_key,
                                                    std::string_view password_hash,
                                                    int64_t created_at_ms) {
  return pool_.Run("create user", [&](sql::Connection& conn) -> absl::StatusOr<uint64_t> {
    std::unique_ptr<sql::PreparedStatement> insert(conn.prepareStatement(
        "INSERT INTO users (username, username_key, password_hash, created_at_ms) "
        "VALUES (?, ?, ?, ?)"));
    insert->setString(1, std::string(username));
    insert->setString(2, std::string(username_key));
    insert->setString(3, std::string(password_hash));
    insert->setInt64(4, created_at_ms);
    try {
      insert->executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErDupEntry) return absl::AlreadyExistsError("username is taken");
      throw;
    }
    std::unique_ptr<sql::Statement> stmt(conn.createStatement());
    std::unique_ptr<sql::ResultSet> id(stmt->executeQuery("SELECT LAST_INSERT_ID()"));
    id->next();
    return id->getUInt64(1);
  });
}

absl::StatusOr<std::optional<UserRecord>> MysqlUserStore::FindByKey(std::string_view username_key) {
  return pool_.Run("find user",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::optional<UserRecord>> {
                     std::unique_ptr<sql::PreparedStatement> query(conn.prepareStatement(
                         "SELECT id, username, password_hash FROM users WHERE username_key = ?"));
                     query->setString(1, std::string(username_key));
                     std::unique_ptr<sql::ResultSet> rows(query->executeQuery());
                     if (!rows->next()) return std::nullopt;
                     UserRecord user;
                     user.id = rows->getUInt64(1);
                     user.username = rows->getString(2);
                     user.password_hash = rows->getString(3);
                     return user;
                   });
}

absl::Status MysqlUserStore::UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) {
  return pool_.Run("update password hash", [&](sql::Connection& conn) -> absl::Status {
    std::unique_ptr<sql::PreparedStatement> update(
        conn.prepareStatement("UPDATE users SET password_hash = ? WHERE id = ?"));
    update->setString(1, std::string(password_hash));
    update->setUInt64(2, user_id);
    update->executeUpdate();
    return absl::OkStatus();
  });
}

}  // namespace natter::auth
