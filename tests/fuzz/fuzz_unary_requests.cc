// The gateway's unary request path (unary_call.h): the first byte picks a method of the client API,
// the rest is the request as it came off the wire. A request either parses, and then survives a
// round trip, or is refused INVALID_ARGUMENT with words for a person; nothing else comes out, and
// nothing is logged on the way.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "natter/v1/gateway.grpc.pb.h"
#include "unary_call.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Through a message of gateway.proto, which links its descriptors in.
  const auto* service = natter::v1::ClientFrame::descriptor()->file()->FindServiceByName("Gateway");
  if (service == nullptr) std::abort();
  const auto* method = service->method(data[0] % service->method_count());
  // Connect's frames go through the same parser as a unary request.
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(method->input_type());
  std::unique_ptr<google::protobuf::Message> request(prototype->New());

  grpc::Slice slice(data + 1, size - 1);
  grpc::ByteBuffer wire(&slice, 1);
  grpc::Status parsed = natter::gateway::ParseRequest(wire, *request);
  if (parsed.ok()) {
    // What was accepted is a valid message: it serializes and reads back the same.
    std::string again = request->SerializeAsString();
    std::unique_ptr<google::protobuf::Message> copy(prototype->New());
    if (!copy->ParseFromString(again) || copy->SerializeAsString() != again) std::abort();
    return 0;
  }
  if (parsed.error_code() != grpc::StatusCode::INVALID_ARGUMENT) std::abort();
  if (parsed.error_message().find(method->input_type()->full_name()) == std::string::npos) {
    std::abort();
  }
  return 0;
}
