#pragma once
// The one TLS client context every HTTPS and WSS connection of the process shares: peers are
// verified against the system's certificate store. It is made on first use, so a process that
// only ever speaks plain HTTP (the emulator, tests) never initialises OpenSSL or loads the store.
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <string>

namespace tend::net {

// Single io_context thread: no locking.
boost::asio::ssl::context& client_tls();

// Before the handshake: names `host` in the ClientHello (SNI) and accepts only a certificate
// issued for it.
void expect_host(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const std::string& host);

}  // namespace tend::net
