// ClientStream, the reactor around a Session: real gRPC streams to a gateway served in-process,
// with fake services behind it and a hub fed by the test. Many clients at once, events and commands
// crossing, streams ending every way: everything arrives in order, and nothing is left attached or
// counted (the tsan tests run this under ThreadSanitizer).
#include "client_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_services.h"
#include "gateway_service.h"
#include "natter/v1/gateway.grpc.pb.h"

namespace natter::gateway {
namespace {

using ::testing::HasSubstr;

// Confirms every subscription at once, on a thread of its own (as Redis's subscriber does).
class ConfirmingSubscriber final : public ChannelSubscriber {
 public:
  ConfirmingSubscriber()
      : thread_([this] {
          std::unique_lock lock(mu_);
          for (;;) {
            wake_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
            if (ready_.empty()) return;
            auto callback = std::move(ready_.front());
            ready_.pop_front();
            lock.unlock();
            if (callback) callback();
            lock.lock();
          }
        }) {}
  ~ConfirmingSubscriber() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  void Subscribe(const std::string&, std::function<void()> on_ready) override {
    {
      std::lock_guard lock(mu_);
      ready_.push_back(std::move(on_ready));
    }
    wake_.notify_one();
  }
  void Unsubscribe(const std::string&) override {}

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> ready_;
  bool stopping_ = false;
  std::thread thread_;
};

std::string MessageEvent(uint64_t seq) {
  v1::ServerEvent event;
  event.mutable_message()->set_conversation_id(3);
  event.mutable_message()->set_seq(seq);
  return event.SerializeAsString();
}

// Waits (up to 20 s) until `done` holds.
bool Eventually(const std::function<bool()>& done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class ClientStreamTest : public ::testing::Test {
 protected:
  ClientStreamTest() {
    services_.gateway.hub = &hub_;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = v1::Gateway::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                                     grpc::InsecureChannelCredentials()));
  }
  ~ClientStreamTest() override { server_->Shutdown(); }

  struct Client {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::ClientFrame, v1::ServerFrame>> stream;
    std::vector<v1::ServerEvent> events;  // read so far

    // Reads until `until` holds for an event; false if the stream ended first.
    bool ReadUntil(const std::function<bool(const v1::ServerEvent&)>& until) {
      v1::ServerFrame frame;
      while (stream->Read(&frame)) {
        bool found = false;
        for (const auto& event : frame.events()) {
          events.push_back(event);
          found = found || until(event);
        }
        if (found) return true;
      }
      return false;
    }
  };

  std::unique_ptr<Client> Connect(const std::string& token, bool presence = true) {
    auto client = std::make_unique<Client>();
    client->context.AddMetadata("authorization", "Bearer " + token);
    if (!presence) client->context.AddMetadata("natter-presence", "off");
    client->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    client->stream = stub_->Connect(&client->context);
    return client;
  }

  FakeServices services_;
  ConfirmingSubscriber subscriber_;
  Hub hub_{subscriber_, 2};
  GatewayService service_{services_.gateway};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Gateway::Stub> stub_;
};

TEST_F(ClientStreamTest, AClientIsWelcomedAndItsCommandsAndEventsArrive) {
  auto client = Connect("token-7");
  ASSERT_TRUE(client->ReadUntil([](const auto& e) { return e.has_welcome(); }));
  EXPECT_EQ(client->events[0].welcome().user_id(), 7u);

  v1::ClientFrame send;
  send.set_request_id(41);
  send.mutable_send()->set_room("lobby");
  send.mutable_send()->set_text("hi");
  ASSERT_TRUE(client->stream->Write(send));
  ASSERT_TRUE(client->ReadUntil([](const auto& e) { return e.has_result(); }));
  EXPECT_EQ(client->events.back().result().request_id(), 41u);
  EXPECT_EQ(client->events.back().result().ack().seq(), 1u);

  hub_.Deliver("room:3", MessageEvent(5));
  ASSERT_TRUE(client->ReadUntil([](const auto& e) { return e.has_message(); }));
  EXPECT_EQ(client->events.back().message().seq(), 5u);

  client->stream->WritesDone();
  EXPECT_TRUE(client->stream->Finish().ok());
  EXPECT_TRUE(Eventually([&] { return hub_.AllSinks().empty(); }));
  EXPECT_TRUE(Eventually([&] { return services_.presence.closed == 1; }));
}

TEST_F(ClientStreamTest, AnUnknownTokenEndsTheStreamUnauthenticated) {
  auto client = Connect("forged");
  EXPECT_FALSE(client->ReadUntil([](const auto&) { return true; }));
  grpc::Status status = client->stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("unknown session"));
}

