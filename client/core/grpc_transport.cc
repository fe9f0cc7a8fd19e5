#include "grpc_transport.h"

namespace natter::client {

// One stream's state, shared by its reader and writer threads.
struct GrpcTransport::Stream {
  grpc::ClientContext context;
  std::unique_ptr<v1::Gateway::Stub> stub;
  std::unique_ptr<grpc::ClientReaderWriter<v1::ClientFrame, v1::ServerFrame>> rw;
  Handler handler;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<v1::ClientFrame> outbox;
  bool closing = false;        // Close() was called: no more callbacks
  bool reads_done = false;     // the reader saw the end of the stream
  bool writer_exited = false;  // the writer will not touch the stream again
};

GrpcTransport::GrpcTransport(std::shared_ptr<grpc::ChannelCredentials> credentials)
    : credentials_(credentials ? std::move(credentials) : grpc::InsecureChannelCredentials()) {}

GrpcTransport::~GrpcTransport() { Close(); }

void GrpcTransport::Open(const std::string& address, const std::string& token, Handler handler) {
  Close();
  auto stream = std::make_shared<Stream>();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  stream->stub = v1::Gateway::NewStub(grpc::CreateCustomChannel(address, credentials_, args));
  stream->context.AddMetadata("authorization", "Bearer " + token);
  stream->handler = std::move(handler);
  stream->rw = stream->stub->Connect(&stream->context);
  std::lock_guard lock(mu_);
  current_ = stream;
  reader_ = std::thread([this, stream] { ReadLoop(stream); });
  writer_ = std::thread([this, stream] { WriteLoop(stream); });
}

void GrpcTransport::ReadLoop(std::shared_ptr<Stream> stream) {
  v1::ServerFrame frame;
  while (stream->rw->Read(&frame)) {
    {
      std::lock_guard lock(stream->mu);
      if (stream->closing) break;
    }
    stream->handler.on_frame(std::move(frame));
    frame.Clear();
  }
  // Finish only once the writer is done with the stream.
  {
    std::unique_lock lock(stream->mu);
    stream->reads_done = true;
    stream->cv.notify_all();
    stream->cv.wait(lock, [&] { return stream->writer_exited; });
  }
  stream->context.TryCancel();
  grpc::Status status = stream->rw->Finish();
  bool closing = false;
  {
    std::lock_guard lock(stream->mu);
    closing = stream->closing;
  }
  if (!closing) stream->handler.on_closed(status.error_code(), status.error_message());
}

void GrpcTransport::WriteLoop(std::shared_ptr<Stream> stream) {
  for (;;) {
    v1::ClientFrame frame;
    {
      std::unique_lock lock(stream->mu);
      stream->cv.wait(
          lock, [&] { return stream->closing || stream->reads_done || !stream->outbox.empty(); });
      if (stream->closing || stream->reads_done) break;
      frame = std::move(stream->outbox.front());
      stream->outbox.pop_front();
    }
    if (!stream->rw->Write(frame)) break;  // the stream is ending; the reader will see why
  }
  std::lock_guard lock(stream->mu);
  stream->writer_exited = true;
  stream->cv.notify_all();
}

void GrpcTransport::Write(const v1::ClientFrame& frame) {
  std::shared_ptr<Stream> stream;
  {
    std::lock_guard lock(mu_);
    stream = current_;
  }
  if (!stream) return;
  std::lock_guard lock(stream->mu);
  if (stream->closing || stream->reads_done) return;
  stream->outbox.push_back(frame);
  stream->cv.notify_all();
}

void GrpcTransport::Close() {
  std::shared_ptr<Stream> stream;
  std::thread reader, writer;
  {
    std::lock_guard lock(mu_);
    stream = std::move(current_);
    reader = std::move(reader_);
    writer = std::move(writer_);
  }
  if (!stream) return;
  {
    std::lock_guard lock(stream->mu);
    stream->closing = true;
    stream->cv.notify_all();
  }
  stream->context.TryCancel();
  if (writer.joinable()) writer.join();
  if (reader.joinable()) reader.join();
}

}  // namespace natter::client
