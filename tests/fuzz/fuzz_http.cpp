// Whatever bytes a client sends the HTTP listener go through Beast's parser with the listener's
// limits and, when they make requests, through Tend's routes (/healthz, /metrics and a POST
// route like the Mattermost ones): never a crash, and every answer is a well-formed response.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "bot/http/health.hpp"
#include "bot/http/server.hpp"

namespace {

struct Fixture {
  tend::storage::Database db{{":memory:"}};
  tend::http::Routes routes;
  tend::http::ServerOptions options;
  boost::asio::io_context io;

  Fixture() {
    options.body_limit = 4096;
    options.header_limit = 2048;
    tend::http::add_health_routes(routes, {db, "fuzz", [] { return true; }});
    routes.add(tend::http::verb::post, "/mattermost/command",
               [](const tend::http::Request& request) -> boost::asio::awaitable<tend::http::Response> {
                 co_return tend::http::text_response(tend::http::status::ok, request.body());
               });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  static Fixture fixture;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Several requests may arrive on one connection, one after another.
  while (!input.empty()) {
    bhttp::request_parser<bhttp::string_body> parser;
    tend::http::apply_limits(parser, fixture.options);
    parser.eager(true);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!ec && !parser.is_done() && used < input.size())
      used += parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec || !parser.is_done() || used == 0) break;
    input.remove_prefix(used);

    std::optional<tend::http::Response> response;
    boost::asio::co_spawn(fixture.io, fixture.routes.respond(parser.get()),
                          [&](std::exception_ptr e, tend::http::Response r) {
                            if (e) __builtin_trap();  // respond turns handler errors into a 500
                            response = std::move(r);
                          });
    fixture.io.run();
    fixture.io.restart();
    if (!response) __builtin_trap();
    std::ostringstream wire;
    wire << *response;
    if (wire.str().rfind("HTTP/1.1 ", 0) != 0) __builtin_trap();
  }
  return 0;
}
