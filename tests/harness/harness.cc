#include "harness/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "harness/redis_cluster.h"
#include "harness/redis_sentinel.h"

extern char** environ;

namespace natter::testing {
namespace {

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  for (size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

std::string UserName() {
  const passwd* pw = getpwuid(geteuid());
  return pw ? pw->pw_name : "root";
}

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::string out;
  const char* digits = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) out.push_back(digits[rd() % 16]);
  return out;
}

int OpenOrDie(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open " + path.string() + ": " + strerror(errno));
  return fd;
}

}  // namespace

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/natter-test-XXXXXX";
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  // NATTER_TEST_KEEP=1 keeps logs and data for a post-mortem.
  if (const char* keep = std::getenv("NATTER_TEST_KEEP"); keep && *keep == '1') {
    std::fprintf(stderr, "kept %s\n", path_.c_str());
    return;
  }
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

Process::Process(std::string name, std::vector<std::string> argv, const fs::path& log_dir,
                 const std::map<std::string, std::string>& env, const std::string& stdin_text)
    : name_(std::move(name)) {
  fs::create_directories(log_dir);
  std::string unique = name_ + "-" + RandomHex(6);
  out_path_ = log_dir / (unique + ".out");
  err_path_ = log_dir / (unique + ".err");
  fs::path in_path = log_dir / (unique + ".in");
  {
    std::ofstream in(in_path, std::ios::binary);
    in << stdin_text;
  }
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  int in_fd = OpenOrDie(in_path, O_RDONLY);
  int out_fd = OpenOrDie(out_path_, O_WRONLY | O_CREAT | O_TRUNC);
  int err_fd = OpenOrDie(err_path_, O_WRONLY | O_CREAT | O_TRUNC);
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Die with the test, so a crashed test leaves no servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execve(args[0], args.data(), envp.data());
    ::dprintf(2, "exec %s failed: %s\n", args[0], strerror(errno));
    ::_exit(127);
  }
  ::close(in_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

Process::~Process() { Stop(); }

bool Process::Running() { return !Wait(0ms).has_value(); }

void Process::Signal(int sig) {
  if (!exit_code_ && pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> Process::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (r < 0) {
      exit_code_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

void Process::Stop(std::chrono::milliseconds grace) {
  if (exit_code_ || pid_ <= 0) return;
  Signal(SIGTERM);
  if (!Wait(grace)) {
    Signal(SIGKILL);
    Wait(10s);
  }
}

std::string Process::Stdout() const { return ReadAll(out_path_); }
std::string Process::Stderr() const { return ReadAll(err_path_); }

CommandResult Run(const std::vector<std::string>& argv, const fs::path& log_dir,
                  const std::map<std::string, std::string>& env, const std::string& stdin_text,
                  std::chrono::milliseconds timeout) {
  Process p(fs::path(argv.at(0)).filename().string(), argv, log_dir, env, stdin_text);
  auto code = p.Wait(timeout);
  if (!code) {
    p.Stop(1s);
    throw std::runtime_error("command timed out: " + argv.at(0));
  }
  return CommandResult{*code, p.Stdout(), p.Stderr()};
}

MariaDb::MariaDb(const fs::path& dir) : dir_(dir), password_(RandomHex(24)) {
  fs::create_directories(dir_ / "data");
  fs::create_directories(dir_ / "tmp");
  // A private tmpdir: bootstraps running at the same time in /tmp collide on temporary table names.
  auto install =
      Run({"/usr/bin/mariadb-install-db", "--no-defaults", "--user=" + UserName(),
           "--datadir=" + (dir_ / "data").string(), "--tmpdir=" + (dir_ / "tmp").string(),
           "--auth-root-authentication-method=socket", "--skip-test-db"},
          dir_);
  if (install.exit_code != 0) {
    throw std::runtime_error("mariadb-install-db failed:\n" + install.out + install.err);
  }
  port_ = FreePort();
  Start();
  Sql("CREATE DATABASE natter CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "
      "CREATE USER 'natter'@'127.0.0.1' IDENTIFIED BY '" +
      password_ +
      "'; "
      "GRANT ALL ON natter.* TO 'natter'@'127.0.0.1';");
}

void MariaDb::Start() {
  std::vector<std::string> argv{"/usr/sbin/mariadbd",
                                "--no-defaults",
                                "--user=" + UserName(),
                                "--datadir=" + (dir_ / "data").string(),
                                "--socket=" + (dir_ / "mysql.sock").string(),
                                "--port=" + std::to_string(port_),
                                "--bind-address=127.0.0.1",
                                "--skip-name-resolve",
                                "--skip-log-bin",
                                "--tmpdir=" + (dir_ / "tmp").string(),
                                "--pid-file=" + (dir_ / "mariadbd.pid").string()};
  // NATTER_TEST_MYSQL_LOG=1 logs every statement of every connection (general log), for a
  // post-mortem together with NATTER_TEST_KEEP=1.
  if (const char* log = std::getenv("NATTER_TEST_MYSQL_LOG"); log && *log == '1') {
    argv.push_back("--general-log=1");
    argv.push_back("--general-log-file=" + (dir_ / "general.log").string());
  }
  server_ = std::make_unique<Process>("mariadbd", argv, dir_);
  bool up = WaitFor(
      [&] {
        if (!server_->Running()) return true;
        return Run({"/usr/bin/mariadb-admin", "--no-defaults",
                    "--socket=" + (dir_ / "mysql.sock").string(), "-u" + UserName(), "ping"},
                   dir_)
                   .exit_code == 0;
      },
      60s);
  if (!up || !server_->Running()) {
    throw std::runtime_error("MariaDB did not start:\n" + Tail(server_->Stderr(), 30));
  }
}

void MariaDb::Stop() {
  if (server_) server_->Stop(30s);
  server_.reset();
}

void MariaDb::Signal(int sig) {
  if (server_) server_->Signal(sig);
}

MariaDb::~MariaDb() = default;

std::string MariaDb::url() const {
  return "mysql://natter:" + password_ + "@127.0.0.1:" + std::to_string(port_) + "/natter";
}

std::string MariaDb::Sql(const std::string& sql) const {
  auto result = Run({"/usr/bin/mariadb", "--no-defaults", "--batch", "--skip-column-names",
                     "--socket=" + (dir_ / "mysql.sock").string(), "-u" + UserName(), "-e", sql},
                    dir_);
  if (result.exit_code != 0) throw std::runtime_error("SQL failed: " + result.err);
  return result.out;
}

namespace {

// The owner that mariadbd and the data folders get: `mysql` when running as root (so the state
// transfer's rsync daemon can read them), otherwise whoever runs the test.
std::string GaleraUser() { return ::geteuid() == 0 ? "mysql" : UserName(); }

// Gives `path` and its folders to `user`, recursively.
void GiveTo(const fs::path& path, const std::string& user, const fs::path& log_dir) {
  if (::geteuid() != 0) return;
  auto chown = Run({"/bin/chown", "-R", user + ":" + user, path.string()}, log_dir);
  if (chown.exit_code != 0) throw std::runtime_error("chown failed: " + chown.err);
}

// Lets other users pass through the folders above `path` that this process owns (TempDir makes
// them 0700), so that mariadbd running as `mysql` can reach its data folder.
void OpenPathTo(const fs::path& path) {
  if (::geteuid() != 0) return;
  for (fs::path p = path.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    if ((st.st_mode & S_IXOTH) == 0) ::chmod(p.c_str(), (st.st_mode & 07777) | S_IXOTH);
  }
}

}  // namespace

GaleraCluster::GaleraCluster(const fs::path& dir, size_t size)
    : dir_(dir), password_(RandomHex(24)), run_as_(GaleraUser()) {
  const auto start = std::chrono::steady_clock::now();
  fs::create_directories(dir_);
  OpenPathTo(dir_);
  nodes_.resize(size);
  for (size_t i = 0; i < size; ++i) {
    Node& node = nodes_[i];
    node.dir = dir_ / ("node" + std::to_string(i + 1));
    fs::create_directories(node.dir / "tmp");
    node.port = FreePort();
    node.gcomm_port = FreePort();
    node.ist_port = FreePort();
    node.sst_port = FreePort();
  }
  // One bootstrap, copied: node 1 starts alone as a new cluster, gets the database and the user,
  // and stops cleanly; the others start from copies of its data at the same cluster position, so
  // they join with an incremental state transfer of a few writes instead of a full one each.
  const fs::path first = nodes_[0].dir;
  GiveTo(first, run_as_, dir_);
  auto install =
      Run({"/usr/bin/mariadb-install-db", "--no-defaults", "--user=" + run_as_,
           "--datadir=" + (first / "data").string(), "--tmpdir=" + (first / "tmp").string(),
           "--auth-root-authentication-method=socket", "--skip-test-db"},
          dir_);
  if (install.exit_code != 0) {
    throw std::runtime_error("mariadb-install-db failed:\n" + install.out + install.err);
  }
  Launch(0, /*new_cluster=*/true);
  WaitForNode(0, 60s);
  Sql(0,
      "CREATE DATABASE natter CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; "
      "CREATE USER 'natter'@'127.0.0.1' IDENTIFIED BY '" +
          password_ +
          "'; "
          "GRANT ALL ON natter.* TO 'natter'@'127.0.0.1';");
  nodes_[0].server->Stop(30s);
  for (size_t i = 1; i < size; ++i) {
    const fs::path data = nodes_[i].dir / "data";
    fs::copy(first / "data", data, fs::copy_options::recursive);
    // The group-communication identity and the write-set cache are each node's own.
    fs::remove(data / "gvwstate.dat");
    fs::remove(data / "galera.cache");
    GiveTo(nodes_[i].dir, run_as_, dir_);
  }
  // With safe_to_bootstrap (a clean stop), node 1 starts the cluster again; the others join one
  // at a time (two joining at once can both end up outside the primary component and retry).
  Launch(0, /*new_cluster=*/true);
  WaitForNode(0, 60s);
  for (size_t i = 1; i < size; ++i) {
    Launch(i, /*new_cluster=*/false);
    const std::string expected = std::to_string(i + 1);
    if (!WaitFor([&] { return !Running(i) || Status(0, "wsrep_cluster_size") == expected; }, 60s) ||
        !Running(i)) {
      throw std::runtime_error("Galera node " + std::to_string(i + 1) + " did not join:\n" +
                               ServerLog(i));
    }
  }
  WaitUntilFormed(60s);
  start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
}

GaleraCluster::~GaleraCluster() {
  // The data is thrown away: no clean shutdown needed.
  for (size_t i = 0; i < nodes_.size(); ++i) Kill(i);
}

void GaleraCluster::Launch(size_t i, bool new_cluster) {
  Node& node = nodes_.at(i);
  std::string peers;
  for (const Node& n : nodes_) {
    peers += (peers.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(n.gcomm_port);
  }
  // Failure detection as tests want it: a node that all the others hear nothing from for 3 s is
  // dropped (default: 5 s), so the primary component goes on writing soon after a SIGSTOP. The
  // hard limit for a node only some suspect and the time to agree on a new view stay generous
  // (10 s and 7.5 s): on a loaded machine a membership change can take seconds, and one that
  // times out leaves every node alone and outside the primary component for good (seen in CI with
  // inactive 3 s, which cut the install timeout to 1.5 s).
  const std::string provider_options =
      "gmcast.listen_addr=tcp://127.0.0.1:" + std::to_string(node.gcomm_port) +
      ";ist.recv_addr=127.0.0.1:" + std::to_string(node.ist_port) +
      ";gcache.size=16M;evs.keepalive_period=PT1S;evs.suspect_timeout=PT3S;"
      "evs.inactive_timeout=PT10S;evs.install_timeout=PT7.5S";
  std::vector<std::string> argv;
  if (::geteuid() == 0) {
    // Become `mysql` before mariadbd starts rather than let it switch: a process that changes its
    // user loses its parent-death signal, and a crashed test would leave the cluster running.
    argv = {"/usr/bin/setpriv", "--reuid=" + run_as_, "--regid=" + run_as_, "--init-groups",
            "--pdeathsig=KILL"};
  }
  argv.insert(argv.end(),
              {"/usr/sbin/mariadbd",
               "--no-defaults",
               "--datadir=" + (node.dir / "data").string(),
               "--tmpdir=" + (node.dir / "tmp").string(),
               "--socket=" + (node.dir / "mysql.sock").string(),
               "--pid-file=" + (node.dir / "mariadbd.pid").string(),
               "--port=" + std::to_string(node.port),
               "--bind-address=127.0.0.1",
               "--skip-name-resolve",
               "--innodb-buffer-pool-size=64M",
               "--binlog-format=ROW",
               "--default-storage-engine=InnoDB",
               "--innodb-autoinc-lock-mode=2",
               "--wsrep-on=ON",
               "--wsrep-provider=/usr/lib/galera/libgalera_smm.so",
               "--wsrep-cluster-name=natter-test",
               "--wsrep-node-name=node" + std::to_string(i + 1),
               "--wsrep-cluster-address=gcomm://" + peers,
               "--wsrep-node-address=127.0.0.1:" + std::to_string(node.gcomm_port),
               "--wsrep-provider-options=" + provider_options,
               "--wsrep-sst-method=rsync",
               "--wsrep-sst-receive-address=127.0.0.1:" + std::to_string(node.sst_port)});
  if (new_cluster) argv.push_back("--wsrep-new-cluster");
  node.server = std::make_unique<Process>("mariadbd-" + std::to_string(i + 1), argv, node.dir);
}

void GaleraCluster::WaitForNode(size_t i, std::chrono::milliseconds timeout) {
  bool up = WaitFor(
      [&] {
        return !Running(i) || (Status(i, "wsrep_ready") == "ON" &&
                               Status(i, "wsrep_local_state_comment") == "Synced");
      },
      timeout);
  if (!up || !Running(i)) {
    throw std::runtime_error("Galera node " + std::to_string(i + 1) + " did not start:\n" +
                             ServerLog(i));
  }
}

void GaleraCluster::WaitUntilFormed(std::chrono::milliseconds timeout) {
  std::vector<size_t> running;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (Running(i)) running.push_back(i);
  }
  const std::string expected = std::to_string(running.size());
  bool formed = WaitFor(
      [&] {
        for (size_t i : running) {
          if (Status(i, "wsrep_cluster_size") != expected ||
              Status(i, "wsrep_cluster_status") != "Primary" ||
              Status(i, "wsrep_local_state_comment") != "Synced") {
            return false;
          }
        }
        return true;
      },
      timeout);
  if (!formed) {
    std::string logs;
    for (size_t i : running) logs += ServerLog(i);
    throw std::runtime_error("the Galera cluster did not form:\n" + logs);
  }
}

std::string GaleraCluster::url() const {
  std::string hosts;
  for (size_t i = 0; i < nodes_.size(); ++i) hosts += (i ? "," : "") + address(i);
  return "mysql://natter:" + password_ + "@" + hosts + "/natter";
}

std::string GaleraCluster::node_url(size_t i) const {
  return "mysql://natter:" + password_ + "@" + address(i) + "/natter";
}

std::string GaleraCluster::Sql(size_t i, const std::string& sql) const {
  auto result =
      Run({"/usr/bin/mariadb", "--no-defaults", "--batch", "--skip-column-names",
           "--socket=" + (nodes_.at(i).dir / "mysql.sock").string(), "-u" + UserName(), "-e", sql},
          dir_);
  if (result.exit_code != 0) {
    throw std::runtime_error("SQL on Galera node " + std::to_string(i + 1) +
                             " failed: " + result.err);
  }
  return result.out;
}

std::string GaleraCluster::Status(size_t i, const std::string& name) const {
  // A short connect timeout: a stopped node must not hold up a poll.
  auto result =
      Run({"/usr/bin/mariadb", "--no-defaults", "--batch", "--skip-column-names",
           "--connect-timeout=2", "--socket=" + (nodes_.at(i).dir / "mysql.sock").string(),
           "-u" + UserName(), "-e", "SHOW GLOBAL STATUS LIKE '" + name + "'"},
          dir_, {}, "", 10s);
  if (result.exit_code != 0) return {};
  auto tab = result.out.find('\t');
  if (tab == std::string::npos) return {};
  std::string value = result.out.substr(tab + 1);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

void GaleraCluster::Kill(size_t i) {
  Node& node = nodes_.at(i);
  if (!node.server) return;
  node.server->Signal(SIGKILL);
  node.server->Wait(30s);
  node.server.reset();
}

void GaleraCluster::Signal(size_t i, int sig) {
  if (nodes_.at(i).server) nodes_[i].server->Signal(sig);
}

bool GaleraCluster::Running(size_t i) { return nodes_.at(i).server && nodes_[i].server->Running(); }

void GaleraCluster::Start(size_t i) {
  if (Running(i)) throw std::runtime_error("Galera node " + std::to_string(i + 1) + " runs");
  Launch(i, /*new_cluster=*/false);
  WaitForNode(i, 120s);
  WaitUntilFormed(60s);
}

std::string GaleraCluster::ServerLog(size_t i) const {
  const Node& node = nodes_.at(i);
  return node.server ? "node " + std::to_string(i + 1) + ":\n" + Tail(node.server->Stderr(), 30)
                     : std::string();
}

Redis::Redis(const fs::path& dir) : dir_(dir), port_(FreePort()) { Start(); }

Redis::~Redis() = default;

void Redis::Start() {
  fs::create_directories(dir_);
  server_ = std::make_unique<Process>(
      "redis-server",
      std::vector<std::string>{"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync",
                               "everysec", "--dir", dir_.string()},
      dir_);
  bool up = WaitFor(
      [&] {
        if (!server_->Running()) return true;
        auto r = Run({"/usr/bin/redis-cli", "-p", std::to_string(port_), "ping"}, dir_);
        return r.out.find("PONG") != std::string::npos;
      },
      30s);
  if (!up || !server_->Running()) {
    throw std::runtime_error("Redis did not start:\n" + Tail(server_->Stdout(), 30));
  }
}

void Redis::Stop() {
  if (server_) server_->Stop();
  server_.reset();
}

DnsServer::DnsServer(const fs::path& dir) : dir_(dir), port_(FreePort()) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "hosts").flush();
  std::vector<std::string> argv = {
      "/usr/sbin/dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
      "--no-hosts", "--no-poll", "--bind-interfaces", "--listen-address=127.0.0.1",
      "--port=" + std::to_string(port_), "--addn-hosts=" + (dir_ / "hosts").string(),
      "--local-ttl=1", "--log-facility=-", "--log-queries", "--pid-file=" + (dir_ / "pid").string(),
      // Names it does not list are not forwarded anywhere.
      "--local=/natter.test/"};
  // As root dnsmasq would become "nobody", who cannot read the hosts file in this private folder.
  if (::geteuid() == 0) argv.push_back("--user=root");
  server_ = std::make_unique<Process>("dnsmasq", argv, dir_);
  bool up = WaitFor(
      [&] {
        if (!server_->Running()) return true;
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(port_));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        ::close(fd);
        return ok;
      },
      10s);
  if (!up || !server_->Running()) {
    throw std::runtime_error("dnsmasq did not start:\n" + Tail(server_->Stderr(), 30));
  }
}

DnsServer::~DnsServer() = default;

void DnsServer::Set(const std::string& name, const std::vector<std::string>& addresses) {
  names_[name] = addresses;
  const fs::path next = dir_ / "hosts.next";
  {
    std::ofstream out(next);
    for (const auto& [n, list] : names_) {
      for (const auto& a : list) out << a << " " << n << "\n";
    }
  }
  fs::rename(next, dir_ / "hosts");
  server_->Signal(SIGHUP);  // reread the hosts file, forget what was cached
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> out;
  // Only whole lines: the output of a running process may end in a line still being written.
  std::istringstream in(text.substr(0, text.rfind('\n') + 1));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

bool IsServing(const std::string& address, const std::string& ca_file) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!ca_file.empty()) {
    grpc::SslCredentialsOptions options;
    std::ifstream in(ca_file);
    std::stringstream pem;
    pem << in.rdbuf();
    options.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(options);
  }
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(address, credentials));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 500ms);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

