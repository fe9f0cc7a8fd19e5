// natter-auth's gRPC face: each RPC runs AuthService on a worker pool (hashing, image decoding and
// store calls block): password hashing and avatar decoding each on a pool of their own, so that
// neither can hold up token checks.
#pragma once

#include "auth_service.h"
#include "common/worker_pool.h"
#include "hash_admission.h"
#include "natter/v1/auth.grpc.pb.h"

namespace natter::auth {

class AuthGrpc final : public v1::Auth::CallbackService {
 public:
  struct Pools {
    // Calls that hash a password (register, login, password change, deletion), admitted by
    // `admission` only when they can be done before their deadline.
    WorkerPool& hashing;
    HashAdmission& admission;
    // Avatar uploads (decoding an image costs up to half a second of CPU).
    WorkerPool& images;
    // Everything else: token checks, profiles, sessions. Never behind a hash or an image.
    WorkerPool& other;
  };
  AuthGrpc(AuthService& service, Pools pools) : service_(service), pools_(pools) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* ValidateToken(grpc::CallbackServerContext* context,
                                          const v1::ValidateTokenRequest* request,
                                          v1::ValidateTokenResponse* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* context,
                                         const v1::ListSessionsRequest* request,
                                         v1::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* RevokeSession(grpc::CallbackServerContext* context,
                                          const v1::RevokeSessionRequest* request,
                                          v1::RevokeSessionResponse* response) override;
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* context,
                                           const v1::ChangePasswordRequest* request,
                                           v1::ChangePasswordResponse* response) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const v1::GetProfileRequest* request,
                                       v1::Profile* response) override;
  grpc::ServerUnaryReactor* GetProfiles(grpc::CallbackServerContext* context,
                                        const v1::GetProfilesRequest* request,
                                        v1::GetProfilesResponse* response) override;
  grpc::ServerUnaryReactor* LookupUsers(grpc::CallbackServerContext* context,
                                        const v1::LookupUsersRequest* request,
                                        v1::GetProfilesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProfile(grpc::CallbackServerContext* context,
                                          const v1::UpdateProfileRequest* request,
                                          v1::Profile* response) override;
  grpc::ServerUnaryReactor* SetAvatar(grpc::CallbackServerContext* context,
                                      const v1::SetAvatarRequest* request,
                                      v1::Profile* response) override;
  grpc::ServerUnaryReactor* GetAvatar(grpc::CallbackServerContext* context,
                                      const v1::GetAvatarRequest* request,
                                      v1::GetAvatarResponse* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(grpc::CallbackServerContext* context,
                                          const v1::DeleteAccountRequest* request,
                                          v1::DeleteAccountResponse* response) override;

 private:
  // RunOnPool on the hashing pool, once admitted.
  template <class Handler>
  grpc::ServerUnaryReactor* RunHashing(grpc::CallbackServerContext* context, Handler handler);

  AuthService& service_;
  Pools pools_;
};

}  // namespace natter::auth
