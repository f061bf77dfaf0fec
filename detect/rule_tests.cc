#include "detect/rule_tests.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "detect/matcher.h"

namespace wardsoc {

TestLine split_test_line(std::string_view line) {
  TestLine out;
  out.message = line;
  std::string_view s = line;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto token = [&]() {  // next space-separated token, consumed with the space after it
    const size_t end = s.find(' ');
    std::string_view t = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view() : s.substr(end + 1);
    return t;
  };
  // <PRI>
  if (!s.empty() && s[0] == '<') {
    const size_t close = s.find('>');
    if (close == std::string_view::npos || close > 4) return out;
    s.remove_prefix(close + 1);
  }
  // RFC 5424: "1 TIMESTAMP HOST APP PROCID MSGID SD MSG"
  if (s.size() > 2 && s[0] == '1' && s[1] == ' ') {
    s.remove_prefix(2);
    token();  // timestamp
    const std::string_view host = token();
    const std::string_view app = token();
    token();                          // procid
    token();                          // msgid
    if (!s.empty() && s[0] == '[') {  // structured data: skip balanced [..] groups, honouring \]
      while (!s.empty() && s[0] == '[') {
        size_t i = 1;
        bool in_quotes = false;
        for (; i < s.size(); ++i) {
          if (s[i] == '\\') {
            ++i;
          } else if (s[i] == '"') {
            in_quotes = !in_quotes;
          } else if (s[i] == ']' && !in_quotes) {
            break;
          }
        }
        s = i + 1 < s.size() ? s.substr(i + 1) : std::string_view();
      }
      if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    } else {
      token();  // "-"
    }
    out.host = host == "-" ? std::string_view() : host;
    out.app = app == "-" ? std::string_view() : app;
    out.message = s;
    return out;
  }
  // Timestamp: "Mmm dd hh:mm:ss" (day space-padded or not) or RFC 3339 "2024-01-02T03:04:05...".
  if (s.size() >= 15 && std::isalpha(static_cast<unsigned char>(s[0])) && s[3] == ' ') {
    s.remove_prefix(4);
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    const std::string_view day = token();
    const std::string_view clock = token();
    if (day.empty() || day.size() > 2 || !is_digit(day[0]) || clock.size() != 8 || clock[2] != ':')
      return out;
  } else if (s.size() >= 20 && is_digit(s[0]) && s[4] == '-' && s[10] == 'T') {
    token();
  } else {
    return out;
  }
  // Optional host, then the tag "app[pid]:" or "app:".
  auto is_tag = [](std::string_view t) { return !t.empty() && t.back() == ':'; };
  std::string_view first = token();
  std::string_view tag = first;
  if (!is_tag(first)) {
    out.host = first;
    tag = token();
    if (!is_tag(tag)) return TestLine{{}, {}, line};
  }
  tag.remove_suffix(1);
  const size_t bracket = tag.find('[');
  out.app = tag.substr(0, bracket);
  out.message = s;
  return out;
}

namespace {

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string fields_text(const MatchFields& fields) {
  if (fields.empty()) return "no fields";
  std::string s;
  for (const auto& [k, v] : fields) {
    if (!s.empty()) s += ", ";
    s += k + "=" + v;
  }
  return s;
}

AssetClass first_class(const Rule& r) {
  for (int c = 0; c < kAssetClassCount; ++c) {
    if (r.applies_to(static_cast<AssetClass>(c))) return static_cast<AssetClass>(c);
  }
  return AssetClass::kOther;
}

// The test line as an input would hand it over: host, program and message spans.
EventBatch test_batch(std::string_view line, const TestLine& tl, AssetClass cls) {
  EventBatch batch;
  Event e;
  e.raw = batch.append(line);
  auto span_of = [&](std::string_view part) {
    if (part.empty()) return Span{};
    return Span{e.raw.off + static_cast<uint32_t>(part.data() - line.data()),
                static_cast<uint32_t>(part.size())};
  };
  e.header.format =
      tl.app.empty() && tl.host.empty() ? SyslogFormat::kNone : SyslogFormat::kRfc3164;
  e.header.host = span_of(tl.host);
  e.header.app = span_of(tl.app);
  e.header.message = tl.message.empty() ? Span{e.raw.off + static_cast<uint32_t>(line.size()), 0}
                                        : span_of(tl.message);
  e.asset_class = cls;
  batch.events().push_back(e);
  return batch;
}

// Why the Matcher did not report a line the rule was expected to match: the explanation of
// the step that got furthest.
std::string explain_miss(Matcher& m, const RuleSet& rules, uint32_t rule_index,
                         const EventBatch& batch, std::string_view step_name) {
  const Rule& rule = rules.rules()[rule_index];
  Explanation best;
  bool have = false;
  for (uint32_t s = 0; s < rule.steps.size(); ++s) {
    if (!step_name.empty() && rule.steps[s].name != step_name) continue;
    Explanation x = m.explain(batch, 0, rules.first_unit(rule_index) + s);
    if (!have || x.stage > best.stage) {
      best = std::move(x);
      have = true;
    }
  }
  if (!have) return "no step named '" + std::string(step_name) + "'";
  if (best.stage == Explanation::Stage::kMatched) {
    return "the matcher did not report a line that every stage accepts; this is a bug, please "
           "report it";
  }
  std::string msg = "line did not match: " + best.message;
  if (best.stage == Explanation::Stage::kPrefilter || best.stage == Explanation::Stage::kRegex) {
    msg += " (message " + quote(batch.message(batch.events()[0])) + ")";
  }
  return msg;
}

}  // namespace

std::string RuleTestReport::to_string() const {
  std::string s;
  for (const RuleTestFailure& f : failures) {
    s += f.file + ":" + std::to_string(f.line) + ": " + f.rule_id + ": " + f.message + "\n";
  }
  s += std::to_string(passed) + "/" + std::to_string(cases) + " test lines passed in " +
       std::to_string(rules) + " rules";
  if (!failures.empty()) s += ", " + std::to_string(failures.size()) + " failed";
  s += "\n";
  return s;
}

RuleTestReport run_rule_tests(const RuleSet& rules) {
  RuleTestReport report;
  // The set is only borrowed: an aliasing pointer lets the Matcher share it without owning it.
  std::shared_ptr<const RuleSet> borrowed(std::shared_ptr<const RuleSet>(), &rules);
  MatcherOptions opts;
  opts.include_disabled = true;  // a rule is tested before it is switched on
  auto matcher = Matcher::Create(borrowed, opts);
  if (!matcher.ok()) {
    report.failures.push_back(RuleTestFailure{"", 0, "", matcher.error().message});
    return report;
  }
  Matcher& m = **matcher;

  for (uint32_t ri = 0; ri < rules.rules().size(); ++ri) {
    const Rule& rule = rules.rules()[ri];
    if (rule.match_tests.empty() && rule.no_match_tests.empty()) {
      report.untested_rules.push_back(rule.id);
      continue;
    }
    ++report.rules;
    const AssetClass cls = first_class(rule);
    auto fail = [&](const RuleTestCase& tc, std::string msg) {
      report.failures.push_back(RuleTestFailure{rule.file, tc.pos.line, rule.id, std::move(msg)});
    };
    auto find_match = [&](const std::vector<Match>& ms, std::string_view step) -> const Match* {
      for (const Match& x : ms) {
        if (x.rule != ri) continue;
        if (!step.empty() && rule.steps[x.step].name != step) continue;
        return &x;
      }
      return nullptr;
    };

    for (const RuleTestCase& tc : rule.match_tests) {
      ++report.cases;
      const TestLine tl = split_test_line(tc.line);
      const EventBatch batch = test_batch(tc.line, tl, cls);
      std::vector<Match> ms;
      m.scan(batch, 0, 1, &ms);
      const Match* hit = find_match(ms, tc.step);
      if (hit == nullptr) {
        fail(tc, explain_miss(m, rules, ri, batch, tc.step));
        continue;
      }
      std::string problems;
      for (const auto& [name, want] : tc.fields) {
        auto it = std::find_if(hit->fields.begin(), hit->fields.end(),
                               [&](const auto& f) { return f.first == name; });
        if (it == hit->fields.end()) {
          problems += (problems.empty() ? "" : "; ") + std::string("expected field ") + name + "=" +
                      want + ", but it was not captured (" + fields_text(hit->fields) + ")";
        } else if (it->second != want) {
          problems += (problems.empty() ? "" : "; ") + std::string("expected field ") + name + "=" +
                      want + ", got " + it->second;
        }
      }
      if (!problems.empty()) {
        fail(tc, problems);
        continue;
      }
      ++report.passed;
    }
    for (const RuleTestCase& tc : rule.no_match_tests) {
      ++report.cases;
      const TestLine tl = split_test_line(tc.line);
      const EventBatch batch = test_batch(tc.line, tl, cls);
      std::vector<Match> ms;
      m.scan(batch, 0, 1, &ms);
      if (const Match* hit = find_match(ms, "")) {
        std::string which;
        if (rule.kind == AggregationKind::kSequence)
          which = "step '" + rule.steps[hit->step].name + "', ";
        fail(tc, "line matched but should not (" + which + fields_text(hit->fields) + ")");
        continue;
      }
      ++report.passed;
    }
  }
  return report;
}

}  // namespace wardsoc
