#include "proc_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace natter::loadgen {

std::optional<ProcSample> SampleProcesses(const std::vector<pid_t>& pids) {
  static const long ticks_per_second = sysconf(_SC_CLK_TCK);
  ProcSample sample;
  for (pid_t pid : pids) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime 14, stime 15.
    auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    uint64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    sample.cpu_us += (utime + stime) * 1'000'000 / static_cast<uint64_t>(ticks_per_second);

    auto rss = ResidentKb(pid);
    if (!rss) return std::nullopt;
    sample.rss_kb += *rss;
  }
  return sample;
}

std::optional<uint64_t> ResidentKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace natter::loadgen