std::string HttpGet(const std::string& address, const std::string& path) {
  size_t colon = address.rfind(':');
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (fd >= 0) ::close(fd);
    return {};
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, n);
  ::close(fd);
  size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : response.substr(body + 4);
}

double MetricSample(const std::string& metrics, const std::string& series) {
  size_t at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + series.size() + 2));
}

double MetricFamilySum(const std::string& metrics, const std::string& name) {
  double total = 0;
  const std::string labelled = "\n" + name + "{";
  for (size_t at = metrics.find(labelled); at != std::string::npos;
       at = metrics.find(labelled, at + 1)) {
    size_t value = metrics.find("} ", at);
    if (value != std::string::npos) total += std::stod(metrics.substr(value + 2));
  }
  return total;
}

void MakeTestCertificates(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string ca = (dir / "ca.pem").string(), ca_key = (dir / "ca.key").string();
  auto made = Run(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-days", "2", "-subj", "/CN=Natter test CA", "-keyout", ca_key, "-out", ca},
      dir);
  if (made.exit_code != 0) throw std::runtime_error("openssl (CA) failed:\n" + made.err);
  made = Run({"/usr/bin/openssl",
              "req",
              "-x509",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:P-256",
              "-nodes",
              "-days",
              "2",
              "-subj",
              "/CN=localhost",
              "-CA",
              ca,
              "-CAkey",
              ca_key,
              "-addext",
              "subjectAltName=DNS:localhost,IP:127.0.0.1",
              "-addext",
              "basicConstraints=critical,CA:FALSE",
              "-keyout",
              (dir / "server.key").string(),
              "-out",
              (dir / "server.pem").string()},
             dir);
  if (made.exit_code != 0) throw std::runtime_error("openssl (server) failed:\n" + made.err);
}

