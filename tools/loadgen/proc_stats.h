// CPU time and resident memory of server processes, read from /proc (Linux).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace natter::loadgen {

struct ProcSample {
  uint64_t cpu_us = 0;  // user + system time of every listed process
  uint64_t rss_kb = 0;  // resident set of every listed process
};

// Nullopt when a process is gone or /proc cannot be read.
std::optional<ProcSample> SampleProcesses(const std::vector<pid_t>& pids);
// The resident set of one process; nullopt when it is gone.
std::optional<uint64_t> ResidentKb(pid_t pid);

}  // namespace natter::loadgen
