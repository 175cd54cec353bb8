#pragma once
// A real anvil for tests: started on a free loopback port in its own process group and killed with
// the group on destruction. The binary comes from the environment variable BULWARK_ANVIL, else from
// BULWARK_DEFAULT_ANVIL (devnet/node_modules/.bin/anvil, npm @foundry-rs/anvil). When it cannot
// start, error() says why and the test fails: it never skips.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace bulwark::testing_support {

inline std::string anvil_path() {
  if (const char* env = std::getenv("BULWARK_ANVIL"); env != nullptr && *env != '\0') return env;
  return BULWARK_DEFAULT_ANVIL;
}

/// An anvil process in its own process group, killed with the group on destruction.
class Anvil {
 public:
  /// Starts anvil with `extra` arguments after the defaults (chain 31337, 2 accounts).
  explicit Anvil(std::vector<std::string> extra = {}) {
    const std::string path = anvil_path();
    if (!std::filesystem::exists(path)) {
      error_ = "anvil not found at '" + path +
               "': install it (npm @foundry-rs/anvil in devnet/) or set BULWARK_ANVIL to the binary";
      return;
    }
    int out[2];
    if (::pipe(out) != 0) {
      error_ = "pipe failed";
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> args{path,         "--host", "127.0.0.1",  "--port", "0",
                                    "--chain-id", "31337",  "--accounts", "2"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    // Read stdout until anvil says where it listens.
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    ::fcntl(out[0], F_SETFL, O_NONBLOCK);
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n > 0) {
        text.append(buf, static_cast<std::size_t>(n));
        const auto at = text.find("Listening on ");
        const auto eol = at == std::string::npos ? std::string::npos : text.find('\n', at);
        if (eol != std::string::npos) {
          url_ = "http://" + text.substr(at + 13, eol - at - 13);
          break;
        }
      } else if (n == 0) {
        break;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    ::close(out[0]);
    if (url_.empty()) error_ = "anvil at '" + path + "' did not report a listening address; output: " + text;
  }

  ~Anvil() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
  std::string error_;
};

}  // namespace bulwark::testing_support
