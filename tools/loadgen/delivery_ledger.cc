#include "delivery_ledger.h"

namespace natter::loadgen {

void DeliveryLedger::Expect(uint64_t conversation, uint64_t latest_seq) {
  auto& c = conversations_[conversation];
  c.base = latest_seq;
  c.max_seen = latest_seq;
  c.seen.clear();
}

bool DeliveryLedger::Record(uint64_t conversation, uint64_t seq) {
  ++deliveries_;
  auto it = conversations_.find(conversation);
  if (it == conversations_.end()) {
    ++unexpected_;
    return true;
  }
  Conversation& c = it->second;
  if (seq <= c.base) {
    ++duplicated_;  // the client held it before the run
    return false;
  }
  size_t offset = seq - c.base - 1;
  if (offset >= c.seen.size()) c.seen.resize(offset + 1 + offset / 2, false);
  if (c.seen[offset]) {
    ++duplicated_;
    return false;
  }
  c.seen[offset] = true;
  if (seq < c.max_seen) ++out_of_order_;
  if (seq > c.max_seen) c.max_seen = seq;
  return true;
}

uint64_t DeliveryLedger::Missing(const std::map<uint64_t, std::vector<uint64_t>>& acked) const {
  uint64_t missing = 0;
  for (const auto& [conversation, c] : conversations_) {
    auto it = acked.find(conversation);
    if (it == acked.end()) continue;
    for (uint64_t seq : it->second) {
      if (seq <= c.base) continue;
      size_t offset = seq - c.base - 1;
      if (offset >= c.seen.size() || !c.seen[offset]) ++missing;
    }
  }
  return missing;
}

}  // namespace natter::loadgen
