// The police dashboard's files (web/, compiled and embedded at build time by
// web/scripts/embed.mjs) served by wardsoc's HTTP server: index.html for the dashboard's
// own paths, the hashed bundles under /assets/ cached for a year, everything with a
// strict Content-Security-Policy and the MIME type its name says. Only files of the
// embedded table are served: nothing is read from disk, and a name that tries to climb
// out ("..", "/", "\") is refused.
//
// Thread safety: the table is immutable; handlers may run on any worker thread.
#pragma once

#include <span>
#include <string_view>

#include "app/api/http_server.h"

namespace wardsoc {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/index-D2OXxAy8.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
  std::string_view gzip;   // the body gzip-compressed; empty when that is not smaller
  std::string_view etag;   // "\"<sha-256 prefix>\""
  bool immutable = false;  // the name carries a content hash
};

// The dashboard as built into this binary (generated: build/web/web_assets.cc).
std::span<const WebAsset> embedded_web_assets();

// The policy every dashboard response carries: scripts, styles and requests from
// wardsoc itself only, no inline code, no frames.
extern const char* const kDashboardContentSecurityPolicy;

// Adds GET routes for the dashboard: "/", "/overview" and "/incidents/{id}" answer
// index.html; "/assets/{name}" and the other top-level files answer themselves. The
// routes are public (a browser cannot send a bearer token when it navigates); the data
// behind them is not. `assets` must outlive the router.
void add_dashboard_routes(Router& router, std::span<const WebAsset> assets);

// The response for one asset and the request's If-None-Match and Accept-Encoding.
HttpResponse dashboard_response(const WebAsset& asset, const HttpRequest& req);

}  // namespace wardsoc
