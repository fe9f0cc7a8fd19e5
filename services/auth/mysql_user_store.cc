#include "mysql_user_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <sstream>

#include "common/check.h"

namespace natter::auth {
namespace {

// Statements with fixed text are the connection's, cached for its lifetime (CachedStatement).
sql::PreparedStatement& Prepare(sql::Connection& conn, const std::string& sql) {
  return CachedStatement(conn, sql);
}

constexpr const char* kUserColumns =
    "SELECT id, username, password_hash, display_name, avatar_version, deleted_at_ms IS NOT NULL, "
    "created_at_ms FROM users ";

UserRecord ReadUser(sql::ResultSet& row) {
  UserRecord user;
  user.id = row.getUInt64(1);
  user.username = row.getString(2);
  user.password_hash = row.getString(3);
  user.display_name = row.getString(4);
  user.avatar_version = row.getUInt(5);
  user.deleted = row.getBoolean(6);
  user.created_at_ms = row.getInt64(7);
  return user;
}

// Which unique name a duplicate-key error is about: MariaDB names the key in its message.
absl::Status DuplicateName(const sql::SQLException& e) {
  if (std::string_view(e.what()).find("uq_users_username_skeleton") != std::string_view::npos) {
    return absl::AlreadyExistsError(std::string(kUsernameSkeletonTaken));
  }
  return absl::AlreadyExistsError(std::string(kUsernameKeyTaken));
}

}  // namespace

absl::StatusOr<uint64_t> MysqlUserStore::CreateUser(const NewUser& user) {
  return pool_.Run("create user", [&](sql::Connection& conn) -> absl::StatusOr<uint64_t> {
    sql::PreparedStatement& insert =
        Prepare(conn,
                "INSERT INTO users (username, username_key, username_skeleton, password_hash, "
                "display_name, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)");
    insert.setString(1, user.username);
    insert.setString(2, user.username_key);
    std::istringstream skeleton{user.username_skeleton};
    insert.setBlob(3, &skeleton);
    insert.setString(4, user.password_hash);
    insert.setString(5, user.display_name);
    insert.setInt64(6, user.created_at_ms);
    try {
      insert.executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErDupEntry) return DuplicateName(e);
      throw;
    }
    return LastInsertId(conn);
  });
}

absl::StatusOr<std::optional<UserRecord>> MysqlUserStore::FindOne(
    std::string_view what, const char* where,
    const std::function<void(sql::PreparedStatement&)>& bind) {
  return pool_.Run(what, [&](sql::Connection& conn) -> absl::StatusOr<std::optional<UserRecord>> {
    sql::PreparedStatement& query = Prepare(conn, std::string(kUserColumns) + where);
    bind(query);
    std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
    if (!rows->next()) return std::nullopt;
    return ReadUser(*rows);
  });
}

absl::StatusOr<std::optional<UserRecord>> MysqlUserStore::FindByKey(std::string_view username_key) {
  return FindOne("find user", "WHERE username_key = ?",
                 [&](sql::PreparedStatement& q) { q.setString(1, std::string(username_key)); });
}

absl::StatusOr<std::optional<UserRecord>> MysqlUserStore::FindById(uint64_t user_id) {
  return FindOne("find user by id", "WHERE id = ?",
                 [&](sql::PreparedStatement& q) { q.setUInt64(1, user_id); });
}

absl::StatusOr<std::vector<UserRecord>> MysqlUserStore::FindByIds(
    const std::vector<uint64_t>& user_ids) {
  if (user_ids.empty()) return std::vector<UserRecord>{};
  return pool_.Run("find users",
                   [&](sql::Connection& conn) -> absl::StatusOr<std::vector<UserRecord>> {
                     // One placeholder per id: the statement stays parameterized whatever the ids
                     // are.
                     std::string placeholders;
                     for (size_t i = 0; i < user_ids.size(); ++i)
                       placeholders += i == 0 ? "?" : ", ?";
                     std::unique_ptr<sql::PreparedStatement> query(conn.prepareStatement(
                         std::string(kUserColumns) + "WHERE id IN (" + placeholders + ")"));
                     for (size_t i = 0; i < user_ids.size(); ++i) {
                       query->setUInt64(static_cast<unsigned>(i + 1), user_ids[i]);
                     }
                     std::unique_ptr<sql::ResultSet> rows(query->executeQuery());
                     std::vector<UserRecord> users;
                     while (rows->next()) users.push_back(ReadUser(*rows));
                     return users;
                   });
}

absl::Status MysqlUserStore::UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) {
  return pool_.Run("update password hash", [&](sql::Connection& conn) -> absl::Status {
    sql::PreparedStatement& update =
        Prepare(conn, "UPDATE users SET password_hash = ? WHERE id = ? AND deleted_at_ms IS NULL");
    update.setString(1, std::string(password_hash));
    update.setUInt64(2, user_id);
    update.executeUpdate();
    return absl::OkStatus();
  });
}

