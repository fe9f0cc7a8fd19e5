#include "sim_client.h"

#include <charconv>

namespace natter::loadgen {

int64_t NowMicros() {
  static const auto start = std::chrono::steady_clock::now();
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

std::string MessageId(const std::string& run, int64_t scheduled_us, size_t sender, uint64_t n) {
  return run + "." + std::to_string(scheduled_us) + "." + std::to_string(sender) + "." +
         std::to_string(n);
}

int64_t ScheduledMicros(const std::string& run, const std::string& client_msg_id) {
  if (client_msg_id.size() <= run.size() || client_msg_id.compare(0, run.size(), run) != 0 ||
      client_msg_id[run.size()] != '.') {
    return -1;
  }
  const char* begin = client_msg_id.data() + run.size() + 1;
  const char* end = client_msg_id.data() + client_msg_id.size();
  int64_t scheduled = -1;
  auto [ptr, ec] = std::from_chars(begin, end, scheduled);
  if (ec != std::errc() || ptr == end || *ptr != '.') return -1;
  return scheduled;
}

SimClient::SimClient(size_t index, std::string token, std::shared_ptr<grpc::Channel> channel,
                     const std::string& run, Counters& counters, Hooks hooks)
    : index_(index),
      token_(std::move(token)),
      channel_(std::move(channel)),
      run_(run),
      counters_(counters),
      hooks_(std::move(hooks)),
      stub_(v1::Gateway::NewStub(channel_)) {}

void SimClient::Connect() {
  context_.AddMetadata("authorization", "Bearer " + token_);
  stub_->async()->Connect(&context_, this);
  // Held until the read side ends with no write in flight, so OnDone cannot run while Send() is
  // about to start a write.
  AddHold();
  StartRead(&read_);
  StartCall();
}

void SimClient::Send(v1::ClientFrame frame) {
  std::unique_lock lock(mu_);
  if (read_closed_ || stopping_) return;
  if (write_in_flight_) {
    queue_.push_back(std::move(frame));
    return;
  }
  write_in_flight_ = true;
  writing_ = std::move(frame);
  lock.unlock();
  StartWrite(&writing_);
}

void SimClient::OnWriteDone(bool ok) {
  std::unique_lock lock(mu_);
  if (!ok || read_closed_ || queue_.empty()) {
    write_in_flight_ = false;
    queue_.clear();
    bool release = read_closed_ && !hold_released_;
    hold_released_ = hold_released_ || release;
    lock.unlock();
    if (release) RemoveHold();
    return;
  }
  writing_ = std::move(queue_.front());
  queue_.pop_front();
  lock.unlock();
  StartWrite(&writing_);
}

void SimClient::Stop() {
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    stopping_ = true;
  }
  context_.TryCancel();
}

bool SimClient::WaitDone(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return done_cv_.wait_for(lock, timeout, [this] { return done_; });
}

void SimClient::OnReadDone(bool ok) {
  if (!ok) {
    // The stream ended; OnDone follows once no write is in flight.
    std::unique_lock lock(mu_);
    read_closed_ = true;
    queue_.clear();
    bool release = !write_in_flight_ && !hold_released_;
    hold_released_ = hold_released_ || release;
    lock.unlock();
    if (release) RemoveHold();
    return;
  }
  for (const auto& event : read_.events()) Handle(event);
  StartRead(&read_);
}

void SimClient::Handle(const v1::ServerEvent& event) {
  switch (event.kind_case()) {
    case v1::ServerEvent::kWelcome:
      welcome_ = event.welcome();
      for (const auto& c : welcome_.conversations()) ledger_.Expect(c.id(), c.latest_seq());
      welcomed_us_ = NowMicros();
      counters_.welcomed.fetch_add(1, std::memory_order_relaxed);
      break;
    case v1::ServerEvent::kResult:
      if (hooks_.on_result) hooks_.on_result(*this, event.result());
      break;
    case v1::ServerEvent::kMessage: {
      const auto& m = event.message();
      int64_t scheduled = ScheduledMicros(run_, m.client_msg_id());
      if (scheduled < 0) break;  // not ours
      counters_.deliveries.fetch_add(1, std::memory_order_relaxed);
      if (ledger_.Record(m.conversation_id(), m.seq())) latency_.Record(NowMicros() - scheduled);
      break;
    }
    case v1::ServerEvent::kResync:
    case v1::ServerEvent::kGoAway:
    case v1::ServerEvent::kSessionEnded:
      // A run is measured on streams that stay up; any of these means it was not.
      counters_.stream_failures.fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      break;  // presence, typing, profile changes: not measured
  }
}

void SimClient::OnDone(const grpc::Status& status) {
  std::lock_guard lock(mu_);
  final_status_ = status;
  if (!stopping_) counters_.stream_failures.fetch_add(1, std::memory_order_relaxed);
  done_ = true;
  queue_.clear();
  done_cv_.notify_all();
}

}  // namespace natter::loadgen
