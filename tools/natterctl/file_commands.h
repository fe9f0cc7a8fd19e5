// natterctl's files: upload one (UploadFile, in 256 KiB chunks, with progress on stderr when it is
// a terminal) for `send --file`, and `download` one (or its thumbnail) to a local file.
#pragma once

#include <string>

#include "ctl_common.h"

namespace natter::ctl {

// The bytes of one UploadChunk natterctl sends (the server's limit, docs/PROTOCOL.md).
inline constexpr size_t kUploadChunkBytes = 256 * 1024;

// Uploads the file at `path` as the current user: the stored file.
v1::FileInfo UploadFile(const Globals& g, const std::string& path);

// Writes file `file_id` (its thumbnail with `thumbnail`) to `out_file`; prints its FileInfo as JSON
// with "file" and "bytes" added.
int Download(const Globals& g, const std::string& file_id, const std::string& out_file,
             bool thumbnail);

}  // namespace natter::ctl
