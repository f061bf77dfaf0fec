#include "ingest/http/http_request.h"

#include <openssl/crypto.h>

#include <vector>

#include "core/text.h"

namespace wardsoc {

namespace http = boost::beast::http;

namespace {
bool token_matches(std::string_view given, const std::vector<std::string>& tokens) {
  bool ok = false;
  for (const auto& t : tokens) {
    // Constant time per token of equal length; a length mismatch tells nothing useful.
    if (t.size() == given.size() && CRYPTO_memcmp(t.data(), given.data(), t.size()) == 0) {
      ok = true;
    }
  }
  return ok;
}

HttpVerdict rejected(http::status status, std::string why) {
  HttpVerdict v;
  v.status = status;
  v.why = std::move(why);
  return v;
}
}  // namespace

HttpRequestReader::HttpRequestReader(const HttpInputConfig& config)
    : config_(config), json_(config.max_depth) {}

HttpVerdict HttpRequestReader::read(const HttpRequest& req, const SyslogParseOptions& opts,
                                    const AddEvent& add) {
  std::string_view target(req.target().data(), req.target().size());
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (target != config_.path) {
    return rejected(http::status::not_found, "no such path (events go to " + config_.path + ")");
  }
  if (req.method() != http::verb::post)
    return rejected(http::status::method_not_allowed, "use POST");
  const auto auth = req[http::field::authorization];
  const std::string_view auth_text(auth.data(), auth.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (auth_text.size() <= kBearer.size() || ascii_lower(auth_text.substr(0, 7)) != "bearer " ||
      !token_matches(auth_text.substr(kBearer.size()), config_.tokens)) {
    return rejected(http::status::unauthorized,
                    auth_text.empty() ? "missing bearer token" : "wrong bearer token");
  }
  const auto ct_field = req[http::field::content_type];
  std::string ct = ascii_lower(std::string_view(ct_field.data(), ct_field.size()));
  if (auto semi = ct.find(';'); semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  const bool lines = ct == "application/x-ndjson" || ct == "application/ndjson" ||
                     ct == "application/jsonl" || ct == "application/x-jsonlines" ||
                     ct == "text/plain";
  if (!lines && !ct.empty() && ct != "application/json") {
    return rejected(http::status::unsupported_media_type,
                    "content type '" + ct + "' (send application/json or application/x-ndjson)");
  }

  HttpVerdict v;
  auto take = [&](std::string_view raw, const BodyFields& fields, uint32_t flags) {
    if (!add(raw, fields, flags)) return;
    ++v.accepted;
    if (flags & kEventHeaderMalformed) ++v.malformed;
  };
  const std::string& body = req.body();
  if (lines) {
    size_t pos = 0;
    while (pos < body.size()) {
      size_t end = body.find('\n', pos);
      if (end == std::string::npos) end = body.size();
      std::string_view line(body.data() + pos, end - pos);
      pos = end + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      if (line.empty()) continue;
      BodyFields fields;
      if (json_.parse(line, opts, &fields) == JsonEventParser::Outcome::kOk) {
        take(line, fields, 0);
      } else {
        take(line, BodyFields{}, kEventHeaderMalformed);
      }
    }
    return v;
  }
  size_t skipped = 0;
  const auto outcome = json_.parse_events(
      body, opts, [&](std::string_view raw, const BodyFields& f) { take(raw, f, 0); }, &skipped);
  if (outcome != JsonEventParser::Outcome::kOk) {
    HttpVerdict bad = rejected(http::status::bad_request,
                               std::string(json_outcome_name(outcome)) + ": " + json_.error());
    bad.malformed_body = true;
    return bad;
  }
  v.skipped = skipped;
  v.malformed += skipped;
  return v;
}

}  // namespace wardsoc
