#include "support/pg_cluster.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace bulwark::testing {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kDirPrefix = "bulwark-pg-";
constexpr std::size_t kMaxOutput = 64 * 1024;  // Child output kept (its tail).
constexpr int kStartAttempts = 5;              // New ports tried when the one picked was taken.

/// Who the server binaries run as: the `postgres` user when we are root (the server refuses to run
/// as root), else ourselves.
struct Identity {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<Identity> server_identity() {
  if (geteuid() != 0) return Identity{};
  std::vector<char> buf(16 * 1024);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r("postgres", &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    return fail(ErrorCode::kUnavailable,
                "running as root, but there is no `postgres` OS user to run the PostgreSQL server as "
                "(the server refuses to run as root); install the postgresql package or run as another user");
  return Identity{true, pw.pw_uid, pw.pw_gid};
}

/// What a finished child process left: its exit status and the tail of its stdout and stderr.
struct Outcome {
  int exit_code = -1;  ///< -1 if killed by a signal or timed out.
  bool timed_out = false;
  std::string output;

  bool ok() const { return exit_code == 0; }
};

std::string tail(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  text.remove_prefix(text.size() - max_bytes);
  if (auto nl = text.find('\n'); nl != std::string_view::npos && nl + 1 < text.size())
    text.remove_prefix(nl + 1);
  return "..." + std::string(text);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

/// The environment for a child: ours without PG* variables (PGPORT, PGDATA, PGHOST ... would
/// redirect the binaries elsewhere), with LC_ALL=C for stable messages.
std::vector<std::string> child_environment(const Identity& who, const std::string& home) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("PG") || kv.starts_with("LC_ALL=")) continue;
    if (who.switch_user && (kv.starts_with("HOME=") || kv.starts_with("USER=") || kv.starts_with("LOGNAME=")))
      continue;
    env.emplace_back(kv);
  }
  env.emplace_back("LC_ALL=C");
  if (who.switch_user) {
    env.emplace_back("HOME=" + home);
    env.emplace_back("USER=postgres");
    env.emplace_back("LOGNAME=postgres");
  }
  return env;
}

/// Runs a program to completion (fork + execve, no shell), as `who`, in directory `cwd`, with its
/// stdin on /dev/null and its stdout and stderr captured. Only async-signal-safe calls happen in
/// the child, so this is safe in a multithreaded process. Inherited descriptors are closed so that
/// a server started through pg_ctl keeps none of the test process's files or sockets open.
Outcome run_program(const std::vector<std::string>& argv, const Identity& who, const std::string& cwd,
                    std::chrono::seconds timeout) {
  Outcome out;
  const std::vector<std::string> env = child_environment(who, cwd);
  std::vector<char*> argp;
  for (const auto& a : argv) argp.push_back(const_cast<char*>(a.c_str()));
  argp.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  rlimit nofile{};
  const int max_fd = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY
                         ? int(std::min<rlim_t>(nofile.rlim_cur, 65'536))
                         : 65'536;

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    out.output = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    out.output = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return out;
  }
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    auto die = [](const char* what) {
      char digits[16];
      int n = 0;
      for (int e = errno; n == 0 || e > 0; e /= 10) digits[n++] = char('0' + e % 10);
      (void)!write(2, what, std::strlen(what));
      (void)!write(2, " failed, errno ", 15);
      while (n > 0) (void)!write(2, &digits[--n], 1);
      (void)!write(2, "\n", 1);
      _exit(127);
    };
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0) _exit(127);
    if (close_range(3, ~0U, 0) != 0)
      for (int fd = 3; fd < max_fd; ++fd) close(fd);
    if (who.switch_user) {
      if (setgroups(1, &who.gid) != 0) die("setgroups");
      if (setgid(who.gid) != 0) die("setgid");
      if (setuid(who.uid) != 0) die("setuid");
    }
    if (chdir(cwd.c_str()) != 0) die("chdir");
    execve(argp[0], argp.data(), envp.data());
    die(argp[0]);
  }

  close(fds[1]);
  const auto deadline = SteadyClock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
    if (left <= 0) {
      out.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, int(std::min<long long>(left, 1'000)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (r == 0) continue;
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.output.append(buf, std::size_t(n));
    if (out.output.size() > 2 * kMaxOutput) out.output.erase(0, out.output.size() - kMaxOutput);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      status = -1;
      break;
    }
  }
  if (status != -1 && WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  if (out.timed_out) out.output += "\n(killed after " + std::to_string(timeout.count()) + " s)";
  out.output = tail(out.output, kMaxOutput);
  return out;
}

std::string describe_failure(const std::vector<std::string>& argv, const Outcome& o) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  std::string s = cmd + (o.timed_out       ? " timed out"
                         : o.exit_code < 0 ? " died"
                                           : " exited with status " + std::to_string(o.exit_code));
  const std::string text = trim(tail(o.output, 3'000));
  if (!text.empty()) s += ":\n" + text;
  return s;
}

bool is_executable(const fs::path& p) {
  return access(p.c_str(), X_OK) == 0;
}

/// The directory holding initdb, pg_ctl, postgres, pg_isready and createdb.
Result<std::string> find_bindir() {
  const std::vector<std::string> needed = {"initdb", "pg_ctl", "postgres", "pg_isready", "createdb"};
  auto complete = [&](const fs::path& dir) {
    return std::all_of(needed.begin(), needed.end(),
                       [&](const std::string& n) { return is_executable(dir / n); });
  };
  if (const char* env = std::getenv("BULWARK_PG_BINDIR"); env && *env) {
    if (complete(env)) return std::string(env);
    return fail(ErrorCode::kUnavailable, std::string("BULWARK_PG_BINDIR=") + env +
                                             " lacks one of initdb, pg_ctl, postgres, pg_isready, createdb");
  }
  std::optional<std::pair<int, std::string>> best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string version = entry.path().filename().string();
    int major = 0;
    const auto [end, err] = std::from_chars(version.data(), version.data() + version.size(), major);
    if (err != std::errc{} || !complete(entry.path() / "bin")) continue;
    if (!best || major > best->first) best = {major, (entry.path() / "bin").string()};
    (void)end;
  }
  if (best) return best->second;
  return fail(
      ErrorCode::kUnavailable,
      "PostgreSQL server binaries not found: no /usr/lib/postgresql/<version>/bin with initdb, pg_ctl, "
      "postgres, pg_isready and createdb (on Debian: apt-get install postgresql; or set BULWARK_PG_BINDIR)");
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
Result<int> free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return fail(ErrorCode::kIo, "cannot find a free port on 127.0.0.1: " + err);
  }
  close(fd);
  return int(ntohs(addr.sin_port));
}

