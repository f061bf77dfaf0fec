#include "app/api/http_server.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "core/text.h"
#include "ingest/http/http_read.h"
#include "ingest/input_counters.h"
#include "ingest/tcp_listener.h"

namespace wardsoc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  nlohmann::json j;
  j["error"] = {{"code", code}, {"message", message}};
  return json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

HttpResponse HttpResponse::from_error(const Error& e) {
  int status = 500;
  switch (e.code) {
    case Errc::kInvalidArgument:
      status = 400;
      break;
    case Errc::kNotFound:
      status = 404;
      break;
    case Errc::kConflict:
      status = 409;
      break;
    case Errc::kBusy:
    case Errc::kUnavailable:
    case Errc::kIo:
      status = 503;
      break;
    case Errc::kRejected:
      status = 422;
      break;
    case Errc::kCorruption:
    case Errc::kIncompatible:
    case Errc::kInternal:
      status = 500;
      break;
  }
  return error(status, errc_name(e.code), e.message);
}

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t j = path.find('/', i);
    out.emplace_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool same_token(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi << 4 | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

void Router::add(std::string method, std::string_view pattern, HttpHandler handler,
                 bool is_public) {
  routes_.push_back(Route{std::move(method), split_path(pattern), std::move(handler), is_public});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  // HEAD is GET without the body (RFC 9110 9.3.2): every GET route answers it.
  const std::string_view route_method = method == "HEAD" ? std::string_view("GET") : method;
  const auto segs = split_path(path);
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = url_decode(segs[i], false);
      } else {
        ok = p == segs[i];
      }
    }
    if (!ok) continue;
    m.path_known = true;
    m.allowed.push_back(r.method);
    if (r.method == "GET") m.allowed.emplace_back("HEAD");
    if (r.method != route_method) continue;
    m.handler = &r.handler;
    m.is_public = r.is_public;
    m.params = std::move(params);
    return m;
  }
  return m;
}

Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error(Errc::kInvalidArgument, "'" + std::string(text) + "' is not [ipv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Error(
          Errc::kInvalidArgument,
          "'" + std::string(text) + "' has no port (expected address:port, e.g. 127.0.0.1:8514)");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value > 65535 || port.empty()) {
    return Error(Errc::kInvalidArgument,
                 "'" + std::string(text) + "': port must be a number 0..65535");
  }
  boost::system::error_code bec;
  asio::ip::make_address(std::string(host), bec);
  if (host.empty() || bec) {
    return Error(Errc::kInvalidArgument,
                 "'" + std::string(text) + "': '" + std::string(host) + "' is not an IP address");
  }
  return std::make_pair(std::string(host), static_cast<uint16_t>(value));
}

// The accept loop is the inputs' TcpListener (with its back-off when descriptors run out
// and its max_connections); sessions run on its I/O thread, handlers on the pool.
class ApiSession;

struct HttpServer::Impl final : TcpListener::Handler {
  // Declared before the listener: sessions still queued on its I/O thread are destroyed
  // with it and use these.
  HttpServerOptions options;
  Router router;
  std::mutex mu;
  std::set<std::shared_ptr<beast::tcp_stream>> streams;  // for closing at stop
  bool stopped = false;
  // What the listener and the sessions count (connections, timeouts, answers).
  std::shared_ptr<InputCounters> counters;
  // Sessions by connection id, for closing an idle one to make room (I/O thread).
  std::unordered_map<uint64_t, std::weak_ptr<ApiSession>> sessions;
  TcpListener listener;
  asio::thread_pool pool;
  LogLimiter timeout_log;

  Impl(HttpServerOptions o, Router r, const std::string& host, uint16_t port)
      : options(std::move(o)),
        router(std::move(r)),
        counters(http_counters(options.counters)),
        listener(listener_options(options, host, port), counters.get(), this),
        pool(options.workers ? options.workers : 1) {}

  static std::shared_ptr<InputCounters> http_counters(std::shared_ptr<InputCounters> given) {
    auto c = given ? std::move(given) : std::make_shared<InputCounters>();
    c->speaks_http = true;
    return c;
  }

  static TcpListenerOptions listener_options(const HttpServerOptions& o, const std::string& host,
                                             uint16_t port) {
    TcpListenerOptions l;
    l.input_name = "api";
    l.thread_name = "api";
    l.log_name = "api";
    l.protocol = "HTTP";
    l.address = host;
    l.port = port;
    l.max_connections = o.limits.max_connections;
    l.max_connections_per_source = o.limits.max_connections_per_source;
    l.idle_after = o.limits.evict_idle_after;
    return l;
  }

