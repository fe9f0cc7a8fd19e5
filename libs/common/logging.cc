#include "common/logging.h"

#include <google/protobuf/stubs/logging.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <mutex>

namespace natter {
namespace {

// %j: the log message escaped for a JSON string, so a quote or newline in a message cannot break a
// line.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          Append(dest, "\\\"");
          break;
        case '\\':
          Append(dest, "\\\\");
          break;
        case '\n':
          Append(dest, "\\n");
          break;
        case '\r':
          Append(dest, "\\r");
          break;
        case '\t':
          Append(dest, "\\t");
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            int n = std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            dest.append(buf, buf + n);
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }

 private:
  static void Append(spdlog::memory_buf_t& dest, std::string_view s) {
    dest.append(s.data(), s.data() + s.size());
  }
};

// libprotobuf's own lines (it logs an ERROR for every message it cannot parse, e.g. a string field
// that is not UTF-8): through spdlog, and at most kLines of them per window, so that a client
// sending bad bytes in a loop cannot fill the disk. How many were left out is said once the window
// is over.
class ProtobufLogLimiter {
 public:
  static constexpr int kLines = 10;
  static constexpr std::chrono::seconds kWindow{60};

  static void Handle(google::protobuf::LogLevel level, const char* filename, int line,
                     const std::string& message) {
    static ProtobufLogLimiter limiter;
    limiter.Log(level, filename, line, message);
  }

 private:
  void Log(google::protobuf::LogLevel level, const char* filename, int line,
           const std::string& message) {
    int suppressed = 0;
    {
      std::lock_guard lock(mu_);
      auto now = std::chrono::steady_clock::now();
      if (now - window_start_ >= kWindow) {
        suppressed = suppressed_;
        suppressed_ = 0;
        logged_ = 0;
        window_start_ = now;
      }
      // A fatal line says why the process is about to stop: never left out.
      if (logged_ >= kLines && level < google::protobuf::LOGLEVEL_FATAL) {
        ++suppressed_;
        return;
      }
      ++logged_;
    }
    if (suppressed > 0) {
      spdlog::warn("libprotobuf: {} more lines left out in the last {} s", suppressed,
                   kWindow.count());
    }
    spdlog::level::level_enum spd = spdlog::level::info;
    if (level == google::protobuf::LOGLEVEL_WARNING) spd = spdlog::level::warn;
    if (level >= google::protobuf::LOGLEVEL_ERROR) spd = spdlog::level::err;
    spdlog::log(spd, "libprotobuf {}:{}: {}", filename, line, message);
  }

  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_ = std::chrono::steady_clock::now();
  int logged_ = 0;
  int suppressed_ = 0;
};

}  // namespace

void InitLogging(const std::string& component, const std::string& level,
                 const std::string& format) {
  auto logger = spdlog::stderr_color_mt(component);
  if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","component":"%n","thread":%t,"msg":"%j"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %n: %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
  google::protobuf::SetLogHandler(&ProtobufLogLimiter::Handle);
}

}  // namespace natter
