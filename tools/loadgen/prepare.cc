#include "prepare.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "natter/v1/gateway.grpc.pb.h"

namespace natter::loadgen {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr auto kCallTimeout = std::chrono::seconds(60);  // registration waits for password hashing

struct UserState {
  std::string token;
  bool in_room = false;
  bool befriended = false;  // with its pair
};

std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

std::runtime_error Failure(const std::string& what, const grpc::Status& status) {
  return std::runtime_error(what + ": " + status.error_message() + " (" +
                            std::to_string(status.error_code()) + ")");
}

std::map<std::string, UserState> Load(const fs::path& path) {
  std::map<std::string, UserState> users;
  std::ifstream in(path);
  if (!in) return users;
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("users") || !j["users"].is_object()) return users;
  for (const auto& [name, u] : j["users"].items()) {
    if (!u.is_object()) continue;
    users[name] = {u.value("token", ""), u.value("in_room", false), u.value("befriended", false)};
  }
  return users;
}

void Save(const fs::path& path, const std::map<std::string, UserState>& users) {
  json j;
  j["note"] = "natter-loadgen's users: session tokens, keep private";
  for (const auto& [name, u] : users) {
    j["users"][name] = {{"token", u.token}, {"in_room", u.in_room}, {"befriended", u.befriended}};
  }
  fs::create_directories(path.parent_path());
  fs::permissions(path.parent_path(), fs::perms::owner_all, fs::perm_options::replace);
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(1) << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, path);
}

