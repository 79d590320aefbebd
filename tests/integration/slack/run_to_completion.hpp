#pragma once
// Runs one coroutine on the test's io_context until it is done and returns its result, so a test
// can call the async Slack clients one step at a time.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace tend::testing {

template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

}  // namespace tend::testing
