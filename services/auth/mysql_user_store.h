// UserStore on MySQL/MariaDB (tables users and avatars, migrations/).
#pragma once

#include <functional>

#include "common/mysql_pool.h"
#include "user_store.h"

namespace natter::auth {

class MysqlUserStore final : public UserStore {
 public:
  explicit MysqlUserStore(MysqlPool& pool) : pool_(pool) {}

  absl::StatusOr<uint64_t> CreateUser(const NewUser& user) override;
  absl::StatusOr<std::optional<UserRecord>> FindByKey(std::string_view username_key) override;
  absl::StatusOr<std::optional<UserRecord>> FindById(uint64_t user_id) override;
  absl::StatusOr<std::vector<UserRecord>> FindByIds(const std::vector<uint64_t>& user_ids) override;
  absl::Status UpdatePasswordHash(uint64_t user_id, std::string_view password_hash) override;
  absl::Status UpdateDisplayName(uint64_t user_id, std::string_view display_name) override;
  absl::StatusOr<uint32_t> SetAvatar(uint64_t user_id, std::string_view png,
                                     int64_t now_ms) override;
  absl::StatusOr<std::optional<std::pair<uint32_t, std::string>>> GetAvatar(
      uint64_t user_id) override;
  absl::Status MarkDeleted(uint64_t user_id, int64_t now_ms,
                           std::string_view unusable_hash) override;
  absl::StatusOr<std::vector<std::pair<uint64_t, std::string>>> UsersWithoutSkeleton(
      uint64_t after_id, size_t limit) override;
  absl::Status SetUsernameSkeleton(uint64_t user_id, std::string_view skeleton) override;

 private:
  absl::StatusOr<std::optional<UserRecord>> FindOne(
      std::string_view what, const char* where,
      const std::function<void(sql::PreparedStatement&)>& bind);

  MysqlPool& pool_;
};

}  // namespace natter::auth