Stack::Stack(StackOptions options) : options_(options) {
  if (options_.tls) MakeTestCertificates(tmp_.path() / "tls");
  if (options_.mtls) MakeTestCertificates(tmp_.path() / "service-tls");
  switch (options_.database) {
    case StackDatabase::kMariaDb:
      mysql_ = std::make_unique<MariaDb>(tmp_.path() / "mysql");
      break;
    case StackDatabase::kGalera:
      galera_ = std::make_unique<GaleraCluster>(tmp_.path() / "galera");
      break;
  }
  switch (options_.redis) {
    case StackRedis::kSingle:
      redis_ = std::make_unique<Redis>(tmp_.path() / "redis");
      break;
    case StackRedis::kSentinel:
      redis_sentinel_ = std::make_unique<RedisSentinelGroup>(tmp_.path() / "redis-sentinel");
      break;
    case StackRedis::kCluster:
      redis_cluster_ = std::make_unique<RedisClusterGroup>(tmp_.path() / "redis-cluster");
      break;
  }
  auth_port_ = FreePort();
  for (int i = 0; i < options_.presence_replicas; ++i) presence_ports_.push_back(FreePort());
  if (options_.chat_by_dns) {
    dns_ = std::make_unique<DnsServer>(tmp_.path() / "dns");
    int port = FreePort();  // every replica on its own address and this port, as pods are
    chat_ports_.assign(static_cast<size_t>(options_.chat_replicas), port);
    std::vector<size_t> all;
    for (int i = 0; i < options_.chat_replicas; ++i) all.push_back(static_cast<size_t>(i));
    ListChatsInDns(all);
  } else {
    for (int i = 0; i < options_.chat_replicas; ++i) chat_ports_.push_back(FreePort());
  }
  for (int i = 0; i < options_.gateways; ++i) gateway_ports_.push_back(FreePort());

  std::vector<std::string> auth_args;
  if (!options_.rate_limits) {
    for (const char* limit : {"register", "avatar", "profile", "password", "session-calls"}) {
      auth_args.insert(auth_args.end(), {std::string("--") + limit + "-per-minute", "0"});
    }
  }
  auth_args.insert(auth_args.end(), options_.auth_args.begin(), options_.auth_args.end());
  auth_ = StartServer("auth", NATTER_AUTH_BIN, std::move(auth_args), auth_port_);
  presences_.resize(presence_ports_.size());
  for (size_t i = 0; i < presence_ports_.size(); ++i) StartPresence(i);
  chats_.resize(chat_ports_.size());
  for (size_t i = 0; i < chat_ports_.size(); ++i) StartChat(i);
  gateways_.resize(gateway_ports_.size());
  for (size_t i = 0; i < gateway_ports_.size(); ++i) StartGateway(i);
}