  void on_connection(tcp::socket socket, uint64_t id, const std::string& peer) override;
  void on_evict(uint64_t id) override;
  void on_stop() override {
    boost::system::error_code ec;
    std::lock_guard lock(mu);
    for (const auto& s : streams) s->socket().close(ec);
  }
};

class ApiSession : public std::enable_shared_from_this<ApiSession> {
 public:
  ApiSession(HttpServer::Impl* server, tcp::socket socket, uint64_t id)
      : server_(server), stream_(std::make_shared<beast::tcp_stream>(std::move(socket))), id_(id) {
    boost::system::error_code ec;
    const auto ep = stream_->socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~ApiSession() {
    std::lock_guard lock(server_->mu);
    server_->streams.erase(stream_);
  }
  uint64_t id() const { return id_; }

  // On the I/O thread, like every completion handler here.
  void close() {
    if (!closed_) {
      closed_ = true;
      server_->sessions.erase(id_);
      server_->listener.closed(id_);
    }
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_->socket().close(ec);
  }
  void start() {
    {
      std::lock_guard lock(server_->mu);
      server_->streams.insert(stream_);
    }
    read();
  }

 private:
  void read() {
    if (closed_) return;
    server_->listener.busy(id_, false);
    head_ = false;
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    const HttpServerLimits& l = server_->options.limits;
    async_read_request(
        *stream_, buffer_, *parser_,
        HttpReadTimeouts{l.idle_timeout, l.header_timeout, l.body_timeout},
        [self = shared_from_this()] {
          if (!self->closed_) self->server_->listener.activity(self->id_);
        },
        [self = shared_from_this()](beast::error_code ec, HttpReadStage stage) {
          self->on_read(ec, stage);
        });
  }

  void note_timeout(HttpReadStage stage) {
    InputCounters& c = *server_->counters;
    const HttpServerLimits& l = server_->options.limits;
    std::string what;
    switch (stage) {
      case HttpReadStage::kIdle:
        InputCounters::add(c.closed_idle);
        return;
      case HttpReadStage::kHeader:
        InputCounters::add(c.header_timeouts);
        what = "request headers not complete within " + std::to_string(l.header_timeout.count()) +
               "s (api.header_timeout)";
        break;
      case HttpReadStage::kBody:
        InputCounters::add(c.body_timeouts);
        what = "request body not complete within " + std::to_string(l.body_timeout.count()) +
               "s (api.body_timeout)";
        break;
    }
    uint64_t suppressed = 0;
    if (server_->timeout_log.allow(&suppressed)) {
      spdlog::warn("api: closing connection from {}: {} ({} similar suppressed)", peer_, what,
                   suppressed);
    }
  }

  void on_read(beast::error_code ec, HttpReadStage stage) {
    if (closed_) return;
    if (ec == beast::error::timeout) {
      note_timeout(stage);
      close();
      return;
    }
    if (is_peer_gone(ec)) {
      close();
      return;
    }
    server_->listener.busy(id_, true);  // until the answer is written
    if (ec) {
      const bool too_big = ec == http::error::body_limit;
      respond(HttpResponse::error(too_big ? 413 : 400, too_big ? "too_large" : "bad_request",
                                  too_big ? "request body is larger than " +
                                                std::to_string(server_->options.max_body_bytes) +
                                                " bytes"
                                          : "malformed HTTP request: " + ec.message()),
              false);
      return;
    }
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.peer = peer_;
    req.body = std::move(msg.body());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      ascii_lower_in_place(name);
      req.headers[name] = std::string(f.value());
    }
    const size_t q = req.target.find('?');
    req.path = url_decode(std::string_view(req.target).substr(0, q), false);
    if (q != std::string::npos) {
      std::string_view qs = std::string_view(req.target).substr(q + 1);
      while (!qs.empty()) {
        const size_t amp = qs.find('&');
        const std::string_view pair = qs.substr(0, amp);
        const size_t eq = pair.find('=');
        if (!pair.empty()) {
          req.query[url_decode(pair.substr(0, eq), true)] =
              eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        qs.remove_prefix(amp + 1);
      }
    }
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == http::verb::head;

    Router::Match m = server_->router.match(req.method, req.path);
    if (m.handler == nullptr) {
      if (!m.path_known) {
        respond(HttpResponse::error(404, "not_found", "no such endpoint: " + req.path),
                keep_alive_);
        return;
      }
      std::string allow;
      for (const auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      HttpResponse r =
          HttpResponse::error(405, "method_not_allowed",
                              req.method + " is not allowed on " + req.path + " (" + allow + ")");
      r.headers.emplace_back("Allow", allow);
      respond(std::move(r), keep_alive_);
      return;
    }
    if (!m.is_public && !server_->options.token.empty()) {
      const std::string auth = req.header("authorization");
      const std::string_view bearer = "Bearer ";
      if (auth.size() <= bearer.size() || auth.compare(0, bearer.size(), bearer) != 0 ||
          !same_token(std::string_view(auth).substr(bearer.size()), server_->options.token)) {
        HttpResponse r = HttpResponse::error(
            401, "unauthorized", "this endpoint needs \"Authorization: Bearer <api.token>\"");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"wardsoc\"");
        respond(std::move(r), keep_alive_);
        return;
      }
    }
    req.params = std::move(m.params);
    const HttpHandler* handler = m.handler;
    asio::post(server_->pool, [self = shared_from_this(), handler, req = std::move(req)]() {
      HttpResponse resp;
      try {
        resp = (*handler)(req);
      } catch (const std::exception& e) {
        spdlog::error("api: {} {} failed: {}", req.method, req.path, e.what());
        resp = HttpResponse::error(500, "internal", e.what());
      }
      asio::post(self->stream_->get_executor(), [self, resp = std::move(resp)]() mutable {
        self->respond(std::move(resp), self->keep_alive_);
      });
    });
  }

  void respond(HttpResponse r, bool keep_alive) {
    if (closed_) return;
    server_->counters->count_response(static_cast<unsigned>(r.status));
    if (head_) {
      // The headers GET would send, Content-Length included, and no body.
      auto res = std::make_shared<http::response<http::empty_body>>();
      set_headers(*res, r, keep_alive);
      res->content_length(r.body.size());
      write(res, keep_alive);
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>();
    set_headers(*res, r, keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    write(res, keep_alive);
  }

  template <class Response>
  static void set_headers(Response& res, const HttpResponse& r, bool keep_alive) {
    res.version(11);
    res.result(static_cast<unsigned>(r.status));
    res.set(http::field::server, "wardsoc");
    res.set(http::field::content_type, r.content_type);
    res.set(http::field::cache_control, "no-store");
    // Answers carry text from log lines: a browser must never guess another type for them.
    res.set("X-Content-Type-Options", "nosniff");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
  }

  template <class Response>
  void write(const std::shared_ptr<Response>& res, bool keep_alive) {
    stream_->expires_after(server_->options.limits.body_timeout);
    http::async_write(*stream_, *res,
                      [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  HttpServer::Impl* server_;
  std::shared_ptr<beast::tcp_stream> stream_;
  uint64_t id_;
  bool closed_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_;
  bool keep_alive_ = false;
  bool head_ = false;  // the request being answered is a HEAD
};

void HttpServer::Impl::on_connection(tcp::socket socket, uint64_t id, const std::string&) {
  auto session = std::make_shared<ApiSession>(this, std::move(socket), id);
  sessions.emplace(id, session);
  session->start();
}

void HttpServer::Impl::on_evict(uint64_t id) {
  auto it = sessions.find(id);
  if (it == sessions.end()) return;
  if (auto session = it->second.lock()) {
    session->close();
  } else {
    sessions.erase(it);
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options, Router router) {
  auto addr = parse_listen_address(options.listen);
  if (!addr) return std::move(addr).error().with_context("api.listen");
  auto impl =
      std::make_unique<Impl>(std::move(options), std::move(router), addr->first, addr->second);
  if (Status s = impl->listener.start(); !s.ok()) {
    return Error(Errc::kIo, "api: " + std::move(s).error().message);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  // Closes the acceptor and every connection; the I/O thread ends when nothing is left to
  // do there. Handlers still running finish; the writes they post are not made.
  impl_->listener.stop();
  impl_->pool.join();
}

InputStats HttpServer::stats() const { return impl_->counters->snapshot(); }

std::string HttpServer::local_endpoint() const {
  const std::string ep = impl_->listener.local_endpoint();
  return ep.empty() ? impl_->options.listen : ep;
}

}  // namespace wardsoc
