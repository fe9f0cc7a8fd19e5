#include "redis_presence_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <tuple>

#include "common/status.h"

namespace natter::presence {
namespace {

std::string Id(uint64_t user_id) { return std::to_string(user_id); }
// One user's keys share a hash tag, so one slot: the refresh script may touch them all.
std::string UserKey(uint64_t user_id, std::string_view what) {
  return "presence:{u:" + Id(user_id) + "}:" + std::string(what);
}
std::string StreamsKey(uint64_t user_id) { return UserKey(user_id, "streams"); }
std::string SettingKey(uint64_t user_id) { return UserKey(user_id, "setting"); }
std::string VisibleKey(uint64_t user_id) { return UserKey(user_id, "visible"); }
// The global indexes, each split into kIndexShards sorted sets with a hash tag of their own, so
// that on a Redis Cluster they spread over the masters and no command needs two of them.
std::string IndexKey(std::string_view index, size_t shard) {
  return "presence:" + std::string(index) + ":{s" + std::to_string(shard) + "}";
}
std::string OnlineKey(uint64_t user_id) {
  return IndexKey("online", user_id % RedisPresenceStore::kIndexShards);
}
std::string VisibleOnlineKey(uint64_t user_id) {
  return IndexKey("visible_online", user_id % RedisPresenceStore::kIndexShards);
}

template <class T>
T Number(std::string_view text) {
  T value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Atomic on the user's own keys (KEYS: streams, setting, visible): drop expired streams, compute
// what others see, and record (and report) a change. A disappearance by expiry is dated at the last
// renewal (expiry - TTL). ARGV: now, TTL, and whether the caller has already listed the user as
// visibly online: a user is never recorded visible before being listed (answer {'index-first'},
// nothing written), so a crash in between leaves an extra entry, never a missing one.
// Answers {previous, current, last_seen_ms, live streams, username, newest expiry or ''}.
constexpr const char* kRefreshScript = R"lua(
local now = tonumber(ARGV[1])
local live = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
local setting = redis.call('GET', KEYS[2]) or 'online'
local current = 'offline'
if live > 0 and setting ~= 'invisible' then current = setting end
local previous = redis.call('HGET', KEYS[3], 'status') or 'offline'
if previous == 'offline' and current ~= 'offline' and ARGV[3] ~= '1' then
  return {'index-first'}
end
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local newest = ''
if live > 0 then newest = top[2] end
local last_seen = tonumber(redis.call('HGET', KEYS[3], 'last_seen_ms') or '0')
if previous ~= current then
  redis.call('HSET', KEYS[3], 'status', current)
  if current == 'offline' then
    last_seen = now
    if #top == 2 and tonumber(top[2]) <= now then
      last_seen = math.max(0, tonumber(top[2]) - tonumber(ARGV[2]))
    end
    redis.call('HSET', KEYS[3], 'last_seen_ms', last_seen)
  end
end
local name = redis.call('HGET', KEYS[3], 'username') or ''
return {previous, current, tostring(last_seen), live, name, newest}
)lua";

// On one index shard (KEYS[1]): removes ARGV[1] if its entry is due (score <= ARGV[2]). A renewal
// raises the entry past now before it adds a stream, so a renewal racing a refresh that saw no
// stream keeps its entry.
constexpr const char* kUnlistIfDueScript = R"lua(
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
)lua";

// Entries (score, user) of every index shard, merged in score order (ties by member, as one sorted
// set orders them), at most `limit`.
std::vector<uint64_t> MergeShards(const std::vector<RedisReply>& replies, size_t limit) {
  std::vector<std::tuple<double, std::string, uint64_t>> entries;
  for (const auto& reply : replies) {
    for (size_t i = 0; i + 1 < reply.size(); i += 2) {
      std::string member(RedisReply::Str(reply.element(i)));
      double score = Number<double>(RedisReply::Str(reply.element(i + 1)));
      uint64_t user = Number<uint64_t>(member);
      entries.emplace_back(score, std::move(member), user);
    }
  }
  std::sort(entries.begin(), entries.end());
  std::vector<uint64_t> users;
  for (size_t i = 0; i < entries.size() && i < limit; ++i) users.push_back(std::get<2>(entries[i]));
  return users;
}

}  // namespace