Stack::~Stack() {
  for (auto& g : gateways_) g.reset();
  chats_.clear();
  presences_.clear();
  auth_.reset();
}

namespace {

template <class T>
T& Engine(const std::unique_ptr<T>& engine, const char* what) {
  if (!engine) throw std::logic_error(std::string("this stack runs no ") + what);
  return *engine;
}

}  // namespace

MariaDb& Stack::mysql() { return Engine(mysql_, "single MariaDB"); }
Redis& Stack::redis() { return Engine(redis_, "single Redis"); }
GaleraCluster& Stack::galera() { return Engine(galera_, "Galera cluster"); }
RedisSentinelGroup& Stack::redis_sentinel() { return Engine(redis_sentinel_, "Redis Sentinel"); }
RedisClusterGroup& Stack::redis_cluster() { return Engine(redis_cluster_, "Redis Cluster"); }

std::string Stack::mysql_url() const { return mysql_ ? mysql_->url() : galera_->url(); }

std::string Stack::redis_url() const {
  if (redis_) return redis_->url();
  return redis_sentinel_ ? redis_sentinel_->url() : redis_cluster_->url();
}

std::string Stack::presence_target() const {
  if (presence_ports_.size() == 1) return presence_address();
  std::string target = "ipv4:";
  for (size_t i = 0; i < presence_ports_.size(); ++i) {
    target += (i > 0 ? "," : "") + presence_address(i);
  }
  return target;
}

