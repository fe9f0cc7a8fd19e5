// The gateway's unary calls, served from raw bytes: the gateway parses each request itself, so a
// request that is not a valid message (bytes that do not parse, a string field that is not UTF-8)
// is answered INVALID_ARGUMENT with what is wrong, instead of gRPC's bare UNIMPLEMENTED. A handler
// gets a UnaryCall with the parsed request and answers through Reply.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include "client_admission.h"

namespace natter::gateway {

// Parses `bytes` into `message`; INVALID_ARGUMENT naming the field or the message when they are not
// a valid `message`. Never logs.
grpc::Status ParseRequest(const grpc::ByteBuffer& bytes, google::protobuf::Message& message);

// The varint field `number` of a message whose other fields may be broken (to name a request that
// failed ParseRequest), if the bytes can be read that far.
std::optional<uint64_t> VarintField(const grpc::ByteBuffer& bytes, int number);

// One unary call: the parsed request, the response to fill, and the reactor that answers. Deletes
// itself once gRPC is done with it.
template <class Request, class Response>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  // `lease`: the call's place among the client's calls in flight, if counted; given back when
  // the call is done.
  UnaryCall(grpc::CallbackServerContext* context, grpc::ByteBuffer* reply,
            std::unique_ptr<ClientAdmission::Lease> lease)
      : context_(context), reply_(reply), lease_(std::move(lease)) {}

  grpc::CallbackServerContext& context() { return *context_; }
  Request request;
  Response response;

  // Answers with `response` when `status` is OK, else with the error. Exactly once.
  void Reply(const grpc::Status& status) {
    if (status.ok()) {
      bool own_buffer = false;
      grpc::Status encoded =
          grpc::SerializationTraits<Response>::Serialize(response, reply_, &own_buffer);
      if (!encoded.ok()) {
        Finish(grpc::Status(grpc::StatusCode::INTERNAL, "the gateway could not encode its answer"));
        return;
      }
    }
    Finish(status);
  }

  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const reply_;
  std::unique_ptr<ClientAdmission::Lease> lease_;
};

// A unary method as gRPC calls it with raw bytes, with the call's admission lease (or null).
using RawUnaryHandler = std::function<grpc::ServerUnaryReactor*(
    grpc::CallbackServerContext*, const grpc::ByteBuffer*, grpc::ByteBuffer*,
    std::unique_ptr<ClientAdmission::Lease>)>;

// `handle` behind the parsing: it runs only for a request that parsed.
template <class Request, class Response>
RawUnaryHandler ParsedFirst(std::function<void(UnaryCall<Request, Response>*)> handle) {
  return
      [handle = std::move(handle)](
          grpc::CallbackServerContext* context, const grpc::ByteBuffer* in, grpc::ByteBuffer* out,
          std::unique_ptr<ClientAdmission::Lease> lease) -> grpc::ServerUnaryReactor* {
        auto* call = new UnaryCall<Request, Response>(context, out, std::move(lease));
        if (grpc::Status parsed = ParseRequest(*in, call->request); !parsed.ok()) {
          call->Reply(parsed);
          return call;
        }
        handle(call);
        return call;
      };
}

}  // namespace natter::gateway
