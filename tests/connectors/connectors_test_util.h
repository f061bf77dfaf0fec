// Helpers for connector tests: outbox entries built in one line and a file read back
// as lines.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "store/outbox.h"
#include "tests/store/store_test_util.h"

namespace wardsoc::testing {

inline OutboxEntry make_entry(uint64_t seq, const std::string& group) {
  OutboxEntry e;
  e.seq = seq;
  e.kind = IncidentChange::Kind::kCreated;
  e.incident = make_incident("ssh.bruteforce", group, 5'000'000);
  e.enqueued_us = 1;
  return e;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace wardsoc::testing
