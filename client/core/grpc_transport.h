// Transport over a gRPC Connect stream: one thread reads (blocking Read), one writes from a queue,
// so the GUI thread never waits on the network.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "natter/v1/gateway.grpc.pb.h"
#include "transport.h"

namespace natter::client {

class GrpcTransport final : public Transport {
 public:
  // `credentials` decide plaintext or TLS (null: plaintext).
  explicit GrpcTransport(std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);
  ~GrpcTransport() override;

  void Open(const std::string& address, const std::string& token, Handler handler) override;
  void Write(const v1::ClientFrame& frame) override;
  void Close() override;

 private:
  struct Stream;
  void ReadLoop(std::shared_ptr<Stream> stream);
  void WriteLoop(std::shared_ptr<Stream> stream);

  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::mutex mu_;
  std::shared_ptr<Stream> current_;
  std::thread reader_;
  std::thread writer_;
};

}  // namespace natter::client
