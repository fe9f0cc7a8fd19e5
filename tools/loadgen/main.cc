// natter-loadgen: load for a Natter stack through its gateways, as real clients make it (one gRPC
// connection and one Connect stream each), with every delivery counted by (conversation, seq).
//
//   natter-loadgen --scenario fanout --clients 200 --duration 10 --json
//
// Scenarios: connect (a login storm, then streams), fanout (everyone in one room, --senders of them
// sending), dm (pairs of friends writing to each other), mixed (both); --uploads adds files sent
// through a gateway and read back during the message load (MB/s each way). Open loop at --rate
// messages per second (latency counts from the scheduled send time, so a stall cannot hide), or
// flat out with --window messages in flight per sender. Exit code 0 only when nothing was lost,
// duplicated or refused, no file failed and no stream failed (entries that arrive out of seq order
// are counted, not failed: clients order by seq).
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "histogram.h"
#include "prepare.h"
#include "proc_stats.h"
#include "report.h"
#include "sim_client.h"
#include "uploads.h"

namespace natter::loadgen {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Messages a second one simulated person sends at most, by default.
constexpr double kHumanRate = 5;

struct Options {
  std::string scenario = "fanout";
  size_t clients = 100;
  size_t senders = 0;  // 0: enough that each sends at most kHumanRate a second (1 with --window)
  double duration_s = 10;
  double rate = 100;
  size_t window = 0;
  size_t message_bytes = 64;
  std::vector<std::string> gateways;
  std::string prefix = "lg";
  std::string password = "natter-loadgen-password";
  std::string state_file;
  bool prepare_only = false;
  bool reuse_tokens = false;  // connect: streams with saved tokens, no login storm
  double connect_rate = 0;    // streams (or logins) started per second; 0: all at once
  bool json = false;
  bool quiet = false;
  std::vector<int> server_pids;
  double warmup_s = 0;             // soak: RSS is compared from here to the end
  double max_rss_growth_pct = -1;  // soak: fail when a server grew more; < 0: report only
  bool tls = false;
  std::string ca_file;
  size_t uploads = 0;     // files sent through the gateway during the message load
  double upload_mb = 10;  // each
};

std::shared_ptr<grpc::ChannelCredentials> Credentials(const Options& o) {
  if (!o.tls && o.ca_file.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!o.ca_file.empty()) {
    std::ifstream in(o.ca_file);
    if (!in) throw std::runtime_error("cannot read the CA file " + o.ca_file);
    ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(in), {});
  }
  return grpc::SslCredentials(ssl);
}

// A channel of its own (its own TCP connection), as each real client has.
std::shared_ptr<grpc::Channel> OwnChannel(const std::string& address,
                                          const std::shared_ptr<grpc::ChannelCredentials>& creds) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, creds, args);
}

// A random run id, so a run counts only its own messages.
std::string RunId() {
  std::random_device rd;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "lg";
  for (int i = 0; i < 8; ++i) id += kHex[rd() % 16];
  return id;
}

fs::path DefaultStateFile(const std::string& gateway) {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  fs::path dir = cache && *cache ? fs::path(cache) : fs::path(home ? home : ".") / ".cache";
  std::string name = gateway;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return dir / "natter-loadgen" / (name + ".json");
}

// Lets one process hold thousands of connections: the soft limit up to the hard one, and the hard
// one up to `needed` where the process may raise it (CAP_SYS_RESOURCE). Says so when it falls
// short.
void RaiseFileLimit(rlim_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_max < needed) {
    rlimit raised{needed, needed};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_max < needed) {
    std::cerr << "natter-loadgen: this run needs about " << needed
              << " open files but may have only " << limit.rlim_max
              << "; connections beyond that will fail (raise `ulimit -Hn` first)\n";
  }
}

// Waits until `done()` or `timeout`, printing a progress line each second unless quiet.
void WaitWithProgress(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                      const std::function<std::string()>& progress, bool quiet) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto next_line = std::chrono::steady_clock::now() + 1s;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    if (!quiet && std::chrono::steady_clock::now() >= next_line) {
      std::cerr << progress() << "\n";
      next_line += 1s;
    }
  }
}

