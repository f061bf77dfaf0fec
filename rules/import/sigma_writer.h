// Writes one Sigma rule (read by sigma_rule.h) as a wardsoc rule: its log source through the
// mapping table (programs, sources, where fields come from, the conditions it implies), its
// detection as one `where` tree, its metadata as rule keys or comments. A rule that cannot
// be written whole is refused with a reason (counted by the importer) and never half written.
// Pure; safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "rules/import/sigma_mapping.h"
#include "rules/import/sigma_rule.h"

namespace wardsoc {

struct SigmaWritten {
  bool ok = false;
  // Refused: the kind of reason (what the report counts by: "unknown field", ...) and
  // the whole sentence, naming the field, value or modifier.
  std::string reason;
  std::string detail;
  int line = 0;  // where in the Sigma file the reason is (the rule's line otherwise)

  std::string rule_id;
  std::string text;  // the rule as YAML list item, with its comments, indented for `rules:`
  // What it matches (programs, sources, fields, match, where), as in `text`: a correlation
  // that counts this rule's lines repeats it.
  std::string body;
  std::vector<std::string> warnings;
  const SigmaLogSourceMap* logsource = nullptr;
};

// `origin` is the Sigma file's name as the comment shows it (relative, so that the output
// does not depend on where the input lies).
// `index` is the rule's place among the file's documents (for the id of a rule without one).
SigmaWritten write_sigma_rule(const SigmaRule& rule, const SigmaMapping& mapping,
                              const std::string& origin, int index = 0);

// A detection rule already written, as a correlation that names it sees it.
struct SigmaBase {
  std::string rule_id;
  const SigmaLogSourceMap* logsource = nullptr;
  std::string body;  // SigmaWritten::body
};

// A correlation rule (Sigma 2.x) over the rules `find` gives for its references (ids or
// names; nullptr: not there). event_count and value_count over one rule become an
// aggregation (count, distinct) over a copy of that rule's match, a condition with an upper
// bound (lt, lte, eq) written as such (decided when the window closes); temporal_ordered
// becomes a sequence with a step per rule, in order, temporal one with `order: any`.
SigmaWritten write_sigma_correlation(
    const SigmaRule& rule, const std::function<const SigmaBase*(const std::string&)>& find,
    const std::string& origin, int index);

// The wardsoc rule id for a Sigma rule: sigma.<file stem>.<uuid> (lowercase; the stem
// without characters ids do not allow).
std::string sigma_rule_id(const SigmaRule& rule, const std::string& origin, int index);

// YAML scalars as the writer quotes them: single quotes, or double quotes with escapes when
// the text holds control characters. Empty when the text is not UTF-8.
std::string sigma_yaml_quote(std::string_view text);

}  // namespace wardsoc
