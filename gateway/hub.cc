#include "hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <iterator>

#include "event_frame.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {

void Hub::Attach(const std::shared_ptr<EventSink>& sink, const std::vector<std::string>& channels,
                 std::function<void()> on_ready) {
  if (channels.empty()) {
    if (on_ready) on_ready();
    return;
  }
  auto remaining = std::make_shared<std::atomic<size_t>>(channels.size());
  auto ready = std::make_shared<std::function<void()>>(std::move(on_ready));
  std::lock_guard lock(mu_);
  sinks_[sink.get()] = sink;
  for (const auto& channel : channels) {
    AddLocked(sink, channel, [remaining, ready] {
      if (remaining->fetch_sub(1) == 1 && *ready) (*ready)();
    });
  }
}

void Hub::AddChannel(const std::shared_ptr<EventSink>& sink, const std::string& channel,
                     std::function<void()> on_ready) {
  {
    std::lock_guard lock(mu_);
    auto it = channels_of_.find(sink.get());
    if (it != channels_of_.end() &&
        std::find(it->second.begin(), it->second.end(), channel) == it->second.end()) {
      AddLocked(sink, channel, std::move(on_ready));
      return;
    }
    if (it == channels_of_.end()) return;  // detached (the stream ended)
  }
  if (on_ready) on_ready();
}

void Hub::RemoveChannel(const EventSink* sink, const std::string& channel) {
  std::lock_guard lock(mu_);
  auto it = channels_of_.find(sink);
  if (it == channels_of_.end()) return;
  auto found = std::find(it->second.begin(), it->second.end(), channel);
  if (found == it->second.end()) return;
  it->second.erase(found);
  RemoveLocked(sink, channel);
}

void Hub::AddLocked(const std::shared_ptr<EventSink>& sink, const std::string& channel,
                    std::function<void()> on_ready) {
  channels_of_[sink.get()].push_back(channel);
  Snapshot& current = by_channel_[channel];
  auto next = std::make_shared<Recipients>();
  if (current) *next = *current;  // the chunks' pointers, not the streams
  if (next->chunks.empty() || next->chunks.back()->size() >= kChunkSize) {
    next->chunks.push_back(std::make_shared<const Chunk>(Chunk{sink}));
  } else {
    auto last = std::make_shared<Chunk>(*next->chunks.back());
    last->push_back(sink);
    next->chunks.back() = std::move(last);
  }
  ++next->size;
  current = std::move(next);
  // Idempotent in the subscriber: the first call subscribes, later ones only wait for
  // confirmation. The callback runs on the subscriber thread, never under this lock.
  subscriber_.Subscribe(channel, std::move(on_ready));
}

void Hub::RemoveLocked(const EventSink* sink, const std::string& channel) {
  auto found = by_channel_.find(channel);
  if (found == by_channel_.end()) return;
  const Recipients& current = *found->second;
  for (size_t i = 0; i < current.chunks.size(); ++i) {
    const Chunk& chunk = *current.chunks[i];
    auto at =
        std::find_if(chunk.begin(), chunk.end(), [sink](const auto& s) { return s.get() == sink; });
    if (at == chunk.end()) continue;
    if (current.size == 1) {
      by_channel_.erase(found);
      subscriber_.Unsubscribe(channel);
      return;
    }
    auto next = std::make_shared<Recipients>(current);
    if (chunk.size() == 1) {
      next->chunks.erase(next->chunks.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      auto smaller = std::make_shared<Chunk>(chunk.begin(), at);
      smaller->insert(smaller->end(), std::next(at), chunk.end());
      next->chunks[i] = std::move(smaller);
    }
    --next->size;
    found->second = std::move(next);
    return;
  }
}

void Hub::Detach(const EventSink* sink) {
  std::lock_guard lock(mu_);
  sinks_.erase(sink);
  auto it = channels_of_.find(sink);
  if (it == channels_of_.end()) return;
  for (const auto& channel : it->second) RemoveLocked(sink, channel);
  channels_of_.erase(it);
}

void Hub::Deliver(const std::string& channel, std::string_view payload) {
  Snapshot recipients;
  {
    std::lock_guard lock(mu_);
    auto it = by_channel_.find(channel);
    if (it == by_channel_.end()) return;
    recipients = it->second;
  }
  // Check once per event (not per recipient) that the publisher sent a well-formed event.
  v1::ServerEvent event;
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      event.kind_case() == v1::ServerEvent::KIND_NOT_SET) {
    spdlog::warn("dropping malformed event ({} bytes) on channel {}", payload.size(), channel);
    return;
  }
  grpc::Slice framed = FrameEvent(payload);
  auto each = [&recipients](auto&& deliver) {
    for (const auto& chunk : recipients->chunks) {
      for (const auto& sink : *chunk) deliver(*sink);
    }
  };
  if (event.has_room_notice()) {
    each([&](EventSink& sink) { sink.PushNotice(framed, event.room_notice().user_id()); });
  } else if (event.has_user_event() && event.user_event().has_room()) {
    each([&](EventSink& sink) { sink.OnMembership(event.user_event().room(), framed); });
  } else if (event.has_block_changed()) {
    each([&](EventSink& sink) { sink.OnBlockChanged(event.block_changed()); });
  } else if (event.has_session_ended()) {
    each([&](EventSink& sink) { sink.EndSessions(event.session_ended(), framed); });
  } else if (recipients->size >= kFanOutRecipients) {
    each([&](EventSink& sink) { sink.PushFanOut(framed); });
  } else {
    each([&](EventSink& sink) { sink.Push(framed); });
  }
}

void Hub::ResyncAll(const std::string& reason) {
  for (const auto& sink : AllSinks()) sink->Resync(reason);
}

std::vector<std::shared_ptr<EventSink>> Hub::AllSinks() const {
  std::vector<std::shared_ptr<EventSink>> out;
  std::lock_guard lock(mu_);
  out.reserve(sinks_.size());
  for (const auto& [_, weak] : sinks_) {
    if (auto sink = weak.lock()) out.push_back(std::move(sink));
  }
  return out;
}

size_t Hub::channel_count() const {
  std::lock_guard lock(mu_);
  return by_channel_.size();
}

}  // namespace natter::gateway
