// The table of bad input for the account API, shared by the unit test (AuthService on fakes) and
// the end-to-end test (the real gateway and natter-auth on MariaDB and Redis): every case must be
// refused with the right status code and a message a person understands, in both.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace natter::testing {

// The account calls the table exercises, as a test drives them.
class AuthApi {
 public:
  virtual ~AuthApi() = default;
  virtual absl::Status Register(const std::string& username, const std::string& password,
                                const std::string& display_name = "") = 0;
  // Returns the token.
  virtual absl::StatusOr<std::string> Login(const std::string& username,
                                            const std::string& password) = 0;
  virtual absl::Status GetProfile(const std::string& token, const std::string& username) = 0;
  virtual absl::Status UpdateProfile(const std::string& token,
                                     const std::optional<std::string>& display_name) = 0;
  virtual absl::Status SetAvatar(const std::string& token, const std::string& image) = 0;
  virtual absl::Status ChangePassword(const std::string& token, const std::string& old_password,
                                      const std::string& new_password) = 0;
  virtual absl::Status RevokeSession(const std::string& token, const std::string& session_id) = 0;
  virtual absl::Status Logout(const std::string& token) = 0;
  virtual absl::Status DeleteAccount(const std::string& token, const std::string& password) = 0;
};

// Tokens the cases use, made by PrepareBadInputFixtures.
struct Tokens {
  std::string valid;
  std::string logged_out;
  std::string deleted_account;
  std::optional<std::string> expired;  // only where time can be moved (unit tests)
};

struct BadInputCase {
  std::string name;
  std::function<absl::Status(AuthApi&, const Tokens&)> call;
  absl::StatusCode code;
  std::string message;
  // Through the gateway, where the answer differs: gRPC itself refuses the request before any
  // Natter code runs (its message size limit), or the gateway answers first (no token at all; a
  // proto3 string that is not UTF-8, which it names). Message empty: only the code is checked.
  std::optional<absl::StatusCode> gateway_code;
  std::string gateway_message;
};

// Registers alice ("correct horse battery"), "José" and a deleted account; returns the tokens.
Tokens PrepareBadInputFixtures(AuthApi& api);
std::vector<BadInputCase> BadInputCases();

}  // namespace natter::testing
