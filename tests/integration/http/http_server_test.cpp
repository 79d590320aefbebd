// The HTTP listener over a real loopback socket, driven byte by byte: unknown paths, wrong
// methods, keep-alive, the body cap, slow clients, the connection limit, and a POST route
// answered by a coroutine (the seam the Mattermost routes use).
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <thread>

#include "bot/http/server.hpp"
#include "tests/integration/child_process.hpp"
#include "tests/integration/http/raw_client.hpp"

using namespace tend;
using namespace std::chrono_literals;
using Catch::Contains;
using Catch::StartsWith;
using testing::eventually;
using testing::get;
using testing::RawClient;

namespace {

// A listener on its own io_context thread, as in Tend, with a GET and a POST route.
struct Listener {
  boost::asio::io_context io{1};
  http::Routes routes;
  std::unique_ptr<http::Server> server;
  std::thread thread;

  explicit Listener(http::ServerOptions options) {
    options.port = 0;
    routes.add(http::verb::get, "/hello", [](const http::Request&) -> boost::asio::awaitable<http::Response> {
      co_return http::text_response(http::status::ok, "hello\n");
    });
    // Waits before answering, as a handler that goes to the database or the platform would.
    routes.add(http::verb::post, "/hook",
               [](const http::Request& request) -> boost::asio::awaitable<http::Response> {
                 boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, 10ms);
                 co_await timer.async_wait(boost::asio::use_awaitable);
                 co_return http::text_response(http::status::ok,
                                               "got " + std::to_string(request.body().size()) + " bytes\n");
               });
    server = std::make_unique<http::Server>(io.get_executor(), options, routes);
    boost::asio::co_spawn(io, server->run(), boost::asio::detached);
    thread = std::thread([this] { io.run(); });
  }
  ~Listener() {
    boost::asio::post(io, [this] { server->stop(); });
    thread.join();
  }
  unsigned short port() const { return server->port(); }
  int open_connections() {
    std::promise<int> count;
    boost::asio::post(io, [&] { count.set_value(server->open_connections()); });
    return count.get_future().get();
  }
};

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("the listener answers 404 for unknown paths and 405 for wrong methods, and keeps the connection") {
  Listener listener({});
  RawClient client(listener.port());
  REQUIRE(client.connected());

  REQUIRE(client.send(get("/nowhere")));
  CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 404"));
  REQUIRE(client.send(post("/hello", "x")));
  const auto wrong_method = client.read_response();
  CHECK_THAT(wrong_method, StartsWith("HTTP/1.1 405") && Contains("Allow: GET"));
  // The same connection still serves: keep-alive, and the query string is not part of the path.
  REQUIRE(client.send(get("/hello?from=test")));
  const auto hello = client.read_response();
  CHECK_THAT(hello, StartsWith("HTTP/1.1 200") && Contains("hello\n"));
  CHECK(listener.open_connections() == 1);

  // Connection: close is honoured.
  REQUIRE(client.send(get("/hello", /*keep_alive=*/false)));
  CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 200"));
  CHECK(client.wait_closed(10s));
}

TEST_CASE("a POST route is answered by its coroutine handler") {
  Listener listener({});
  RawClient client(listener.port());
  REQUIRE(client.send(post("/hook", std::string(1000, 'a'))));
  CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 200") && Contains("got 1000 bytes"));
}

TEST_CASE("a body over the cap is refused with 413 and the connection closed") {
  http::ServerOptions options;
  options.body_limit = 1024;
  Listener listener(options);

  SECTION("declared by Content-Length: refused before the body is read") {
    RawClient client(listener.port());
    REQUIRE(client.send("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                        std::string(2000, 'a')));
    CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 413"));
    CHECK(client.wait_closed(10s));
  }
  SECTION("chunked: refused once the chunks pass the cap") {
    RawClient client(listener.port());
    REQUIRE(client.send("POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    REQUIRE(client.send("800\r\n" + std::string(0x800, 'b') + "\r\n"));
    CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 413"));
    CHECK(client.wait_closed(10s));
  }
  SECTION("a body at the cap is served") {
    RawClient client(listener.port());
    REQUIRE(client.send(post("/hook", std::string(1024, 'c'))));
    CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 200") && Contains("got 1024 bytes"));
  }
}

TEST_CASE("a malformed request is answered 400 and the connection closed") {
  Listener listener({});
  RawClient client(listener.port());
  REQUIRE(client.send("GET /hello HTTP/1.1\r\nHost x\r\n\r\n"));
  CHECK_THAT(client.read_response(), StartsWith("HTTP/1.1 400"));
  CHECK(client.wait_closed(10s));
}

TEST_CASE("a client that sends half a request is disconnected after the read timeout") {
  http::ServerOptions options;
  options.read_timeout = 300ms;
  Listener listener(options);

  RawClient slow(listener.port());
  REQUIRE(slow.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // and never the blank line
  // Generous: the point is that it closes at all, not how fast.
  CHECK(slow.wait_closed(20s));
  CHECK(slow.received().empty());  // no response to a request that never arrived
  CHECK(eventually([&] { return listener.open_connections() == 0; }));

  // A client that connects and sends nothing is closed the same way.
  RawClient silent(listener.port());
  CHECK(silent.wait_closed(20s));
}

TEST_CASE("connections beyond the limit are answered 503 until one closes") {
  http::ServerOptions options;
  options.max_connections = 2;
  Listener listener(options);

  auto first = std::make_unique<RawClient>(listener.port());
  RawClient second(listener.port());
  for (auto* client : {first.get(), &second}) {
    REQUIRE(client->send(get("/hello")));
    REQUIRE_THAT(client->read_response(), StartsWith("HTTP/1.1 200"));
  }
  REQUIRE(listener.open_connections() == 2);

  RawClient third(listener.port());
  REQUIRE(third.send(get("/hello")));
  CHECK_THAT(third.read_response(), StartsWith("HTTP/1.1 503") && Contains("too many connections"));
  CHECK(third.wait_closed(10s));

  // The two served connections were not disturbed, and a slot freed is a slot served.
  REQUIRE(second.send(get("/hello")));
  CHECK_THAT(second.read_response(), StartsWith("HTTP/1.1 200"));
  first.reset();
  REQUIRE(eventually([&] { return listener.open_connections() == 1; }));
  RawClient fourth(listener.port());
  REQUIRE(fourth.send(get("/hello")));
  CHECK_THAT(fourth.read_response(), StartsWith("HTTP/1.1 200"));
}

TEST_CASE("stopping the listener closes idle connections and refuses new ones") {
  auto listener = std::make_unique<Listener>(http::ServerOptions{});
  RawClient idle(listener->port());
  REQUIRE(idle.send(get("/hello")));
  REQUIRE_THAT(idle.read_response(), StartsWith("HTTP/1.1 200"));
  const auto port = listener->port();
  listener.reset();  // stops, and its io_context runs out of work: every coroutine ended
  CHECK(idle.wait_closed(10s));
  RawClient late(port);
  CHECK_FALSE(late.connected());
}
