// libFuzzer target: the read stage of rule loading on a rule file. Malformed YAML, wrong
// types and hostile values are reported as diagnostics (yaml-cpp's exceptions stop at
// the reader), never a crash; every rule read back has an id.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "rules/rule_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  wardsoc::LoadReport report;
  std::vector<wardsoc::Rule> rejected;
  const std::vector<wardsoc::Rule> rules =
      wardsoc::read_rule_file(yaml, "fuzz.yaml", &report, &rejected);
  for (const wardsoc::Rule& rule : rules) {
    if (rule.id.empty()) std::abort();
  }
  return 0;
}