std::string Stack::ChatHost(size_t i) const {
  return options_.chat_by_dns ? "127.0.0." + std::to_string(i + 2) : "127.0.0.1";
}

size_t Stack::AddChat() {
  if (!options_.chat_by_dns) throw std::logic_error("AddChat needs StackOptions::chat_by_dns");
  chat_ports_.push_back(chat_ports_.front());
  chats_.emplace_back();
  StartChat(chats_.size() - 1);
  return chats_.size() - 1;
}

void Stack::ListChatsInDns(const std::vector<size_t>& replicas) {
  std::vector<std::string> addresses;
  for (size_t i : replicas) addresses.push_back(ChatHost(i));
  dns_->Set(kChatName, addresses);
}

std::string Stack::chat_target() const {
  if (options_.chat_by_dns) {
    return "dns://127.0.0.1:" + std::to_string(dns_->port()) + "/" + kChatName + ":" +
           std::to_string(chat_ports_.front());
  }
  std::string target = "ipv4:";
  for (size_t i = 0; i < chat_ports_.size(); ++i) {
    if (i > 0) target += ",";
    target += Address(chat_ports_[i]);
  }
  return target;
}

void Stack::StartChat(size_t i) {
  // Every peer address is given explicitly: a default would reach a local `./natter up` stack.
  std::vector<std::string> args = {"--auth", auth_address()};
  if (!options_.rate_limits) args.insert(args.end(), {"--message-rate", "0"});
  args.insert(args.end(), options_.chat_args.begin(), options_.chat_args.end());
  chats_.at(i) = StartServer("chat-" + std::to_string(i + 1), NATTER_CHAT_BIN, std::move(args),
                             chat_ports_[i], "", ChatHost(i));
}

