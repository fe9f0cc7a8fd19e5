// Process-wide logging setup (spdlog). Text for people, JSON lines for Kubernetes log collectors.
#pragma once

#include <string>

namespace natter {

// Installs the default logger for `component` writing to stderr. `format` is "text" or "json".
void InitLogging(const std::string& component, const std::string& level, const std::string& format);

}  // namespace natter
