#include "account_commands.h"

#include <fstream>
#include <iostream>
#include <iterator>

#include "natter/v1/gateway.grpc.pb.h"
#include "output.h"

namespace natter::ctl {
namespace {

namespace v1 = natter::v1;

// Read at most a little more than the server accepts, so a huge file fails fast and clearly.
constexpr size_t kMaxAvatarUpload = 512 * 1024;

}  // namespace

int Register(const Globals& g, const std::string& user, const std::string& display_name) {
  std::string password = ReadPassword("Password for new user " + user + ": ");
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + kCallTimeout);
  v1::RegisterRequest request;
  request.set_username(user);
  request.set_password(password);
  request.set_display_name(display_name);
  v1::RegisterResponse response;
  CheckStatus(GatewayStub(g)->Register(&context, request, &response), g);
  PrintJson({{"user_id", response.user_id()}, {"username", response.username()}});
  return 0;
}

int Login(const Globals& g, const std::string& user, std::string device) {
  if (!SafeUserFileName(user)) throw CtlError{"\"" + user + "\" is not a valid username", 2};
  std::string password = ReadPassword("Password for " + user + ": ");
  if (device.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    device = std::string("natterctl on ") + host;
  }
  grpc::ClientContext context;
  context.set_deadline(Clock::now() + kCallTimeout);
  v1::LoginRequest request;
  request.set_username(user);
  request.set_password(password);
  request.set_device(device);
  v1::LoginResponse response;
  CheckStatus(GatewayStub(g)->Login(&context, request, &response), g);
  WritePrivateFile(TokenPath(g, user), response.token() + "\n");
  WritePrivateFile(fs::path(g.home) / "last_user", user + "\n");
  PrintJson({{"user_id", response.user_id()},
             {"username", response.username()},
             {"session_id", response.session_id()},
             {"expires_at", Rfc3339(response.expires_at_ms())}});
  return 0;
}

int Logout(const Globals& g, bool all) {
  std::string user = CurrentUser(g);
  auto context = AuthedContext(g);
  v1::LogoutRequest request;
  request.set_all(all);
  v1::LogoutResponse response;
  grpc::Status status = GatewayStub(g)->Logout(context.get(), request, &response);
  // A session the server no longer knows is as good as logged out: forget it either way.
  if (status.ok() || status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    ForgetSession(g, user);
  }
  CheckStatus(status, g);
  PrintJson({{"username", user}, {"sessions_ended", response.sessions_ended()}});
  return 0;
}

int WhoAmI(const Globals& g) { return ShowProfile(g, ""); }

int ChangePassword(const Globals& g) {
  std::string old_password = ReadPassword("Current password: ");
  std::string new_password = ReadPassword("New password: ");
  if (::isatty(STDIN_FILENO) && ReadPassword("New password again: ") != new_password) {
    throw CtlError{"the new passwords do not match"};
  }
  auto context = AuthedContext(g);
  v1::ChangePasswordRequest request;
  request.set_old_password(old_password);
  request.set_new_password(new_password);
  v1::ChangePasswordResponse response;
  CheckStatus(GatewayStub(g)->ChangePassword(context.get(), request, &response), g);
  PrintJson({{"password_changed", true}, {"other_sessions_ended", response.sessions_ended()}});
  return 0;
}

int ListSessions(const Globals& g) {
  auto context = AuthedContext(g);
  v1::ListSessionsResponse response;
  CheckStatus(GatewayStub(g)->ListSessions(context.get(), v1::ListSessionsRequest(), &response), g);
  for (const auto& s : response.sessions()) {
    PrintJson({{"id", s.id()},
               {"device", s.device()},
               {"current", s.current()},
               {"created_at", Rfc3339(s.created_at_ms())},
               {"last_used_at", Rfc3339(s.last_used_ms())},
               {"expires_at", Rfc3339(s.expires_at_ms())}});
  }
  return 0;
}

int RevokeSession(const Globals& g, const std::string& session_id) {
  auto context = AuthedContext(g);
  v1::RevokeSessionRequest request;
  request.set_session_id(session_id);
  v1::RevokeSessionResponse response;
  CheckStatus(GatewayStub(g)->RevokeSession(context.get(), request, &response), g);
  PrintJson({{"revoked", session_id}});
  return 0;
}

int ShowProfile(const Globals& g, const std::string& user) {
  auto context = AuthedContext(g);
  v1::GetProfileRequest request;
  if (!user.empty()) request.set_username(user);
  v1::Profile profile;
  CheckStatus(GatewayStub(g)->GetProfile(context.get(), request, &profile), g);
  PrintJson(ProfileJson(profile));
  return 0;
}

int SetProfile(const Globals& g, const std::optional<std::string>& display_name) {
  if (!display_name) throw CtlError{"nothing to change: give --display-name NAME", 2};
  auto context = AuthedContext(g);
  v1::UpdateProfileRequest request;
  request.set_display_name(*display_name);
  v1::Profile profile;
  CheckStatus(GatewayStub(g)->UpdateProfile(context.get(), request, &profile), g);
  PrintJson(ProfileJson(profile));
  return 0;
}

int SetAvatar(const Globals& g, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CtlError{"cannot read " + file + ": " + std::strerror(errno)};
  std::string image;
  image.resize(kMaxAvatarUpload + 1);
  in.read(image.data(), static_cast<std::streamsize>(image.size()));
  image.resize(static_cast<size_t>(in.gcount()));
  if (image.size() > kMaxAvatarUpload) {
    throw CtlError{file + " is larger than 512 KiB; choose a smaller image"};
  }
  auto context = AuthedContext(g);
  v1::SetAvatarRequest request;
  request.set_image(std::move(image));
  v1::Profile profile;
  CheckStatus(GatewayStub(g)->SetAvatar(context.get(), request, &profile), g);
  PrintJson(ProfileJson(profile));
  return 0;
}

int GetAvatar(const Globals& g, const std::string& user, const std::string& out_file) {
  auto stub = GatewayStub(g);
  v1::Profile profile;
  {
    auto context = AuthedContext(g);
    v1::GetProfileRequest request;
    request.set_username(user);
    CheckStatus(stub->GetProfile(context.get(), request, &profile), g);
  }
  auto context = AuthedContext(g);
  v1::GetAvatarRequest request;
  request.set_user_id(profile.user_id());
  request.set_version(profile.avatar_version());
  v1::GetAvatarResponse response;
  CheckStatus(stub->GetAvatar(context.get(), request, &response), g);
  if (response.png().empty()) throw CtlError{user + " has no avatar"};
  std::ofstream out(out_file, std::ios::binary | std::ios::trunc);
  out.write(response.png().data(), static_cast<std::streamsize>(response.png().size()));
  if (!out) throw CtlError{"cannot write " + out_file};
  PrintJson({{"user_id", response.user_id()},
             {"avatar_version", response.version()},
             {"file", out_file},
             {"bytes", response.png().size()}});
  return 0;
}

int DeleteAccount(const Globals& g) {
  std::string user = CurrentUser(g);
  std::string password = ReadPassword("Password of " + user + " (this deletes the account): ");
  auto context = AuthedContext(g);
  v1::DeleteAccountRequest request;
  request.set_password(password);
  v1::DeleteAccountResponse response;
  CheckStatus(GatewayStub(g)->DeleteAccount(context.get(), request, &response), g);
  ForgetSession(g, user);
  PrintJson({{"deleted", user}});
  return 0;
}

}  // namespace natter::ctl