absl::StatusOr<std::vector<uint64_t>> RedisPresenceStore::Renew(
    const std::vector<StreamEntry>& streams, int64_t expires_at_ms) {
  if (streams.empty()) return std::vector<uint64_t>{};
  std::string score = std::to_string(expires_at_ms);
  // The sweeper's index first, in a round trip of its own (a cluster pipeline runs on several
  // masters in no set order): a crash before the streams are written leaves an extra entry, which
  // the sweeper checks and drops; never a live stream that the sweeper does not know of.
  std::vector<std::vector<std::string>> index, commands;
  index.reserve(streams.size());
  commands.reserve(streams.size() * 2);
  for (const auto& s : streams) {
    index.push_back({"ZADD", OnlineKey(s.user_id), "GT", score, Id(s.user_id)});
    commands.push_back({"ZADD", StreamsKey(s.user_id), score, s.stream_id});
    if (!s.username.empty()) {
      commands.push_back({"HSET", VisibleKey(s.user_id), "username", s.username});
    } else {
      commands.push_back({"PING"});
    }
  }
  if (auto listed = redis_.Pipeline(index); !listed.ok()) return listed.status();
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<uint64_t> added;
  for (size_t i = 0; i < streams.size(); ++i) {
    if ((*replies)[i * 2].integer() > 0) added.push_back(streams[i].user_id);
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
  const std::string user = Id(user_id), now = std::to_string(now_ms);
  absl::StatusOr<RedisReply> reply = absl::InternalError("presence script not run");
  for (const char* listed : {"0", "1"}) {
    reply = redis_.Command({"EVAL", kRefreshScript, "3", StreamsKey(user_id), SettingKey(user_id),
                            VisibleKey(user_id), now, std::to_string(ttl_ms), listed});
    if (!reply.ok()) return reply.status();
    if (reply->size() != 1) break;
    // The user becomes visible: listed first, recorded after (the script's comment says why).
    auto added = redis_.Command({"ZADD", VisibleOnlineKey(user_id), "NX", now, user});
    if (!added.ok()) return added.status();
  }
  if (reply->size() != 6) return absl::InternalError("unexpected presence script reply");
  Transition t;
  t.previous = RedisReply::Str(reply->element(0));
  t.current = RedisReply::Str(reply->element(1));
  t.last_seen_ms = Number<int64_t>(RedisReply::Str(reply->element(2)));
  t.live_streams = static_cast<int>(reply->element(3)->integer);
  t.username = RedisReply::Str(reply->element(4));
  const std::string newest(RedisReply::Str(reply->element(5)));

  // The change is recorded: from here on a failure is logged, not returned, so that the change is
  // still announced (the next refresh would see none). The indexes follow the record, the
  // sweeper's last: any step cut short leaves the user in the sweeper's index, and the sweeper's
  // refresh of the user mends the rest.
  if (auto s = UpdateIndexes(user_id, t, newest, now); !s.ok()) {
    spdlog::warn("presence indexes of user {} not updated ({}); the sweeper will mend them",
                 user_id, s.message());
  }
  return t;
}

absl::Status RedisPresenceStore::UpdateIndexes(uint64_t user_id, const Transition& t,
                                               const std::string& newest, const std::string& now) {
  const std::string user = Id(user_id);
  if (t.current != "offline") {
    // Already listed unless a concurrent refresh unlisted the user in the meantime.
    auto added = redis_.Command({"ZADD", VisibleOnlineKey(user_id), "NX", now, user});
    if (!added.ok()) return added.status();
  } else {
    auto removed = redis_.Command({"ZREM", VisibleOnlineKey(user_id), user});
    if (!removed.ok()) return removed.status();
    // A refresh elsewhere may have recorded the user visible since this one read the record.
    auto status = redis_.Command({"HGET", VisibleKey(user_id), "status"});
    if (!status.ok()) return status.status();
    if (status->is_string() && status->str() != "offline") {
      auto added = redis_.Command({"ZADD", VisibleOnlineKey(user_id), "NX", now, user});
      if (!added.ok()) return added.status();
    }
  }
  if (t.live_streams > 0) {
    return redis_.Command({"ZADD", OnlineKey(user_id), newest, user}).status();
  }
  return redis_.Command({"EVAL", kUnlistIfDueScript, "1", OnlineKey(user_id), user, now}).status();
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
  if (limit == 0) return std::vector<uint64_t>{};
  std::vector<std::vector<std::string>> commands;
  for (size_t shard = 0; shard < kIndexShards; ++shard) {
    commands.push_back({"ZRANGEBYSCORE", IndexKey("online", shard), "-inf", std::to_string(now_ms),
                        "WITHSCORES", "LIMIT", "0", std::to_string(limit)});
  }
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  return MergeShards(*replies, limit);
}

absl::StatusOr<std::pair<std::vector<UserState>, uint64_t>> RedisPresenceStore::VisibleOnline(
    uint32_t limit, int64_t now_ms) {
  std::vector<std::vector<std::string>> commands;
  for (size_t shard = 0; shard < kIndexShards; ++shard) {
    std::string key = IndexKey("visible_online", shard);
    if (limit > 0) {
      commands.push_back({"ZRANGE", key, "0", std::to_string(limit - 1), "WITHSCORES"});
    } else {
      commands.push_back({"PING"});
    }
    commands.push_back({"ZCARD", key});
  }
  auto replies = redis_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  std::vector<RedisReply> ranges;
  uint64_t total = 0;
  for (size_t shard = 0; shard < kIndexShards; ++shard) {
    ranges.push_back(std::move((*replies)[shard * 2]));
    total += static_cast<uint64_t>((*replies)[shard * 2 + 1].integer());
  }
  auto states = Get(MergeShards(ranges, limit), now_ms);
  if (!states.ok()) return states.status();
  // An extra entry (a refresh cut short) lists no one who is recorded offline.
  std::erase_if(*states, [](const UserState& s) { return s.status == "offline"; });
  return std::make_pair(std::move(*states), total);
}

absl::StatusOr<size_t> RedisPresenceStore::MigrateLegacyKeys() {
  // Before the keys were tagged they only ever existed on a single Redis: the old script could not
  // run on a cluster.
  if (redis_.cluster()) return 0;
  constexpr std::string_view kSetting = "presence:setting:", kVisible = "presence:visible:";
  size_t migrated = 0;
  std::string cursor = "0";
  do {
    auto page = redis_.Command({"SCAN", cursor, "MATCH", "presence:*", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    if (page->size() != 2) return absl::InternalError("unexpected SCAN reply");
    cursor = RedisReply::Str(page->element(0));
    const redisReply* keys = page->element(1);
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string key(RedisReply::Str(keys->element[i]));
      if (key.find('{') != std::string::npos) continue;  // a new key
      std::vector<std::vector<std::string>> commands;
      if (key.starts_with(kSetting)) {
        // The user's chosen status ("invisible" above all) is kept until changed.
        auto setting = redis_.Command({"GET", key});
        if (!setting.ok()) return setting.status();
        uint64_t user_id = Number<uint64_t>(std::string_view(key).substr(kSetting.size()));
        if (user_id != 0 && setting->is_string()) {
          commands.push_back({"SET", SettingKey(user_id), std::string(setting->str()), "NX"});
        }
      } else if (key.starts_with(kVisible)) {
        // Friends keep seeing when the user was last seen; the status itself is rebuilt.
        auto fields = redis_.Command({"HMGET", key, "last_seen_ms", "username"});
        if (!fields.ok()) return fields.status();
        uint64_t user_id = Number<uint64_t>(std::string_view(key).substr(kVisible.size()));
        if (user_id != 0 && fields->size() == 2) {
          for (size_t f = 0; f < 2; ++f) {
            if (fields->element(f)->type != REDIS_REPLY_STRING) continue;
            commands.push_back({"HSETNX", VisibleKey(user_id), f == 0 ? "last_seen_ms" : "username",
                                std::string(RedisReply::Str(fields->element(f)))});
          }
        }
      }
      // Streams and the two global sets are rebuilt by the gateways' heartbeats within a TTL.
      commands.push_back({"DEL", key});
      if (auto done = redis_.Pipeline(commands); !done.ok()) return done.status();
      ++migrated;
    }
  } while (cursor != "0");
  return migrated;
}

}  // namespace natter::presence
