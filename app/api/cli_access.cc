#include "app/api/cli_access.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/config.h"

namespace wardsoc {

Result<CliTarget> resolve_target(const StoreLocation& where, bool must_exist) {
  Result<Config> cfg = where.config_path.empty()
                           ? parse_config(embedded_default_config(), "<embedded default>")
                           : load_config_file(where.config_path);
  if (!cfg) return std::move(cfg).error();
  CliTarget t;
  t.data_dir = where.data_dir.empty() ? cfg->data_dir : where.data_dir;
  t.db_path = (std::filesystem::path(t.data_dir) / "db").string();
  t.api_listen = where.api.empty() ? cfg->api_listen : where.api;
  t.api_given = !where.api.empty();
  t.api_token = cfg->api_token;
  if (const char* env = std::getenv("WARDSOC_API_TOKEN"); env != nullptr && *env != '\0') {
    t.api_token = env;
  }
  t.sinks = cfg->sink_names();
  t.zone = cfg->timezone;
  if (must_exist && !std::filesystem::exists(std::filesystem::path(t.db_path) / "CURRENT")) {
    return Error(Errc::kNotFound, "no store at '" + t.db_path +
                                      "' (has `wardsoc run` been started with data_dir " +
                                      t.data_dir + "? use --data-dir or --config)");
  }
  t.holder = Store::lock_holder(t.db_path);
  if (t.api_given && !t.holder) {
    // Said, not silent: the command reads this directory, not what that API serves.
    std::fprintf(stderr,
                 "note: no wardsoc holds %s, so the command uses it directly; --api %s is not "
                 "used\n",
                 t.db_path.c_str(), t.api_listen.c_str());
  }
  return t;
}

namespace {

// Whether the API at t.api_listen belongs to the wardsoc holding t.db_path: the same pid
// as the data directory's lock, or (another pid namespace) the same directory. What
// cannot be asked (no answer, an older wardsoc without the route, a wrong token) is left
// to the request itself to report.
Status check_api_holds(const CliTarget& t, const std::string& who) {
  auto reply = api_request(t.api_listen, "GET", "/api/v1/instance", "", t.api_token,
                           std::chrono::seconds(10));
  if (!reply || reply->status != 200) return ok_status();
  int64_t pid = 0;
  std::string db;
  try {
    const auto j = nlohmann::json::parse(reply->body);
    pid = j.value("pid", int64_t{0});
    db = j.value("db_path", "");
  } catch (const std::exception&) {
    return ok_status();
  }
  if (t.holder && *t.holder > 0 && pid == *t.holder) return ok_status();
  std::error_code ec;
  const auto mine = std::filesystem::weakly_canonical(std::filesystem::absolute(t.db_path, ec), ec);
  if (!ec && !db.empty() && mine == std::filesystem::path(db)) return ok_status();
  const std::string api =
      t.api_given ? "--api " + t.api_listen : "the configuration's api.listen " + t.api_listen;
  // A wrong --api is the user's mistake; a config that names another wardsoc's API is
  // like no API at all (reading commands then read the directory themselves).
  return Error(t.api_given ? Errc::kInvalidArgument : Errc::kUnavailable,
               api + " is the API of the wardsoc holding " + db + " (pid " + std::to_string(pid) +
                   "), not of the one holding " + t.db_path + who +
                   (t.api_given ? "; nothing was read or changed" : "") +
                   ". Give the API of the wardsoc that holds " + t.data_dir +
                   " (--api, or its --config), or leave out " +
                   (t.api_given ? "--api" : "--data-dir") + " to use the other one");
}

}  // namespace

Result<std::string> call_api(const CliTarget& t, const std::string& method,
                             const std::string& target, const std::string& body) {
  const std::string who =
      t.holder && *t.holder > 0 ? " (pid " + std::to_string(*t.holder) + ")" : "";
  if (t.api_listen.empty()) {
    return Error(Errc::kUnavailable, "the data directory " + t.db_path + " is in use by wardsoc" +
                                         who +
                                         " and its configuration has no api.listen, so "
                                         "this command cannot reach it; set api.listen or stop it");
  }
  if (Status s = check_api_holds(t, who); !s.ok()) return std::move(s).error();
  auto reply = api_request(t.api_listen, method, target, body, t.api_token);
  if (!reply) {
    return Error(Errc::kUnavailable,
                 reply.error().message + " (the data directory is in use by wardsoc" + who +
                     "; is its api.listen " + t.api_listen + "? use --api host:port)");
  }
  if (reply->status >= 400) {
    std::string message = "HTTP " + std::to_string(reply->status);
    Errc code = Errc::kInternal;
    try {
      const auto j = nlohmann::json::parse(reply->body);
      message = j.at("error").at("message").get<std::string>();
    } catch (const std::exception&) {
    }
    if (reply->status == 400) code = Errc::kInvalidArgument;
    if (reply->status == 401) {
      code = Errc::kInvalidArgument;
      message += " (give the token in api.token of --config or in WARDSOC_API_TOKEN)";
    }
    if (reply->status == 404) code = Errc::kNotFound;
    if (reply->status == 409) code = Errc::kConflict;
    if (reply->status == 503) code = Errc::kUnavailable;
    return Error(code, message);
  }
  return std::move(reply->body);
}

std::string default_actor() {
  if (const char* s = std::getenv("SUDO_USER"); s != nullptr && *s != '\0') return s;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  if (const char* u = std::getenv("USER"); u != nullptr && *u != '\0') return u;
  return "uid-" + std::to_string(::getuid());
}

}  // namespace wardsoc
