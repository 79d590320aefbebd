#pragma once
// Commands and button presses that arrive together go to the router together: one transaction,
// one commit, and only then is each answered (group commit). Written once for every adapter
// that receives more than one thing at a time.
//
// A batch gathers whatever is already on its way: after the first item the event loop is let
// run until it passes twice without news (one quiet turn is not enough: a read the reactor has
// just completed is only queued behind this coroutine), or until `max_batch` items are waiting.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/platform/adapter.hpp"

namespace tend::platform {

class GroupCommit {
 public:
  // Called with the item's reply once its batch committed, or with nothing when the batch could
  // not commit: then nothing of it was kept and nothing may be acknowledged.
  using Answer = std::function<void(std::optional<Reply>)>;

  GroupCommit(boost::asio::any_io_executor executor, std::string platform, std::size_t max_batch = 256);

  // The router; set before the first add().
  void dispatch_to(Dispatcher& dispatcher) { dispatcher_ = &dispatcher; }
  void add(Inbound item, Answer answer);

 private:
  boost::asio::awaitable<void> handle_pending();

  boost::asio::any_io_executor executor_;
  std::string platform_;
  std::size_t max_batch_;
  Dispatcher* dispatcher_ = nullptr;
  std::vector<std::pair<Inbound, Answer>> pending_;
  bool handling_ = false;
};

}  // namespace tend::platform
