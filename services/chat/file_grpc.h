// natter-chat's UploadFile and DownloadFile: one reactor per call that moves one chunk at a time
// between the stream and the FileService, the store work on a worker pool (image re-encoding on a
// pool of its own, so a few large pictures cannot take every worker), the next read or write
// started only when the chunk before it is stored or sent: a slow database or a slow reader slows
// the stream down (HTTP/2 flow control) and no file is ever held whole.
#pragma once

#include <grpcpp/grpcpp.h>

#include "common/worker_pool.h"
#include "file_service.h"

namespace natter::chat {

grpc::ServerReadReactor<v1::UploadChunk>* StartUpload(grpc::CallbackServerContext* context,
                                                      v1::FileInfo* response, FileService& files,
                                                      WorkerPool& pool, WorkerPool& images);

grpc::ServerWriteReactor<v1::FileChunk>* StartDownload(grpc::CallbackServerContext* context,
                                                       const v1::DownloadRequest* request,
                                                       FileService& files, WorkerPool& pool);

}  // namespace natter::chat
