// Look-alike names. In their own library (natter_name_skeleton), because ICU's confusables data
// comes with it: only the programs that compare names (auth, chat) load ICU.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace natter {

// The confusables skeleton (Unicode TR39) of a name, after case folding: two names that look alike
// ("paypal", "pаypal" with a Cyrillic а, fullwidth "ｐａｙｐａｌ") have the same skeleton.
// INVALID_ARGUMENT for invalid UTF-8. Compare skeletons, never show them: they are not meant to be
// read (TR39 maps "m" to "rn", for one).
absl::StatusOr<std::string> NameSkeleton(std::string_view name);

}  // namespace natter
