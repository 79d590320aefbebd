#pragma once
// The one TLS client context every HTTPS and WSS connection of the process shares: peers are
// verified against the system's certificate store. It is made on first use, so a process that
// only ever speaks plain HTTP (the emulator, tests) never initialises OpenSSL or loads the store.
#include <boost/asio/ssl/context.hpp>

namespace tend::net {

// Single io_context thread: no locking.
boost::asio::ssl::context& client_tls();

}  // namespace tend::net