class Run {
 public:
  explicit Run(Options options) : o_(std::move(options)), creds_(Credentials(o_)) {}

  int Main() {
    // One connection per client, plus room for gRPC's own descriptors.
    RaiseFileLimit(static_cast<rlim_t>(o_.clients) + 256);
    bool fanout = o_.scenario == "fanout" || o_.scenario == "mixed";
    bool dm = o_.scenario == "dm" || o_.scenario == "mixed";
    if (dm && o_.clients % 2 != 0) ++o_.clients;  // pairs
    PrepareOptions prep{.gateways = o_.gateways,
                        .prefix = o_.prefix,
                        .password = o_.password,
                        .users = o_.clients,
                        .room = fanout,
                        .friends = dm,
                        .state_file = o_.state_file,
                        .threads = 16,
                        .channel = [this](const std::string& a) { return OwnChannel(a, creds_); }};
    prepared_ = Prepare(prep, !o_.quiet);
    if (o_.prepare_only) {
      if (!o_.quiet) std::cerr << "natter-loadgen: " << o_.clients << " users ready\n";
      return 0;
    }
    RunResult result = o_.scenario == "connect" ? Connect() : Messages(fanout, dm);
    if (o_.json) {
      std::cout << ToJson(result).dump() << std::endl;
    } else {
      PrintTable(std::cout, result);
    }
    return result.ok() ? 0 : 1;
  }

 private:
  // Clients that send to the room: --senders, or by default enough that none sends faster than a
  // person would (natter-chat limits each user's messages a second).
  size_t RoomSenders(double room_share) const {
    if (o_.senders > 0) return o_.senders;
    if (o_.window > 0) return 1;
    return std::max<size_t>(1, static_cast<size_t>(std::ceil(o_.rate * room_share / kHumanRate)));
  }

  std::unique_ptr<SimClient> MakeClient(size_t i, const std::string& token,
                                        SimClient::Hooks hooks) {
    const std::string& gateway = o_.gateways[i % o_.gateways.size()];
    return std::make_unique<SimClient>(i, token, OwnChannel(gateway, creds_), run_, counters_,
                                       std::move(hooks));
  }

  std::optional<ProcSample> Sample() {
    if (o_.server_pids.empty()) return std::nullopt;
    std::vector<pid_t> pids(o_.server_pids.begin(), o_.server_pids.end());
    auto sample = SampleProcesses(pids);
    if (!sample) throw std::runtime_error("cannot read /proc for a --server-pid (is it running?)");
    return sample;
  }

  void AddServerFigures(RunResult& r, const std::optional<ProcSample>& before,
                        const std::optional<ProcSample>& after, double seconds,
                        uint64_t deliveries) {
    if (!before || !after) return;
    double cpu_us = static_cast<double>(after->cpu_us - before->cpu_us);
    if (deliveries > 0) r.server_cpu_us_per_delivery = cpu_us / static_cast<double>(deliveries);
    if (seconds > 0) r.server_cpu_cores = cpu_us / 1e6 / seconds;
    r.server_rss_kb = after->rss_kb;
  }

  // Opens every client's stream and waits for all Welcomes.
  // With --connect-rate, waits until client i's turn to start.
  void Pace(size_t i, int64_t start_us) const {
    if (o_.connect_rate <= 0) return;
    auto due = start_us + static_cast<int64_t>(static_cast<double>(i) * 1e6 / o_.connect_rate);
    int64_t now = NowMicros();
    if (due > now) std::this_thread::sleep_for(std::chrono::microseconds(due - now));
  }