TEST_F(ClientStreamTest, GoAwayReachesEveryClientAndEndsTheirStreams) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int user = 1; user <= 5; ++user) {
    clients.push_back(Connect("token-" + std::to_string(user)));
    ASSERT_TRUE(clients.back()->ReadUntil([](const auto& e) { return e.has_welcome(); }));
  }
  service_.GoAwayAll("shutting down", std::chrono::milliseconds(0));
  for (auto& client : clients) {
    EXPECT_TRUE(client->ReadUntil([](const auto& e) { return e.has_go_away(); }));
    EXPECT_EQ(client->events.back().go_away().reason(), "shutting down");
    // A wait below the plan's reconnect window (kMinReconnectWindow for one batch).
    EXPECT_LT(client->events.back().go_away().reconnect_after_ms(), 1000u);
    EXPECT_EQ(client->stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_TRUE(Eventually([&] { return hub_.AllSinks().empty(); }));
}

TEST_F(ClientStreamTest, GoAwaysAreSpreadOverTheWindowInBatches) {
  // Six streams over 600 ms: batches of one every 100 ms (PlanGoAways), so the last is told about
  // 500 ms after the first; all at once they would arrive within a few ms.
  std::vector<std::unique_ptr<Client>> clients;
  for (int user = 1; user <= 6; ++user) {
    clients.push_back(Connect("token-" + std::to_string(user)));
    ASSERT_TRUE(clients.back()->ReadUntil([](const auto& e) { return e.has_welcome(); }));
  }
  std::mutex mu;
  std::vector<std::chrono::steady_clock::time_point> told;
  std::vector<std::thread> readers;
  for (auto& client : clients) {
    readers.emplace_back([&mu, &told, c = client.get()] {
      if (c->ReadUntil([](const auto& e) { return e.has_go_away(); })) {
        std::lock_guard lock(mu);
        told.push_back(std::chrono::steady_clock::now());
      }
    });
  }
  const auto began = std::chrono::steady_clock::now();
  service_.GoAwayAll("shutting down", std::chrono::milliseconds(600));
  const auto returned = std::chrono::steady_clock::now();
  for (auto& reader : readers) reader.join();
  ASSERT_EQ(told.size(), clients.size());
  std::sort(told.begin(), told.end());
  EXPECT_GE(told.back() - told.front(), std::chrono::milliseconds(400));
  EXPECT_GE(returned - began, std::chrono::milliseconds(500));  // it waited for the last batch
  for (auto& client : clients) {
    EXPECT_EQ(client->stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
}

// The reactor's real concurrency: fan-out threads deliver, gRPC threads read and write, service
// answers come back on gRPC's threads, and streams end by half-close and by cancel.
TEST_F(ClientStreamTest, ManyClientsAtOnceGetEverythingInOrderAndLeaveNothingBehind) {
  constexpr int kClients = 12;
  constexpr int kSends = 20;
  constexpr uint64_t kEvents = 200;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect("token-" + std::to_string(100 + i), /*presence=*/i % 2 == 0));
    ASSERT_TRUE(clients.back()->ReadUntil([](const auto& e) { return e.has_welcome(); }));
  }
  ASSERT_TRUE(Eventually([&] { return hub_.AllSinks().size() == size_t{kClients}; }));

  std::thread deliverer([&] {
    for (uint64_t seq = 1; seq <= kEvents; ++seq) hub_.Deliver("room:3", MessageEvent(seq));
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client& client = *clients[i];
      std::thread writer([&] {
        for (int n = 1; n <= kSends; ++n) {
          v1::ClientFrame send;
          send.set_request_id(n);
          send.mutable_send()->set_room("lobby");
          send.mutable_send()->set_text("m");
          if (!client.stream->Write(send)) return;
        }
      });
      size_t results = 0;
      uint64_t last_seq = 0;
      bool in_order = true;
      client.ReadUntil([&](const v1::ServerEvent& e) {
        if (e.has_result()) ++results;
        if (e.has_message()) {
          in_order = in_order && e.message().seq() == last_seq + 1;
          last_seq = e.message().seq();
        }
        return results == kSends && last_seq == kEvents;
      });
      writer.join();
      EXPECT_EQ(results, size_t{kSends}) << "client " << i;
      EXPECT_EQ(last_seq, kEvents) << "client " << i;
      EXPECT_TRUE(in_order) << "client " << i;
      if (i % 3 == 0) {
        client.context.TryCancel();
      } else {
        client.stream->WritesDone();
      }
      grpc::Status status = client.stream->Finish();
      if (i % 3 != 0) {
        EXPECT_TRUE(status.ok()) << status.error_message();
      }
    });
  }
  deliverer.join();
  for (auto& t : threads) t.join();
  EXPECT_TRUE(Eventually([&] { return hub_.AllSinks().empty(); }));
  EXPECT_TRUE(Eventually([&] { return services_.presence.closed == kClients / 2; }));
  EXPECT_EQ(services_.presence.opened, kClients / 2);
  // Every user's count on the gateway was released.
  for (int i = 0; i < kClients; ++i) {
    for (size_t n = 0; n < services_.gateway.options.max_streams_per_user; ++n) {
      ASSERT_TRUE(services_.gateway.AdmitStream(100 + i)) << "user " << 100 + i;
    }
  }
}

}  // namespace
}  // namespace natter::gateway
