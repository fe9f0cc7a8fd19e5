#include "common/redis_cluster.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>

namespace natter {
namespace {

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as the Redis Cluster specification
// defines the key hash; computed bit by bit, keys are short.
uint16_t Crc16(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc ^= static_cast<uint16_t>(byte) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

bool Is(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view Str(const redisReply* r) {
  return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
}

std::string Name(const RedisConfig::Endpoint& e) { return fmt::format("{}:{}", e.host, e.port); }

}  // namespace

RedisContextPtr ConnectRedis(const std::string& host, int port, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  RedisContextPtr c(redisConnectWithTimeout(host.c_str(), port, tv), &redisFree);
  if (c && !c->err) redisSetTimeout(c.get(), tv);
  return c;
}

redisReply* AskRedis(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data());
  void* raw = nullptr;
  if (redisGetReply(c, &raw) != REDIS_OK) return nullptr;
  return static_cast<redisReply*>(raw);
}

uint16_t RedisKeySlot(std::string_view key) {
  if (size_t open = key.find('{'); open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) % kRedisClusterSlots;
}

std::optional<std::string_view> RedisRoutingKey(const std::vector<std::string>& args) {
  if (args.size() < 2) return std::nullopt;
  const std::string_view command = args[0];
  if (Is(command, "EVAL") || Is(command, "EVALSHA")) {
    if (args.size() < 4 || args[2] == "0") return std::nullopt;
    return std::string_view(args[3]);
  }
  for (std::string_view keyless : {"PING", "ROLE", "INFO", "SCRIPT", "CLUSTER", "CONFIG", "DBSIZE",
                                   "FLUSHALL", "FLUSHDB", "TIME", "CLIENT", "AUTH"}) {
    if (Is(command, keyless)) return std::nullopt;
  }
  return std::string_view(args[1]);  // the key, or the channel of (S)PUBLISH
}

std::optional<RedisRedirect> ParseRedisRedirect(std::string_view error) {
  RedisRedirect redirect;
  if (error.starts_with("MOVED ")) {
    error.remove_prefix(6);
  } else if (error.starts_with("ASK ")) {
    redirect.ask = true;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  size_t space = error.find(' ');
  size_t colon = error.rfind(':');
  if (space == std::string_view::npos || colon == std::string_view::npos || colon < space) {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(error.data(), error.data() + space, redirect.slot);
  if (ec != std::errc() || redirect.slot >= kRedisClusterSlots) return std::nullopt;
  redirect.to.host = std::string(error.substr(space + 1, colon - space - 1));
  std::string_view port = error.substr(colon + 1);
  auto [port_end, port_ec] =
      std::from_chars(port.data(), port.data() + port.size(), redirect.to.port);
  if (port_ec != std::errc() || redirect.to.host.empty()) return std::nullopt;
  return redirect;
}

RedisSlotMap::RedisSlotMap(std::vector<RedisConfig::Endpoint> seeds, std::string password,
                           std::chrono::milliseconds timeout)
    : seeds_(std::move(seeds)), password_(std::move(password)), timeout_(timeout) {}

bool RedisSlotMap::Parse(const redisReply* reply, std::vector<RedisConfig::Endpoint>& nodes,
                         std::array<uint16_t, kRedisClusterSlots>& slots) {
  if (!reply || reply->type != REDIS_REPLY_ARRAY) return false;
  std::vector<bool> covered(kRedisClusterSlots, false);
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* range = reply->element[i];
    if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
        range->element[0]->type != REDIS_REPLY_INTEGER ||
        range->element[1]->type != REDIS_REPLY_INTEGER ||
        range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2) {
      return false;
    }
    long long first = range->element[0]->integer, last = range->element[1]->integer;
    if (first < 0 || last >= kRedisClusterSlots || first > last) return false;
    const redisReply* master = range->element[2];
    RedisConfig::Endpoint node{std::string(Str(master->element[0])),
                               static_cast<int>(master->element[1]->integer)};
    auto it = std::find(nodes.begin(), nodes.end(), node);
    auto index = static_cast<uint16_t>(it - nodes.begin());
    if (it == nodes.end()) nodes.push_back(node);
    for (long long s = first; s <= last; ++s) {
      slots[static_cast<size_t>(s)] = index;
      covered[static_cast<size_t>(s)] = true;
    }
  }
  return std::all_of(covered.begin(), covered.end(), [](bool c) { return c; });
}

absl::Status RedisSlotMap::Refresh() {
  std::vector<RedisConfig::Endpoint> candidates = Masters();
  for (const auto& seed : seeds_) {
    if (std::find(candidates.begin(), candidates.end(), seed) == candidates.end()) {
      candidates.push_back(seed);
    }
  }
  std::string answers;
  for (const auto& node : candidates) {
    RedisContextPtr c = ConnectRedis(node.host, node.port, timeout_);
    if (!c || c->err) {
      answers += fmt::format("; {} unreachable", Name(node));
      continue;
    }
    if (!password_.empty()) {
      redisReply* auth = AskRedis(c.get(), {"AUTH", password_});
      bool refused = !auth || auth->type == REDIS_REPLY_ERROR;
      if (auth) freeReplyObject(auth);
      if (refused) {
        answers += fmt::format("; {} refused the password", Name(node));
        continue;
      }
    }
    redisReply* reply = AskRedis(c.get(), {"CLUSTER", "SLOTS"});
    std::vector<RedisConfig::Endpoint> nodes;
    std::array<uint16_t, kRedisClusterSlots> slots{};
    bool whole = Parse(reply, nodes, slots);
    if (reply) freeReplyObject(reply);
    if (!whole) {
      answers += fmt::format("; {} has no complete slot map", Name(node));
      continue;
    }
    std::lock_guard lock(mu_);
    nodes_ = std::move(nodes);
    slots_ = slots;
    known_ = true;
    refreshed_at_ = std::chrono::steady_clock::now();
    return absl::OkStatus();
  }
  std::lock_guard lock(mu_);
  refreshed_at_ = std::chrono::steady_clock::now();  // failures are rate limited too
  return absl::UnavailableError("Redis Cluster: no node gave a complete slot map" + answers);
}

absl::Status RedisSlotMap::RefreshIfStale(std::chrono::milliseconds min_interval) {
  {
    std::lock_guard lock(mu_);
    if (known_ && std::chrono::steady_clock::now() - refreshed_at_ < min_interval) {
      return absl::OkStatus();
    }
  }
  return Refresh();
}

std::optional<RedisConfig::Endpoint> RedisSlotMap::MasterFor(uint16_t slot) const {
  std::lock_guard lock(mu_);
  if (!known_) return std::nullopt;
  return nodes_[slots_[slot]];
}

std::optional<RedisConfig::Endpoint> RedisSlotMap::AnyMaster() const {
  std::lock_guard lock(mu_);
  if (!known_) return std::nullopt;
  return nodes_[slots_[0]];
}

std::vector<RedisConfig::Endpoint> RedisSlotMap::Masters() const {
  std::lock_guard lock(mu_);
  std::vector<RedisConfig::Endpoint> masters;
  if (!known_) return masters;
  std::vector<bool> used(nodes_.size(), false);
  for (uint16_t index : slots_) used[index] = true;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (used[i]) masters.push_back(nodes_[i]);
  }
  return masters;
}

uint16_t RedisSlotMap::NodeIndex(const RedisConfig::Endpoint& node) {
  auto it = std::find(nodes_.begin(), nodes_.end(), node);
  if (it != nodes_.end()) return static_cast<uint16_t>(it - nodes_.begin());
  nodes_.push_back(node);
  return static_cast<uint16_t>(nodes_.size() - 1);
}

void RedisSlotMap::Moved(uint16_t slot, const RedisConfig::Endpoint& to) {
  std::lock_guard lock(mu_);
  if (!known_) return;
  slots_[slot] = NodeIndex(to);
}

}  // namespace natter
