// Writing Sigma rules as wardsoc rules: the where tree each detection becomes, the log
// source's conditions and programs from the built-in mapping, the metadata carried over,
// the refusals (with their reasons) and the output of a whole import (grouping, idempotent).
// The Sigma rules are written for the test.
#include "rules/import/sigma_writer.h"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "rules/import/sigma_importer.h"
#include "rules/import/sigma_mapping.h"

using namespace wardsoc;

namespace {

const SigmaMapping& builtin() {
  static const SigmaMapping m = [] {
    auto r = SigmaMapping::builtin();
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
    return std::move(r).value();
  }();
  return m;
}

SigmaWritten write(const std::string& text, const SigmaMapping& mapping = builtin()) {
  SigmaReadOptions ro;
  ro.placeholders = mapping.placeholders;
  auto f = read_sigma_text("t.yml", text, ro);
  BOOST_REQUIRE_MESSAGE(f.ok(), (f.ok() ? std::string() : f.error().message));
  BOOST_REQUIRE_MESSAGE(f->refused.empty(),
                        (f->refused.empty() ? std::string() : f->refused[0].message));
  BOOST_REQUIRE_EQUAL(f->rules.size(), 1u);
  return write_sigma_rule(f->rules[0], mapping, "folder/t.yml");
}

std::string rule(const std::string& logsource, const std::string& detection,
                 const std::string& extra = "") {
  return "title: T\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\nlogsource: " +
         logsource + "\n" + extra + "detection:\n" + detection;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#define CHECK_HAS(text, part) \
  BOOST_CHECK_MESSAGE(has(text, part), "missing: " << (part) << "\n" << (text))

}  // namespace

BOOST_AUTO_TEST_SUITE(sigma_writer)

BOOST_AUTO_TEST_CASE(windows_process_creation_gets_sysmon_conditions_and_json_fields) {
  SigmaWritten w = write(rule("{product: windows, category: process_creation}",
                              "  sel:\n    Image|endswith: ['\\certutil.exe', '\\CertUtil.exe']\n"
                              "    CommandLine|contains: '-decode '\n  condition: sel\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text, "    fields: json\n");
  CHECK_HAS(
      w.text,
      "      - {field: Event.System.Channel, equals: 'Microsoft-Windows-Sysmon/Operational'}\n");
  CHECK_HAS(w.text, "      - {field: Event.System.EventID, equals: '1'}\n");
  // Sigma compares without case: one nocase endswith with both values, no duplicates kept
  // apart by case only.
  CHECK_HAS(w.text,
            "      - {field: Event.EventData.Image, endswith: ['\\certutil.exe', "
            "'\\CertUtil.exe'], nocase: true}\n");
  CHECK_HAS(w.text,
            "      - {field: Event.EventData.CommandLine, contains: '-decode ', nocase: true}\n");
  CHECK_HAS(w.text, "    severity: high\n");
  CHECK_HAS(w.text, "  - id: sigma.t.11111111-2222-3333-4444-555555555555\n");
  CHECK_HAS(w.text, "  # from folder/t.yml:1 id 11111111-2222-3333-4444-555555555555\n");
}

BOOST_AUTO_TEST_CASE(condition_tree_becomes_any_all_not) {
  SigmaWritten w = write(rule("{product: windows, category: process_creation}",
                              "  a:\n    Image|endswith: '\\a.exe'\n"
                              "  b:\n    CommandLine|contains|all: ['x', 'y']\n"
                              "  f:\n    ParentImage|startswith: 'C:\\Program Files\\'\n"
                              "  condition: (a or b) and not f\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text,
            "      - any:\n"
            "          - {field: Event.EventData.Image, endswith: '\\a.exe', nocase: true}\n"
            "          - all:\n"
            "              - {field: Event.EventData.CommandLine, contains: 'x', nocase: true}\n"
            "              - {field: Event.EventData.CommandLine, contains: 'y', nocase: true}\n");
  CHECK_HAS(w.text,
            "      - not: {field: Event.EventData.ParentImage, startswith: 'C:\\Program Files\\', "
            "nocase: true}\n");
}

BOOST_AUTO_TEST_CASE(cased_re_null_cidr_numbers_exists_and_wildcards_keep_their_meaning) {
  SigmaWritten w = write(
      rule("{product: windows, service: security}",
           "  sel:\n    TargetUserName|cased: 'Admin'\n    ProcessName|re: '^C:\\\\.*\\.exe$'\n"
           "    SubjectUserName: null\n    IpAddress|cidr: ['10.0.0.0/8']\n    LogonType|gte: 3\n"
           "    TaskName|exists: true\n    Path|re|i: evil\n    ObjectName: 'C:\\*\\evil?.dll'\n   "
           " EventID: 4625\n"
           "  condition: sel\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text, "{field: Event.EventData.TargetUserName, equals: 'Admin'}\n");
  // `re` is case-sensitive unless its `i` sub-modifier says otherwise.
  CHECK_HAS(w.text, "{field: Event.EventData.ProcessName, regex: '^C:\\\\.*\\.exe$'}\n");
  CHECK_HAS(w.text, "{field: Event.EventData.Path, regex: '(?i)evil'}\n");
  CHECK_HAS(w.text,
            "      - any:\n          - {field: Event.EventData.SubjectUserName, exists: false}\n"
            "          - {field: Event.EventData.SubjectUserName, equals: ''}\n");
  CHECK_HAS(w.text, "{field: Event.EventData.IpAddress, cidr: ['10.0.0.0/8']}\n");
  CHECK_HAS(w.text, "{field: Event.EventData.LogonType, ge: 3}\n");
  CHECK_HAS(w.text, "{field: Event.EventData.TaskName, exists: true}\n");
  CHECK_HAS(w.text,
            "{field: Event.EventData.ObjectName, glob: 'C:\\*\\evil?.dll', nocase: true}\n");
  // A number has no letters: no nocase.
  CHECK_HAS(w.text, "{field: Event.System.EventID, equals: '4625'}\n");
  CHECK_HAS(w.text, "{field: Event.System.Channel, equals: 'Security'}\n");
}

BOOST_AUTO_TEST_CASE(empty_values_stay_out_of_in_lists) {
  SigmaWritten w = write(rule("{product: windows, category: process_creation}",
                              "  f:\n    User: ['', '-', 'x']\n  condition: f\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text,
            "      - any:\n          - {field: Event.EventData.User, equals: ''}\n"
            "          - {field: Event.EventData.User, equals: '-'}\n");
}

BOOST_AUTO_TEST_CASE(keywords_search_the_message_of_the_log_source_programs) {
  SigmaWritten w = write(rule("{product: linux, service: sshd}",
                              "  keywords:\n    - 'error in libcrypto'\n    - 'bad*value'\n"
                              "  condition: keywords\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text, "    programs: ['sshd', 'sshd-session']\n");
  CHECK_HAS(
      w.text,
      "      - any:\n          - {field: message, contains: 'error in libcrypto', nocase: true}\n"
      "          - {field: message, glob: '*bad*value*', nocase: true}\n");
  // No pattern: the rule loads with a field source; message is built in.
  CHECK_HAS(w.text, "    fields: kv\n");
  BOOST_CHECK(!has(w.text, "match:"));
}

BOOST_AUTO_TEST_CASE(web_fields_come_from_the_access_log_pattern) {
  SigmaWritten w = write(rule("{category: webserver}",
                              "  sel:\n    cs-method: POST\n    sc-status: 200\n"
                              "  condition: sel\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text, "    match:\n      regex: '^(?P<c_ip>");
  CHECK_HAS(w.text, "{field: cs_method, equals: 'POST', nocase: true}");
  CHECK_HAS(w.text, "{field: sc_status, equals: '200'}");
}

BOOST_AUTO_TEST_CASE(metadata_is_carried_as_keys_and_comments) {
  SigmaWritten w =
      write(rule("{product: linux}", "  k:\n    - 'evil'\n  condition: k\n",
                 "status: deprecated\nauthor: A. Person\ndescription: |\n  two\n  lines\n"
                 "tags: [attack.t1059]\nreferences: [https://example.org/x]\n"
                 "falsepositives: [Admins]\n"));
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text, "  # status deprecated; author A. Person\n");
  CHECK_HAS(w.text, "  # reference: https://example.org/x\n");
  CHECK_HAS(w.text, "  # false positive: Admins\n");
  CHECK_HAS(w.text, "    description: 'two lines'\n");
  CHECK_HAS(w.text, "    tags: ['attack.t1059']\n");
  CHECK_HAS(w.text, "    enabled: false\n");
  BOOST_CHECK_EQUAL(w.warnings.size(), 1u);
}

BOOST_AUTO_TEST_CASE(levels_become_severities) {
  for (auto [level, severity] : std::vector<std::pair<std::string, std::string>>{
           {"informational", "info"}, {"low", "low"}, {"critical", "critical"}}) {
    std::string text = "title: T\nlevel: " + level +
                       "\nlogsource: {product: linux}\ndetection:\n  k: ['x']\n  condition: k\n";
    SigmaWritten w = write(text);
    BOOST_REQUIRE(w.ok);
    CHECK_HAS(w.text, "    severity: " + severity + "\n");
  }
}

BOOST_AUTO_TEST_CASE(unknown_field_refuses_the_rule_with_its_name) {
  SigmaWritten w =
      write(rule("{category: proxy}", "  sel:\n    dst_ip: 1.2.3.4\n  condition: sel\n"));
  BOOST_CHECK(!w.ok);
  BOOST_CHECK_EQUAL(w.reason, "unknown field");
  CHECK_HAS(w.detail, "'dst_ip'");
  CHECK_HAS(w.detail, "category=proxy");
  BOOST_CHECK(w.text.empty());
}

BOOST_AUTO_TEST_CASE(refusals_say_why) {
  BOOST_CHECK_EQUAL(write(rule("{product: plan9}", "  k: ['x']\n  condition: k\n")).reason,
                    "no mapping for log source");
  BOOST_CHECK_EQUAL(
      write(rule("{product: linux}", "  k:\n    - '|re': 'a.*b'\n  condition: k\n")).reason,
      "needs a literal");
  SigmaWritten lookbehind = write(rule("{product: windows, category: process_creation}",
                                       "  s:\n    CommandLine|re: '(?<!x)y'\n  condition: s\n"));
  BOOST_CHECK_EQUAL(lookbehind.reason, "regex RE2 cannot run");
  SigmaWritten corr = write(
      "title: C\nid: 21111111-2222-3333-4444-555555555555\ncorrelation:\n  type: event_count\n"
      "  rules: [a]\n  group-by: [User]\n  timespan: 5m\n  condition: {gte: 3}\n");
  BOOST_CHECK_EQUAL(corr.reason, "correlation not supported yet");
}

BOOST_AUTO_TEST_CASE(mapping_file_extends_the_builtin_table) {
  auto m = SigmaMapping::parse("m.yaml",
                               "placeholders:\n  Admins: [alice, bob]\n"
                               "logsources:\n  - logsource: {product: plan9}\n"
                               "    fields_from: kv\n    programs: [p9]\n"
                               "    fields: {user: usr}\n",
                               &builtin());
  BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? std::string() : m.error().message));
  SigmaWritten w =
      write(rule("{product: plan9}", "  s:\n    user|expand: '%Admins%'\n  condition: s\n"), *m);
  BOOST_REQUIRE_MESSAGE(w.ok, w.detail);
  CHECK_HAS(w.text, "    fields: kv\n");
  CHECK_HAS(w.text, "{field: usr, in: ['alice', 'bob'], nocase: true}");
  // The built-in entries are still there.
  BOOST_CHECK(m->find(SigmaLogSource{"process_creation", "windows", "", ""}) != nullptr);

  auto bad =
      SigmaMapping::parse("m.yaml", "logsources:\n  - logsource: {product: x}\n    fieldz: {}\n");
  BOOST_REQUIRE(!bad.ok());
  CHECK_HAS(bad.error().message, "m.yaml:3:");
  CHECK_HAS(bad.error().message, "unknown key 'fieldz'");
}

BOOST_AUTO_TEST_CASE(yaml_quoting_escapes_control_characters) {
  BOOST_CHECK_EQUAL(sigma_yaml_quote("it's"), "'it''s'");
  BOOST_CHECK_EQUAL(sigma_yaml_quote(std::string("a\0b\"", 4)), "\"a\\x00b\\\"\"");
  BOOST_CHECK_EQUAL(sigma_yaml_quote("\xff"), "");
}

BOOST_AUTO_TEST_CASE(import_groups_by_folder_counts_reasons_and_is_idempotent) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("sigma_writer_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "in" / "a");
  fs::create_directories(dir / "in" / "b");
  auto put = [&](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  put(dir / "in" / "a" / "one.yml", rule("{product: linux}", "  k: ['evil']\n  condition: k\n"));
  put(dir / "in" / "a" / "two.yml", "title: [unclosed\n");
  put(dir / "in" / "b" / "three.yml",
      rule("{category: proxy}", "  s:\n    dst_ip: 1.2.3.4\n  condition: s\n") + "---\n" +
          "title: no detection\nlogsource: {product: linux}\n");
  auto first = import_sigma({(dir / "in").string()}, builtin());
  BOOST_REQUIRE(first.ok());
  BOOST_CHECK_EQUAL(first->imported, 1);
  BOOST_CHECK_EQUAL(first->refused, 3);
  BOOST_CHECK_EQUAL(first->refused_by_reason["not YAML"], 1);
  BOOST_CHECK_EQUAL(first->refused_by_reason["unknown field"], 1);
  BOOST_CHECK_EQUAL(first->refused_by_reason["no detection"], 1);
  BOOST_REQUIRE_EQUAL(first->files.size(), 2u);
  BOOST_CHECK_EQUAL(first->files[0].name, "in-a.yaml");
  CHECK_HAS(first->files[0].yaml, "#   in/a/two.yml:2: not YAML: while parsing");
  CHECK_HAS(first->files[0].yaml, "  # from in/a/one.yml:1 id 11111111");
  BOOST_CHECK_EQUAL(first->files[1].name, "in-b.yaml");
  CHECK_HAS(first->files[1].yaml, "rules: []\n");
  auto again = import_sigma({(dir / "in").string()}, builtin());
  BOOST_REQUIRE(again.ok());
  BOOST_CHECK(again->files[0].yaml == first->files[0].yaml);
  BOOST_CHECK(again->files[1].yaml == first->files[1].yaml);
  fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(correlations_become_counts_and_sequences_or_are_refused_with_the_reason) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("sigma_corr_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "c");
  std::string base =
      "title: Failed logon\nid: aaaaaaaa-0000-0000-0000-000000000001\nname: failed_logon\n"
      "logsource: {product: windows, service: security}\n"
      "detection:\n  s:\n    EventID: 4625\n  condition: s\n"
      "---\n"
      "title: Logon\nid: aaaaaaaa-0000-0000-0000-000000000002\n"
      "logsource: {product: windows, service: security}\n"
      "detection:\n  s:\n    EventID: 4624\n  condition: s\n";
  auto corr = [](const std::string& id, const std::string& body) {
    return "---\ntitle: C " + id + "\nid: cccccccc-0000-0000-0000-00000000000" + id +
           "\ncorrelation:\n" + body;
  };
  std::string text =
      base +
      corr("1",
           "  type: event_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n"
           "  timespan: 5m\n  condition: {gt: 4}\n") +
      corr("2",
           "  type: value_count\n  rules: [failed_logon]\n  group-by: [IpAddress]\n"
           "  timespan: 1h\n  condition: {gte: 3, field: TargetUserName}\n") +
      corr("3",
           "  type: temporal_ordered\n  rules: [failed_logon, "
           "aaaaaaaa-0000-0000-0000-000000000002]\n"
           "  group-by: [IpAddress]\n  timespan: 10m\n  generate: true\n") +
      corr(
          "4",
          "  type: temporal\n  rules: [failed_logon]\n  group-by: [IpAddress]\n  timespan: 10m\n") +
      corr("5",
           "  type: event_count\n  rules: [failed_logon]\n  timespan: 5m\n  condition: {lt: 2}\n") +
      corr("6", "  type: event_count\n  rules: [nothere]\n  timespan: 5m\n  condition: {gte: 2}\n");
  std::ofstream(dir / "c" / "corr.yml") << text;
  auto im = import_sigma({(dir / "c").string()}, builtin());
  fs::remove_all(dir);
  BOOST_REQUIRE(im.ok());
  BOOST_REQUIRE_EQUAL(im->rules.size(), 8u);
  const std::string& failed = im->rules[0].text;
  // generate: false (the default) on a correlation that names it: no alerts of its own.
  CHECK_HAS(failed, "    severity: medium\n    enabled: false\n");
  const std::string& c1 = im->rules[2].text;
  BOOST_REQUIRE_MESSAGE(im->rules[2].imported(), im->rules[2].detail);
  CHECK_HAS(c1, "    # counts the lines of sigma.corr.aaaaaaaa-0000-0000-0000-000000000001\n");
  CHECK_HAS(c1, "{field: Event.System.EventID, equals: '4625'}");
  CHECK_HAS(c1,
            "    aggregation:\n      count: 5\n      window: 5m\n"
            "      group_by: [Event.EventData.IpAddress]\n");
  const std::string& c2 = im->rules[3].text;
  CHECK_HAS(c2,
            "      distinct: Event.EventData.TargetUserName\n      count: 3\n      window: 1h\n");
  const std::string& c3 = im->rules[4].text;
  CHECK_HAS(
      c3,
      "    sequence:\n      window: 10m\n      group_by: [Event.EventData.IpAddress]\n"
      "      steps:\n        - name: step1  # sigma.corr.aaaaaaaa-0000-0000-0000-000000000001\n"
      "          fields: json\n          where:\n");
  CHECK_HAS(c3, "        - name: step2  # sigma.corr.aaaaaaaa-0000-0000-0000-000000000002\n");
  // generate: true leaves the second rule enabled.
  BOOST_CHECK(!has(im->rules[1].text, "enabled: false"));
  // temporal: any order; an upper bound: Sigma's condition, decided when the window closes.
  CHECK_HAS(im->rules[5].text, "    sequence:\n      order: any\n      window: 10m\n");
  CHECK_HAS(im->rules[6].text, "    aggregation:\n      count: {lt: 2}\n      window: 5m\n");
  BOOST_CHECK_EQUAL(im->rules[7].reason, "correlation names a rule that is not there");
  CHECK_HAS(im->rules[7].detail, "'nothere'");
}

BOOST_AUTO_TEST_SUITE_END()
