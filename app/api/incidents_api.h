// The JSON API over the store, as the police dashboard and `wardsoc incidents|db` use
// it while `wardsoc run` holds the data directory (endpoints in docs/api.md):
//   GET  /healthz
//   GET
//   /api/v1/incidents?severity=&status=&rule=&site=&asset=&class=&since=&until=&q=&limit=&cursor=
//   GET  /api/v1/incidents/{id}                 incident, evidence, history
//   POST /api/v1/incidents/{id}/transition      {"status","actor","note","expected_status"}
//   GET  /api/v1/stats/incidents?bucket=hour|day&by=severity|rule|site&since=&until=
//   GET  /api/v1/audit?after=&limit=
//   GET  /api/v1/db/stats    POST /api/v1/db/backup {"dir","keep","actor"}
//   POST /api/v1/db/verify {"repair"}
//   GET  /api/v1/instance                       pid, data directory, version
//   GET  /metrics                               Prometheus text format
// Handlers only read the context; the Store is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/api/http_server.h"
#include "store/store.h"

namespace wardsoc {

struct ApiContext {
  Store* store = nullptr;
  std::vector<std::string> sinks;         // a transition queues an update for each
  std::string version;                    // wardsoc's, for /healthz
  std::string zone = "Asia/Ho_Chi_Minh";  // for day buckets and dates without a zone
  std::function<std::string()> metrics;   // renders /metrics; none: 404
  std::string data_dir;                   // the config's data_dir: no backup inside it
};

Router make_api_router(const ApiContext& context);

}  // namespace wardsoc
