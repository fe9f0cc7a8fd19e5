#include "stream_commands.h"

#include "common/status.h"

namespace natter::gateway {
namespace {

using ChatAsync = v1::Chat::StubInterface::async_interface;
template <class Request, class Response>
using ChatMethod = void (ChatAsync::*)(grpc::ClientContext*, const Request*, Response*,
                                       std::function<void(grpc::Status)>);

// A row that relays the frame to natter-chat's `method`: `request` fills the call's request from
// the frame (the caller is set here), `result` moves the response into the CommandResult.
template <class Request, class Response>
StreamCommand Relay(v1::ClientFrame::CommandCase command, std::string_view name, bool heavy,
                    ChatMethod<Request, Response> method,
                    void (*request)(const v1::ClientFrame&, Request&),
                    void (*result)(Response&, v1::CommandResult&)) {
  auto run = [method, request, result](GatewayContext& gateway, const v1::Caller& caller,
                                       const v1::ClientFrame& frame, StreamCommand::Done done) {
    auto call = NewCall<Request, Response>(gateway);
    request(frame, call->request);
    *call->request.mutable_caller() = caller;
    (gateway.chat->async()->*method)(
        &call->context, &call->request, &call->response,
        [call, result, done = std::move(done)](grpc::Status status) mutable {
          v1::CommandResult out;
          if (status.ok()) {
            result(call->response, out);
          } else {
            grpc::Status shown = PeerStatus(status, "the chat service");
            out.set_code(shown.error_code());
            out.set_error(shown.error_message());
            if (auto retry = RetryAfter(status)) {
              out.set_retry_after_ms(static_cast<uint32_t>(retry->count()));
            }
          }
          // The call is released before the answer goes on: whoever waits for it may then
          // release the stub its call came from.
          call.reset();
          done(std::move(out));
        });
  };
  return StreamCommand{command, name, heavy, std::move(run)};
}

std::vector<StreamCommand> MakeTable() {
  using F = v1::ClientFrame;
  std::vector<StreamCommand> table;
  table.push_back(Relay<v1::SendRequest, v1::SendResponse>(
      F::kSend, "send", false, &ChatAsync::Send,
      [](const F& f, v1::SendRequest& r) {
        const v1::SendMessage& send = f.send();
        if (send.target_case() == v1::SendMessage::kRoom) r.set_room(send.room());
        if (send.target_case() == v1::SendMessage::kConversationId) {
          r.set_conversation_id(send.conversation_id());
        }
        if (send.target_case() == v1::SendMessage::kToUser) r.set_to_user(send.to_user());
        r.set_client_msg_id(send.client_msg_id());
        r.set_text(send.text());
        r.set_reply_to_seq(send.reply_to_seq());
        r.set_attachment_file_id(send.attachment_file_id());
      },
      [](v1::SendResponse& response, v1::CommandResult& out) {
        *out.mutable_ack() = std::move(*response.mutable_ack());
      }));
  table.push_back(Relay<v1::SyncRequest, v1::SyncResponse>(
      F::kSync, "sync", true, &ChatAsync::Sync,
      [](const F& f, v1::SyncRequest& r) {
        r.set_conversation_id(f.sync().conversation_id());
        r.set_after_seq(f.sync().after_seq());
        r.set_limit(f.sync().limit());
      },
      [](v1::SyncResponse& response, v1::CommandResult& out) {
        *out.mutable_sync() = std::move(response);
      }));
  table.push_back(Relay<v1::SyncUserEventsRequest, v1::SyncUserEventsResponse>(
      F::kSyncEvents, "sync_events", true, &ChatAsync::SyncUserEvents,
      [](const F& f, v1::SyncUserEventsRequest& r) {
        r.set_after_seq(f.sync_events().after_seq());
        r.set_limit(f.sync_events().limit());
      },
      [](v1::SyncUserEventsResponse& response, v1::CommandResult& out) {
        *out.mutable_sync_events() = std::move(response);
      }));
  table.push_back(Relay<v1::EditRequest, v1::SendResponse>(
      F::kEdit, "edit", false, &ChatAsync::Edit,
      [](const F& f, v1::EditRequest& r) {
        *r.mutable_conversation() = f.edit().conversation();
        r.set_seq(f.edit().seq());
        r.set_text(f.edit().text());
        r.set_client_msg_id(f.edit().client_msg_id());
      },
      [](v1::SendResponse& response, v1::CommandResult& out) {
        *out.mutable_ack() = std::move(*response.mutable_ack());
      }));
  table.push_back(Relay<v1::DeleteRequest, v1::SendResponse>(
      F::kDelete, "delete", false, &ChatAsync::Delete,
      [](const F& f, v1::DeleteRequest& r) {
        *r.mutable_conversation() = f.delete_().conversation();
        r.set_seq(f.delete_().seq());
        r.set_client_msg_id(f.delete_().client_msg_id());
      },
      [](v1::SendResponse& response, v1::CommandResult& out) {
        *out.mutable_ack() = std::move(*response.mutable_ack());
      }));
  table.push_back(Relay<v1::TypingRequest, v1::TypingResponse>(
      F::kTyping, "typing", false, &ChatAsync::Typing,
      [](const F& f, v1::TypingRequest& r) {
        *r.mutable_conversation() = f.typing().conversation();
      },
      [](v1::TypingResponse& response, v1::CommandResult& out) {
        *out.mutable_typing() = std::move(response);
      }));
  table.push_back(Relay<v1::MarkReadRequest, v1::MarkReadResponse>(
      F::kRead, "read", false, &ChatAsync::MarkRead,
      [](const F& f, v1::MarkReadRequest& r) {
        *r.mutable_conversation() = f.read().conversation();
        r.set_seq(f.read().seq());
      },
      [](v1::MarkReadResponse& response, v1::CommandResult& out) {
        *out.mutable_read() = std::move(response);
      }));
  table.push_back(Relay<v1::ReactRequest, v1::SendResponse>(
      F::kReact, "react", false, &ChatAsync::React,
      [](const F& f, v1::ReactRequest& r) {
        *r.mutable_conversation() = f.react().conversation();
        r.set_seq(f.react().seq());
        r.set_emoji(f.react().emoji());
        r.set_remove(f.react().remove());
        r.set_client_msg_id(f.react().client_msg_id());
      },
      [](v1::SendResponse& response, v1::CommandResult& out) {
        *out.mutable_ack() = std::move(*response.mutable_ack());
      }));
  table.push_back(Relay<v1::SetNotificationsRequest, v1::NotificationSettings>(
      F::kNotifications, "notifications", false, &ChatAsync::SetNotifications,
      [](const F& f, v1::SetNotificationsRequest& r) {
        *r.mutable_conversation() = f.notifications().conversation();
        r.set_level(f.notifications().level());
        if (f.notifications().has_muted_until_ms()) {
          r.set_muted_until_ms(f.notifications().muted_until_ms());
        }
      },
      [](v1::NotificationSettings& response, v1::CommandResult& out) {
        *out.mutable_notifications() = std::move(response);
      }));
  table.push_back(Relay<v1::PinRequest, v1::SendResponse>(
      F::kPin, "pin", false, &ChatAsync::Pin,
      [](const F& f, v1::PinRequest& r) {
        *r.mutable_conversation() = f.pin().conversation();
        r.set_seq(f.pin().seq());
        r.set_unpin(f.pin().unpin());
        r.set_client_msg_id(f.pin().client_msg_id());
      },
      [](v1::SendResponse& response, v1::CommandResult& out) {
        *out.mutable_ack() = std::move(*response.mutable_ack());
      }));
  return table;
}

}  // namespace

const std::vector<StreamCommand>& StreamCommands() {
  static const std::vector<StreamCommand> table = MakeTable();
  return table;
}

const StreamCommand* FindStreamCommand(v1::ClientFrame::CommandCase command) {
  for (const auto& row : StreamCommands()) {
    if (row.command == command) return &row;
  }
  return nullptr;
}

}  // namespace natter::gateway