void Stack::StartPresence(size_t i) {
  presences_.at(i) =
      StartServer(i == 0 ? "presence" : "presence-" + std::to_string(i + 1), NATTER_PRESENCE_BIN,
                  {"--ttl-seconds", std::to_string(options_.presence_ttl_seconds), "--chat",
                   chat_target(), "--sweep-ms", "200"},
                  presence_ports_[i]);
}

void Stack::StartGateway(size_t i) {
  std::vector<std::string> args = {"--gateway-id",
                                   "gw-" + std::to_string(i + 1),
                                   "--auth",
                                   auth_address(),
                                   "--presence",
                                   presence_target(),
                                   "--chat",
                                   chat_target(),
                                   "--heartbeat-seconds",
                                   std::to_string(options_.heartbeat_seconds)};
  if (!options_.rate_limits) args.insert(args.end(), {"--command-rate", "0"});
  if (options_.gateway_max_queued_events > 0) {
    args.insert(args.end(),
                {"--max-queued-events", std::to_string(options_.gateway_max_queued_events)});
  }
  args.insert(args.end(), options_.gateway_args.begin(), options_.gateway_args.end());
  std::string ca;
  if (options_.tls) {
    args.insert(args.end(), {"--tls-cert", (tmp_.path() / "tls" / "server.pem").string(),
                             "--tls-key", (tmp_.path() / "tls" / "server.key").string()});
    ca = ca_file().string();
  }
  gateways_.at(i) = StartServer("gateway-" + std::to_string(i + 1), NATTER_GATEWAY_BIN,
                                std::move(args), gateway_ports_[i], ca);
}