std::string read_file_tail(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - std::streamoff(max_bytes));
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (from == 0) return text;
  const auto nl = text.find('\n');
  return "..." + (nl == std::string::npos ? text : text.substr(nl + 1));
}

/// The postmaster's pid from a data directory's postmaster.pid, if the file exists.
std::optional<pid_t> postmaster_pid(const fs::path& data) {
  std::ifstream in(data / "postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  return pid_t(pid);
}

/// True when `pid` is alive and is a postgres server (guards against a recycled pid).
bool is_postgres_process(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  return in && std::getline(in, comm) && (comm == "postgres" || comm == "postmaster");
}

/// Stops the server of a data directory: immediate shutdown (the cluster is thrown away, so there is
/// nothing to flush), then SIGKILL.
void stop_server(const std::string& bindir, const fs::path& data, const Identity& who,
                 const std::string& cwd) {
  if (!fs::exists(data / "postmaster.pid")) return;
  for (const char* mode : {"immediate"}) {
    const Outcome o =
        run_program({bindir + "/pg_ctl", "stop", "-D", data.string(), "-m", mode, "-w", "-t", "30", "-s"},
                    who, cwd, std::chrono::seconds(40));
    if (o.ok() || !fs::exists(data / "postmaster.pid")) return;
  }
  if (auto pid = postmaster_pid(data); pid && is_postgres_process(*pid)) kill(*pid, SIGKILL);
}

/// Stops and removes clusters left by test processes that died without cleaning up. Only our own
/// directories (/tmp/bulwark-pg-*, with an owner.pid naming a process that no longer exists) are
/// touched; a directory whose owner is alive, or unknown, is left alone.
void reap_orphans(const std::string& bindir, const Identity& who) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kDirPrefix) || !entry.is_directory(ec)) continue;
    std::ifstream in(entry.path() / "owner.pid");
    long owner = 0;
    if (!(in >> owner) || owner <= 0) continue;
    if (kill(pid_t(owner), 0) == 0 || errno != ESRCH) continue;
    stop_server(bindir, entry.path() / "data", who, entry.path().string());
    fs::remove_all(entry.path(), ec);
  }
}

bool valid_database_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '_';
  });
}

}  // namespace

PgCluster::PgCluster(std::string dir, std::string bindir, PgOptions options)
    : dir_(std::move(dir)), bindir_(std::move(bindir)), options_(options), owner_pid_(int(getpid())) {}

Result<std::unique_ptr<PgCluster>> PgCluster::start(PgOptions options) {
  BULWARK_TRY(bindir, find_bindir());
  BULWARK_TRY(who, server_identity());
  reap_orphans(bindir, who);

  std::string templ = "/tmp/" + std::string(kDirPrefix) + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr)
    return fail(ErrorCode::kIo,
                "cannot create a temporary directory under /tmp: " + std::string(std::strerror(errno)));
  // From here on the destructor removes the directory, whatever fails.
  std::unique_ptr<PgCluster> cluster(new PgCluster(templ, bindir, options));
  {
    std::ofstream pid_file(templ + "/owner.pid");
    pid_file << getpid() << "\n";
    if (!pid_file) return fail(ErrorCode::kIo, "cannot write " + templ + "/owner.pid");
  }
  if (who.switch_user && chown(templ.c_str(), who.uid, who.gid) != 0)
    return fail(ErrorCode::kIo, "cannot hand " + templ + " to the postgres user: " + std::strerror(errno));
  BULWARK_CHECK(cluster->init());
  BULWARK_CHECK(cluster->launch());
  return cluster;
}

