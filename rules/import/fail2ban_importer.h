// Turns a fail2ban filter into an ordinary wardsoc rule file: each failregex (joined with
// the filter's prefregex) becomes a pattern of one rule, ignoreregex become `not` patterns,
// fail2ban's tags become named groups (<HOST> -> src_ip, <F-USER> -> user, ...) and the
// aggregation is fail2ban's default (maxretry 5 within findtime 10m, per address). What
// cannot be translated is reported with its file:line and why, never dropped silently.
// Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "rules/import/fail2ban_filter_reader.h"

namespace wardsoc {

struct Fail2banImportOptions {
  std::map<std::string, std::string> filter_options;  // a jail's filter = name[key=value]
  int maxretry = 5;
  int64_t findtime_seconds = 600;
  std::vector<std::string> group_by = {"src_ip"};
  // fail2ban's test logs (tests/files/logs/<filter>): the matching lines become the rule's
  // tests. Empty: none are embedded.
  std::string test_logs_dir;
  int max_tests = 12;  // of each kind (match, no_match)
  // Test lines left out (the import does not agree with fail2ban on them): the report says
  // how many, docs/fail2ban-conformance.md why.
  std::set<std::string> skip_tests;
};

struct ImportNote {
  enum class Level { kRefused, kWarning, kNote };
  Level level = Level::kNote;
  std::string file;
  int line = 0;
  std::string message;
};

std::string_view import_note_level_name(ImportNote::Level l);  // "refused", "warning", "note"

struct Fail2banImport {
  std::string filter_path;
  std::string filter_name;
  std::string rule_id;
  std::string file_name;  // the rule file to write ("sshd.yaml", "sshd.aggressive.yaml")
  std::string yaml;       // its content
  int regexes = 0;        // failregex + ignoreregex in the filter
  int imported = 0;       // of them, translated
  int refused = 0;
  std::vector<ImportNote> notes;
  // The fail2ban test lines embedded, by the line of the YAML text they are written at.
  std::map<int, std::string> tests_at;
  int tests_left_out = 0;
};

// Reads and translates one filter. An Error only when the filter cannot be read at all
// (syntax error, missing or circular include); a regex that does not translate is a note.
Result<Fail2banImport> import_fail2ban_filter(const std::string& path,
                                              const Fail2banImportOptions& options);

// fail2ban's default date templates ({DATE}, and what is cut when a filter has no
// datepattern), as one RE2 pattern.
std::string fail2ban_default_date();

// The RE2 pattern for one fail2ban regex with its prefregex (empty if none): tags
// substituted, Python syntax translated, anchored patterns and \[\] made to allow the
// timestamp `date` (RE2) that fail2ban cuts out there (none when empty). `*nofail` is set
// when the regex marks a line that is no failure (F-NOFAIL).
Result<std::string> translate_fail2ban_regex(const std::string& prefregex, const std::string& regex,
                                             bool* nofail,
                                             const std::string& date = fail2ban_default_date());

// The same for a regex with conditionals (?(g)A|B): one pattern for each way its groups take
// part, in Python's order of trying (translate_fail2ban_regex refuses such a regex).
// A backreference (?P=name) becomes a second capture: `equal_fields` (when given) gets each
// (second, first) pair, which the rule's `where` must hold equal where the second is captured.
using EqualFields = std::vector<std::pair<std::string, std::string>>;
Result<std::vector<std::string>> translate_fail2ban_regex_variants(
    const std::string& prefregex, const std::string& regex, bool* nofail,
    const std::string& date = fail2ban_default_date(), EqualFields* equal_fields = nullptr);

}  // namespace wardsoc
