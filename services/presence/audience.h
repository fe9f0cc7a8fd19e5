// Whom a user's presence concerns: their friends and the rooms they are in (natter-chat in
// production, a fake in unit tests). ChatAudience caches answers and forgets a user's entry when
// natter-chat says their friendships changed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "natter/v1/chat.grpc.pb.h"

namespace natter::presence {

struct Room {
  uint64_t id = 0;
  std::string name;
};

struct Audience {
  std::vector<uint64_t> friend_ids;
  std::vector<Room> rooms;
};

class AudienceSource {
 public:
  virtual ~AudienceSource() = default;
  virtual absl::StatusOr<Audience> Get(uint64_t user_id) = 0;
  // Forgets the cached audiences of these users (of everyone when empty).
  virtual void Invalidate(const std::vector<uint64_t>& user_ids) = 0;
};

// Applies a presence:audience_changed payload (common/channels.h) to `audience`: forgets the users
// it names. A payload that does not parse is dropped (logged and counted) and changes nothing, so
// a bad one can neither crash the process nor empty the whole cache. Returns whether it applied.
bool ApplyAudienceChanged(AudienceSource& audience, std::string_view payload);

class ChatAudience final : public AudienceSource {
 public:
  ChatAudience(std::unique_ptr<v1::Chat::StubInterface> chat, const Clock& clock,
               std::chrono::milliseconds ttl = std::chrono::seconds(60));

  absl::StatusOr<Audience> Get(uint64_t user_id) override;
  void Invalidate(const std::vector<uint64_t>& user_ids) override;

 private:
  struct Entry {
    Audience audience;
    int64_t fetched_at_ms;
  };
  std::unique_ptr<v1::Chat::StubInterface> chat_;
  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::unordered_map<uint64_t, Entry> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace natter::presence
