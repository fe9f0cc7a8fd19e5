// natter-loadgen's upload mode: files of random bytes (so none is deduplicated) sent through a
// gateway with UploadFile, each then read back whole with DownloadFile, one after another, while
// the message load runs; the time each way gives MB/s through the gateway.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace natter::loadgen {

struct UploadPlan {
  size_t count = 0;
  size_t bytes = 0;                 // each file
  size_t chunk_bytes = 256 * 1024;  // the largest UploadChunk the server takes by default
  std::string token;                // the uploader's
  std::shared_ptr<grpc::Channel> channel;
};

struct UploadFigures {
  size_t uploaded = 0;  // and downloaded back, byte for byte
  size_t failed = 0;
  std::string first_error;
  uint64_t bytes = 0;     // of each direction, for the files that made it
  double upload_s = 0;    // summed over the files: first chunk sent to FileInfo
  double download_s = 0;  // DownloadFile called to its last chunk
  double UploadMBps() const {
    return upload_s > 0 ? static_cast<double>(bytes) / 1e6 / upload_s : 0;
  }
  double DownloadMBps() const {
    return download_s > 0 ? static_cast<double>(bytes) / 1e6 / download_s : 0;
  }
};

// Runs the plan, one file at a time; `running` is true until it returns.
UploadFigures RunUploads(const UploadPlan& plan, std::atomic<bool>& running);

}  // namespace natter::loadgen
