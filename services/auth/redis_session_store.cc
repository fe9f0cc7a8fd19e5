#include "redis_session_store.h"

#include <charconv>

namespace natter::auth {
namespace {

std::string SessionKey(const std::string& token_hash) { return "session:" + token_hash; }
std::string UserSessionsKey(uint64_t user_id) { return "user_sessions:" + std::to_string(user_id); }

template <class T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

absl::Status RedisSessionStore::Put(const std::string& token_hash, const Session& session,
                                    std::chrono::seconds ttl) {
  std::string key = SessionKey(token_hash);
  auto replies = redis_.Pipeline({
      {"HSET", key, "id", session.id, "user_id", std::to_string(session.user_id), "username",
       session.username, "device", session.device, "created_at_ms",
       std::to_string(session.created_at_ms), "expires_at_ms",
       std::to_string(session.expires_at_ms)},
      {"EXPIRE", key, std::to_string(ttl.count())},
      {"SADD", UserSessionsKey(session.user_id), token_hash},
  });
  return replies.status();
}

absl::StatusOr<std::optional<Session>> RedisSessionStore::Get(const std::string& token_hash) {
  auto reply = redis_.Command({"HGETALL", SessionKey(token_hash)});
  if (!reply.ok()) return reply.status();
  if (reply->size() == 0) return std::nullopt;
  Session session;
  bool valid = true;
  for (size_t i = 0; i + 1 < reply->size(); i += 2) {
    std::string_view field = RedisReply::Str(reply->element(i));
    std::string_view value = RedisReply::Str(reply->element(i + 1));
    if (field == "id")
      session.id = value;
    else if (field == "user_id")
      valid &= ParseNumber(value, session.user_id);
    else if (field == "username")
      session.username = value;
    else if (field == "device")
      session.device = value;
    else if (field == "created_at_ms")
      valid &= ParseNumber(value, session.created_at_ms);
    else if (field == "expires_at_ms")
      valid &= ParseNumber(value, session.expires_at_ms);
  }
  if (!valid || session.user_id == 0) {
    return absl::DataLossError("stored session is malformed");
  }
  return session;
}

absl::Status RedisSessionStore::Delete(const std::string& token_hash, uint64_t user_id) {
  auto replies = redis_.Pipeline({
      {"DEL", SessionKey(token_hash)},
      {"SREM", UserSessionsKey(user_id), token_hash},
  });
  return replies.status();
}

}  // namespace natter::auth
