#pragma once
/// A real HTTP server on 127.0.0.1 (cpp-httplib, a free port) that plays a JSON-RPC node in tests.
/// A test installs a handler that sees each POST and writes the reply, so it can answer correctly or
/// inject a fault. The server records every request body it received.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace bulwark::testing {

class LoopbackNode {
 public:
  /// Answers one request: the request body and the 0-based index of this request among all received.
  using Handler = std::function<void(const httplib::Request&, httplib::Response&, int index)>;

  explicit LoopbackNode(Handler handler) : handler_(std::move(handler)) { start(); }

  /// A server with TLS from these PEM files.
  LoopbackNode(Handler handler, const std::string& cert_path, const std::string& key_path)
      : handler_(std::move(handler)),
        server_(std::make_unique<httplib::SSLServer>(cert_path.c_str(), key_path.c_str())) {
    tls_ = true;
    start();
  }

  ~LoopbackNode() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  LoopbackNode(const LoopbackNode&) = delete;
  LoopbackNode& operator=(const LoopbackNode&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// Bodies of the requests received so far, in arrival order.
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  /// Arrival times of the requests received so far.
  std::vector<std::chrono::steady_clock::time_point> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }
  int requests() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(bodies_.size());
  }

  /// Sleeps up to `d` inside a handler, returning early when the server is being torn down.
  void stall(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, d, [&] { return stopping_; });
  }

 private:
  void start() {
    server_->set_keep_alive_max_count(100);
    server_->set_tcp_nodelay(true);
    server_->Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      int index = 0;
      {
        std::lock_guard lock(mutex_);
        index = static_cast<int>(bodies_.size());
        bodies_.push_back(req.body);
        arrivals_.push_back(std::chrono::steady_clock::now());
      }
      handler_(req, res, index);
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("loopback node: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() is a no-op until the listen loop runs: wait for it, so teardown can never hang.
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  Handler handler_;
  std::unique_ptr<httplib::Server> server_ = std::make_unique<httplib::Server>();
  bool tls_ = false;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::string> bodies_;
  std::vector<std::chrono::steady_clock::time_point> arrivals_;
};

}  // namespace bulwark::testing
