#include "common/auth_bad_input.h"

#include <QBuffer>
#include <QByteArray>
#include <QColor>
#include <QImage>
#include <stdexcept>

namespace natter::testing {
namespace {

constexpr char kAlicePassword[] = "correct horse battery";
constexpr char kBadToken[] = "session is not valid (expired or logged out); log in again";
constexpr char kBadCredentials[] = "wrong username or password";
constexpr char kUsernameLength[] = "username must be 3 to 32 characters long";
constexpr char kUsernameChars[] = "username may contain only letters, digits, '_', '.' and '-'";
using Code = absl::StatusCode;

std::string Image(int w, int h, const char* format) {
  QImage image(w, h, QImage::Format_RGB32);
  image.fill(QColor(20, 120, 200));
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  image.save(&buffer, format);
  return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A well-formed PNG whose header (with a correct checksum) claims 100000 x 64 pixels.
std::string PngClaimingHugeWidth() {
  std::string png = Image(64, 64, "png");
  png[16] = 0x00;
  png[17] = 0x01;
  png[18] = static_cast<char>(0x86);
  png[19] = static_cast<char>(0xA0);
  uint32_t crc = Crc32(png.substr(12, 17));  // chunk type + data of IHDR
  for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<char>(crc >> (24 - 8 * i));
  return png;
}

void Check(const absl::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + std::string(status.message()));
}

}  // namespace

Tokens PrepareBadInputFixtures(AuthApi& api) {
  Tokens tokens;
  Check(api.Register("alice", kAlicePassword), "register alice");
  Check(api.Register("Jos\xC3\xA9", "correct horse battery"), "register José");
  auto valid = api.Login("alice", kAlicePassword);
  Check(valid.status(), "login alice");
  tokens.valid = *valid;
  auto logged_out = api.Login("alice", kAlicePassword);
  Check(logged_out.status(), "login alice again");
  tokens.logged_out = *logged_out;
  Check(api.Logout(tokens.logged_out), "logout");
  Check(api.Register("doomed", "correct horse battery"), "register doomed");
  auto doomed = api.Login("doomed", "correct horse battery");
  Check(doomed.status(), "login doomed");
  tokens.deleted_account = *doomed;
  Check(api.DeleteAccount(tokens.deleted_account, "correct horse battery"), "delete doomed");
  return tokens;
}

std::vector<BadInputCase> BadInputCases() {
  auto reg = [](std::string username, std::string password = "correct horse battery",
                std::string display = "") {
    return [=](AuthApi& api, const Tokens&) { return api.Register(username, password, display); };
  };
  auto login = [](std::string username, std::string password) {
    return [=](AuthApi& api, const Tokens&) { return api.Login(username, password).status(); };
  };
  auto profile_with = [](std::function<std::string(const Tokens&)> token) {
    return [=](AuthApi& api, const Tokens& t) { return api.GetProfile(token(t), ""); };
  };
  auto avatar = [](std::string image) {
    return [=](AuthApi& api, const Tokens& t) { return api.SetAvatar(t.valid, image); };
  };
  std::string png = Image(64, 64, "png");
  std::string jpeg = Image(64, 64, "jpeg");
  std::string ten_mib(10 * 1024 * 1024, '\0');
  ten_mib.replace(0, 8, std::string("\x89PNG\r\n\x1a\n", 8));

  return {
      // Registration: usernames.
      {"EmptyUsername", reg(""), Code::kInvalidArgument, kUsernameLength},
      {"TwoCharacterUsername", reg("ab"), Code::kInvalidArgument, kUsernameLength},
      {"ThirtyThreeCharacterUsername", reg(std::string(33, 'a')), Code::kInvalidArgument,
       kUsernameLength},
      {"UsernameWithSpace", reg("a b"), Code::kInvalidArgument, kUsernameChars},
      {"UsernameWithControlCharacter",
       reg("ali\x01"
           "ce"),
       Code::kInvalidArgument, kUsernameChars},
      {"UsernameWithNewline", reg("alice\n"), Code::kInvalidArgument, kUsernameChars},
      {"UsernameInvalidUtf8",
       reg("al\xC3\x28"
           "ce"),
       Code::kInvalidArgument, "username is not valid UTF-8", Code::kInvalidArgument,
       "invalid natter.v1.RegisterRequest: field \"username\" is not valid UTF-8 (use UTF-8 for "
       "all "
       "text)"},
      {"UsernameSqlQuote", reg("a'; DROP TABLE users;--"), Code::kInvalidArgument, kUsernameChars},
      {"UsernameSqlOr", reg("x\" OR \"1\"=\"1"), Code::kInvalidArgument, kUsernameChars},
      {"UsernameOfEmoji", reg("\xF0\x9F\x99\x82\xF0\x9F\x99\x82\xF0\x9F\x99\x82"),
       Code::kInvalidArgument, kUsernameChars},
      {"UsernameStartingWithCombiningMark",
       reg("\xCC\x81"
           "abc"),
       Code::kInvalidArgument, kUsernameChars},
      {"MixedCaseDuplicate", reg("ALICE"), Code::kAlreadyExists, "username \"ALICE\" is taken"},
      {"DecomposedDuplicateOfComposedName", reg("Jose\xCC\x81"), Code::kAlreadyExists,
       "username \"Jos\xC3\xA9\" is taken"},
      {"CaseFoldedUnicodeDuplicate", reg("JOS\xC3\x89"), Code::kAlreadyExists,
       "username \"JOS\xC3\x89\" is taken"},
      // Registration: passwords and display names.
      {"EmptyPassword", reg("carol", ""), Code::kInvalidArgument,
       "password must be at least 8 characters long"},
      {"SevenBytePassword", reg("carol", "1234567"), Code::kInvalidArgument,
       "password must be at least 8 characters long"},
      {"OversizedPassword", reg("carol", std::string(1025, 'p')), Code::kInvalidArgument,
       "password must be at most 1024 bytes long"},
      {"PasswordIsTheUsername", reg("carol1234", "CAROL1234"), Code::kInvalidArgument,
       "password must not be the username"},
      {"DisplayNameWithBell", reg("carol", "correct horse battery", "Carol\x07"),
       Code::kInvalidArgument, "display name contains control characters"},
      {"DisplayNameOf65Characters", reg("carol", "correct horse battery", std::string(65, 'c')),
       Code::kInvalidArgument, "display name must be at most 64 characters long"},
      {"DisplayNameOnlySpaces", reg("carol", "correct horse battery", "   "),
       Code::kInvalidArgument, "display name is only white space"},
      // Login.
      {"WrongPassword", login("alice", "correct horse batterY"), Code::kUnauthenticated,
       kBadCredentials},
      {"UnknownUser", login("mallory", "correct horse battery"), Code::kUnauthenticated,
       kBadCredentials},
      {"SqlInjectionInLogin", login("alice' OR '1'='1", "x' OR '1'='1"), Code::kUnauthenticated,
       kBadCredentials},
      {"DeletedAccountLogin", login("doomed", "correct horse battery"), Code::kUnauthenticated,
       kBadCredentials},
      // Tokens.
      {"EmptyToken", profile_with([](const Tokens&) { return std::string(); }),
       Code::kUnauthenticated, kBadToken, Code::kUnauthenticated,
       "no session token (metadata \"authorization: Bearer ...\"); log in first"},
      {"GarbageToken", profile_with([](const Tokens&) { return std::string("not-a-token"); }),
       Code::kUnauthenticated, kBadToken},
      {"OversizedToken", profile_with([](const Tokens&) { return std::string(4096, 't'); }),
       Code::kUnauthenticated, kBadToken},
      {"LoggedOutToken", profile_with([](const Tokens& t) { return t.logged_out; }),
       Code::kUnauthenticated, kBadToken},
      {"TokenOfDeletedAccount", profile_with([](const Tokens& t) { return t.deleted_account; }),
       Code::kUnauthenticated, kBadToken},
      // Avatars.
      {"EmptyAvatar", avatar(""), Code::kInvalidArgument, "avatar image is empty"},
      {"ZipRenamedPng", avatar("PK\x03\x04\x14\x00\x00\x00 zip renamed avatar.png"),
       Code::kInvalidArgument, "avatar must be a PNG or JPEG image"},
      {"BmpAvatar", avatar(Image(16, 16, "bmp")), Code::kInvalidArgument,
       "avatar must be a PNG or JPEG image"},
      {"PngWithLyingHeader", avatar(PngClaimingHugeWidth()), Code::kInvalidArgument,
       "avatar image is 100000x64 pixels, at most 2048x2048 allowed"},
      {"TruncatedPng", avatar(png.substr(0, png.size() - 20)), Code::kInvalidArgument,
       "avatar image is truncated or damaged"},
      {"TruncatedJpeg", avatar(jpeg.substr(0, jpeg.size() / 2)), Code::kInvalidArgument,
       "avatar image is truncated or damaged"},
      {"TenMiBAvatar", avatar(ten_mib), Code::kInvalidArgument,
       "avatar image is too large: 10485760 bytes, at most 524288 (512 KiB) allowed",
       Code::kResourceExhausted},
      // Profiles, passwords and sessions.
      {"ProfileOfUnknownUser",
       [](AuthApi& api, const Tokens& t) { return api.GetProfile(t.valid, "nobody"); },
       Code::kNotFound, "no user named \"nobody\""},
      {"ProfileUpdateWithNothing",
       [](AuthApi& api, const Tokens& t) { return api.UpdateProfile(t.valid, std::nullopt); },
       Code::kInvalidArgument, "nothing to change"},
      {"ChangePasswordToTooShort",
       [](AuthApi& api, const Tokens& t) {
         return api.ChangePassword(t.valid, kAlicePassword, "short");
       },
       Code::kInvalidArgument, "password must be at least 8 characters long"},
      {"ChangePasswordWithWrongOldPassword",
       [](AuthApi& api, const Tokens& t) {
         return api.ChangePassword(t.valid, "not my password", "another good password");
       },
       Code::kPermissionDenied, "the current password is wrong"},
      {"RevokeUnknownSession",
       [](AuthApi& api, const Tokens& t) { return api.RevokeSession(t.valid, "nope"); },
       Code::kNotFound, "no session with id \"nope\""},
  };
}

}  // namespace natter::testing
