// The gateway's UploadFile and DownloadFile relays (file_relay.h) between a real gRPC client and a
// fake natter-chat: chunks pass in order and whole, natter-chat hears the caller the token names
// (never one the client claims), its refusals reach the client as they were, and a call without a
// token never reaches it.
#include "file_relay.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "fake_services.h"
#include "gateway_service.h"

namespace natter::gateway {
namespace {

// natter-chat's file calls: an upload's chunks are kept and answered with their count; a download
// of "refused" is PERMISSION_DENIED, any other id gets three chunks.
class FileChat final : public v1::Chat::Service {
 public:
  grpc::Status UploadFile(grpc::ServerContext*, grpc::ServerReader<v1::UploadChunk>* reader,
                          v1::FileInfo* response) override {
    v1::UploadChunk chunk;
    std::string data;
    std::lock_guard lock(mu_);
    chunks.clear();
    while (reader->Read(&chunk)) {
      chunks.push_back(chunk);
      data += chunk.data();
    }
    if (chunks.empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "nothing sent");
    if (chunks[0].start().name() == "too-big") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the file is too large");
    }
    response->set_file_id("f1");
    response->set_name(chunks[0].start().name());
    response->set_size(data.size());
    response->set_sha256(data);  // what arrived, for the test to compare
    return grpc::Status::OK;
  }
  grpc::Status DownloadFile(grpc::ServerContext*, const v1::DownloadRequest* request,
                            grpc::ServerWriter<v1::FileChunk>* writer) override {
    {
      std::lock_guard lock(mu_);
      download = *request;
    }
    if (request->file_id() == "refused") {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "you cannot open this file");
    }
    for (int i = 0; i < 3; ++i) {
      v1::FileChunk chunk;
      if (i == 0) {
        chunk.mutable_info()->set_file_id(request->file_id());
        chunk.set_total(3 * 100'000);
      }
      chunk.set_data(std::string(100'000, static_cast<char>('a' + i)));
      writer->Write(chunk);
    }
    return grpc::Status::OK;
  }

  std::mutex mu_;
  std::vector<v1::UploadChunk> chunks;
  v1::DownloadRequest download;
};

class FileRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder services;
    services.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &services_port_);
    services.RegisterService(&auth_);
    services.RegisterService(&chat_);
    services_ = services.BuildAndStart();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(services_port_),
                                       grpc::InsecureChannelCredentials());
    context_.options.gateway_id = "gw-test";
    context_.auth = v1::Auth::NewStub(channel);
    context_.chat = v1::Chat::NewStub(channel);
    service_ = std::make_unique<GatewayService>(context_);
    grpc::ServerBuilder gateway;
    gateway.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &gateway_port_);
    gateway.RegisterService(service_.get());
    gateway_ = gateway.BuildAndStart();
    stub_ = v1::Gateway::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(gateway_port_),
                                                     grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    gateway_->Shutdown();
    services_->Shutdown();
  }

  static void Authorize(grpc::ClientContext& context, const std::string& token = "token-5") {
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  FakeAuth auth_;
  FileChat chat_;
  int services_port_ = 0, gateway_port_ = 0;
  std::unique_ptr<grpc::Server> services_, gateway_;
  GatewayContext context_;
  std::unique_ptr<GatewayService> service_;
  std::unique_ptr<v1::Gateway::Stub> stub_;
};

TEST_F(FileRelayTest, AnUploadReachesChatWholeInOrderAsTheTokensUser) {
  grpc::ClientContext context;
  Authorize(context);
  v1::FileInfo info;
  auto writer = stub_->UploadFile(&context, &info);
  v1::UploadChunk first;
  first.mutable_start()->set_name("a.bin");
  first.mutable_caller()->set_user_id(99);  // a forged caller
  ASSERT_TRUE(writer->Write(first));
  std::string sent;
  for (int i = 0; i < 20; ++i) {
    v1::UploadChunk chunk;
    chunk.set_data(std::string(200'000, static_cast<char>('A' + i)));
    if (i == 3) chunk.mutable_caller()->set_user_id(98);
    sent += chunk.data();
    ASSERT_TRUE(writer->Write(chunk));
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(info.size(), sent.size());
  EXPECT_TRUE(info.sha256() == sent);
  std::lock_guard lock(chat_.mu_);
  ASSERT_EQ(chat_.chunks.size(), 21u);
  EXPECT_EQ(chat_.chunks[0].caller().user_id(), 5u);
  EXPECT_EQ(chat_.chunks[0].caller().username(), "user5");
  for (size_t i = 1; i < chat_.chunks.size(); ++i) EXPECT_FALSE(chat_.chunks[i].has_caller());
}

TEST_F(FileRelayTest, ChatsRefusalOfAnUploadReachesTheClient) {
  grpc::ClientContext context;
  Authorize(context);
  v1::FileInfo info;
  auto writer = stub_->UploadFile(&context, &info);
  v1::UploadChunk first;
  first.mutable_start()->set_name("too-big");
  writer->Write(first);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "the file is too large");
}

TEST_F(FileRelayTest, NoTokenNoTransfer) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::FileInfo info;
  auto writer = stub_->UploadFile(&context, &info);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  grpc::ClientContext bad;
  Authorize(bad, "forged");
  v1::DownloadRequest request;
  request.set_file_id("x");
  auto reader = stub_->DownloadFile(&bad, request);
  v1::FileChunk chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  std::lock_guard lock(chat_.mu_);
  EXPECT_TRUE(chat_.chunks.empty());
  EXPECT_TRUE(chat_.download.file_id().empty());
}

TEST_F(FileRelayTest, ADownloadComesThroughChunkByChunk) {
  grpc::ClientContext context;
  Authorize(context);
  v1::DownloadRequest request;
  request.set_file_id("f7");
  request.mutable_caller()->set_user_id(99);
  auto reader = stub_->DownloadFile(&context, request);
  v1::FileChunk chunk;
  std::string data;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    if (chunks++ == 0) {
      EXPECT_EQ(chunk.total(), 300'000u);
    }
    data += chunk.data();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(chunks, 3);
  EXPECT_EQ(data,
            std::string(100'000, 'a') + std::string(100'000, 'b') + std::string(100'000, 'c'));
  std::lock_guard lock(chat_.mu_);
  EXPECT_EQ(chat_.download.caller().user_id(), 5u);
}

TEST_F(FileRelayTest, ChatsRefusalOfADownloadReachesTheClient) {
  grpc::ClientContext context;
  Authorize(context);
  v1::DownloadRequest request;
  request.set_file_id("refused");
  auto reader = stub_->DownloadFile(&context, request);
  v1::FileChunk chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "you cannot open this file");
}

}  // namespace
}  // namespace natter::gateway
