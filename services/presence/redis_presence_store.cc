#include "redis_presence_store.h"

#include <charconv>

namespace natter::presence {
namespace {

constexpr const char* kOnlineKey = "presence:online";
constexpr const char* kVisibleOnlineKey = "presence:visible_online";

std::string Id(uint64_t user_id) { return std::to_string(user_id); }
std::string StreamsKey(uint64_t user_id) { return "presence:streams:" + Id(user_id); }
std::string SettingKey(uint64_t user_id) { return "presence:setting:" + Id(user_id); }
std::string VisibleKey(uint64_t user_id) { return "presence:visible:" + Id(user_id); }

template <class T>
T Number(std::string_view text) {
  T value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Atomic: drop expired streams, keep the sweeper's list right, compute what others see, and record
// (and report) a change. A disappearance by expiry is dated at the last renewal (expiry - TTL).
constexpr const char* kRefreshScript = R"lua(
local now = tonumber(ARGV[1])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = redis.call('ZCARD', KEYS[1])
if live == 0 then
  redis.call('ZREM', KEYS[2], ARGV[2])
else
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('ZADD', KEYS[2], newest[2], ARGV[2])
end
local setting = redis.call('GET', KEYS[3]) or 'online'
local current = 'offline'
if live > 0 and setting ~= 'invisible' then current = setting end
local previous = redis.call('HGET', KEYS[4], 'status') or 'offline'
local last_seen = tonumber(redis.call('HGET', KEYS[4], 'last_seen_ms') or '0')
if previous ~= current then
  redis.call('HSET', KEYS[4], 'status', current)
  if current == 'offline' then
    last_seen = now
    if #top == 2 and tonumber(top[2]) <= now then
      last_seen = math.max(0, tonumber(top[2]) - tonumber(ARGV[3]))
    end
    redis.call('HSET', KEYS[4], 'last_seen_ms', last_seen)
    redis.call('ZREM', KEYS[5], ARGV[2])
  else
    redis.call('ZADD', KEYS[5], 'NX', now, ARGV[2])
  end
end
local name = redis.call('HGET', KEYS[4], 'username') or ''
return {previous, current, tostring(last_seen), live, name}
)lua";

}  // namespace

absl::StatusOr<std::vector<uint64_t>> RedisPresenceStore::Renew(
    const std::vector<StreamEntry>& streams, int64_t expires_at_ms) {
  if (streams.empty()) return std::vector<uint64_t>{};
  std::string score = std::to_string(expires_at_ms);
  std::vector<std::vector<std::string>> commands;
  commands.reserve(streams.size() * 3);
  for (const auto& s : streams) {
    commands.push_back({"ZADD", StreamsKey(s.user_id), score, s.stream_id});
    commands.push_back({"ZADD", kOnlineKey, "GT", score, Id(s.user_id)});
    if (!s.username.empty()) {
      commands.push_back({"HSET", VisibleKey(s.user_id), "username", s.username});
    } else {
      commands.push_back({"PING"});
    }
  }
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<uint64_t> added;
  for (size_t i = 0; i < streams.size(); ++i) {
    if ((*replies)[i * 3].integer() > 0) added.push_back(streams[i].user_id);
  }
  return added;
}

absl::Status RedisPresenceStore::Remove(const StreamEntry& stream) {
  return redis_.Command({"ZREM", StreamsKey(stream.user_id), stream.stream_id}).status();
}

absl::Status RedisPresenceStore::SetSetting(uint64_t user_id, const std::string& setting) {
  return redis_.Command({"SET", SettingKey(user_id), setting}).status();
}

absl::StatusOr<Transition> RedisPresenceStore::Refresh(uint64_t user_id, int64_t now_ms,
                                                       int64_t ttl_ms) {
  auto reply = redis_.Command({"EVAL", kRefreshScript, "5", StreamsKey(user_id), kOnlineKey,
                               SettingKey(user_id), VisibleKey(user_id), kVisibleOnlineKey,
                               std::to_string(now_ms), Id(user_id), std::to_string(ttl_ms)});
  if (!reply.ok()) return reply.status();
  if (reply->size() != 5) return absl::InternalError("unexpected presence script reply");
  Transition t;
  t.previous = RedisReply::Str(reply->element(0));
  t.current = RedisReply::Str(reply->element(1));
  t.last_seen_ms = Number<int64_t>(RedisReply::Str(reply->element(2)));
  t.live_streams = static_cast<int>(reply->element(3)->integer);
  t.username = RedisReply::Str(reply->element(4));
  return t;
}

absl::StatusOr<std::vector<UserState>> RedisPresenceStore::Get(
    const std::vector<uint64_t>& user_ids, int64_t now_ms) {
  if (user_ids.empty()) return std::vector<UserState>{};
  std::vector<std::vector<std::string>> commands;
  for (uint64_t id : user_ids) {
    commands.push_back({"HMGET", VisibleKey(id), "status", "last_seen_ms", "username"});
    commands.push_back({"ZCOUNT", StreamsKey(id), "(" + std::to_string(now_ms), "+inf"});
  }
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<UserState> states;
  for (size_t i = 0; i < user_ids.size(); ++i) {
    const RedisReply& fields = (*replies)[i * 2];
    UserState s;
    s.user_id = user_ids[i];
    s.status = fields.size() == 3 && fields.element(0)->type == REDIS_REPLY_STRING
                   ? std::string(RedisReply::Str(fields.element(0)))
                   : "offline";
    s.last_seen_ms = fields.size() == 3 ? Number<int64_t>(RedisReply::Str(fields.element(1))) : 0;
    s.username = fields.size() == 3 ? std::string(RedisReply::Str(fields.element(2))) : "";
    s.live_streams = static_cast<int>((*replies)[i * 2 + 1].integer());
    states.push_back(std::move(s));
  }
  return states;
}

absl::StatusOr<std::vector<uint64_t>> RedisPresenceStore::Expired(int64_t now_ms, size_t limit) {
  auto reply = redis_.Command({"ZRANGEBYSCORE", kOnlineKey, "-inf", std::to_string(now_ms), "LIMIT",
                               "0", std::to_string(limit)});
  if (!reply.ok()) return reply.status();
  std::vector<uint64_t> users;
  for (size_t i = 0; i < reply->size(); ++i) {
    users.push_back(Number<uint64_t>(RedisReply::Str(reply->element(i))));
  }
  return users;
}

absl::StatusOr<std::pair<std::vector<UserState>, uint64_t>> RedisPresenceStore::VisibleOnline(
    uint32_t limit, int64_t now_ms) {
  auto replies = redis_.Pipeline({
      {"ZRANGE", kVisibleOnlineKey, "0", std::to_string(static_cast<int64_t>(limit) - 1)},
      {"ZCARD", kVisibleOnlineKey},
  });
  if (!replies.ok()) return replies.status();
  std::vector<uint64_t> ids;
  for (size_t i = 0; i < (*replies)[0].size(); ++i) {
    ids.push_back(Number<uint64_t>(RedisReply::Str((*replies)[0].element(i))));
  }
  auto states = Get(ids, now_ms);
  if (!states.ok()) return states.status();
  return std::make_pair(std::move(*states), static_cast<uint64_t>((*replies)[1].integer()));
}

}  // namespace natter::presence
