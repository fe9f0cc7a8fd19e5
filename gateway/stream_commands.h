// The commands a client sends on its stream, one row each: which natter-chat call serves it, how
// the frame becomes that call's request and its response the CommandResult. A new command is one
// row here (and its place in proto/gateway.proto); the session's admission and answering are the
// same for every row. Ping is not a row: the gateway answers it itself.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "gateway_context.h"
#include "natter/v1/gateway.pb.h"

namespace natter::gateway {

struct StreamCommand {
  using Done = std::function<void(v1::CommandResult)>;

  v1::ClientFrame::CommandCase command;
  std::string_view name;  // the field of ClientFrame's oneof
  // The answer can be large (history): at most max_syncs_in_flight of these at once per stream.
  bool heavy = false;
  // Calls natter-chat for `frame` as `caller`; `done` gets the result, or the error as the client
  // should read it (without the request_id).
  std::function<void(GatewayContext&, const v1::Caller&, const v1::ClientFrame&, Done)> run;
};

// Every row, in the order of ClientFrame's oneof.
const std::vector<StreamCommand>& StreamCommands();

// The row for `command`, or nullptr (Ping, or no command).
const StreamCommand* FindStreamCommand(v1::ClientFrame::CommandCase command);

}  // namespace natter::gateway
