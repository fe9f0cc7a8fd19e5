// Deletes, in the background, the files nobody can reach any more and frees their bytes
// (FileService::Sweep: uploads no message carries 48 hours after their upload, then the stored
// bytes no upload names). Every replica runs one; the sweep is idempotent (each row goes in a
// statement that checks the rule again), so replicas sweeping at once only repeat a look. Counts
// natter_file_sweep_freed_bytes_total and natter_file_sweep_deleted_files_total.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "file_service.h"

namespace natter::chat {

struct FileSweepOptions {
  std::chrono::milliseconds first{std::chrono::minutes(2)};   // after start
  std::chrono::milliseconds interval{std::chrono::hours(1)};  // between sweeps
  std::chrono::milliseconds retry{std::chrono::minutes(5)};   // after a failed sweep
};

class FileSweep {
 public:
  FileSweep(FileService& files, FileSweepOptions options) : files_(files), options_(options) {}
  ~FileSweep() { Stop(); }
  FileSweep(const FileSweep&) = delete;
  FileSweep& operator=(const FileSweep&) = delete;

  void Start();
  // Ends the thread after its current batch.
  void Stop();

 private:
  void Run();
  // Waits `d` or until Stop; false when stopping.
  bool Wait(std::chrono::milliseconds d);

  FileService& files_;
  const FileSweepOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace natter::chat
