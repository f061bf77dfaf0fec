// Imports Sigma files and folders: reads every rule (sigma_rule.h), writes each through the
// mapping (sigma_writer.h), and groups the rules of one input folder into one wardsoc rule
// file, with the rules that were refused listed in its header. The outcome of every rule
// (imported, with warnings, refused with the reason) is kept for the report. One broken file
// never stops the others. Pure (reads the input files, writes nothing).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rules/import/sigma_mapping.h"
#include "rules/import/sigma_writer.h"

namespace wardsoc {

struct SigmaRuleOutcome {
  std::string file;    // the Sigma file, as given (inputs joined with the path below them)
  std::string origin;  // as the comment shows it: relative to the input's parent
  int line = 0;
  std::string sigma_id;
  std::string title;
  std::string rule_id;  // imported: the wardsoc id
  std::string output;   // imported: the rule file's name (in --out)
  std::string reason;   // refused: the kind of reason (counted)
  std::string detail;   // refused: the sentence
  std::vector<std::string> warnings;
  std::string text;  // imported: the rule's YAML
  bool imported() const { return reason.empty(); }
};

struct SigmaOutputFile {
  std::string name;  // "linux-builtin-sshd.yaml"
  std::string folder;
  std::string yaml;
  std::vector<size_t> rules;  // indexes into SigmaImport::rules
};

struct SigmaImport {
  std::vector<SigmaRuleOutcome> rules;  // in input order
  std::vector<SigmaOutputFile> files;   // by name
  std::map<std::string, int> refused_by_reason;
  int imported = 0, with_warnings = 0, refused = 0;
};

// `inputs` are Sigma files (.yml/.yaml) and folders (searched recursively, in name order).
// A missing input is an Error; everything else is an outcome.
Result<SigmaImport> import_sigma(const std::vector<std::string>& inputs,
                                 const SigmaMapping& mapping);

// Refuses, after the fact, a rule whose text the engine does not accept (what the loader
// said), and rebuilds its file without it.
void refuse_sigma_rule(SigmaImport* import, size_t rule, const std::string& reason,
                       const std::string& detail);

}  // namespace wardsoc