std::unique_ptr<Process> Stack::StartServer(const std::string& name, const std::string& binary,
                                            std::vector<std::string> args, int port,
                                            const std::string& ca_file, const std::string& host) {
  int& metrics_port = metrics_ports_[name];
  if (metrics_port == 0) metrics_port = FreePort();  // the same port when restarted
  const std::string listen = host + ":" + std::to_string(port);
  std::vector<std::string> argv = {binary,
                                   "--listen",
                                   listen,
                                   "--log-level",
                                   "debug",
                                   "--drain-seconds",
                                   std::to_string(options_.drain_seconds),
                                   "--metrics-listen",
                                   Address(metrics_port)};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string ready_address = listen;
  if (options_.mtls) {
    // Every service serves and calls with the service certificate; readiness is read from the
    // plaintext health port, as the kubelet would.
    int& health_port = health_ports_[name];
    if (health_port == 0) health_port = FreePort();
    const fs::path dir = tmp_.path() / "service-tls";
    argv.insert(argv.end(),
                {"--service-ca", (dir / "ca.pem").string(), "--service-cert",
                 (dir / "server.pem").string(), "--service-key", (dir / "server.key").string(),
                 "--service-server-name", "localhost", "--health-listen", Address(health_port)});
    ready_address = Address(health_port);
  }
  auto process = std::make_unique<Process>(
      name, argv, tmp_.path() / "logs",
      std::map<std::string, std::string>{{"NATTER_MYSQL_URL", mysql_url()},
                                         {"NATTER_REDIS_URL", redis_url()}});
  bool up = WaitFor(
      [&] {
        return !process->Running() ||
               IsServing(ready_address, options_.mtls ? std::string() : ca_file);
      },
      30s);
  if (!up || !process->Running()) {
    throw std::runtime_error(name + " did not become healthy:\n" + Tail(process->Stderr(), 30));
  }
  return process;
}

std::vector<std::string> Stack::CtlArgv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {NATTERCTL_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::map<std::string, std::string> Stack::CtlEnv() const {
  std::map<std::string, std::string> env{{"NATTER_HOME", (tmp_.path() / "home").string()},
                                         {"NATTER_GATEWAY", gateway_address(0)}};
  if (options_.tls) env["NATTER_CA"] = ca_file().string();
  return env;
}

CommandResult Stack::Ctl(const std::vector<std::string>& args, const std::string& stdin_text) {
  return Run(CtlArgv(args), tmp_.path() / "logs", CtlEnv(), stdin_text);
}

std::unique_ptr<Process> Stack::CtlInBackground(const std::string& name,
                                                const std::vector<std::string>& args) {
  return std::make_unique<Process>(name, CtlArgv(args), tmp_.path() / "logs", CtlEnv());
}

}  // namespace natter::testing
