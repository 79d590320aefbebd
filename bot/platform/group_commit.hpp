#pragma once
// Commands and button presses that arrive together go to the router together: one transaction,
// one commit, and only then is each answered (group commit). Written once for every adapter
// that receives more than one thing at a time.
//
// A batch is what has arrived: an adapter that reads a socket says, with each item, whether
// more has already arrived behind it (bytes waiting to be read), and the batch is handled once
// nothing more is waiting or `max_batch` items are; an item that arrives alone is handled at
// once, without waiting for the event loop to pass again. Items added while a batch is being
// handled form the next one.
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
  // `more_coming`: the adapter has already received more that it will add next; the batch waits
  // for it (the adapter must then add again, or flush()).
  void add(Inbound item, Answer answer, bool more_coming = false);
  // Handles what is waiting, if nothing else is being handled (then it joins the next batch).
  void flush();

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
