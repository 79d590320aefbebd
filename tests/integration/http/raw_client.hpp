#pragma once
// A client that speaks bytes, not HTTP, over a real loopback socket: a test decides exactly what
// is sent and when (half a request, an oversized body), and sees exactly what came back and
// whether the server closed the connection. Blocking POSIX calls with generous timeouts, so a
// server that misbehaves fails the test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

namespace tend::testing {

class RawClient {
 public:
  explicit RawClient(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  // False when the server has closed (or reset) the connection.
  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads until one whole response (headers and a Content-Length body) has arrived, the server
  // closes, or `timeout` passes; returns what arrived.
  std::string read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!whole_response() && !closed_ && std::chrono::steady_clock::now() < deadline) read_some(deadline);
    auto end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) return std::exchange(buffer_, {});
    end += 4 + content_length();
    auto response = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return response;
  }
  // Waits until the server closes the connection; false if it is still open after `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < deadline) read_some(deadline);
    return closed_;
  }
  // Everything received and not yet returned by read_response.
  const std::string& received() const { return buffer_; }

 private:
  std::size_t content_length() const {
    const auto at = buffer_.find("Content-Length: ");
    return at == std::string::npos ? 0 : std::stoul(buffer_.substr(at + 16));
  }
  bool whole_response() const {
    const auto end = buffer_.find("\r\n\r\n");
    return end != std::string::npos && buffer_.size() >= end + 4 + content_length();
  }
  void read_some(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return;
    char chunk[4096];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0)
      closed_ = true;
    else
      buffer_.append(chunk, static_cast<std::size_t>(n));
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

inline std::string get(const std::string& path, bool keep_alive = true) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (keep_alive ? "" : "Connection: close\r\n") +
         "\r\n";
}

}  // namespace tend::testing