Status PgCluster::init() {
  BULWARK_TRY(who, server_identity());
  const std::string data = dir_ + "/data";
  const std::vector<std::string> argv = {bindir_ + "/initdb",
                                         "-D",
                                         data,
                                         "--auth=trust",
                                         "-U",
                                         "postgres",
                                         "--no-sync",
                                         "--encoding=UTF8",
                                         "--locale=C",
                                         "--no-instructions"};
  const Outcome o = run_program(argv, who, dir_, std::chrono::seconds(120));
  if (!o.ok()) return fail(ErrorCode::kUnavailable, "initdb failed: " + describe_failure(argv, o));

  // Later lines of postgresql.conf override earlier ones, so appending is enough.
  std::ofstream conf(data + "/postgresql.conf", std::ios::app);
  conf << "\n# Bulwark private test cluster\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "unix_socket_directories = '" << dir_ << "'\n"
       << "max_connections = 50\n"
       << "logging_collector = off\n";
  if (!options_.durable)
    conf << "fsync = off\n"
         << "synchronous_commit = off\n"
         << "full_page_writes = off\n";
  conf.flush();
  if (!conf) return fail(ErrorCode::kIo, "cannot write " + data + "/postgresql.conf");
  return {};
}

Status PgCluster::launch() {
  BULWARK_TRY(who, server_identity());
  const std::string data = dir_ + "/data";
  const std::string log = dir_ + "/server.log";
  std::string last_error;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    BULWARK_TRY(port, free_port());
    const std::vector<std::string> argv = {
        bindir_ + "/pg_ctl",         "start", "-D", data, "-l", log, "-w", "-t", "60", "-s", "-o",
        "-p " + std::to_string(port)};
    const Outcome o = run_program(argv, who, dir_, std::chrono::seconds(90));
    if (o.ok()) {
      port_ = port;
      running_ = true;
      break;
    }
    // pg_ctl may have given up while the server still runs; never leave it behind.
    stop_server(bindir_, data, who, dir_);
    const std::string server_log = log_tail();
    last_error = describe_failure(argv, o) + "\nserver log:\n" + server_log;
    const bool port_taken = server_log.find("could not bind") != std::string::npos ||
                            server_log.find("Address already in use") != std::string::npos ||
                            server_log.find("could not create any TCP/IP sockets") != std::string::npos;
    if (!port_taken) break;
  }
  if (!running_) return fail(ErrorCode::kUnavailable, "PostgreSQL server did not start: " + last_error);

  // pg_ctl -w already waited for the server to accept connections; check it over TCP too.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  for (;;) {
    const std::vector<std::string> argv = {bindir_ + "/pg_isready", "-q", "-h",       "127.0.0.1", "-p",
                                           std::to_string(port_),   "-U", "postgres", "-t",        "5"};
    const Outcome o = run_program(argv, Identity{}, "/", std::chrono::seconds(10));
    if (o.ok()) return {};
    if (SteadyClock::now() > deadline)
      return fail(
          ErrorCode::kUnavailable,
          "PostgreSQL server started but does not accept connections on 127.0.0.1:" + std::to_string(port_) +
              ": " + describe_failure(argv, o) + "\nserver log:\n" + log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void PgCluster::stop() {
  if (!running_) return;
  running_ = false;
  auto who = server_identity();
  if (!who) return;
  stop_server(bindir_, fs::path(dir_) / "data", *who, dir_);
}

PgCluster::~PgCluster() {
  if (int(getpid()) != owner_pid_) return;  // A forked child exiting: the cluster is its parent's.
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PgCluster::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Result<std::string> PgCluster::create_database(std::string name) {
  static std::atomic<int> counter{0};
  if (name.empty()) name = "bulwark_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  if (!valid_database_name(name))
    return fail(
        ErrorCode::kInvalidArgument,
        "database name '" + name + "' must be 1..63 characters of [a-z0-9_] starting with a letter or '_'");
  const std::vector<std::string> argv = {
      bindir_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", "-w", name};
  const Outcome o = run_program(argv, Identity{}, "/", std::chrono::seconds(60));
  if (o.ok()) return url(name);
  if (o.output.find("already exists") != std::string::npos)
    return fail(ErrorCode::kAlreadyExists, "database " + name + " already exists");
  return fail(ErrorCode::kUnavailable, "createdb failed: " + describe_failure(argv, o));
}

std::string PgCluster::log_tail(std::size_t max_bytes) const {
  return read_file_tail(fs::path(dir_) / "server.log", max_bytes);
}

PgCluster& shared_pg_cluster(PgOptions options) {
  static std::mutex mu;
  static std::unique_ptr<PgCluster> cluster;
  std::lock_guard lock(mu);
  if (!cluster) {
    auto started = PgCluster::start(options);
    if (!started) {
      std::cerr << "FATAL: cannot start the private PostgreSQL cluster that these tests need: "
                << started.error().message << std::endl;
      std::abort();
    }
    cluster = std::move(*started);
  }
  return *cluster;
}

}  // namespace bulwark::testing
