// What one simulated client received, conversation by conversation, counted by seq: each entry once
// and in order is what Natter promises, so the ledger finds every duplicate, every entry that came
// after a later one, and (given what the senders had acked) every entry that never came.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace natter::loadgen {

class DeliveryLedger {
 public:
  // A conversation the client is in, and its latest seq when the client's stream went live
  // (Welcome): only later entries are counted.
  void Expect(uint64_t conversation, uint64_t latest_seq);
  bool Knows(uint64_t conversation) const { return conversations_.contains(conversation); }

  // One delivered entry. Returns false for a duplicate (or an entry from before the stream went
  // live).
  bool Record(uint64_t conversation, uint64_t seq);

  uint64_t deliveries() const { return deliveries_; }
  uint64_t duplicated() const { return duplicated_; }
  uint64_t out_of_order() const { return out_of_order_; }
  // Deliveries in conversations the client was not told about at Welcome.
  uint64_t unexpected() const { return unexpected_; }

  // How many of the acked seqs (by conversation) in this client's conversations it never received.
  uint64_t Missing(const std::map<uint64_t, std::vector<uint64_t>>& acked) const;

 private:
  struct Conversation {
    uint64_t base = 0;  // latest seq at Welcome
    uint64_t max_seen = 0;
    std::vector<bool> seen;  // seen[seq - base - 1]
  };
  std::map<uint64_t, Conversation> conversations_;
  uint64_t deliveries_ = 0;
  uint64_t duplicated_ = 0;
  uint64_t out_of_order_ = 0;
  uint64_t unexpected_ = 0;
};

}  // namespace natter::loadgen
