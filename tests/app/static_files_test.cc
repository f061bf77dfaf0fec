// The dashboard's files as wardsoc serves them: the embedded build is complete and needs
// no inline code; each file has its MIME type, the security headers and the right cache
// policy; ETags answer 304; gzip only when the client takes it; names that climb out of
// the table are refused.
#include "app/api/static_files.h"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace wardsoc;

namespace {

constexpr std::string_view kIndex =
    "<!doctype html><script type=\"module\" src=\"/assets/a-12345678.js\"></script>";
constexpr std::string_view kScript = "console.log('x')";
constexpr std::string_view kScriptGzip = "GZIPPED";

const WebAsset kAssets[] = {
    {"/index.html", "text/html; charset=utf-8", kIndex, {}, "\"i1\"", false},
    {"/assets/a-12345678.js", "text/javascript; charset=utf-8", kScript, kScriptGzip, "\"a1\"",
     true},
    {"/favicon.svg", "image/svg+xml", "<svg/>", {}, "\"f1\"", false},
};

struct Served {
  int status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;
  bool routed = false;
  std::string h(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

Served get(const Router& router, const std::string& path,
           std::map<std::string, std::string> headers = {}) {
  Served s;
  Router::Match m = router.match("GET", path);
  if (m.handler == nullptr) return s;
  s.routed = true;
  BOOST_TEST(m.is_public);  // a browser navigating sends no bearer token
  HttpRequest req;
  req.method = "GET";
  req.path = path;
  req.params = m.params;
  req.headers = std::move(headers);
  HttpResponse r = (*m.handler)(req);
  s.status = r.status;
  s.content_type = r.content_type;
  s.body = r.body;
  for (auto& [k, v] : r.headers) s.headers[k] = v;
  return s;
}

Router table_router() {
  Router r;
  add_dashboard_routes(r, kAssets);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_dashboard_paths_answer_index_html_without_caching) {
  const Router router = table_router();
  for (const char* path : {"/", "/overview", "/incidents/3f2a9c0b1d4e5f60", "/index.html"}) {
    const Served s = get(router, path);
    BOOST_TEST_CONTEXT(path) {
      BOOST_TEST(s.status == 200);
      BOOST_TEST(s.content_type == "text/html; charset=utf-8");
      BOOST_TEST(s.body == std::string(kIndex));
      BOOST_TEST(s.h("Cache-Control") == "no-cache");
      BOOST_TEST(s.h("ETag") == "\"i1\"");
    }
  }
}

BOOST_AUTO_TEST_CASE(every_response_carries_a_strict_policy_and_no_sniffing) {
  const Router router = table_router();
  for (const char* path :
       {"/", "/assets/a-12345678.js", "/favicon.svg", "/assets/missing.js", "/assets/%2e%2e"}) {
    const Served s = get(router, path);
    BOOST_TEST_CONTEXT(path) {
      BOOST_TEST(s.h("X-Content-Type-Options") == "nosniff");
      BOOST_TEST(s.h("X-Frame-Options") == "DENY");
      const std::string csp = s.h("Content-Security-Policy");
      BOOST_TEST(csp.find("default-src 'none'") != std::string::npos);
      BOOST_TEST(csp.find("script-src 'self'") != std::string::npos);
      BOOST_TEST(csp.find("frame-ancestors 'none'") != std::string::npos);
      BOOST_TEST(csp.find("unsafe") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(hashed_assets_are_immutable_and_other_files_revalidate) {
  const Router router = table_router();
  const Served js = get(router, "/assets/a-12345678.js");
  BOOST_TEST(js.status == 200);
  BOOST_TEST(js.content_type == "text/javascript; charset=utf-8");
  BOOST_TEST(js.h("Cache-Control") == "public, max-age=31536000, immutable");
  BOOST_TEST(js.body == std::string(kScript));
  const Served icon = get(router, "/favicon.svg");
  BOOST_TEST(icon.status == 200);
  BOOST_TEST(icon.content_type == "image/svg+xml");
  BOOST_TEST(icon.h("Cache-Control") == "no-cache");
}

BOOST_AUTO_TEST_CASE(a_known_etag_answers_304_without_a_body) {
  const Router router = table_router();
  const Served s = get(router, "/", {{"if-none-match", "\"zz\", W/\"i1\""}});
  BOOST_TEST(s.status == 304);
  BOOST_TEST(s.body.empty());
  BOOST_TEST(get(router, "/", {{"if-none-match", "\"other\""}}).status == 200);
}

BOOST_AUTO_TEST_CASE(gzip_is_sent_only_to_clients_that_accept_it) {
  const Router router = table_router();
  const std::string path = "/assets/a-12345678.js";
  Served s = get(router, path, {{"accept-encoding", "br, gzip;q=0.8"}});
  BOOST_TEST(s.h("Content-Encoding") == "gzip");
  BOOST_TEST(s.body == std::string(kScriptGzip));
  BOOST_TEST(s.h("Vary") == "Accept-Encoding");
  s = get(router, path, {{"accept-encoding", "gzip;q=0, identity"}});
  BOOST_TEST(s.headers.count("Content-Encoding") == 0u);
  BOOST_TEST(s.body == std::string(kScript));
  s = get(router, path);
  BOOST_TEST(s.body == std::string(kScript));
  s = get(router, path, {{"accept-encoding", "deflate"}});
  BOOST_TEST(s.body == std::string(kScript));
}

BOOST_AUTO_TEST_CASE(names_that_climb_out_of_the_table_are_refused) {
  const Router router = table_router();
  // The router hands over "{name}" decoded once more than the path: a double-encoded
  // "../" arrives here as "..", "%2F" as "/".
  for (const char* path : {"/assets/..", "/assets/%2e%2e%2fetc%2fpasswd", "/assets/..%5cwin.ini",
                           "/assets/.hidden", "/assets/%00a.js", "/assets/a%252e%252e"}) {
    const Served s = get(router, path);
    BOOST_TEST_CONTEXT(path) {
      BOOST_TEST(s.routed);
      BOOST_TEST(s.status == 400);
      BOOST_TEST(s.body.find("path refused") != std::string::npos, s.body);
    }
  }
  // Decoded in the path itself, "../" makes more segments: no route at all (404 JSON).
  BOOST_TEST(!get(router, "/assets/../../etc/passwd").routed);
  BOOST_TEST(!get(router, "/etc/passwd").routed);
  const Served missing = get(router, "/assets/b-12345678.js");
  BOOST_TEST(missing.status == 404);
}

BOOST_AUTO_TEST_CASE(the_embedded_build_is_complete_and_needs_no_inline_code) {
  const auto assets = embedded_web_assets();
  const WebAsset* index = nullptr;
  for (const WebAsset& a : assets) {
    if (a.path == "/index.html") index = &a;
  }
  BOOST_REQUIRE(index != nullptr);
  const std::string html(index->body);
  // Every script is a file from /assets/, and it is in the table; no inline script or
  // style that the policy would block.
  int scripts = 0;
  for (size_t pos = html.find("<script"); pos != std::string::npos;
       pos = html.find("<script", pos)) {
    const size_t end = html.find('>', pos);
    BOOST_REQUIRE_MESSAGE(end != std::string::npos, "unclosed <script in index.html");
    const std::string tag = html.substr(pos, end + 1 - pos);
    pos = end + 1;
    ++scripts;
    const size_t attr = tag.find("src=\"");
    BOOST_REQUIRE_MESSAGE(attr != std::string::npos, "inline script in index.html: " << tag);
    const size_t quote = tag.find('"', attr + 5);
    BOOST_REQUIRE(quote != std::string::npos);
    const std::string src = tag.substr(attr + 5, quote - attr - 5);
    bool found = false;
    for (const WebAsset& a : assets) found = found || a.path == src;
    BOOST_TEST(found, src << " is not embedded");
  }
  BOOST_TEST(scripts >= 1);
  BOOST_TEST(html.find("<style") == std::string::npos);
  BOOST_TEST(html.find(" style=") == std::string::npos);
  BOOST_TEST(html.find("http://") == std::string::npos);  // nothing from outside
  BOOST_TEST(html.find("https://") == std::string::npos);
  for (const WebAsset& a : assets) {
    BOOST_TEST_CONTEXT(a.path) {
      BOOST_TEST(!a.content_type.empty());
      BOOST_TEST(a.etag.size() > 2u);
      if (a.path.substr(0, 8) == "/assets/") BOOST_TEST(a.immutable);
      if (a.path.ends_with(".js")) BOOST_TEST(a.content_type == "text/javascript; charset=utf-8");
      if (a.path.ends_with(".css")) BOOST_TEST(a.content_type == "text/css; charset=utf-8");
      if (!a.gzip.empty()) BOOST_TEST(a.gzip.size() < a.body.size());
    }
  }
}
