#include "bot/net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/host_name_verification.hpp>

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

void expect_host(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const std::string& host) {
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
    throw boost::system::system_error(boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                                                boost::asio::error::get_ssl_category()));
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

}  // namespace tend::net
