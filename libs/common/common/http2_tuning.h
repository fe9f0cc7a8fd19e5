// gRPC's per-connection tuning as flags, for natter-gateway and the bench baseline alike (so the
// two are measured with the same knobs: BENCHMARKS.md, P3). Unset, gRPC's own defaults apply.
#pragma once

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <optional>

namespace natter {

struct Http2Tuning {
  std::optional<int> write_buffer_bytes;
  std::optional<int> stream_lookahead_bytes;
  std::optional<bool> bdp_probe;
  std::optional<int> tcp_read_chunk_bytes;
};

// --http2-write-buffer-bytes, --http2-stream-lookahead-bytes, --http2-bdp-probe and
// --tcp-read-chunk-bytes (NATTER_HTTP2_WRITE_BUFFER_BYTES, NATTER_HTTP2_STREAM_LOOKAHEAD_BYTES,
// NATTER_HTTP2_BDP_PROBE, NATTER_TCP_READ_CHUNK_BYTES); out-of-range values refuse to start.
inline void AddHttp2TuningFlags(CLI::App& app, Http2Tuning& tuning) {
  app.add_option("--http2-write-buffer-bytes", tuning.write_buffer_bytes,
                 "Bytes gRPC takes into one connection's HTTP/2 write buffer before a write "
                 "completes (default: gRPC's, 64 KiB)")
      ->envname("NATTER_HTTP2_WRITE_BUFFER_BYTES")
      ->check(CLI::Range(0, 64 << 20));
  app.add_option("--http2-stream-lookahead-bytes", tuning.stream_lookahead_bytes,
                 "HTTP/2 flow-control window a client may fill on one stream before the server "
                 "reads it (default: gRPC's, 64 KiB, grown by BDP probing)")
      ->envname("NATTER_HTTP2_STREAM_LOOKAHEAD_BYTES")
      ->check(CLI::Range(1024, 0x7fffffff));
  app.add_option("--http2-bdp-probe", tuning.bdp_probe,
                 "Probe each connection's bandwidth-delay product with pings to size its windows "
                 "(true or false; default: gRPC's, on)")
      ->envname("NATTER_HTTP2_BDP_PROBE");
  app.add_option("--tcp-read-chunk-bytes", tuning.tcp_read_chunk_bytes,
                 "Bytes gRPC first aims to read at once on a client connection, then adapts; "
                 "gRPC 1.51 reads into 8 KiB blocks whatever this says (default: gRPC's, 8 KiB)")
      ->envname("NATTER_TCP_READ_CHUNK_BYTES")
      ->check(CLI::Range(256, 32 << 20));
}

// Sets on `builder` the channel arguments of the knobs that were given.
inline void ApplyHttp2Tuning(const Http2Tuning& tuning, grpc::ServerBuilder& builder) {
  if (tuning.write_buffer_bytes) {
    builder.AddChannelArgument(GRPC_ARG_HTTP2_WRITE_BUFFER_SIZE, *tuning.write_buffer_bytes);
  }
  if (tuning.stream_lookahead_bytes) {
    builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES,
                               *tuning.stream_lookahead_bytes);
  }
  if (tuning.bdp_probe) {
    builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, *tuning.bdp_probe ? 1 : 0);
  }
  if (tuning.tcp_read_chunk_bytes) {
    builder.AddChannelArgument(GRPC_ARG_TCP_READ_CHUNK_SIZE, *tuning.tcp_read_chunk_bytes);
  }
}

}  // namespace natter
