// A Sigma rule read into wardsoc's terms: its metadata, its log source, and its detection
// as one boolean expression over field tests, with every modifier already applied
// (contains/startswith/endswith become wildcards, base64/utf16/windash/expand become the
// values they stand for, re/cidr/exists/fieldref/lt.. become test kinds). Correlation rules
// (Sigma 2.x `correlation:`) are read into their own shape. Turning either into wardsoc
// rule text is the importer's job; this unit only says what the Sigma file means.
// Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace wardsoc {

// A value to compare a field with, after the modifiers: a glob (Sigma's `*` and `?`,
// escaped with `\`) split into pieces. A value without wildcards is one literal piece.
struct SigmaGlob {
  enum class Kind { kLiteral, kAnyRun, kAnyOne };  // text, `*`, `?`
  struct Piece {
    Kind kind = Kind::kLiteral;
    std::string text;  // kLiteral only
  };
  std::vector<Piece> pieces;

  // The value as one literal when it has no wildcard; also the middle of `*x*`, the start
  // of `x*`, the end of `*x` (what the compiler can hand Hyperscan as a literal).
  bool is_literal() const;
  bool is_contains() const;    // *literal*
  bool is_startswith() const;  // literal*
  bool is_endswith() const;    // *literal
  // The literal text of the forms above; empty for other shapes.
  std::string literal() const;
  // As Sigma writes it ("*\\evil.exe", with `*`, `?` and `\` escaped where they are text).
  std::string to_sigma() const;
  bool operator==(const SigmaGlob&) const = default;

  static SigmaGlob parse(std::string_view sigma_text);  // Sigma's escaping rules
  static SigmaGlob literal_text(std::string_view text);
};

struct SigmaTest {
  enum class Kind {
    kGlob,      // the field's value matches a glob (case-insensitive unless `cased`)
    kRegex,     // `re`: RE2 syntax, case-sensitive unless the `i` sub-modifier
    kCidr,      // `cidr`: the value is an address inside one of the networks
    kExists,    // `exists`: true/false in `exists`
    kNull,      // `field: null`: the field is absent or empty
    kNumber,    // `lt`/`lte`/`gt`/`gte` against a number
    kFieldRef,  // `fieldref`: equal to another field's value
  };
  enum class Compare { kLt, kLte, kGt, kGte };

  std::string field;  // empty: a keyword, searched anywhere in the event's text
  Kind kind = Kind::kGlob;
  std::vector<SigmaGlob> globs;     // kGlob: any of them (all of them with `all`)
  std::vector<std::string> values;  // kRegex patterns, kCidr networks, kFieldRef fields
  bool all = false;
  bool cased = false;  // kGlob with `cased`, kRegex without `i`
  bool regex_multiline = false;
  bool regex_dotall = false;
  bool exists = true;  // kExists
  Compare compare = Compare::kGt;
  double number = 0;    // kNumber
  std::string written;  // the key as written ("CommandLine|contains|all")
  int line = 0;
};

// The detection's condition with the selections resolved: a tree of and/or/not over tests.
struct SigmaExpr {
  enum class Op { kAnd, kOr, kNot, kTest };
  Op op = Op::kTest;
  std::vector<SigmaExpr> children;  // kAnd/kOr: two or more; kNot: one
  SigmaTest test;                   // kTest
  std::string selection;            // kTest: the selection it came from
};

struct SigmaLogSource {
  std::string category;
  std::string product;
  std::string service;
  std::string definition;
};

struct SigmaCorrelation {
  enum class Type { kEventCount, kValueCount, kTemporal, kTemporalOrdered };
  Type type = Type::kEventCount;
  std::vector<std::string> rules;     // ids or names, in the order written
  std::vector<std::string> group_by;  // field names
  int64_t timespan_seconds = 0;
  // condition: gt/gte/lt/lte/eq, possibly two of them for a range; `field` for value_count
  std::optional<int64_t> gt, gte, lt, lte, eq;
  std::string condition_field;
  bool generate = false;
  // aliases: alias name -> (rule name -> that rule's field)
  std::map<std::string, std::map<std::string, std::string>> aliases;
};

// Warnings about what the reader understood but changed or could not carry over exactly.
struct SigmaNote {
  int line = 0;
  std::string message;
};

struct SigmaRule {
  std::string file;
  int line = 0;  // where the document starts
  std::string id;
  std::string name;  // Sigma 2.x `name`, what correlations may refer to
  std::string title;
  std::string status;
  std::string level;
  std::string description;
  std::string author;
  std::vector<std::string> tags;
  std::vector<std::string> references;
  std::vector<std::string> falsepositives;
  SigmaLogSource logsource;
  std::optional<SigmaExpr> detection;           // a detection rule
  std::optional<SigmaCorrelation> correlation;  // a correlation rule
  std::vector<SigmaNote> notes;
};

struct SigmaReadOptions {
  // `expand` placeholders: %name% -> the values it stands for.
  std::map<std::string, std::vector<std::string>> placeholders;
  // windash and wildcard expansions beyond this many values for one term are refused.
  size_t max_expansion = 256;
};

// Reads every YAML document of a Sigma file. The outer Error only when the file cannot be
// read or is not YAML; a document that is not a rule Sigma defines (no detection and no
// correlation, an unknown modifier, a condition naming nothing) is one entry of `refused`,
// with the file:line and the reason, and the other documents still come back.
struct SigmaFile {
  std::vector<SigmaRule> rules;
  std::vector<SigmaNote> refused;
};
Result<SigmaFile> read_sigma_file(const std::string& path, const SigmaReadOptions& options);
Result<SigmaFile> read_sigma_text(const std::string& file, std::string_view text,
                                  const SigmaReadOptions& options);

}  // namespace wardsoc
