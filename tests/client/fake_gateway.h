// A Gateway for the client's tests that answers the unary calls the window makes (history, who is
// online, profiles, password changes), on 127.0.0.1 at a port of its own. Each call is recorded;
// a test sets the answers through the hooks (they run on gRPC's threads). Calls without a hook
// answer UNIMPLEMENTED.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "natter/v1/gateway.grpc.pb.h"

namespace natter::client {

class FakeGateway final : public v1::Gateway::Service {
 public:
  template <class Request, class Response>
  using Hook = std::function<grpc::Status(const Request&, Response*)>;

  FakeGateway() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~FakeGateway() override { server_->Shutdown(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void OnHistory(Hook<v1::HistoryRequest, v1::HistoryResponse> hook) { Set(history_, hook); }
  void OnListOnline(Hook<v1::ClientListOnlineRequest, v1::ClientListOnlineResponse> hook) {
    Set(list_online_, hook);
  }
  void OnGetProfile(Hook<v1::GetProfileRequest, v1::Profile> hook) { Set(get_profile_, hook); }
  void OnChangePassword(Hook<v1::ChangePasswordRequest, v1::ChangePasswordResponse> hook) {
    Set(change_password_, hook);
  }
  void OnUpdateRoom(Hook<v1::UpdateRoomRequest, v1::RoomResponse> hook) { Set(update_room_, hook); }
  void OnSetStatus(Hook<v1::ClientSetStatusRequest, v1::SetStatusResponse> hook) {
    Set(set_status_, hook);
  }
  void OnRoomMembers(Hook<v1::RoomRequest, v1::RoomMembersResponse> hook) {
    Set(room_members_, hook);
  }
  void OnGroupMembers(Hook<v1::GroupRequest, v1::GroupResponse> hook) { Set(group_members_, hook); }

  void OnSearch(Hook<v1::SearchRequest, v1::SearchResponse> hook) { Set(search_, hook); }
  void OnListPins(Hook<v1::ListPinsRequest, v1::ListPinsResponse> hook) { Set(list_pins_, hook); }
  void OnListInvitations(Hook<v1::ListInvitationsRequest, v1::ListInvitationsResponse> hook) {
    Set(list_invitations_, hook);
  }

  // Files: UploadFile answers from the chunks it received (all recorded); DownloadFile writes the
  // chunks its hook gives.
  using UploadHook =
      std::function<grpc::Status(const std::vector<v1::UploadChunk>& chunks, v1::FileInfo*)>;
  using DownloadHook =
      std::function<grpc::Status(const v1::DownloadRequest&, std::vector<v1::FileChunk>* chunks)>;
  void OnUploadFile(UploadHook hook) { Set(upload_, hook); }
  void OnDownloadFile(DownloadHook hook) { Set(download_, hook); }
  std::vector<v1::UploadChunk> upload_chunks() {
    std::lock_guard lock(mu_);
    return upload_chunks_;
  }
  int uploads() {
    std::lock_guard lock(mu_);
    return uploads_;
  }
  std::vector<v1::DownloadRequest> download_requests() {
    std::lock_guard lock(mu_);
    return download_requests_;
  }

  grpc::Status UploadFile(grpc::ServerContext*, grpc::ServerReader<v1::UploadChunk>* reader,
                          v1::FileInfo* response) override {
    std::vector<v1::UploadChunk> chunks;
    v1::UploadChunk chunk;
    while (reader->Read(&chunk)) chunks.push_back(chunk);
    UploadHook hook;
    {
      std::lock_guard lock(mu_);
      ++uploads_;
      upload_chunks_.insert(upload_chunks_.end(), chunks.begin(), chunks.end());
      hook = upload_;
    }
    if (!hook) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not in this test");
    return hook(chunks, response);
  }
  grpc::Status DownloadFile(grpc::ServerContext*, const v1::DownloadRequest* request,
                            grpc::ServerWriter<v1::FileChunk>* writer) override {
    DownloadHook hook;
    {
      std::lock_guard lock(mu_);
      download_requests_.push_back(*request);
      hook = download_;
    }
    if (!hook) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not in this test");
    std::vector<v1::FileChunk> chunks;
    grpc::Status status = hook(*request, &chunks);
    for (const auto& c : chunks) writer->Write(c);
    return status;
  }

  std::vector<v1::HistoryRequest> history_requests() {
    std::lock_guard lock(mu_);
    return history_requests_;
  }

  grpc::Status History(grpc::ServerContext*, const v1::HistoryRequest* request,
                       v1::HistoryResponse* response) override {
    {
      std::lock_guard lock(mu_);
      history_requests_.push_back(*request);
    }
    return Run(history_, *request, response);
  }
  grpc::Status ListOnline(grpc::ServerContext*, const v1::ClientListOnlineRequest* request,
                          v1::ClientListOnlineResponse* response) override {
    return Run(list_online_, *request, response);
  }
  grpc::Status GetProfile(grpc::ServerContext*, const v1::GetProfileRequest* request,
                          v1::Profile* response) override {
    return Run(get_profile_, *request, response);
  }
  grpc::Status ChangePassword(grpc::ServerContext*, const v1::ChangePasswordRequest* request,
                              v1::ChangePasswordResponse* response) override {
    return Run(change_password_, *request, response);
  }
  grpc::Status UpdateRoom(grpc::ServerContext*, const v1::UpdateRoomRequest* request,
                          v1::RoomResponse* response) override {
    return Run(update_room_, *request, response);
  }
  grpc::Status SetStatus(grpc::ServerContext*, const v1::ClientSetStatusRequest* request,
                         v1::SetStatusResponse* response) override {
    return Run(set_status_, *request, response);
  }
  grpc::Status RoomMembers(grpc::ServerContext*, const v1::RoomRequest* request,
                           v1::RoomMembersResponse* response) override {
    return Run(room_members_, *request, response);
  }
  grpc::Status GroupMembers(grpc::ServerContext*, const v1::GroupRequest* request,
                            v1::GroupResponse* response) override {
    return Run(group_members_, *request, response);
  }

  grpc::Status Search(grpc::ServerContext*, const v1::SearchRequest* request,
                      v1::SearchResponse* response) override {
    return Run(search_, *request, response);
  }
  grpc::Status ListPins(grpc::ServerContext*, const v1::ListPinsRequest* request,
                        v1::ListPinsResponse* response) override {
    return Run(list_pins_, *request, response);
  }
  grpc::Status ListInvitations(grpc::ServerContext*, const v1::ListInvitationsRequest* request,
                               v1::ListInvitationsResponse* response) override {
    return Run(list_invitations_, *request, response);
  }

 private:
  template <class H>
  void Set(H& slot, H hook) {
    std::lock_guard lock(mu_);
    slot = std::move(hook);
  }
  template <class Request, class Response>
  grpc::Status Run(const Hook<Request, Response>& slot, const Request& request,
                   Response* response) {
    Hook<Request, Response> hook;
    {
      std::lock_guard lock(mu_);
      hook = slot;
    }
    if (!hook) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not in this test");
    return hook(request, response);
  }

  std::mutex mu_;
  Hook<v1::HistoryRequest, v1::HistoryResponse> history_;
  Hook<v1::ClientListOnlineRequest, v1::ClientListOnlineResponse> list_online_;
  Hook<v1::GetProfileRequest, v1::Profile> get_profile_;
  Hook<v1::ChangePasswordRequest, v1::ChangePasswordResponse> change_password_;
  Hook<v1::UpdateRoomRequest, v1::RoomResponse> update_room_;
  Hook<v1::RoomRequest, v1::RoomMembersResponse> room_members_;
  Hook<v1::GroupRequest, v1::GroupResponse> group_members_;
  Hook<v1::ClientSetStatusRequest, v1::SetStatusResponse> set_status_;
  Hook<v1::SearchRequest, v1::SearchResponse> search_;
  Hook<v1::ListPinsRequest, v1::ListPinsResponse> list_pins_;
  Hook<v1::ListInvitationsRequest, v1::ListInvitationsResponse> list_invitations_;
  std::vector<v1::HistoryRequest> history_requests_;
  UploadHook upload_;
  DownloadHook download_;
  std::vector<v1::UploadChunk> upload_chunks_;
  int uploads_ = 0;
  std::vector<v1::DownloadRequest> download_requests_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace natter::client
