// What the stream bridge needs from a connection to the gateway: a GrpcTransport in the app, a fake
// in tests. Callbacks run on the transport's own thread; the bridge moves them to the GUI thread.
#pragma once

#include <functional>
#include <string>

#include "natter/v1/gateway.pb.h"

namespace natter::client {

class Transport {
 public:
  struct Handler {
    // One frame of events from the server.
    std::function<void(v1::ServerFrame frame)> on_frame;
    // The stream ended: a gRPC status code and its message. Not called after Close().
    std::function<void(int code, std::string message)> on_closed;
  };

  virtual ~Transport() = default;
  // Opens a stream to `address` ("host:port") authenticated by `token`. Closes any open one first.
  virtual void Open(const std::string& address, const std::string& token, Handler handler) = 0;
  // Queues a command; dropped when no stream is open. Thread-safe, never blocks.
  virtual void Write(const v1::ClientFrame& frame) = 0;
  // Ends the stream, if any; no callback runs once this returns.
  virtual void Close() = 0;
};

}  // namespace natter::client
