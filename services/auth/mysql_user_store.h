// UserStore on MySQL/MariaDB (table users, migrations/001_users.sql).
#pragma once

#include "common/mysql_pool.h"
#include "user_store.h"

namespace natter::auth {

class MysqlUserStore final : public UserStore {
 public:
  explicit MysqlUserStore(MysqlPool& pool) : pool_(pool) {}

  absl::StatusOr<uint64_t> CreateUser(std::string_view username, std::string_view username_key,
                                      std::string_view password_hash,
                                      int64_t created_at_ms) override;
  absl::StatusOr<std::optional<UserRecord>> FindByKey(std::string_view username_key) override;
  absl::Status UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) override;

 private:
  MysqlPool& pool_;
};

}  // namespace natter::auth
