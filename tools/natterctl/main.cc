// natterctl: Natter's command-line client. Talks only to the gateway, like the desktop client.
// The command contract (arguments, output, exit codes) is in docs/PROTOCOL.md; keep them in step.
#include <grpc/support/log.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <vector>

#include "account_commands.h"
#include "chat_commands.h"
#include "ctl_common.h"
#include "file_commands.h"
#include "group_commands.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "output.h"
#include "private_room_commands.h"
#include "room_commands.h"
#include "search_commands.h"
#include "social_commands.h"

namespace {

using natter::ctl::Globals;

int Health(const Globals& g, const std::string& service) {
  using grpc::health::v1::HealthCheckResponse;
  auto stub = grpc::health::v1::Health::NewStub(
      natter::ctl::Channel(natter::ctl::SplitGateways(g.gateway).front()));
  grpc::ClientContext context;
  context.set_deadline(natter::ctl::Clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) throw natter::ctl::FromStatus(status, g.gateway);
  std::cout << HealthCheckResponse::ServingStatus_Name(response.status()) << std::endl;
  return response.status() == HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // natterctl says what went wrong in one line of its own; gRPC's internal log lines (a failed TLS
  // handshake, say) would only repeat it less clearly.
  gpr_set_log_function([](gpr_log_func_args*) {});
  namespace ctl = natter::ctl;
  CLI::App app{"natterctl: Natter from the command line"};
  app.require_subcommand(1);
  Globals g;
  g.gateway = "127.0.0.1:2019";
  g.home = ctl::DefaultHome();
  app.add_option("--gateway", g.gateway, "Gateway address HOST:PORT (several, comma-separated)")
      ->envname("NATTER_GATEWAY")
      ->capture_default_str();
  app.add_option("--as", g.as_user, "Act as this logged-in user (default: the last one to log in)");
  bool tls = false;
  std::string ca_file;
  app.add_flag("--tls", tls, "Connect with TLS, trusting the system's CAs")->envname("NATTER_TLS");
  app.add_option("--ca", ca_file, "Connect with TLS, trusting this CA certificate (PEM)")
      ->envname("NATTER_CA");

  std::string user, device, room, text, client_msg_id, service, session_id, file, out_file;
  std::string new_display_name;
  std::optional<std::string> display_name;
  int count = 0;
  double timeout = 0;
  bool all = false;

  auto* reg = app.add_subcommand("register", "Create an account (password from stdin or prompt)");
  reg->add_option("USER", user, "Username")->required();
  reg->add_option("--display-name", new_display_name, "Display name (default: the username)");
  auto* login = app.add_subcommand("login", "Log in and remember the session for USER");
  login->add_option("USER", user, "Username")->required();
  login->add_option("--device", device, "Name of this device (default: natterctl on HOSTNAME)");
  auto* logout = app.add_subcommand("logout", "End this session (--all: every session)");
  logout->add_flag("--all", all, "End every session of the user, on every device");
  auto* whoami = app.add_subcommand("whoami", "Show the current user's profile");
  auto* passwd = app.add_subcommand(
      "passwd",
      "Change the password (current, then new, from stdin or prompts); ends other sessions");
  auto* sessions = app.add_subcommand("sessions", "List the user's sessions (JSON lines)");
  auto* revoke = sessions->add_subcommand("revoke", "End one session by its id");
  revoke->add_option("ID", session_id, "Session id (from 'natterctl sessions')")->required();
  auto* profile = app.add_subcommand("profile", "Show a profile (default: your own)");
  profile->add_option("USER", user, "Username");
  auto* profile_set = profile->add_subcommand("set", "Change your profile");
  profile_set->add_option("--display-name", display_name, "New display name (1-64 characters)");
  auto* avatar = app.add_subcommand("avatar", "Set or fetch avatars");
  avatar->require_subcommand(1);
  auto* avatar_set = avatar->add_subcommand("set", "Upload a PNG or JPEG (at most 512 KiB)");
  avatar_set->add_option("FILE", file, "Image file")->required()->check(CLI::ExistingFile);
  auto* avatar_get = avatar->add_subcommand("get", "Save USER's avatar as a 128x128 PNG");
  avatar_get->add_option("USER", user, "Username")->required();
  avatar_get->add_option("-o,--output", out_file, "Where to write the PNG")->required();
  auto* delete_account =
      app.add_subcommand("delete-account", "Delete your account (password from stdin or prompt)");
  // A target: --room ROOM | --to USER (direct) | --conversation ID, exactly one.
  ctl::Target target;
  auto add_target = [&](CLI::App* cmd, const std::string& user_flag) {
    auto* group = cmd->add_option_group("target");
    group->add_option("--room", target.room, "Room name, e.g. lobby");
    group->add_option(user_flag, target.user, "The direct conversation with this user");
    group->add_option("--conversation", target.conversation_id, "Conversation id");
    group->require_option(1);
  };
  auto* send = app.add_subcommand("send", "Send a message; prints the ack as JSON");
  add_target(send, "--to");
  std::string send_file;
  send->add_option("TEXT", text, "Message text (may be left out with --file)");
  send->add_option("--file", send_file, "Upload this file (an image or any file) and send it")
      ->check(CLI::ExistingFile);
  send->add_option("--client-msg-id", client_msg_id, "Idempotency key (default: random)");
  uint64_t reply_to = 0;
  send->add_option("--reply-to", reply_to, "Reply to this message (its seq) of the conversation")
      ->check(CLI::PositiveNumber);
  std::string conversation_spec;
  uint64_t seq = 0;
  auto add_conversation = [&](CLI::App* cmd) {
    cmd->add_option("CONVERSATION", conversation_spec,
                    "Conversation id, room name, or @USER for a direct conversation")
        ->required();
    cmd->add_option("SEQ", seq, "The entry's seq")->required()->check(CLI::PositiveNumber);
  };
  auto* download = app.add_subcommand(
      "download", "Save a file sent in a conversation; prints its details as JSON");
  std::string file_id;
  bool thumbnail = false;
  download->add_option("FILE_ID", file_id, "The file's id (a message's attachment.file_id)")
      ->required();
  download->add_option("-o,--output", out_file, "Where to write it")->required();
  download->add_flag("--thumbnail", thumbnail, "The image's thumbnail instead of the file");
  auto* edit = app.add_subcommand("edit", "Change the text of one of your messages");
  add_conversation(edit);
  edit->add_option("TEXT", text, "New text")->required();
  auto* del = app.add_subcommand("delete", "Delete one of your messages");
  add_conversation(del);
  std::string emoji;
  bool remove_reaction = false;
  auto* react = app.add_subcommand("react", "React to a message with an emoji (--remove: undo)");
  add_conversation(react);
  react->add_option("EMOJI", emoji, "One emoji, e.g. 👍")->required();
  react->add_flag("--remove", remove_reaction, "Take your reaction back instead");
  auto* pin = app.add_subcommand("pin", "Pin a message of a conversation");
  add_conversation(pin);
  auto* unpin = app.add_subcommand("unpin", "Unpin a message of a conversation");
  add_conversation(unpin);
  auto* unreact = app.add_subcommand("unreact", "Take back your reaction to a message");
  add_conversation(unreact);
  unreact->add_option("EMOJI", emoji, "The emoji you reacted with")->required();
  auto* read = app.add_subcommand("read", "Mark a conversation read up to SEQ");
  add_conversation(read);
  std::string mute_for, mute_until, notify_level;
  auto add_conversation_only = [&](CLI::App* cmd) {
    cmd->add_option("CONVERSATION", conversation_spec,
                    "Conversation id, room name, or @USER for a direct conversation")
        ->required();
  };
  auto* mute = app.add_subcommand(
      "mute", "Mute a conversation's notifications (default: until you unmute it)");
  add_conversation_only(mute);
  auto* mute_for_option =
      mute->add_option("--for", mute_for, "For this long: 1h, 8h, 30m, 2d, 1h30m (at most 366d)");
  mute->add_option("--until", mute_until, "Until this time, RFC 3339 (e.g. 2026-12-24T18:00:00Z)")
      ->excludes(mute_for_option);
  auto* unmute = app.add_subcommand("unmute", "Unmute a conversation");
  add_conversation_only(unmute);
  auto* pins = app.add_subcommand(
      "pins", "A conversation's pinned messages (JSON lines, most recently pinned first)");
  add_conversation_only(pins);
  auto* notifications = app.add_subcommand(
      "notifications",
      "Choose which messages of a conversation notify you: all, mentions (of you) or none");
  add_conversation_only(notifications);
  notifications->add_option("LEVEL", notify_level, "all, mentions or none")
      ->required()
      ->check(CLI::IsMember({"all", "mentions", "none"}));
  auto* typing = app.add_subcommand("typing", "Tell the conversation you are typing");
  add_target(typing, "--to");
  auto* unread = app.add_subcommand("unread", "Conversations with unread messages (JSON lines)");
  auto* conversations =
      app.add_subcommand("conversations", "Your conversations with read state (JSON lines)");
  uint64_t before_seq = 0;
  uint32_t history_limit = 0;
  auto* history = app.add_subcommand("history", "A page of history (JSON lines, oldest first)");
  add_target(history, "--with");
  history->add_option("--before", before_seq, "Messages before this seq (default: the latest)");
  history->add_option("--limit", history_limit, "How many (default 50, at most 200)")
      ->check(CLI::Range(1, 200));
  uint64_t mentions_before = 0;
  uint32_t mentions_limit = 0;
  auto* mentions =
      app.add_subcommand("mentions", "Messages that mention you (JSON lines, newest first)");
  mentions->add_option("--before", mentions_before,
                       "Messages before this message_id (default: the newest)");
  mentions->add_option("--limit", mentions_limit, "How many (default 20, at most 100)")
      ->check(CLI::Range(1, 100));
  std::string search_query, search_before;
  uint32_t search_limit = 0;
  auto* search = app.add_subcommand(
      "search", "Search your conversations' messages (JSON lines, most relevant first)");
  search
      ->add_option("QUERY", search_query,
                   "Words, \"phrases\", from:USER, in:ROOM or in:@USER, before:YYYY-MM-DD, "
                   "after:YYYY-MM-DD")
      ->required();
  search->add_option("--limit", search_limit, "How many (default 20, at most 50)")
      ->check(CLI::Range(1, 50));
  search->add_option("--before", search_before,
                     "The next page: the \"before\" of the previous page's last line");
  auto* rooms =
      app.add_subcommand("rooms", "Rooms: list, create, join, leave, members, kick, ban, mod, ...");
  rooms->require_subcommand(1);
  std::string room_prefix, topic_value, new_name;
  uint32_t rooms_limit = 0;
  auto* rooms_list = rooms->add_subcommand("list", "Rooms (JSON lines, by name)");
  rooms_list->add_option("--prefix", room_prefix, "Only names starting with this");
  rooms_list->add_option("--limit", rooms_limit, "How many (default 50, at most 200)")
      ->check(CLI::Range(1, 200));
  auto* rooms_create = rooms->add_subcommand("create", "Create a room you own");
  rooms_create->add_option("ROOM", room, "2-32 letters, digits, '_', '.', '-'")->required();
  rooms_create->add_option("--topic", topic_value, "Topic (at most 250 characters)");
  bool room_private = false;
  std::string room_history = "all", room_privacy, room_mute_for;
  rooms_create->add_flag("--private", room_private, "Invite-only and not listed");
  rooms_create->add_option("--history", room_history, "Who reads history: all or since-join")
      ->check(CLI::IsMember({"all", "since-join"}));
  auto* rooms_join = rooms->add_subcommand("join", "Join a room");
  rooms_join->add_option("ROOM", room, "Room name")->required();
  auto* rooms_leave = rooms->add_subcommand("leave", "Leave a room");
  rooms_leave->add_option("ROOM", room, "Room name")->required();
  auto* rooms_members = rooms->add_subcommand("members", "A room's members (JSON lines)");
  rooms_members->add_option("ROOM", room, "Room name")->required();
  auto* rooms_kick = rooms->add_subcommand("kick", "Remove a member (owner and moderators)");
  rooms_kick->add_option("ROOM", room, "Room name")->required();
  rooms_kick->add_option("USER", user, "Username")->required();
  auto* rooms_ban = rooms->add_subcommand(
      "ban", "Ban a user: removed, and cannot join until unbanned (owner and moderators)");
  rooms_ban->add_option("ROOM", room, "Room name")->required();
  rooms_ban->add_option("USER", user, "Username")->required();
  auto* rooms_unban = rooms->add_subcommand("unban", "Lift a user's ban (owner and moderators)");
  rooms_unban->add_option("ROOM", room, "Room name")->required();
  rooms_unban->add_option("USER", user, "Username")->required();
  auto* rooms_bans =
      rooms->add_subcommand("bans", "A room's bans, newest first (owner and moderators)");
  rooms_bans->add_option("ROOM", room, "Room name")->required();
  auto* rooms_mod = rooms->add_subcommand(
      "mod", "Make a member a moderator: may kick, ban and unban members (owner only)");
  rooms_mod->add_option("ROOM", room, "Room name")->required();
  rooms_mod->add_option("USER", user, "Username")->required();
  auto* rooms_unmod =
      rooms->add_subcommand("unmod", "Make a moderator a plain member again (owner only)");
  rooms_unmod->add_option("ROOM", room, "Room name")->required();
  rooms_unmod->add_option("USER", user, "Username")->required();
  auto* rooms_topic = rooms->add_subcommand("topic", "Set the topic (owner only; empty clears)");
  rooms_topic->add_option("ROOM", room, "Room name")->required();
  rooms_topic->add_option("TOPIC", topic_value, "New topic")->required();
  auto* rooms_rename = rooms->add_subcommand("rename", "Rename a room (owner only)");
  rooms_rename->add_option("ROOM", room, "Room name")->required();
  rooms_rename->add_option("NAME", new_name, "New name")->required();
  auto* rooms_invite = rooms->add_subcommand("invite", "Invite a user (owner and moderators)");
  rooms_invite->add_option("ROOM", room, "Room name")->required();
  rooms_invite->add_option("USER", user, "Username")->required();
  auto* rooms_uninvite = rooms->add_subcommand("uninvite", "Cancel a pending invitation");
  rooms_uninvite->add_option("ROOM", room, "Room name")->required();
  rooms_uninvite->add_option("USER", user, "Username")->required();
  auto* rooms_mute = rooms->add_subcommand(
      "mute", "Mute a member: they read but cannot post (default: until unmuted)");
  rooms_mute->add_option("ROOM", room, "Room name")->required();
  rooms_mute->add_option("USER", user, "Username")->required();
  rooms_mute->add_option("--for", room_mute_for, "For this long: 1h, 30m, 2d (at most 366d)");
  auto* rooms_unmute = rooms->add_subcommand("unmute", "Let a muted member post again");
  rooms_unmute->add_option("ROOM", room, "Room name")->required();
  rooms_unmute->add_option("USER", user, "Username")->required();
  auto* rooms_history =
      rooms->add_subcommand("history", "Who reads the room's history (owner only)");
  rooms_history->add_option("ROOM", room, "Room name")->required();
  rooms_history->add_option("VISIBILITY", room_history, "all or since-join")
      ->required()
      ->check(CLI::IsMember({"all", "since-join"}));
  auto* rooms_privacy =
      rooms->add_subcommand("privacy", "Make a room private or public (owner only)");
  rooms_privacy->add_option("ROOM", room, "Room name")->required();
  rooms_privacy->add_option("PRIVACY", room_privacy, "private or public")
      ->required()
      ->check(CLI::IsMember({"private", "public"}));
  // Groups (issue 23 item 7): named by conversation id, as send/history/listen take it.
  std::string group_spec, group_title;
  std::vector<std::string> group_users;
  auto* group = app.add_subcommand("group", "Group conversations: create, add, remove, leave, ...");
  group->require_subcommand(1);
  auto* group_create =
      group->add_subcommand("create", "Create a group with 2 to 99 of your friends");
  group_create->add_option("USER", group_users, "Friends' usernames")->required();
  group_create->add_option("--title", group_title, "Title (at most 64 characters; default none)");
  auto* group_add = group->add_subcommand("add", "Add your friends to a group");
  group_add->add_option("GROUP", group_spec, "Conversation id")->required();
  group_add->add_option("USER", group_users, "Friends' usernames")->required();
  auto* group_remove = group->add_subcommand("remove", "Remove a member (the creator only)");
  group_remove->add_option("GROUP", group_spec, "Conversation id")->required();
  group_remove->add_option("USER", user, "Username")->required();
  auto* group_leave = group->add_subcommand("leave", "Leave a group");
  group_leave->add_option("GROUP", group_spec, "Conversation id")->required();
  auto* group_rename = group->add_subcommand("rename", "Set a group's title (empty: none)");
  group_rename->add_option("GROUP", group_spec, "Conversation id")->required();
  group_rename->add_option("TITLE", group_title, "New title")->required();
  auto* group_members = group->add_subcommand("members", "A group's members (JSON lines)");
  group_members->add_option("GROUP", group_spec, "Conversation id")->required();
  auto* invitations =
      app.add_subcommand("invitations", "Your pending room invitations (JSON lines)");
  auto* invitation = app.add_subcommand("invitation", "Accept or decline a room invitation");
  invitation->require_subcommand(1);
  auto* invitation_accept = invitation->add_subcommand("accept", "Join the room");
  invitation_accept->add_option("ROOM", room, "Room name")->required();
  auto* invitation_decline = invitation->add_subcommand("decline", "Decline the invitation");
  invitation_decline->add_option("ROOM", room, "Room name")->required();
  auto* listen = app.add_subcommand("listen", "Print events as JSON lines");
  listen->add_option("--count", count, "Exit 0 after this many events")
      ->check(CLI::NonNegativeNumber);
  listen->add_option("--timeout", timeout, "Exit 0 after this many seconds")
      ->check(CLI::NonNegativeNumber);
  bool from_start = false;
  listen->add_flag("--from-start", from_start,
                   "Ignore the saved cursors: print every conversation from its first message");
  std::vector<std::string> listen_types;
  listen->add_option(
      "--type", listen_types,
      "Only events of this type (repeatable): message, friend_request, presence, ...");
  std::string friend_message, status_value, online_room;
  std::vector<std::string> presence_users;
  auto* friends = app.add_subcommand("friends", "List friends with presence, and pending requests");
  std::map<std::string, CLI::App*> friend_actions;
  for (const auto& [name, help] :
       std::vector<std::pair<std::string, std::string>>{{"add", "Send a friend request"},
                                                        {"cancel", "Withdraw your pending request"},
                                                        {"accept", "Accept a pending request"},
                                                        {"reject", "Refuse a pending request"},
                                                        {"remove", "End a friendship"}}) {
    auto* sub = friends->add_subcommand(name, help);
    sub->add_option("USER", user, "Username")->required();
    if (name == "add") sub->add_option("--message", friend_message, "A short note (200 chars)");
    friend_actions[name] = sub;
  }
  auto* block = app.add_subcommand("block", "Block a user: no requests, messages or presence");
  block->add_option("USER", user, "Username")->required();
  auto* unblock = app.add_subcommand("unblock", "Unblock a user");
  unblock->add_option("USER", user, "Username")->required();
  auto* presence = app.add_subcommand("presence", "Friends' presence (all, or the users named)");
  presence->add_option("USER", presence_users, "Usernames");
  auto* status = app.add_subcommand("status", "Set your status");
  status->add_option("STATUS", status_value, "online, away or invisible")
      ->required()
      ->check(CLI::IsMember({"online", "away", "invisible"}));
  auto* online = app.add_subcommand("online", "Who is online in a room");
  online->add_option("--room", online_room, "Room name (default: lobby)");
  auto* health = app.add_subcommand("health", "Check a gRPC server's health (grpc.health.v1)");
  health->add_option("--service", service, "Service name (default: the whole server)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    ctl::UseTls(tls, ca_file);
    for (const auto& [value, what] : {std::pair{&user, "username"},
                                      {&device, "device name"},
                                      {&room, "room name"},
                                      {&target.room, "room name"},
                                      {&target.user, "username"},
                                      {&conversation_spec, "conversation"},
                                      {&topic_value, "topic"},
                                      {&new_name, "room name"},
                                      {&room_prefix, "prefix"},
                                      {&text, "message"},
                                      {&new_display_name, "display name"},
                                      {&g.as_user, "username"}}) {
      ctl::RequireUtf8(*value, what);
    }
    if (display_name) ctl::RequireUtf8(*display_name, "display name");
    if (*reg) return ctl::Register(g, user, new_display_name);
    if (*login) return ctl::Login(g, user, device);
    if (*logout) return ctl::Logout(g, all);
    if (*whoami) return ctl::WhoAmI(g);
    if (*passwd) return ctl::ChangePassword(g);
    if (*revoke) return ctl::RevokeSession(g, session_id);
    if (*sessions) return ctl::ListSessions(g);
    if (*profile_set) return ctl::SetProfile(g, display_name);
    if (*profile) return ctl::ShowProfile(g, user);
    if (*avatar_set) return ctl::SetAvatar(g, file);
    if (*avatar_get) return ctl::GetAvatar(g, user, out_file);
    if (*delete_account) return ctl::DeleteAccount(g);
    if (*send) {
      if (text.empty() && send_file.empty())
        throw ctl::CtlError{"give the message's TEXT or --file"};
      return ctl::Send(g, target, text, client_msg_id, reply_to, send_file);
    }
    if (*download) return ctl::Download(g, file_id, out_file, thumbnail);
    if (*edit) return ctl::Edit(g, ctl::ParseConversation(conversation_spec), seq, text);
    if (*del) return ctl::Delete(g, ctl::ParseConversation(conversation_spec), seq);
    if (*pin || *unpin) {
      return ctl::Pin(g, ctl::ParseConversation(conversation_spec), seq,
                      /*unpin=*/static_cast<bool>(*unpin));
    }
    if (*react || *unreact) {
      ctl::RequireUtf8(emoji, "emoji");
      return ctl::React(g, ctl::ParseConversation(conversation_spec), seq, emoji,
                        remove_reaction || *unreact);
    }
    if (*read) return ctl::MarkRead(g, ctl::ParseConversation(conversation_spec), seq);
    if (*mute) {
      int64_t until = ctl::kMutedForeverMs;
      if (!mute_for.empty()) {
        until = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count() +
                ctl::ParseDurationMs(mute_for);
      } else if (!mute_until.empty()) {
        until = ctl::ParseRfc3339Ms(mute_until);
      }
      return ctl::SetNotifications(g, ctl::ParseConversation(conversation_spec),
                                   natter::v1::NOTIFY_LEVEL_UNSPECIFIED, until);
    }
    if (*pins) return ctl::ListPins(g, ctl::ParseConversation(conversation_spec));
    if (*unmute) {
      return ctl::SetNotifications(g, ctl::ParseConversation(conversation_spec),
                                   natter::v1::NOTIFY_LEVEL_UNSPECIFIED, 0);
    }
    if (*notifications) {
      const natter::v1::NotifyLevel level = notify_level == "none" ? natter::v1::NOTIFY_LEVEL_NONE
                                            : notify_level == "mentions"
                                                ? natter::v1::NOTIFY_LEVEL_MENTIONS
                                                : natter::v1::NOTIFY_LEVEL_ALL;
      return ctl::SetNotifications(g, ctl::ParseConversation(conversation_spec), level,
                                   std::nullopt);
    }
    if (*typing) return ctl::Typing(g, target);
    if (*unread) return ctl::ListConversations(g, /*only_unread=*/true);
    if (*conversations) return ctl::ListConversations(g, /*only_unread=*/false);
    if (*history) return ctl::History(g, target, before_seq, history_limit);
    if (*mentions) return ctl::ListMentions(g, mentions_before, mentions_limit);
    if (*search) return ctl::Search(g, search_query, search_limit, search_before);
    if (*rooms_list) return ctl::ListRooms(g, room_prefix, rooms_limit);
    if (*rooms_create) {
      return ctl::CreateRoom(g, room, topic_value, room_private,
                             room_history == "since-join"
                                 ? natter::v1::HISTORY_VISIBILITY_SINCE_JOIN
                                 : natter::v1::HISTORY_VISIBILITY_ALL);
    }
    if (*rooms_invite || *rooms_uninvite) {
      return ctl::InviteToRoom(g, room, user, /*cancel=*/rooms_uninvite->parsed());
    }
    if (*rooms_mute) {
      int64_t until = ctl::kMutedForeverMs;
      if (!room_mute_for.empty()) {
        until = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count() +
                ctl::ParseDurationMs(room_mute_for);
      }
      return ctl::MuteMember(g, room, user, until);
    }
    if (*rooms_unmute) return ctl::MuteMember(g, room, user, 0);
    if (*rooms_history) {
      return ctl::SetRoomSettings(g, room, std::nullopt,
                                  room_history == "since-join"
                                      ? natter::v1::HISTORY_VISIBILITY_SINCE_JOIN
                                      : natter::v1::HISTORY_VISIBILITY_ALL);
    }
    if (*rooms_privacy) {
      return ctl::SetRoomSettings(g, room, room_privacy == "private",
                                  natter::v1::HISTORY_VISIBILITY_UNSPECIFIED);
    }
    if (*group_create) return ctl::CreateGroup(g, group_title, group_users);
    if (*group_add) return ctl::AddGroupMembers(g, ctl::ParseGroup(group_spec), group_users);
    if (*group_remove) return ctl::RemoveGroupMember(g, ctl::ParseGroup(group_spec), user);
    if (*group_leave) return ctl::LeaveGroup(g, ctl::ParseGroup(group_spec));
    if (*group_rename) return ctl::RenameGroup(g, ctl::ParseGroup(group_spec), group_title);
    if (*group_members) return ctl::GroupMembers(g, ctl::ParseGroup(group_spec));
    if (*invitations) return ctl::ListInvitations(g);
    if (*invitation_accept) return ctl::AnswerInvitation(g, room, /*accept=*/true);
    if (*invitation_decline) return ctl::AnswerInvitation(g, room, /*accept=*/false);
    if (*rooms_join) return ctl::JoinRoom(g, room);
    if (*rooms_leave) return ctl::LeaveRoom(g, room);
    if (*rooms_members) return ctl::RoomMembers(g, room);
    if (*rooms_kick) return ctl::RemoveMember(g, room, user, natter::v1::MEMBER_ACTION_REMOVE);
    if (*rooms_ban) return ctl::RemoveMember(g, room, user, natter::v1::MEMBER_ACTION_BAN);
    if (*rooms_unban) return ctl::RemoveMember(g, room, user, natter::v1::MEMBER_ACTION_UNBAN);
    if (*rooms_bans) return ctl::RoomBans(g, room);
    if (*rooms_mod) return ctl::SetMemberRole(g, room, user, natter::v1::ROOM_ROLE_MODERATOR);
    if (*rooms_unmod) return ctl::SetMemberRole(g, room, user, natter::v1::ROOM_ROLE_MEMBER);
    if (*rooms_topic) return ctl::UpdateRoom(g, room, topic_value, std::nullopt);
    if (*rooms_rename) return ctl::UpdateRoom(g, room, std::nullopt, new_name);
    ctl::RequireUtf8(friend_message, "request message");
    for (const auto& [name, sub] : friend_actions) {
      if (*sub) return ctl::ChangeFriendship(g, name, user, friend_message);
    }
    if (*friends) return ctl::ListFriends(g);
    if (*block) return ctl::ChangeFriendship(g, "block", user, "");
    if (*unblock) return ctl::ChangeFriendship(g, "unblock", user, "");
    if (*presence) {
      for (const auto& u : presence_users) ctl::RequireUtf8(u, "username");
      return ctl::ShowPresence(g, presence_users);
    }
    if (*status) return ctl::SetStatus(g, status_value);
    if (*online) return ctl::ListOnline(g, online_room);
    if (*listen) {
      std::optional<ctl::Clock::time_point> deadline;
      if (timeout > 0) {
        deadline =
            ctl::Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000));
      }
      return ctl::Listen(g, count, deadline, listen_types, from_start);
    }
    if (*health) return Health(g, service);
  } catch (const ctl::CtlError& e) {
    std::cerr << "natterctl: " << e.message << std::endl;
    return e.exit_code;
  } catch (const std::exception& e) {
    std::cerr << "natterctl: " << e.what() << std::endl;
    return 1;
  }
  return 2;
}