absl::Status MysqlUserStore::UpdateDisplayName(uint64_t user_id, std::string_view display_name) {
  return pool_.Run("update display name", [&](sql::Connection& conn) -> absl::Status {
    sql::PreparedStatement& update =
        Prepare(conn, "UPDATE users SET display_name = ? WHERE id = ? AND deleted_at_ms IS NULL");
    update.setString(1, std::string(display_name));
    update.setUInt64(2, user_id);
    update.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<uint32_t> MysqlUserStore::SetAvatar(uint64_t user_id, std::string_view png,
                                                   int64_t now_ms) {
  return pool_.Run("set avatar", [&](sql::Connection& conn) -> absl::StatusOr<uint32_t> {
    Transaction tx(conn);
    sql::PreparedStatement& bump =
        Prepare(conn,
                "UPDATE users SET avatar_version = LAST_INSERT_ID(avatar_version + 1) "
                "WHERE id = ? AND deleted_at_ms IS NULL");
    bump.setUInt64(1, user_id);
    if (bump.executeUpdate() != 1) return absl::NotFoundError("no such user");
    auto version = static_cast<uint32_t>(LastInsertId(conn));
    sql::PreparedStatement& upsert =
        Prepare(conn,
                "INSERT INTO avatars (user_id, version, png, updated_at_ms) VALUES (?, ?, ?, ?) "
                "ON DUPLICATE KEY UPDATE version = VALUES(version), png = VALUES(png), "
                "updated_at_ms = VALUES(updated_at_ms)");
    std::istringstream blob{std::string(png)};
    upsert.setUInt64(1, user_id);
    upsert.setUInt(2, version);
    upsert.setBlob(3, &blob);
    upsert.setInt64(4, now_ms);
    upsert.executeUpdate();
    tx.Commit();
    return version;
  });
}

absl::StatusOr<std::optional<std::pair<uint32_t, std::string>>> MysqlUserStore::GetAvatar(
    uint64_t user_id) {
  return pool_.Run("get avatar",
                   [&](sql::Connection& conn)
                       -> absl::StatusOr<std::optional<std::pair<uint32_t, std::string>>> {
                     sql::PreparedStatement& query =
                         Prepare(conn, "SELECT version, png FROM avatars WHERE user_id = ?");
                     query.setUInt64(1, user_id);
                     std::unique_ptr<sql::ResultSet> row(query.executeQuery());
                     if (!row->next()) return std::nullopt;
                     std::unique_ptr<std::istream> blob(row->getBlob(2));
                     std::string png((std::istreambuf_iterator<char>(*blob)),
                                     std::istreambuf_iterator<char>());
                     return std::make_pair(static_cast<uint32_t>(row->getUInt(1)), std::move(png));
                   });
}

absl::Status MysqlUserStore::MarkDeleted(uint64_t user_id, int64_t now_ms,
                                         std::string_view unusable_hash) {
  return pool_.Run("delete user", [&](sql::Connection& conn) -> absl::Status {
    Transaction tx(conn);
    sql::PreparedStatement& update =
        Prepare(conn,
                "UPDATE users SET password_hash = ?, display_name = '', deleted_at_ms = ?, "
                "avatar_version = avatar_version + 1 WHERE id = ? AND deleted_at_ms IS NULL");
    update.setString(1, std::string(unusable_hash));
    update.setInt64(2, now_ms);
    update.setUInt64(3, user_id);
    update.executeUpdate();
    sql::PreparedStatement& avatar = Prepare(conn, "DELETE FROM avatars WHERE user_id = ?");
    avatar.setUInt64(1, user_id);
    avatar.executeUpdate();
    tx.Commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> MysqlUserStore::UsersWithoutSkeleton(
    uint64_t after_id, size_t limit) {
  using Rows = std::vector<std::pair<uint64_t, std::string>>;
  return pool_.Run(
      "find users without a skeleton", [&](sql::Connection& conn) -> absl::StatusOr<Rows> {
        sql::PreparedStatement& query = Prepare(
            conn,
            "SELECT id, username FROM users WHERE username_skeleton IS NULL AND id > ? ORDER BY id "
            "LIMIT ?");
        query.setUInt64(1, after_id);
        query.setUInt64(2, limit);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        Rows out;
        while (rows->next()) out.emplace_back(rows->getUInt64(1), rows->getString(2));
        return out;
      });
}

absl::Status MysqlUserStore::SetUsernameSkeleton(uint64_t user_id, std::string_view skeleton) {
  return pool_.Run("set username skeleton", [&](sql::Connection& conn) -> absl::Status {
    sql::PreparedStatement& update = Prepare(
        conn, "UPDATE users SET username_skeleton = ? WHERE id = ? AND username_skeleton IS NULL");
    std::istringstream blob{std::string(skeleton)};
    update.setBlob(1, &blob);
    update.setUInt64(2, user_id);
    try {
      update.executeUpdate();
    } catch (const sql::SQLException& e) {
      if (e.getErrorCode() == kErDupEntry) return DuplicateName(e);
      throw;
    }
    return absl::OkStatus();
  });
}

}  // namespace natter::auth
