// Names and text from clients: usernames, display names, passwords, room names and message text go
// through UTF-8 checks, NFC, case folding and the confusables skeleton. Whatever the bytes, no
// crash, and what comes out accepted is valid UTF-8 and normalized (normalizing it again changes
// nothing).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth_service.h"
#include "common/name_skeleton.h"
#include "common/text.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool utf8 = natter::IsValidUtf8(input);
  if (utf8) Check(natter::CodepointCount(input) <= size);

  if (auto nfc = natter::NormalizeNfc(input); nfc.ok()) {
    Check(utf8);
    Check(natter::IsValidUtf8(*nfc));
    Check(natter::NormalizeNfc(*nfc).value() == *nfc);
  }
  if (auto folded = natter::FoldCase(input); folded.ok()) Check(natter::IsValidUtf8(*folded));
  if (auto skeleton = natter::NameSkeleton(input); skeleton.ok()) {
    Check(utf8);
    Check(natter::IsValidUtf8(*skeleton));
  }
  natter::ValidateText(input, 4096, "message").IgnoreError();
  // An accepted emoji is valid UTF-8 of at most the bytes allowed.
  if (natter::ValidateEmoji(input, 32).ok()) Check(utf8 && !input.empty() && input.size() <= 32);

  if (auto username = natter::auth::NormalizeUsername(input); username.ok()) {
    Check(natter::IsValidUtf8(*username));
    Check(natter::auth::NormalizeUsername(*username).value() == *username);
    std::string key = natter::auth::UsernameKey(*username);
    Check(natter::IsValidUtf8(key));
    // Every accepted username has a skeleton (registration stores it).
    Check(natter::NameSkeleton(*username).ok());
    natter::auth::ValidatePassword("correct horse battery", *username).IgnoreError();
  }
  if (auto display = natter::auth::NormalizeDisplayName(input); display.ok()) {
    Check(natter::auth::NormalizeDisplayName(*display).value() == *display);
  }
  // Split the input into a password and a username at the first NUL.
  size_t split = input.find('\0');
  if (split != std::string_view::npos) {
    natter::auth::ValidatePassword(input.substr(0, split), input.substr(split + 1)).IgnoreError();
  }
  natter::auth::AddressWithoutPort(input);
  return 0;
}