  void OpenStreams(std::vector<std::unique_ptr<SimClient>>& clients) {
    int64_t start = NowMicros();
    for (size_t i = 0; i < clients.size(); ++i) {
      Pace(i, start);
      clients[i]->Connect();
    }
    WaitWithProgress(
        [&] {
          return counters_.welcomed.load() + counters_.stream_failures.load() >= clients.size();
        },
        120s,
        [&] {
          return "natter-loadgen: connecting " + std::to_string(counters_.welcomed.load()) + "/" +
                 std::to_string(clients.size());
        },
        o_.quiet);
    if (counters_.welcomed.load() < clients.size()) {
      // Every stream ends before the clients go: a reactor must outlive its stream.
      StopAll(clients);
      std::string why = "is the stack up and reachable?";
      for (auto& c : clients) {
        grpc::Status status = c->final_status();
        if (status.ok() || status.error_code() == grpc::StatusCode::CANCELLED) continue;
        why = "the first refusal: " + status.error_message() +
              "; a load test from one address needs the gateway's per-address limits raised: "
              "NATTER_MAX_CONNECTIONS_PER_ADDRESS and NATTER_MAX_CALLS_PER_ADDRESS";
        break;
      }
      throw std::runtime_error(std::to_string(clients.size() - counters_.welcomed.load()) + " of " +
                               std::to_string(clients.size()) + " streams did not open (" + why +
                               ")");
    }
  }

  static void StopAll(std::vector<std::unique_ptr<SimClient>>& clients) {
    for (auto& c : clients) c->Stop();
    for (auto& c : clients) c->WaitDone(30s);
  }

  // The connect scenario: every client logs in with its password at once (a login storm) and opens
  // its stream; then the streams stay open, idle, for the duration.
  RunResult Connect() {
    RunResult r{.scenario = "connect",
                .clients = o_.clients,
                .gateways = o_.gateways.size(),
                .duration_s = o_.duration_s};
    std::vector<std::unique_ptr<v1::Gateway::Stub>> stubs;
    for (const auto& g : o_.gateways) stubs.push_back(v1::Gateway::NewStub(OwnChannel(g, creds_)));

    if (!o_.reuse_tokens) r.hash_floor_s = HashFloorSeconds(*stubs[0]);

    auto before = Sample();
    int64_t start = NowMicros();
    std::vector<std::unique_ptr<SimClient>> clients(o_.clients);
    std::vector<int64_t> began(o_.clients);
    std::mutex mu;
    std::atomic<size_t> logins_failed{0};
    std::string login_error;
    struct LoginCall {
      grpc::ClientContext context;
      v1::LoginRequest request;
      v1::LoginResponse response;
    };
    std::vector<std::unique_ptr<LoginCall>> calls(o_.clients);
    for (size_t i = 0; i < o_.clients; ++i) {
      Pace(i, start);
      began[i] = NowMicros();
      if (o_.reuse_tokens) {
        clients[i] = MakeClient(i, prepared_.users[i].token, {});
        clients[i]->Connect();
        continue;
      }
      auto& call = calls[i] = std::make_unique<LoginCall>();
      call->context.set_deadline(std::chrono::system_clock::now() + 300s);
      call->request.set_username(prepared_.users[i].name);
      call->request.set_password(o_.password);
      call->request.set_device("natter-loadgen storm");
      stubs[i % stubs.size()]->async()->Login(
          &call->context, &call->request, &call->response, [&, i](grpc::Status status) {
            std::lock_guard lock(mu);
            if (!status.ok()) {
              if (logins_failed++ == 0) login_error = status.error_message();
              return;
            }
            clients[i] = MakeClient(i, calls[i]->response.token(), {});
            clients[i]->Connect();
          });
    }
    WaitWithProgress(
        [&] {
          return counters_.welcomed.load() + counters_.stream_failures.load() + logins_failed >=
                 o_.clients;
        },
        600s,
        [&] {
          return "natter-loadgen: " + std::to_string(counters_.welcomed.load()) + "/" +
                 std::to_string(o_.clients) + " connected";
        },
        o_.quiet);
    r.storm_s = static_cast<double>(NowMicros() - start) / 1e6;
    {
      std::lock_guard lock(mu);
      for (size_t i = 0; i < o_.clients; ++i) {
        if (clients[i] && clients[i]->welcomed_us() > 0) {
          r.connect.Record(clients[i]->welcomed_us() - began[i]);
        }
      }
      r.failed_sends = logins_failed;
      r.first_send_error = login_error;
    }
    // Idle streams for the rest of the duration (memory per stream, presence renewals).
    auto idle_until = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(static_cast<int64_t>(o_.duration_s * 1000));
    WaitWithProgress([&] { return std::chrono::steady_clock::now() >= idle_until; },
                     std::chrono::milliseconds(static_cast<int64_t>(o_.duration_s * 1000) + 1000),
                     [&] {
                       return "natter-loadgen: " + std::to_string(counters_.welcomed.load()) +
                              " streams open, idle";
                     },
                     o_.quiet);
    auto after = Sample();
    AddServerFigures(r, before, after, static_cast<double>(NowMicros() - start) / 1e6, 0);
    r.stream_failures = counters_.stream_failures.load();
    std::vector<std::unique_ptr<SimClient>> open;
    {
      std::lock_guard lock(mu);
      for (auto& c : clients) {
        if (c) open.push_back(std::move(c));
      }
    }
    StopAll(open);
    return r;
  }

