#include "search_backfill.h"

#include <spdlog/spdlog.h>

namespace natter::chat {

void SearchBackfill::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SearchBackfill::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SearchBackfill::Wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void SearchBackfill::Run() {
  size_t indexed = 0;
  for (;;) {
    auto seen = store_.IndexOlderMessages(options_.batch);
    std::chrono::milliseconds next = options_.pause;
    if (!seen.ok()) {
      spdlog::warn("search index: older messages not indexed yet, trying again: {}",
                   std::string(seen.status().message()));
      next = options_.retry;
    } else if (*seen > 0) {
      indexed += *seen;
    } else {
      if (indexed > 0) spdlog::info("search index: looked through {} older messages", indexed);
      indexed = 0;
      next = options_.idle;
    }
    if (!Wait(next)) return;
  }
}

}  // namespace natter::chat
