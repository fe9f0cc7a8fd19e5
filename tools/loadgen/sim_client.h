// One simulated user: its own gRPC channel (so its own TCP connection, as a real client has) and
// one Connect stream, driven by gRPC's callback API so thousands fit in one process. Everything it
// receives is counted in its DeliveryLedger and latency Histogram, which only its own reactions
// touch (gRPC runs one reaction of a stream at a time), so they need no lock.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "delivery_ledger.h"
#include "histogram.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::loadgen {

// Microseconds on the run's steady clock.
int64_t NowMicros();

// What every client adds to, for the live progress line and the totals.
struct Counters {
  std::atomic<uint64_t> welcomed{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> acked{0};
  std::atomic<uint64_t> failed_sends{0};  // a CommandResult with an error
  std::atomic<uint64_t> deliveries{0};    // this run's messages received, duplicates included
  std::atomic<uint64_t> expected{0};      // acked messages times the members connected to see them
  std::atomic<uint64_t> stream_failures{0};
};

// client_msg_id of a message this run sends: "<run>.<scheduled µs>.<sender>.<n>", so a receiver
// knows the message is ours and when it was meant to be sent.
std::string MessageId(const std::string& run, int64_t scheduled_us, size_t sender, uint64_t n);
// The scheduled time in a MessageId of run `run`, or -1 for someone else's message.
int64_t ScheduledMicros(const std::string& run, const std::string& client_msg_id);

class SimClient final : public grpc::ClientBidiReactor<v1::ClientFrame, v1::ServerFrame> {
 public:
  // Called from the stream's reactions for each CommandResult.
  struct Hooks {
    std::function<void(SimClient&, const v1::CommandResult&)> on_result;
  };

  SimClient(size_t index, std::string token, std::shared_ptr<grpc::Channel> channel,
            const std::string& run, Counters& counters, Hooks hooks);

  // Opens the Connect stream.
  void Connect();
  // Queues a frame; frames are written one at a time, in order. Ignored once the stream ended.
  void Send(v1::ClientFrame frame);
  // Ends the stream (it counts as planned, not as a failure).
  void Stop();
  // Waits until gRPC is done with the stream.
  bool WaitDone(std::chrono::milliseconds timeout);

  size_t index() const { return index_; }
  // Set when the Welcome arrives, read after that.
  const v1::Welcome& welcome() const { return welcome_; }
  int64_t welcomed_us() const { return welcomed_us_; }
  // Read only after WaitDone().
  const DeliveryLedger& ledger() const { return ledger_; }
  // How the stream ended; OK while it is open.
  grpc::Status final_status() {
    std::lock_guard lock(mu_);
    return final_status_;
  }
  const Histogram& latency() const { return latency_; }

  // Scratch space for the scenario that drives this client as a sender; touched from its reactions
  // (acks) and the scheduler only through atomics or under the scenario's own rules.
  struct SenderState {
    std::atomic<uint64_t> next_request{0};
    std::atomic<uint64_t> outstanding{0};
    std::vector<std::pair<uint64_t, uint64_t>> acked;  // (conversation, seq); reactions only
  } sender;

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  void Handle(const v1::ServerEvent& event);

  const size_t index_;
  const std::string token_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::string& run_;
  Counters& counters_;
  Hooks hooks_;

  std::unique_ptr<v1::Gateway::Stub> stub_;
  grpc::ClientContext context_;
  v1::ServerFrame read_;
  v1::Welcome welcome_;
  int64_t welcomed_us_ = 0;
  DeliveryLedger ledger_;
  Histogram latency_;

  std::mutex mu_;
  std::condition_variable done_cv_;
  std::deque<v1::ClientFrame> queue_;
  v1::ClientFrame writing_;
  bool write_in_flight_ = false;
  bool read_closed_ = false;
  bool hold_released_ = false;
  bool done_ = false;
  bool stopping_ = false;
  grpc::Status final_status_;
};

}  // namespace natter::loadgen
