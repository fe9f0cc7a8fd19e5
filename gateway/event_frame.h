// Events travel through the gateway already serialized. A ServerFrame on the wire is the
// concatenation of its events, each as field 1 (tag 0x0A, varint length, ServerEvent bytes), so the
// gateway frames an event once and writes the same bytes to every stream (grpc::Slice copies share
// memory).
#pragma once

#include <grpcpp/support/slice.h>

#include <string_view>

namespace google::protobuf {
class MessageLite;
}

namespace natter::gateway {

// `event` (serialized natter.v1.ServerEvent) framed as one element of ServerFrame.events.
grpc::Slice FrameEvent(std::string_view event);
grpc::Slice FrameEvent(const google::protobuf::MessageLite& event);

}  // namespace natter::gateway
