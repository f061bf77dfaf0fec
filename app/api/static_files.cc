#include "app/api/static_files.h"

#include <string>
#include <utility>

namespace wardsoc {

const char* const kDashboardContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Accept-Encoding names gzip (or *) without q=0.
bool accepts_gzip(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t semi = item.find(';');
    const std::string_view coding = trim(item.substr(0, semi));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view q = trim(item.substr(semi + 1));
    if (q.substr(0, 2) != "q=" && q.substr(0, 2) != "Q=") return true;
    q.remove_prefix(2);
    // q=0, q=0.0, q=0.000 refuse it; anything else accepts.
    bool zero = !q.empty() && q.front() == '0';
    for (size_t i = 1; zero && i < q.size(); ++i) zero = q[i] == '.' || q[i] == '0';
    if (!zero) return true;
    if (coding == "gzip") return false;
  }
  return false;
}

// If-None-Match lists this ETag (or is *).
bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

void add_security_headers(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", kDashboardContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

HttpResponse refused(int status, std::string_view code, const std::string& message) {
  HttpResponse r = HttpResponse::error(status, code, message);
  add_security_headers(r);
  return r;
}

// An asset name as the router hands it over (decoded): one plain file name.
bool plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (const char c : name) {
    if (c == '/' || c == '\\' || c == '\0' || c == '%') return false;
  }
  return name.find("..") == std::string_view::npos;
}

const WebAsset* find(std::span<const WebAsset> assets, std::string_view path) {
  for (const WebAsset& a : assets) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace

HttpResponse dashboard_response(const WebAsset& asset, const HttpRequest& req) {
  HttpResponse r;
  r.content_type = std::string(asset.content_type);
  add_security_headers(r);
  r.headers.emplace_back("ETag", std::string(asset.etag));
  r.headers.emplace_back("Cache-Control",
                         asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (!asset.gzip.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  if (etag_matches(req.header("if-none-match"), asset.etag)) {
    r.status = 304;
    return r;
  }
  if (!asset.gzip.empty() && accepts_gzip(req.header("accept-encoding"))) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = std::string(asset.gzip);
  } else {
    r.body = std::string(asset.body);
  }
  return r;
}

void add_dashboard_routes(Router& router, std::span<const WebAsset> assets) {
  const WebAsset* index = find(assets, "/index.html");
  const auto page = [index](const HttpRequest& req) {
    if (index == nullptr) {
      return refused(404, "not_found", "this wardsoc was built without the dashboard");
    }
    return dashboard_response(*index, req);
  };
  for (const char* path : {"/", "/index.html", "/overview", "/incidents/{id}"}) {
    router.add("GET", path, page, /*is_public=*/true);
  }
  router.add(
      "GET", "/assets/{name}",
      [assets](const HttpRequest& req) {
        const auto it = req.params.find("name");
        const std::string name = it == req.params.end() ? std::string() : it->second;
        if (!plain_name(name)) {
          return refused(400, "invalid_argument",
                         "path refused: '" + name + "' is not a file name of the dashboard");
        }
        const WebAsset* a = find(assets, "/assets/" + name);
        if (a == nullptr) return refused(404, "not_found", "no such file: /assets/" + name);
        return dashboard_response(*a, req);
      },
      /*is_public=*/true);
  // Top-level files other than index.html (the icon), each under its own name.
  for (const WebAsset& a : assets) {
    if (a.path == "/index.html" || a.path.substr(0, 8) == "/assets/") continue;
    if (a.path.find('/', 1) != std::string_view::npos) continue;
    const WebAsset* asset = &a;
    router.add(
        "GET", a.path, [asset](const HttpRequest& req) { return dashboard_response(*asset, req); },
        /*is_public=*/true);
  }
}

}  // namespace wardsoc