  // One login's time, several times in a row, without contention: the median is the hashing cost,
  // and logins spread over the server's cores cannot beat clients × that ÷ cores.
  double HashFloorSeconds(v1::Gateway::Stub& stub) {
    std::vector<int64_t> times;
    for (int i = 0; i < 5; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + 30s);
      v1::LoginRequest request;
      request.set_username(prepared_.users[0].name);
      request.set_password(o_.password);
      request.set_device("natter-loadgen floor");
      v1::LoginResponse response;
      int64_t t0 = NowMicros();
      if (!stub.Login(&context, request, &response).ok()) return 0;
      times.push_back(NowMicros() - t0);
    }
    std::sort(times.begin(), times.end());
    double cores = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
    return static_cast<double>(times[times.size() / 2]) / 1e6 * static_cast<double>(o_.clients) /
           cores;
  }

  // What a sender sends next: to the room, or to its pair.
  struct Plan {
    SimClient* client;
    bool to_room;
    std::string target;
    double interval_us;  // open loop
    int64_t first_us;
    uint64_t n = 0;  // open loop: messages scheduled so far (scheduler thread only)
  };

  void SendOne(Plan& plan, int64_t scheduled_us) {
    // The request id is unique per client even when acks (window mode) and the scheduler send from
    // different threads, so it also numbers the message.
    uint64_t id = ++plan.client->sender.next_request;
    v1::ClientFrame frame;
    frame.set_request_id(id);
    auto* send = frame.mutable_send();
    if (plan.to_room) {
      send->set_room(plan.target);
    } else {
      send->set_to_user(plan.target);
    }
    send->set_client_msg_id(MessageId(run_, scheduled_us, plan.client->index(), id));
    send->set_text(text_);
    plan.client->sender.outstanding.fetch_add(1);
    counters_.sent.fetch_add(1, std::memory_order_relaxed);
    plan.client->Send(std::move(frame));
  }

  RunResult Messages(bool fanout, bool dm) {
    RunResult r{.scenario = o_.scenario,
                .clients = o_.clients,
                .gateways = o_.gateways.size(),
                .duration_s = o_.duration_s,
                .rate = o_.window > 0 ? 0 : o_.rate,
                .window = o_.window,
                .message_bytes = o_.message_bytes};
    text_ = "natter-loadgen ";
    text_.resize(std::max(o_.message_bytes, text_.size()), 'x');
    text_.resize(o_.message_bytes);

    std::vector<std::unique_ptr<SimClient>> clients;
    std::vector<Plan> plans;
    std::map<SimClient*, Plan*> plan_of;  // window mode: the plan an ack continues
    std::atomic<bool> sending{false};
    std::mutex error_mu;
    SimClient::Hooks hooks{.on_result = [&](SimClient& c, const v1::CommandResult& result) {
      if (result.code() == 0 && result.has_ack()) {
        counters_.acked.fetch_add(1, std::memory_order_relaxed);
        c.sender.acked.emplace_back(result.ack().conversation_id(), result.ack().seq());
        auto members = members_.find(result.ack().conversation_id());
        if (members != members_.end()) counters_.expected.fetch_add(members->second);
      } else if (result.code() != 0) {
        counters_.failed_sends.fetch_add(1);
        std::lock_guard lock(error_mu);
        if (first_error_.empty()) first_error_ = result.error();
      }
      c.sender.outstanding.fetch_sub(1);
      if (o_.window > 0 && sending.load()) {
        Plan* plan = plan_of.at(&c);
        SendOne(*plan, NowMicros());
      }
    }};
    for (size_t i = 0; i < o_.clients; ++i) {
      clients.push_back(MakeClient(i, prepared_.users[i].token, hooks));
    }
    OpenStreams(clients);
    // Who sees what: every client that had a conversation at Welcome must get each of its messages.
    for (const auto& c : clients) {
      for (const auto& conversation : c->welcome().conversations()) ++members_[conversation.id()];
    }

    // Senders: the first --senders clients to the room; every client to its pair.
    double room_share = fanout && dm ? 0.2 : 1.0;
    size_t room_senders = fanout ? std::min(RoomSenders(room_share), clients.size()) : 0;
    size_t dm_senders = dm ? clients.size() : 0;
    plans.reserve(room_senders + dm_senders);
    size_t total_plans = room_senders + dm_senders;
    for (size_t i = 0; i < room_senders; ++i) {
      double rate = o_.rate * room_share / static_cast<double>(room_senders);
      plans.push_back({clients[i].get(), true, prepared_.room, 1e6 / rate, 0});
    }
    for (size_t i = 0; i < dm_senders; ++i) {
      double rate = o_.rate * (1 - (fanout ? room_share : 0)) / static_cast<double>(dm_senders);
      plans.push_back({clients[i].get(), false, prepared_.users[i ^ 1].name, 1e6 / rate, 0});
    }
    // Spread the first sends over one interval so the senders do not fire together.
    for (size_t k = 0; k < plans.size(); ++k) {
      plans[k].first_us = static_cast<int64_t>(plans[k].interval_us * static_cast<double>(k) /
                                               static_cast<double>(total_plans));
    }
    r.senders = plans.size();
    if (o_.window > 0) {
      // In window mode a client is one plan (a client that is both in the room and in a pair sends
      // to the room).
      for (auto& p : plans) plan_of.emplace(p.client, &p);
    }

    auto before = Sample();
    int64_t start = NowMicros();
    int64_t end = start + static_cast<int64_t>(o_.duration_s * 1e6);
    sending = true;
    // Upload mode: the last client's user sends files while everyone sends messages; the message
    // load goes on until the last file is back, so every upload meets it.
    std::atomic<bool> uploading{o_.uploads > 0};
    UploadFigures upload_figures;
    std::thread uploader;
    if (o_.uploads > 0) {
      UploadPlan plan{.count = o_.uploads,
                      .bytes = static_cast<size_t>(o_.upload_mb * 1e6),
                      .token = prepared_.users[o_.clients - 1].token,
                      .channel = OwnChannel(o_.gateways[0], creds_)};
      uploader = std::thread([&, plan] { upload_figures = RunUploads(plan, uploading); });
    }
    // Soak: each server's RSS once the warm-up is over.
    std::map<int, uint64_t> warm_rss;
    std::thread warmup;
    if (o_.warmup_s > 0) {
      warmup = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(
            start + static_cast<int64_t>(o_.warmup_s * 1e6) - NowMicros()));
        for (int pid : o_.server_pids) {
          if (auto rss = ResidentKb(pid)) warm_rss[pid] = *rss;
        }
      });
    }
    std::thread progress([&] {
      uint64_t last = 0;
      for (int64_t t = 1; !o_.quiet && sending.load(); ++t) {
        std::this_thread::sleep_until(
            std::chrono::steady_clock::now() +
            std::chrono::microseconds(start + t * 1'000'000 - NowMicros()));
        uint64_t d = counters_.deliveries.load();
        std::cerr << "natter-loadgen: " << t << " s  sent " << counters_.sent.load() << "  acked "
                  << counters_.acked.load() << "  deliveries " << d << " (" << d - last
                  << "/s)  refused " << counters_.failed_sends.load() << "\n";
        last = d;
      }
    });
    if (o_.window > 0) {
      for (auto& [client, plan] : plan_of) {
        for (size_t w = 0; w < o_.window; ++w) SendOne(*plan, NowMicros());
      }
      while (NowMicros() < end || uploading.load()) std::this_thread::sleep_for(5ms);
    } else {
      // Open loop: each message has its time; a sender that falls behind catches up at once, and
      // the delay counts in the latency of what it sends late.
      for (;;) {
        int64_t now = NowMicros();
        if (now >= end && uploading.load()) end = now + 1'000'000;  // a second more, then look
        if (now >= end) break;
        int64_t soonest = end;
        for (auto& p : plans) {
          for (;;) {
            auto due =
                start + p.first_us + static_cast<int64_t>(p.interval_us * static_cast<double>(p.n));
            if (due > now || due >= end) {
              soonest = std::min(soonest, due);
              break;
            }
            SendOne(p, due);
            ++p.n;
          }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(std::max<int64_t>(soonest - now, 0)));
      }
    }
    sending = false;
    if (uploader.joinable()) uploader.join();
    r.duration_s = static_cast<double>(NowMicros() - start) / 1e6;
    progress.join();
    if (warmup.joinable()) warmup.join();

    // Everything sent gets its answer, and everything acked its deliveries (or the time is up).
    WaitWithProgress(
        [&] {
          for (const auto& p : plans) {
            if (p.client->sender.outstanding.load() > 0) return false;
          }
          return true;
        },
        30s, [&] { return std::string("natter-loadgen: waiting for acks"); }, o_.quiet);
    uint64_t last_seen = 0;
    auto quiet_since = std::chrono::steady_clock::now();
    WaitWithProgress(
        [&] {
          uint64_t d = counters_.deliveries.load();
          if (d >= counters_.expected.load()) return true;
          if (d != last_seen) {
            last_seen = d;
            quiet_since = std::chrono::steady_clock::now();
          }
          return std::chrono::steady_clock::now() - quiet_since > 5s;
        },
        60s, [&] { return std::string("natter-loadgen: waiting for deliveries"); }, o_.quiet);
    int64_t measured_end = NowMicros();
    auto after = Sample();
    for (const auto& [pid, warm_kb] : warm_rss) {
      if (auto end_kb = ResidentKb(pid)) r.rss_growth.push_back({pid, warm_kb, *end_kb});
    }
    if (o_.max_rss_growth_pct >= 0 && o_.warmup_s > 0) r.max_rss_growth_pct = o_.max_rss_growth_pct;
    StopAll(clients);

    r.sent = counters_.sent.load();
    r.acked = counters_.acked.load();
    r.failed_sends = counters_.failed_sends.load();
    r.first_send_error = first_error_;
    r.deliveries = counters_.deliveries.load();
    r.expected_deliveries = counters_.expected.load();
    r.stream_failures = counters_.stream_failures.load();
    r.measured_s = static_cast<double>(measured_end - start) / 1e6;
    std::map<uint64_t, std::vector<uint64_t>> acked;
    for (const auto& p : plans) {
      for (const auto& [conversation, seq] : p.client->sender.acked) {
        acked[conversation].push_back(seq);
      }
    }
    for (const auto& c : clients) {
      r.latency.Merge(c->latency());
      r.duplicated += c->ledger().duplicated();
      r.out_of_order += c->ledger().out_of_order();
      r.lost += c->ledger().Missing(acked);
    }
    AddServerFigures(r, before, after, r.measured_s, r.deliveries);
    if (o_.uploads > 0) {
      r.uploads = o_.uploads;
      r.upload_bytes_each = static_cast<size_t>(o_.upload_mb * 1e6);
      r.uploads_done = upload_figures.uploaded;
      r.uploads_failed = upload_figures.failed;
      r.first_upload_error = upload_figures.first_error;
      r.upload_mb_s = upload_figures.UploadMBps();
      r.download_mb_s = upload_figures.DownloadMBps();
    }
    return r;
  }

  Options o_;
  std::shared_ptr<grpc::ChannelCredentials> creds_;
  const std::string run_ = RunId();
  Prepared prepared_;
  Counters counters_;
  std::map<uint64_t, uint64_t> members_;  // conversation -> clients that see it
  std::string text_;
  std::string first_error_;
};

}  // namespace
}  // namespace natter::loadgen

