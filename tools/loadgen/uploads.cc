#include "uploads.h"

#include <chrono>
#include <cstring>
#include <random>

#include "natter/v1/gateway.grpc.pb.h"

namespace natter::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", "Bearer " + token);
  // 25 MB at a few MB/s on a loaded machine: well within the gateway's own 10 minutes.
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
}

}  // namespace

UploadFigures RunUploads(const UploadPlan& plan, std::atomic<bool>& running) {
  UploadFigures figures;
  auto stub = v1::Gateway::NewStub(plan.channel);
  std::mt19937_64 random(std::random_device{}());
  std::string file(plan.bytes, '\0');
  auto fail = [&](const std::string& what, const grpc::Status& status) {
    ++figures.failed;
    if (figures.first_error.empty()) figures.first_error = what + ": " + status.error_message();
  };
  for (size_t n = 0; n < plan.count; ++n) {
    // Fresh random bytes each time (not a PNG or JPEG: stored byte for byte, never deduplicated).
    for (size_t i = 0; i + 8 <= file.size(); i += 8) {
      const uint64_t word = random();
      std::memcpy(file.data() + i, &word, 8);
    }
    file[0] = 'L';

    const auto up_start = Clock::now();
    v1::FileInfo info;
    {
      grpc::ClientContext context;
      Authorize(context, plan.token);
      auto writer = stub->UploadFile(&context, &info);
      v1::UploadChunk first;
      first.mutable_start()->set_name("loadgen-" + std::to_string(n) + ".bin");
      first.mutable_start()->set_content_type("application/octet-stream");
      first.mutable_start()->set_size(file.size());
      bool ok = writer->Write(first);
      for (size_t at = 0; ok && at < file.size(); at += plan.chunk_bytes) {
        v1::UploadChunk chunk;
        chunk.set_data(file.substr(at, plan.chunk_bytes));
        ok = writer->Write(chunk);
      }
      writer->WritesDone();
      grpc::Status status = writer->Finish();
      if (!status.ok()) {
        fail("upload", status);
        continue;
      }
    }
    const double up_s = Seconds(up_start);

    const auto down_start = Clock::now();
    grpc::ClientContext context;
    Authorize(context, plan.token);
    v1::DownloadRequest request;
    request.set_file_id(info.file_id());
    auto reader = stub->DownloadFile(&context, request);
    v1::FileChunk chunk;
    std::string back;
    back.reserve(file.size());
    while (reader->Read(&chunk)) back += chunk.data();
    grpc::Status status = reader->Finish();
    if (!status.ok()) {
      fail("download", status);
      continue;
    }
    if (back != file) {
      fail("download", grpc::Status(grpc::StatusCode::DATA_LOSS,
                                    "the file came back different from what was sent"));
      continue;
    }
    ++figures.uploaded;
    figures.bytes += file.size();
    figures.upload_s += up_s;
    figures.download_s += Seconds(down_start);
  }
  running = false;
  return figures;
}

}  // namespace natter::loadgen
