// stuck_client GATEWAY TOKEN CONVERSATION_ID COUNT: a client that stops reading. It opens a stream,
// waits for its Welcome, sends COUNT Sync commands for the conversation (500 messages each), says
// "sent" on stdout and stops itself (SIGSTOP), so that nothing it is sent is ever read: the
// kernel's buffers fill and the gateway's writes to it wait. The test that starts it kills it.
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "natter/v1/gateway.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: stuck_client GATEWAY TOKEN CONVERSATION_ID COUNT\n");
    return 2;
  }
  auto stub = natter::v1::Gateway::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", std::string("Bearer ") + argv[2]);
  context.AddMetadata("natter-presence", "off");
  auto stream = stub->Connect(&context);
  natter::v1::ServerFrame in;
  bool welcomed = false;
  while (!welcomed && stream->Read(&in)) {
    for (const auto& e : in.events()) welcomed = welcomed || e.has_welcome();
  }
  if (!welcomed) {
    std::fprintf(stderr, "stuck_client: no Welcome: %s\n",
                 stream->Finish().error_message().c_str());
    return 1;
  }
  const int count = std::atoi(argv[4]);
  for (int i = 0; i < count; ++i) {
    natter::v1::ClientFrame frame;
    frame.set_request_id(static_cast<uint64_t>(i) + 1);
    frame.mutable_sync()->set_conversation_id(std::strtoull(argv[3], nullptr, 10));
    frame.mutable_sync()->set_limit(500);
    if (!stream->Write(frame)) {
      std::fprintf(stderr, "stuck_client: the stream ended after %d commands\n", i);
      return 1;
    }
  }
  std::printf("sent\n");
  std::fflush(stdout);
  std::raise(SIGSTOP);
  return 0;
}
