// floor_bot: the floor that bench_slack measures beside Tend and Bolt 5 in the same run. A Slack
// Socket Mode bot doing only what no durable bot can skip for `/checkin <score>`: read the frame,
// parse the envelope (nlohmann::json, as Tend does), INSERT one check-in row into SQLite (WAL,
// synchronous=NORMAL, as Tend does) and COMMIT it before the ack that Bolt's tests/bolt/app.js
// sends. Envelopes already readable on the socket share one transaction; it never waits for more.
//
// Left out compared with Tend: routing commands, looking people up (users.info) and storing them,
// storing the reply for a redelivered envelope, scheduling nudges, the outbox, reconnecting, TLS.
// One thread, blocking reads, plain ws:// (the emulator's). On a "disconnect" frame or any error
// it exits with 1; SIGTERM kills it with the default action (every acked row is committed).
//
// Environment: SLACK_APP_TOKEN, SLACK_API_URL ("http://host:port/api/"). Writes ./floor.db.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/net/http_client.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

// "http://host:port/path" or "ws://host:port/path?query"; the emulator serves no TLS.
tend::net::Url parse_url(const std::string& text) {
  auto url = tend::net::Url::parse(text);
  if (!url || url->tls) throw std::runtime_error("not a plain http:// or ws:// URL: " + text);
  return *url;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) throw std::runtime_error(std::string(name) + " is not set");
  return value;
}

// POST apps.connections.open with the app token; Slack answers with the WebSocket's URL.
std::string open_connection(asio::io_context& io, const std::string& api_url, const std::string& app_token) {
  const auto url = parse_url(api_url + "apps.connections.open");
  beast::tcp_stream stream(io);
  stream.connect(tcp::resolver(io).resolve(url.host, url.port));
  http::request<http::string_body> req{http::verb::post, url.path, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::authorization, "Bearer " + app_token);
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  const auto answer = json::parse(res.body());
  if (!answer.value("ok", false)) throw std::runtime_error("apps.connections.open: " + res.body());
  return answer.at("url").get<std::string>();
}

}  // namespace

int main() try {
  SQLite::Database db("floor.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(
      "CREATE TABLE IF NOT EXISTS checkins (person TEXT NOT NULL, score INTEGER NOT NULL, "
      "note TEXT NOT NULL, at INTEGER NOT NULL)");
  SQLite::Statement insert(db, "INSERT INTO checkins (person, score, note, at) VALUES (?, ?, ?, ?)");

  asio::io_context io;
  const auto url = parse_url(open_connection(io, env("SLACK_API_URL"), env("SLACK_APP_TOKEN")));
  websocket::stream<tcp::socket> ws(io);
  asio::connect(ws.next_layer(), tcp::resolver(io).resolve(url.host, url.port));
  ws.next_layer().set_option(tcp::no_delay(true));
  ws.handshake(url.host + ":" + url.port, url.path);
  ws.text(true);

  beast::flat_buffer buffer;
  std::vector<std::string> acks;
  for (;;) {
    // One batch: this frame and every frame already readable, in one transaction.
    acks.clear();
    SQLite::Transaction transaction(db);
    do {
      buffer.clear();
      ws.read(buffer);
      const auto envelope = json::parse(beast::buffers_to_string(buffer.data()));
      const auto type = envelope.value("type", "");
      if (type == "disconnect") {
        std::cerr << "floor_bot: Slack asked to disconnect; exiting\n";
        return 1;
      }
      if (!envelope.contains("envelope_id")) continue;  // "hello"
      json ack{{"envelope_id", envelope["envelope_id"]}};
      if (type == "slash_commands") {
        const auto& payload = envelope.at("payload");
        const auto text = payload.value("text", "");
        std::size_t end = 0;
        int score = 0;
        try {
          score = std::stoi(text, &end);
        } catch (const std::exception&) {
        }
        if (score >= 1 && score <= 5) {
          const auto note = text.substr(std::min(text.size(), text.find_first_not_of(' ', end)));
          insert.bind(1, payload.value("user_id", ""));
          insert.bind(2, score);
          insert.bind(3, note);
          insert.bind(4, static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count()));
          insert.exec();
          insert.reset();
          ack["payload"] = {{"response_type", "ephemeral"},
                            {"text", "Checked in at *" + std::to_string(score) + "/5*."}};
        } else {
          ack["payload"] = {{"response_type", "ephemeral"}, {"text", "Give a score from 1 to 5."}};
        }
      }
      acks.push_back(ack.dump());
    } while (ws.next_layer().available() > 0);
    transaction.commit();
    for (const auto& frame : acks) ws.write(asio::buffer(frame));
  }
} catch (const std::exception& e) {
  std::cerr << "floor_bot: " << e.what() << "\n";
  return 1;
}
