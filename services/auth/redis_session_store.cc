#include "redis_session_store.h"

#include <charconv>

namespace natter::auth {
namespace {

std::string SessionKey(const std::string& token_hash) { return "session:" + token_hash; }
std::string UserSessionsKey(uint64_t user_id) { return "user_sessions:" + std::to_string(user_id); }
std::string FailuresKey(const std::string& counter) { return "login_failures:" + counter; }
std::string KnownAddressKey(const std::string& username_key, const std::string& address) {
  return "login_known:" + username_key + "|" + address;
}

template <class T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// A session from an HGETALL reply; nullopt for an empty reply (no such key).
absl::StatusOr<std::optional<Session>> ParseSession(const redisReply* reply) {
  if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) return std::nullopt;
  Session session;
  bool valid = true;
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    std::string_view field = RedisReply::Str(reply->element[i]);
    std::string_view value = RedisReply::Str(reply->element[i + 1]);
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
    else if (field == "last_used_ms")
      valid &= ParseNumber(value, session.last_used_ms);
  }
  if (!valid || session.user_id == 0 || session.id.empty()) {
    return absl::DataLossError("stored session is malformed");
  }
  return session;
}

int64_t ToInt(const RedisReply& reply) {
  if (reply.is_integer()) return reply.integer();
  int64_t value = 0;
  if (reply.is_string()) ParseNumber(reply.str(), value);
  return value;
}

}  // namespace

absl::Status RedisSessionStore::Put(const std::string& token_hash, const Session& session,
                                    std::chrono::seconds ttl) {
  std::string key = SessionKey(token_hash);
  auto replies = redis_.Pipeline({
      {"HSET", key, "id", session.id, "user_id", std::to_string(session.user_id), "username",
       session.username, "device", session.device, "created_at_ms",
       std::to_string(session.created_at_ms), "expires_at_ms",
       std::to_string(session.expires_at_ms), "last_used_ms", std::to_string(session.last_used_ms)},
      {"EXPIRE", key, std::to_string(ttl.count())},
      {"SADD", UserSessionsKey(session.user_id), token_hash},
  });
  return replies.status();
}

absl::StatusOr<std::optional<Session>> RedisSessionStore::Get(const std::string& token_hash) {
  auto reply = redis_.Command({"HGETALL", SessionKey(token_hash)});
  if (!reply.ok()) return reply.status();
  return ParseSession(reply->raw());
}

absl::Status RedisSessionStore::Touch(const std::string& token_hash, int64_t last_used_ms,
                                      int64_t expires_at_ms, std::chrono::seconds ttl) {
  // Atomic, so a session revoked a moment ago is not brought back as a partial hash.
  constexpr const char* kTouch = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_used_ms', ARGV[1], 'expires_at_ms', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";
  return redis_
      .Command({"EVAL", kTouch, "1", SessionKey(token_hash), std::to_string(last_used_ms),
                std::to_string(expires_at_ms), std::to_string(ttl.count())})
      .status();
}

absl::Status RedisSessionStore::Delete(const std::string& token_hash, uint64_t user_id) {
  auto replies = redis_.Pipeline({
      {"DEL", SessionKey(token_hash)},
      {"SREM", UserSessionsKey(user_id), token_hash},
  });
  return replies.status();
}

absl::StatusOr<std::vector<std::pair<std::string, Session>>> RedisSessionStore::ListForUser(
    uint64_t user_id) {
  auto members = redis_.Command({"SMEMBERS", UserSessionsKey(user_id)});
  if (!members.ok()) return members.status();
  std::vector<std::string> hashes;
  for (size_t i = 0; i < members->size(); ++i) {
    hashes.emplace_back(RedisReply::Str(members->element(i)));
  }
  if (hashes.empty()) return std::vector<std::pair<std::string, Session>>{};
  std::vector<std::vector<std::string>> commands;
  for (const auto& h : hashes) commands.push_back({"HGETALL", SessionKey(h)});
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<std::pair<std::string, Session>> sessions;
  std::vector<std::vector<std::string>> stale;
  for (size_t i = 0; i < hashes.size(); ++i) {
    auto session = ParseSession((*replies)[i].raw());
    if (session.ok() && session->has_value() && (*session)->user_id == user_id) {
      sessions.emplace_back(hashes[i], std::move(**session));
    } else {
      stale.push_back({"SREM", UserSessionsKey(user_id), hashes[i]});  // expired or malformed
    }
  }
  if (!stale.empty()) redis_.Pipeline(stale).IgnoreError();
  return sessions;
}

absl::StatusOr<std::vector<LoginThrottle::Counter>> RedisLoginThrottle::Get(
    const std::vector<std::string>& keys) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : keys) commands.push_back({"HMGET", FailuresKey(key), "n", "last"});
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<Counter> counters;
  for (const auto& reply : *replies) {
    Counter counter;
    if (reply.size() == 2) {
      ParseNumber(RedisReply::Str(reply.element(0)), counter.failures);
      ParseNumber(RedisReply::Str(reply.element(1)), counter.last_failure_ms);
    }
    counters.push_back(counter);
  }
  return counters;
}

absl::Status RedisLoginThrottle::RecordFailure(const std::vector<std::string>& keys, int64_t now_ms,
                                               std::chrono::seconds ttl) {
  std::vector<std::vector<std::string>> commands;
  for (const auto& key : keys) {
    commands.push_back({"HINCRBY", FailuresKey(key), "n", "1"});
    commands.push_back({"HSET", FailuresKey(key), "last", std::to_string(now_ms)});
    commands.push_back({"EXPIRE", FailuresKey(key), std::to_string(ttl.count())});
  }
  return redis_.Pipeline(commands).status();
}

absl::Status RedisLoginThrottle::Reset(const std::string& key) {
  return redis_.Command({"DEL", FailuresKey(key)}).status();
}

absl::StatusOr<bool> RedisLoginThrottle::IsKnownAddress(const std::string& username_key,
                                                        const std::string& address) {
  auto reply = redis_.Command({"EXISTS", KnownAddressKey(username_key, address)});
  if (!reply.ok()) return reply.status();
  return ToInt(*reply) > 0;
}

absl::Status RedisLoginThrottle::RememberAddress(const std::string& username_key,
                                                 const std::string& address,
                                                 std::chrono::seconds ttl) {
  return redis_
      .Command(
          {"SET", KnownAddressKey(username_key, address), "1", "EX", std::to_string(ttl.count())})
      .status();
}

}  // namespace natter::auth
