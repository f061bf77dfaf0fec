// HttpServer: the embedded HTTP server of `wardsoc run` (JSON API, /metrics, /healthz;
// later the police dashboard). One Boost.Beast event loop on its own thread accepts
// connections and parses requests; handlers run on a small pool of worker threads, so
// a slow one (a backup, a verify) never stalls the loop, and the response is written
// back from the loop. Routes are matched by method and a path pattern whose
// "{name}" segments become parameters. HEAD is answered on every GET route, like GET
// without the body.
//
// Limits: the API is its own listener, with its own connection limits and deadlines, so
// senders saturating an input never reach it. A connection waits at most idle_timeout for
// a request; the headers must be complete within header_timeout of its first byte and the
// body within body_timeout of the headers (a slowloris is cut after header_timeout);
// past max_connections or max_connections_per_source an idle connection (no byte for 1 s,
// no request being answered) makes room, or the new one is refused. Refusals, timeouts
// and answers by status code are counted (stats(), /metrics).
//
// Auth: when a token is configured every route except the public ones needs
// "Authorization: Bearer <token>". Bind to loopback (the default) unless a token is set.
//
// Thread safety: Start() and stop() from the owning thread; handlers may run
// concurrently on the worker threads and must be thread-safe themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "ingest/input.h"

namespace wardsoc {
struct InputCounters;
}

namespace wardsoc {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // as received: path and query
  std::string path;                            // decoded path without the query
  std::map<std::string, std::string> query;    // decoded query parameters (last wins)
  std::map<std::string, std::string> params;   // from "{name}" path segments
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer;  // "127.0.0.1:53422"

  std::string header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse json(int status, std::string body);
  // {"error":{"code":"...","message":"..."}}
  static HttpResponse error(int status, std::string_view code, std::string_view message);
  // The HTTP status that fits an Error's code, with its message.
  static HttpResponse from_error(const Error& e);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class Router {
 public:
  // pattern: "/api/v1/incidents/{id}"; `is_public` routes need no token (/healthz).
  void add(std::string method, std::string_view pattern, HttpHandler handler,
           bool is_public = false);

  struct Match {
    const HttpHandler* handler = nullptr;
    bool is_public = false;
    std::map<std::string, std::string> params;
    bool path_known = false;           // some route has this path (with another method: 405)
    std::vector<std::string> allowed;  // the methods it has (HEAD with GET), for Allow
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    HttpHandler handler;
    bool is_public = false;
  };
  std::vector<Route> routes_;
};

// The API's connection limits (api: in the config).
struct HttpServerLimits {
  size_t max_connections = 128;
  size_t max_connections_per_source = 16;  // 0 = only max_connections
  std::chrono::seconds idle_timeout{60};   // waiting for a request's first byte
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::milliseconds evict_idle_after{1000};  // idle: may make room for a new one
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8514";  // host:port, [v6]:port; port 0 picks one
  std::string token;                      // bearer token; empty = none required
  size_t max_body_bytes = size_t{1} << 20;
  unsigned workers = 2;  // handler threads
  HttpServerLimits limits;
  // Where the server counts connections and answers (e.g. shared with /metrics); null:
  // its own.
  std::shared_ptr<InputCounters> counters;
};

class HttpServer {
 public:
  // Binds and starts serving. Errors name the address and why (in use, bad address).
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, Router router);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Stops accepting, closes connections, lets running handlers finish, joins.
  void stop();
  std::string local_endpoint() const;  // "127.0.0.1:8514"
  // Connections (open, refused by reason, closed by reason) and answers by status code.
  InputStats stats() const;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:8514" -> host, port. Errors say what is wrong with the text.
Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text);

// Percent-decoding of a URL component ('+' is a space in queries).
std::string url_decode(std::string_view s, bool plus_is_space);
std::string url_encode(std::string_view s);

}  // namespace wardsoc