// Runs fn(i) for i in [0, n) on `threads` threads; the first exception is rethrown.
void ParallelFor(size_t n, size_t threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (size_t t = 0; t < std::min(threads, n); ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard lock(mu);
          if (!error) error = std::current_exception();
          next = n;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Sends one direct message from the holder of `token` to `to`, so that their direct conversation
// exists (and is in both users' Welcome) before a run counts deliveries in it.
void OpenDirectConversation(v1::Gateway::Stub& stub, const std::string& token,
                            const std::string& to) {
  auto context = Context(token);
  context->AddMetadata("natter-presence", "off");
  auto stream = stub.Connect(context.get());
  v1::ServerFrame frame;
  bool welcomed = false;
  while (!welcomed && stream->Read(&frame)) {
    for (const auto& e : frame.events()) welcomed = welcomed || e.has_welcome();
  }
  if (!welcomed) throw Failure("opening a stream to greet " + to, stream->Finish());
  v1::ClientFrame hello;
  hello.set_request_id(1);
  hello.mutable_send()->set_to_user(to);
  hello.mutable_send()->set_client_msg_id("natter-loadgen-hello");
  hello.mutable_send()->set_text("natter-loadgen: direct messages between us are load tests");
  stream->Write(hello);
  std::optional<v1::CommandResult> result;
  while (!result && stream->Read(&frame)) {
    for (const auto& e : frame.events()) {
      if (e.has_result()) result = e.result();
    }
  }
  context->TryCancel();
  stream->Finish();
  if (!result || result->code() != 0) {
    throw std::runtime_error("greeting " + to + ": " +
                             (result ? result->error() : std::string("the stream ended")));
  }
}

}  // namespace

std::string UserName(const std::string& prefix, size_t i) { return prefix + std::to_string(i + 1); }

Prepared Prepare(const PrepareOptions& options, bool verbose) {
  auto users = Load(options.state_file);
  std::mutex mu;
  std::vector<std::unique_ptr<v1::Gateway::Stub>> stubs;
  for (const auto& g : options.gateways) stubs.push_back(v1::Gateway::NewStub(options.channel(g)));
  auto stub = [&](size_t i) { return stubs[i % stubs.size()].get(); };

  Prepared prepared;
  prepared.room = options.prefix + "-room";
  prepared.users.resize(options.users);
  std::atomic<size_t> registered{0}, logged_in{0};

  // 1. A valid token for every user: the saved one if it still works, else a login, else a
  // registration and a login.
  ParallelFor(options.users, options.threads, [&](size_t i) {
    std::string name = UserName(options.prefix, i);
    UserState state;
    {
      std::lock_guard lock(mu);
      state = users[name];
    }
    bool valid = false;
    if (!state.token.empty()) {
      v1::ListFriendsRequest request;
      v1::ListFriendsResponse response;
      valid = stub(i)->ListFriends(Context(state.token).get(), request, &response).ok();
    }
    if (!valid) {
      // Register first (ALREADY_EXISTS is fine): a login for a user that does not exist yet would
      // count as a failed attempt from this address, and the login throttle would soon lock us out.
      state = {};
      v1::RegisterRequest reg;
      reg.set_username(name);
      reg.set_password(options.password);
      v1::RegisterResponse made;
      grpc::Status r = stub(i)->Register(Context().get(), reg, &made);
      if (r.ok()) {
        ++registered;
      } else if (r.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        throw std::runtime_error(
            Failure("registering " + name, r).what() +
            std::string(
                "; new accounts are limited per client address, so for a load test start "
                "natter-auth with --register-per-minute 0 (NATTER_AUTH_REGISTER_PER_MINUTE=0 "
                "./natter up)"));
      } else if (r.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
        throw Failure("registering " + name, r);
      }
      v1::LoginRequest login;
      login.set_username(name);
      login.set_password(options.password);
      login.set_device("natter-loadgen");
      v1::LoginResponse session;
      grpc::Status status = stub(i)->Login(Context().get(), login, &session);
      if (!status.ok()) throw Failure("logging in " + name, status);
      ++logged_in;
      state.token = session.token();
    }
    std::lock_guard lock(mu);
    users[name] = state;
    prepared.users[i] = {name, state.token};
  });
  Save(options.state_file, users);

  // 2. The room, with everyone in it.
  // Created once: the room's creator is in it from then on (room creation is rate limited).
  bool have_room = false;
  if (options.room && options.users > 0) {
    std::lock_guard lock(mu);
    have_room = users[prepared.users[0].name].in_room;
  }
  if (options.room && options.users > 0) {
    v1::CreateRoomRequest create;
    create.set_name(prepared.room);
    create.set_topic("natter-loadgen fan-out");
    v1::RoomResponse created;
    grpc::Status status =
        have_room ? grpc::Status::OK
                  : stub(0)->CreateRoom(Context(prepared.users[0].token).get(), create, &created);
    if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      throw Failure("creating room " + prepared.room, status);
    }
    ParallelFor(options.users, options.threads, [&](size_t i) {
      const auto& user = prepared.users[i];
      {
        std::lock_guard lock(mu);
        if (users[user.name].in_room) return;
      }
      v1::RoomRequest join;
      join.set_room(prepared.room);
      v1::RoomResponse joined;
      grpc::Status s = stub(i)->JoinRoom(Context(user.token).get(), join, &joined);
      if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
        throw Failure(user.name + " joining " + prepared.room, s);
      }
      std::lock_guard lock(mu);
      users[user.name].in_room = true;
    });
    Save(options.state_file, users);
  }

  // 3. Friendships within pairs: each asks the other (the second request accepts the first).
  if (options.friends) {
    ParallelFor(options.users / 2, options.threads, [&](size_t pair) {
      const auto& a = prepared.users[2 * pair];
      const auto& b = prepared.users[2 * pair + 1];
      {
        std::lock_guard lock(mu);
        if (users[a.name].befriended && users[b.name].befriended) return;
      }
      for (const auto& [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        v1::FriendshipRequest add;
        add.set_action(v1::FRIEND_ACTION_ADD);
        add.set_username(to->name);
        v1::FriendshipResponse response;
        grpc::Status s = stub(pair)->Friendship(Context(from->token).get(), add, &response);
        if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS &&
            s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
          throw Failure(from->name + " befriending " + to->name, s);
        }
      }
      OpenDirectConversation(*stub(pair), a.token, b.name);
      std::lock_guard lock(mu);
      users[a.name].befriended = users[b.name].befriended = true;
    });
    Save(options.state_file, users);
  }
  if (verbose && (registered > 0 || logged_in > 0)) {
    std::cerr << "natter-loadgen: prepared " << options.users << " users (" << registered
              << " registered, " << logged_in << " logged in)\n";
  }
  return prepared;
}

}  // namespace natter::loadgen
