#include "common/name_skeleton.h"

#include <unicode/uspoof.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/text.h"

namespace natter {
namespace {

struct SpoofCheckerCloser {
  void operator()(USpoofChecker* checker) const { uspoof_close(checker); }
};

// ICU's checker, opened once: after it is configured, its const functions (getSkeleton among them)
// may be called from any number of threads at once.
const USpoofChecker* SpoofChecker() {
  static const std::unique_ptr<USpoofChecker, SpoofCheckerCloser> checker = [] {
    UErrorCode error = U_ZERO_ERROR;
    std::unique_ptr<USpoofChecker, SpoofCheckerCloser> opened(uspoof_open(&error));
    // ICU's confusables data is built into the library: failing to open it is a broken install.
    if (U_FAILURE(error) || opened == nullptr) {
      std::fprintf(stderr, "cannot open ICU's spoof checker: %s\n", u_errorName(error));
      std::abort();
    }
    return opened;
  }();
  return checker.get();
}

// TR39's skeleton of `text`: each character mapped to the prototype it is confusable with ("а"
// U+0430 to "a", "0" to "O"), in NFD.
absl::StatusOr<std::string> Skeleton(std::string_view text) {
  UErrorCode error = U_ZERO_ERROR;
  std::string skeleton(text.size() * 2 + 16, '\0');
  int32_t length =
      uspoof_getSkeletonUTF8(SpoofChecker(), 0, text.data(), static_cast<int32_t>(text.size()),
                             skeleton.data(), static_cast<int32_t>(skeleton.size()), &error);
  if (error == U_BUFFER_OVERFLOW_ERROR) {
    error = U_ZERO_ERROR;
    skeleton.assign(static_cast<size_t>(length), '\0');
    length =
        uspoof_getSkeletonUTF8(SpoofChecker(), 0, text.data(), static_cast<int32_t>(text.size()),
                               skeleton.data(), static_cast<int32_t>(skeleton.size()), &error);
  }
  if (U_FAILURE(error)) {
    return absl::InvalidArgumentError(std::string("cannot compare this name with others: ") +
                                      u_errorName(error));
  }
  skeleton.resize(static_cast<size_t>(length));
  return skeleton;
}

}  // namespace

absl::StatusOr<std::string> NameSkeleton(std::string_view name) {
  // Folded, skeleton, and both once more: prototypes may be capitals ("0" is "O", which folds to
  // "o"), so a second pass makes "g00gle" meet "google".
  std::string text(name);
  for (int pass = 0; pass < 2; ++pass) {
    auto folded = CompatFold(text);
    if (!folded.ok()) return folded.status();
    auto skeleton = Skeleton(*folded);
    if (!skeleton.ok()) return skeleton.status();
    text = std::move(*skeleton);
  }
  return text;
}

}  // namespace natter
