#include "event_frame.h"

#include <google/protobuf/message_lite.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace natter::gateway {
namespace {

constexpr char kEventsFieldTag =
    0x0A;  // field 1 (ServerFrame.events), wire type 2 (length-delimited)

}  // namespace

grpc::Slice FrameEvent(std::string_view event) {
  char header[11];
  size_t header_len = 0;
  header[header_len++] = kEventsFieldTag;
  uint64_t n = event.size();
  while (n >= 0x80) {
    header[header_len++] = static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  header[header_len++] = static_cast<char>(n);
  // One allocation, owned by the slice and freed with its last reference.
  auto* buf = static_cast<char*>(std::malloc(header_len + event.size()));
  if (!buf) throw std::bad_alloc();
  std::memcpy(buf, header, header_len);
  std::memcpy(buf + header_len, event.data(), event.size());
  return grpc::Slice(buf, header_len + event.size(), &std::free);
}

grpc::Slice FrameEvent(const google::protobuf::MessageLite& event) {
  return FrameEvent(event.SerializeAsString());
}

}  // namespace natter::gateway
