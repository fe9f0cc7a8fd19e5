// The gateway's UploadFile and DownloadFile: the caller from the call's token (as for the unary
// calls), then a relay to natter-chat one chunk at a time: the next chunk is read from one side
// only once the one before it is written to the other, so HTTP/2 flow control slows the faster
// side down and the gateway holds at most one chunk of a transfer, never a file.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>

#include "client_admission.h"
#include "gateway_context.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::gateway {

// A transfer's deadline towards natter-chat: the client's, at most this far away.
inline constexpr std::chrono::minutes kMaxTransferTime{10};

// Resolves the caller of `context` (natter-auth), then runs `then`, or `fail` with the error.
using CallerCheck = std::function<void(grpc::CallbackServerContext& context,
                                       std::function<void(const grpc::Status&)> fail,
                                       std::function<void(const v1::Caller&)> then)>;

grpc::ServerReadReactor<v1::UploadChunk>* StartUploadRelay(GatewayContext& gateway,
                                                           const CallerCheck& check,
                                                           grpc::CallbackServerContext* context,
                                                           v1::FileInfo* response);

grpc::ServerWriteReactor<v1::FileChunk>* StartDownloadRelay(GatewayContext& gateway,
                                                            const CallerCheck& check,
                                                            grpc::CallbackServerContext* context,
                                                            const v1::DownloadRequest* request);

}  // namespace natter::gateway
