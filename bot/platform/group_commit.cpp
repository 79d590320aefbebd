#include "bot/platform/group_commit.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tend::platform {

namespace asio = boost::asio;

GroupCommit::GroupCommit(asio::any_io_executor executor, std::string platform, std::size_t max_batch)
    : executor_(std::move(executor)), platform_(std::move(platform)), max_batch_(max_batch) {}

void GroupCommit::add(Inbound item, Answer answer) {
  pending_.emplace_back(std::move(item), std::move(answer));
  if (handling_) return;
  handling_ = true;
  asio::co_spawn(executor_, handle_pending(), asio::detached);
}

asio::awaitable<void> GroupCommit::handle_pending() {
  while (!pending_.empty()) {
    for (int quiet_turns = 0; quiet_turns < 2 && pending_.size() < max_batch_;) {
      const auto seen = pending_.size();
      co_await asio::post(executor_, asio::use_awaitable);
      quiet_turns = pending_.size() == seen ? quiet_turns + 1 : 0;
    }
    auto batch = std::move(pending_);
    pending_.clear();
    spdlog::debug("{}: {} item(s) handled together", platform_, batch.size());

    std::vector<Inbound> items;
    items.reserve(batch.size());
    for (auto& [item, answer] : batch) items.push_back(std::move(item));
    std::optional<std::vector<Reply>> replies;
    try {
      replies = co_await dispatcher_->together(std::move(items));
    } catch (const std::exception& e) {
      spdlog::error("{}: {} item(s) could not be handled, nothing of them was kept: {}", platform_,
                    batch.size(), e.what());
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      batch[i].second(replies ? std::optional<Reply>((*replies)[i]) : std::nullopt);
  }
  handling_ = false;
}

}  // namespace tend::platform