int main(int argc, char** argv) {
  using natter::loadgen::Options;
  Options o;
  CLI::App app{"natter-loadgen: load and delivery checks for a Natter stack"};
  app.add_option("--scenario", o.scenario, "connect, fanout, dm or mixed")
      ->check(CLI::IsMember({"connect", "fanout", "dm", "mixed"}))
      ->capture_default_str();
  app.add_option("--clients", o.clients, "Simulated clients, one connection and stream each")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--senders", o.senders,
                 "fanout/mixed: how many clients send to the room (default: enough that each "
                 "sends at most 5 a second, within natter-chat's per-user limit; 1 with --window)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--duration", o.duration_s, "Seconds of sending (connect: of idle streams)")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--rate", o.rate, "Messages per second in all, sent on schedule (open loop)")
      ->check(CLI::Range(0.1, 10'000'000.0))
      ->capture_default_str();
  app.add_option("--window", o.window,
                 "Flat out instead of --rate: messages in flight per sender (0: open loop)")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--message-bytes", o.message_bytes, "Size of each message's text")
      ->check(CLI::Range(16, 4096))
      ->capture_default_str();
  app.add_option("--gateway", o.gateways,
                 "Gateway HOST:PORT, repeatable; clients are spread over them (default: the local "
                 "stack's 127.0.0.1:2019 and 127.0.0.1:2020)");
  app.add_option("--prefix", o.prefix, "Names of the load users: PREFIX1, PREFIX2, ...")
      ->capture_default_str();
  app.add_option("--password", o.password, "Password of the load users")->capture_default_str();
  app.add_option("--state", o.state_file,
                 "Where the users' tokens are kept between runs (default: "
                 "~/.cache/natter-loadgen/GATEWAY.json)");
  app.add_flag("--prepare", o.prepare_only, "Only make the users, room and friendships, then exit");
  app.add_option("--connect-rate", o.connect_rate,
                 "Streams (connect: logins) started per second (default: all at once)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  app.add_flag("--reuse-tokens", o.reuse_tokens,
               "connect: open streams with the saved tokens instead of a login storm");
  app.add_option("--server-pid", o.server_pids,
                 "A server process to measure (CPU per delivery, RSS), repeatable");
  app.add_option("--warmup", o.warmup_s,
                 "Soak: seconds of sending after which each --server-pid's RSS is the baseline for "
                 "its growth to the end of the run")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-rss-growth", o.max_rss_growth_pct,
                 "Soak: fail (exit 1) when a --server-pid's RSS grew more than this many percent "
                 "after the warm-up, and by more than 4 MiB (less is allocator noise)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--uploads", o.uploads,
                 "fanout/dm/mixed: also send this many files through the first gateway while the "
                 "messages go (UploadFile, then DownloadFile, one at a time, as the last client's "
                 "user); the message load lasts until the last file is back")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--upload-mb", o.upload_mb,
                 "Size of each --uploads file in MB (random bytes, so none is deduplicated)")
      ->check(CLI::Range(0.001, 25.0))
      ->capture_default_str();
  app.add_flag("--json", o.json, "Print one JSON line at the end instead of the table");
  app.add_flag("--quiet", o.quiet, "No progress lines");
  app.add_flag("--tls", o.tls, "TLS to the gateways, trusting the system's CAs");
  app.add_option("--ca", o.ca_file, "TLS to the gateways, trusting this CA (PEM)");
  // The load client should spend its CPU on load: Debian's Abseil checks every mutex lock for
  // deadlock cycles unless told not to (see natter::DisableMutexDeadlockDetection).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; bad options are 2, as documented
  }
  if (o.gateways.empty()) o.gateways = {"127.0.0.1:2019", "127.0.0.1:2020"};
  if (o.state_file.empty()) o.state_file = natter::loadgen::DefaultStateFile(o.gateways[0]);
  if (o.scenario == "connect") o.rate = 0;
  if (o.warmup_s > 0 && (o.server_pids.empty() || o.warmup_s >= o.duration_s)) {
    std::cerr
        << "natter-loadgen: --warmup needs --server-pid and must be shorter than --duration\n";
    return 2;
  }
  try {
    return natter::loadgen::Run(std::move(o)).Main();
  } catch (const std::exception& e) {
    std::cerr << "natter-loadgen: " << e.what() << "\n";
    return 2;
  }
}
