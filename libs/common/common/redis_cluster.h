// What a Redis Cluster client must know that hiredis 0.14 does not: which of the 16384 hash slots a
// key is in, which key of a command decides where it goes, and which master serves each slot (the
// slot map, learned with CLUSTER SLOTS and corrected by MOVED answers).
#pragma once

#include <hiredis/hiredis.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "common/config.h"

namespace natter {

inline constexpr int kRedisClusterSlots = 16384;

// A connection of its own to `host`:`port` with `timeout` for connecting and each reply; check
// ->err. For one-off questions (which master? which slots?), not for pooled commands.
using RedisContextPtr = std::unique_ptr<redisContext, decltype(&redisFree)>;
RedisContextPtr ConnectRedis(const std::string& host, int port, std::chrono::milliseconds timeout);
// Sends `args` binary-safe and reads the reply; null when the connection failed.
redisReply* AskRedis(redisContext* c, const std::vector<std::string>& args);

// The slot of `key`: CRC16 (XMODEM) of the key, or of the part between the first '{' and the next
// '}' when that part is not empty (a hash tag: "{u:42}:streams" and "{u:42}:setting" share a slot).
uint16_t RedisKeySlot(std::string_view key);

// The argument that decides where a command goes: the key of key commands (the first argument),
// the first key of EVAL/EVALSHA, the channel of PUBLISH/SPUBLISH; none for commands without a key
// (PING, ROLE, INFO, SCRIPT, CLUSTER ...), which any master can answer.
std::optional<std::string_view> RedisRoutingKey(const std::vector<std::string>& args);

// A redirect in an error reply: "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381".
struct RedisRedirect {
  bool ask = false;  // ASK: this command only, once, after ASKING; MOVED: the slot has moved
  uint16_t slot = 0;
  RedisConfig::Endpoint to;
};
std::optional<RedisRedirect> ParseRedisRedirect(std::string_view error);

// Which master serves each slot. Thread-safe.
class RedisSlotMap {
 public:
  explicit RedisSlotMap(std::vector<RedisConfig::Endpoint> seeds, std::string password,
                        std::chrono::milliseconds timeout);

  // Asks the masters known so far, then the seeds, for CLUSTER SLOTS until one answers with a map
  // that covers every slot. UNAVAILABLE, saying what each node answered, when none does.
  absl::Status Refresh();
  // Refresh(), unless one ran less than `min_interval` ago (many callers seeing one failover).
  absl::Status RefreshIfStale(std::chrono::milliseconds min_interval);

  // The master serving `slot`; nullopt before the first successful Refresh.
  std::optional<RedisConfig::Endpoint> MasterFor(uint16_t slot) const;
  // Some master (for commands without a key).
  std::optional<RedisConfig::Endpoint> AnyMaster() const;
  // Every master, each once.
  std::vector<RedisConfig::Endpoint> Masters() const;
  // A MOVED answer: the slot is served by `to` from now on (until the next Refresh says more).
  void Moved(uint16_t slot, const RedisConfig::Endpoint& to);

 private:
  // Parses a CLUSTER SLOTS reply into `nodes` and `slots`; false if it does not cover all slots.
  static bool Parse(const redisReply* reply, std::vector<RedisConfig::Endpoint>& nodes,
                    std::array<uint16_t, kRedisClusterSlots>& slots);
  uint16_t NodeIndex(const RedisConfig::Endpoint& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::vector<RedisConfig::Endpoint> seeds_;
  const std::string password_;
  const std::chrono::milliseconds timeout_;
  mutable std::mutex mu_;
  bool known_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<RedisConfig::Endpoint> nodes_ ABSL_GUARDED_BY(mu_);
  std::array<uint16_t, kRedisClusterSlots> slots_ ABSL_GUARDED_BY(mu_){};  // index into nodes_
  std::chrono::steady_clock::time_point refreshed_at_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter
