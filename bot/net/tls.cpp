#include "bot/net/tls.hpp"

namespace tend::net {

boost::asio::ssl::context& client_tls() {
  static boost::asio::ssl::context tls = [] {
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    context.set_default_verify_paths();
    context.set_verify_mode(boost::asio::ssl::verify_peer);
    return context;
  }();
  return tls;
}

}  // namespace tend::net
