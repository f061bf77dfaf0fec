// A second process for the store tests, started by them with fork+exec:
//   store_test_helper busy <dir>    tries to open <dir> and prints "<code>:<message>"
//   store_test_helper writer <dir>  commits batches forever, printing each batch number
//                                   once commit() returned OK, until it is killed
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "store/store.h"

using namespace wardsoc;

namespace {
constexpr int kIncidentsPerBatch = 10;

int busy(const std::string& path) {
  StoreOptions o;
  o.path = path;
  auto r = Store::Open(o);
  if (r.ok()) {
    std::printf("ok:\n");
  } else {
    std::printf("%s:%s\n", std::string(errc_name(r.error().code)).c_str(),
                r.error().message.c_str());
  }
  return 0;
}

int writer(const std::string& path) {
  StoreOptions o;
  o.path = path;
  auto r = Store::Open(o);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  Store& store = **r;
  const std::vector<std::string> inputs = {"in"};
  const std::vector<std::string> sinks = {"soc"};
  for (uint64_t batch = 0;; ++batch) {
    std::vector<IncidentChange> changes;
    for (int k = 0; k < kIncidentsPerBatch; ++k) {
      IncidentChange c;
      Incident& in = c.incident;
      in.rule_id = "crash";
      in.group_key = std::to_string(batch) + "/" + std::to_string(k);
      in.id = make_incident_id(in.rule_id, in.group_key, 0);
      in.last_seen_us = static_cast<int64_t>(batch);
      for (uint32_t seq = 0; seq < 2; ++seq) {
        Evidence ev;
        ev.seq = seq;
        ev.line = std::string("line ").append(std::to_string(seq)) + " of " + in.group_key;
        c.new_evidence.push_back(ev);
      }
      changes.push_back(std::move(c));
    }
    const std::vector<InputPosition> positions = {{0, "", batch + 1}};
    if (auto s = store.commit(changes, positions, inputs, sinks); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(batch));
    std::fflush(stdout);
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_test_helper busy|writer <dir>\n");
    return 2;
  }
  if (std::strcmp(argv[1], "busy") == 0) return busy(argv[2]);
  if (std::strcmp(argv[1], "writer") == 0) return writer(argv[2]);
  return 2;
}
