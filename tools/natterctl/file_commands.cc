#include "file_commands.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "output.h"

namespace natter::ctl {
namespace {

// A transfer may take longer than a command's call: this long at most.
constexpr auto kTransferTimeout = std::chrono::minutes(10);

std::unique_ptr<grpc::ClientContext> TransferContext(const Globals& g) {
  auto context = AuthedContext(g);
  context->set_deadline(Clock::now() + kTransferTimeout);
  return context;
}

// "\r  42% of 12.3 MB" on stderr, only when it is a terminal (scripts read stderr's one error
// line).
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total), shown_(isatty(STDERR_FILENO) == 1) {}
  void Update(uint64_t done) {
    if (!shown_ || total_ == 0) return;
    const int percent = static_cast<int>(done * 100 / total_);
    if (percent == last_) return;
    last_ = percent;
    std::fprintf(stderr, "\r%3d%% of %.1f MB", percent, static_cast<double>(total_) / 1e6);
    if (done == total_) std::fprintf(stderr, "\n");
  }

 private:
  const uint64_t total_;
  const bool shown_;
  int last_ = -1;
};

}  // namespace

v1::FileInfo UploadFile(const Globals& g, const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw CtlError{"cannot read " + path + ": " + error.message()};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CtlError{"cannot read " + path};
  std::string name = std::filesystem::path(path).filename().string();
  RequireUtf8(name, "file name");

  auto stub = GatewayStub(g);
  auto context = TransferContext(g);
  v1::FileInfo info;
  auto writer = stub->UploadFile(context.get(), &info);
  v1::UploadChunk first;
  first.mutable_start()->set_name(name);
  first.mutable_start()->set_size(size);
  bool sending = writer->Write(first);
  Progress progress(size);
  std::string buffer(kUploadChunkBytes, '\0');
  uint64_t sent = 0;
  while (sending && sent < size) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;  // the file shrank: the server says the upload is short
    v1::UploadChunk chunk;
    chunk.set_data(buffer.data(), got);
    sending = writer->Write(chunk);  // false: the server ended the call; Finish says why
    sent += got;
    progress.Update(sent);
  }
  writer->WritesDone();
  CheckStatus(writer->Finish(), g);
  return info;
}

int Download(const Globals& g, const std::string& file_id, const std::string& out_file,
             bool thumbnail) {
  auto stub = GatewayStub(g);
  auto context = TransferContext(g);
  v1::DownloadRequest request;
  request.set_file_id(file_id);
  request.set_thumbnail(thumbnail);
  auto reader = stub->DownloadFile(context.get(), request);
  // Written beside the target and renamed at the end, so a failed download leaves no half file.
  const std::string partial = out_file + ".part";
  std::ofstream out;
  v1::FileChunk chunk;
  v1::FileInfo info;
  uint64_t total = 0, received = 0;
  bool first = true;
  std::optional<Progress> progress;
  while (reader->Read(&chunk)) {
    if (first) {
      info = chunk.info();
      total = chunk.total();
      progress.emplace(total);
      out.open(partial, std::ios::binary | std::ios::trunc);
      if (!out) throw CtlError{"cannot write " + out_file};
      first = false;
    }
    out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    received += chunk.data().size();
    progress->Update(received);
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    if (!first) std::filesystem::remove(partial);
    CheckStatus(status, g);
  }
  if (first) throw CtlError{"the gateway sent no file"};
  out.close();
  if (!out || received != total) {
    std::filesystem::remove(partial);
    throw CtlError{"the download of " + file_id + " ended early; try again"};
  }
  std::error_code error;
  std::filesystem::rename(partial, out_file, error);
  if (error) throw CtlError{"cannot write " + out_file + ": " + error.message()};
  nlohmann::json j = FileJson(info);
  j["file"] = out_file;
  j["bytes"] = received;
  PrintJson(j);
  return 0;
}

}  // namespace natter::ctl
