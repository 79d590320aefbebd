#include "bot/platform/slack/delivery.hpp"

#include "bot/platform/slack/codec.hpp"

namespace tend::slack {

using Status = platform::SendResult::Status;

platform::SendResult to_send_result(const ApiResult& result) {
  if (result.ok) return {Status::sent, {}, {}};
  if (result.rate_limited()) return {Status::retry_after, result.retry_after, result.error};
  if (result.temporary()) return {Status::temporary_failure, {}, result.error};
  return {Status::permanent_failure, {}, result.error};
}

boost::asio::awaitable<platform::SendResult> Delivery::send(const platform::Recipient& to,
                                                            const Message& message) {
  std::string channel = to.id;
  if (to.kind == platform::Recipient::Kind::person) {
    auto dm = co_await api_.open_dm(to.id);
    if (!dm) co_return platform::SendResult{Status::temporary_failure, {}, "could not open a direct message"};
    channel = *dm;
  }
  auto body = message_body(message, /*ephemeral=*/false);
  body["channel"] = channel;
  const auto result = co_await api_.call("chat.postMessage", body, WebApi::Retry{1});
  co_return to_send_result(result);
}

}  // namespace tend::slack
