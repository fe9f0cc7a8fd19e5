#include "redis_presence_store.h"

#include <charconv>

namespace natter::presence {
namespace {

constexpr const char* kOnlineKey = "presence:online";

std::string StreamsKey(uint64_t user_id) { return "presence:streams:" + std::to_string(user_id); }

// Removes one stream and expired ones, then sets the user's online score to their latest live
// expiry (or removes them): atomic, so a concurrent renewal cannot be lost.
constexpr const char* kRemoveScript = R"lua(
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #top == 0 then
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 0
end
redis.call('ZADD', KEYS[2], top[2], ARGV[3])
return redis.call('ZCARD', KEYS[1])
)lua";

}  // namespace

absl::Status RedisPresenceStore::Renew(const std::vector<StreamEntry>& streams,
                                       int64_t expires_at_ms) {
  if (streams.empty()) return absl::OkStatus();
  std::string score = std::to_string(expires_at_ms);
  std::vector<std::vector<std::string>> commands;
  commands.reserve(streams.size() * 2);
  for (const auto& s : streams) {
    commands.push_back({"ZADD", StreamsKey(s.user_id), score, s.stream_id});
    commands.push_back({"ZADD", kOnlineKey, "GT", score, std::to_string(s.user_id)});
  }
  return redis_.Pipeline(commands).status();
}

absl::StatusOr<int> RedisPresenceStore::Remove(const StreamEntry& stream, int64_t now_ms) {
  auto reply =
      redis_.Command({"EVAL", kRemoveScript, "2", StreamsKey(stream.user_id), kOnlineKey,
                      stream.stream_id, std::to_string(now_ms), std::to_string(stream.user_id)});
  if (!reply.ok()) return reply.status();
  return static_cast<int>(reply->integer());
}

absl::StatusOr<std::vector<int>> RedisPresenceStore::LiveStreams(
    const std::vector<uint64_t>& user_ids, int64_t now_ms) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(user_ids.size());
  std::string min = "(" + std::to_string(now_ms);
  for (uint64_t id : user_ids) commands.push_back({"ZCOUNT", StreamsKey(id), min, "+inf"});
  if (commands.empty()) return std::vector<int>{};
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<int> counts;
  counts.reserve(replies->size());
  for (const auto& r : *replies) counts.push_back(static_cast<int>(r.integer()));
  return counts;
}

absl::StatusOr<std::pair<std::vector<uint64_t>, uint64_t>> RedisPresenceStore::Online(
    int64_t now_ms, uint32_t limit) {
  std::string min = "(" + std::to_string(now_ms);
  auto replies = redis_.Pipeline({
      {"ZREMRANGEBYSCORE", kOnlineKey, "-inf", std::to_string(now_ms)},
      {"ZRANGEBYSCORE", kOnlineKey, min, "+inf", "LIMIT", "0", std::to_string(limit)},
      {"ZCOUNT", kOnlineKey, min, "+inf"},
  });
  if (!replies.ok()) return replies.status();
  std::vector<uint64_t> users;
  const RedisReply& members = (*replies)[1];
  for (size_t i = 0; i < members.size(); ++i) {
    std::string_view text = RedisReply::Str(members.element(i));
    uint64_t id = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), id).ec == std::errc()) {
      users.push_back(id);
    }
  }
  return std::make_pair(std::move(users), static_cast<uint64_t>((*replies)[2].integer()));
}

}  // namespace natter::presence
