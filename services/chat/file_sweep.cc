#include "file_sweep.h"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include "common/metrics.h"

namespace natter::chat {
namespace {

prometheus::Counter& FreedBytes() {
  static auto& counter = prometheus::BuildCounter()
                             .Name("natter_file_sweep_freed_bytes_total")
                             .Help("Bytes of files (data and thumbnails) the file sweep freed")
                             .Register(Metrics::Get().registry())
                             .Add({});
  return counter;
}

prometheus::Counter& DeletedFiles() {
  static auto& counter = prometheus::BuildCounter()
                             .Name("natter_file_sweep_deleted_files_total")
                             .Help("Uploads no message carried that the file sweep deleted")
                             .Register(Metrics::Get().registry())
                             .Add({});
  return counter;
}

}  // namespace

void FileSweep::Start() {
  FreedBytes();  // shown as 0 from the start, not only after the first sweep
  DeletedFiles();
  thread_ = std::thread([this] { Run(); });
}

void FileSweep::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool FileSweep::Wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, d, [this] { return stopping_; });
}

void FileSweep::Run() {
  if (!Wait(options_.first)) return;
  for (;;) {
    auto swept = files_.Sweep();
    std::chrono::milliseconds next = options_.interval;
    if (!swept.ok()) {
      spdlog::warn("file sweep: stopped early, trying again later: {}",
                   std::string(swept.status().message()));
      next = options_.retry;
    } else {
      FreedBytes().Increment(static_cast<double>(swept->bytes));
      DeletedFiles().Increment(static_cast<double>(swept->files));
      if (swept->files > 0 || swept->blobs > 0) {
        spdlog::info("file sweep: deleted {} unsent uploads, freed {} stored files ({} bytes)",
                     swept->files, swept->blobs, swept->bytes);
      }
    }
    if (!Wait(next)) return;
  }
}

}  // namespace natter::chat
