// An upload's chunk sequence, on fakes: any announced size and type, then any chunks (lengths and
// bytes from the input, empty and oversized ones included) through FileService::Begin, Add and
// Finish, as natter-chat's UploadFile handler drives them. A refusal is INVALID_ARGUMENT or
// FAILED_PRECONDITION with a message and leaves nothing stored; an accepted file downloads back
// as sent (or, for a picture, re-encoded with its size); nothing crashes.
//
// Input: byte 0 picks the type (bit 0: "image/png", else none) and whether the announced size is
// off (bit 1: by the signed byte 1); then chunks, each a length byte (x 4) and that many bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"
#include "fakes/fake_file_store.h"
#include "fakes/fake_message_store.h"
#include "file_service.h"

namespace {

using natter::chat::FileLimits;

void Check(bool ok) {
  if (!ok) std::abort();
}

bool ClearRefusal(const absl::Status& s) {
  return !s.message().empty() && (s.code() == absl::StatusCode::kInvalidArgument ||
                                  s.code() == absl::StatusCode::kFailedPrecondition);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const auto delta = static_cast<int8_t>(data[1]);
  std::vector<std::string> chunks;
  std::string all;
  for (size_t at = 2; at < size;) {
    const size_t length = std::min<size_t>(size_t{data[at]} * 4, size - at - 1);
    chunks.emplace_back(reinterpret_cast<const char*>(data + at + 1), length);
    all += chunks.back();
    at += 1 + length;
  }

  natter::fakes::FakeFileStore files;
  natter::fakes::FakeMessageStore messages;
  natter::fakes::FakeClock clock;
  clock.SetNowMs(1'800'000'000'000);
  FileLimits limits;
  limits.max_file_bytes = 64 * 1024;
  limits.max_chunk_bytes = 512;
  limits.max_image_side = 256;
  limits.max_image_pixels = 256 * 256;
  natter::chat::FileService service(files, messages, limits, clock);

  natter::v1::Caller caller;
  caller.set_user_id(1);
  caller.set_username("alice");
  natter::v1::UploadStart start;
  start.set_name("fuzz.bin");
  if (flags & 1) start.set_content_type("image/png");
  const int64_t announced = static_cast<int64_t>(all.size()) + ((flags & 2) ? delta : 0);
  start.set_size(static_cast<uint64_t>(std::max<int64_t>(announced, 0)));

  absl::StatusOr<natter::v1::FileInfo> info = absl::UnknownError("not finished");
  {
    auto upload = service.Begin(caller, start);
    if (!upload.ok()) {
      Check(ClearRefusal(upload.status()));
      Check(files.blob_count() == 0);
      return 0;
    }
    absl::Status added;
    for (const auto& chunk : chunks) {
      added = service.Add(**upload, chunk);
      if (!added.ok()) break;
    }
    if (!added.ok()) {
      Check(ClearRefusal(added));
    } else {
      info = service.Finish(**upload);
      if (!info.ok()) Check(ClearRefusal(info.status()));
    }
  }  // the upload ends: a refused one drops what it staged
  if (!info.ok()) {
    Check(files.blob_count() == 0 && files.chunk_count() == 0);
    return 0;
  }
  Check(static_cast<int64_t>(all.size()) == announced);
  Check(files.blob_count() == 1);
  natter::v1::DownloadRequest request;
  *request.mutable_caller() = caller;
  request.set_file_id(info->file_id());
  auto file = service.OpenDownload(request);
  Check(file.ok());
  std::string back;
  for (uint32_t i = 0;; ++i) {
    auto chunk = service.ReadChunk(*file, false, i);
    Check(chunk.ok());
    if (!chunk->has_value()) break;
    back += **chunk;
  }
  Check(back.size() == info->size());
  if (info->width() == 0) {
    Check(back == all);
    Check(info->content_type() == "application/octet-stream");
  } else {
    Check(info->has_thumbnail() && info->width() <= 256 && info->height() <= 256);
  }
  return 0;
}
