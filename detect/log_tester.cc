#include "detect/log_tester.h"

#include <algorithm>

#include "core/text.h"

namespace wardsoc {

LogTester::LogTester(const std::shared_ptr<const RuleSet>& rules, LogTesterOptions options)
    : rules_(rules),
      options_(std::move(options)),
      correlator_(rules, options_.input_names, CorrelatorOptions{}),
      tallies_(rules->rules().size()) {}

Result<std::unique_ptr<LogTester>> LogTester::Create(const std::shared_ptr<const RuleSet>& rules,
                                                     const LogTesterOptions& options) {
  if (!rules) return Error(Errc::kInvalidArgument, "log tester: no rule set");
  if (options.rule >= static_cast<int>(rules->rules().size())) {
    return Error(Errc::kInvalidArgument, "log tester: no rule #" + std::to_string(options.rule));
  }
  std::unique_ptr<LogTester> t(new LogTester(rules, options));
  MatcherOptions mo;
  mo.include_disabled = options.include_disabled;
  mo.input_names = options.input_names;
  auto m = Matcher::Create(rules, mo);
  if (!m.ok()) return std::move(m).error();
  t->matcher_ = std::move(*m);
  t->correlator_.set_trace(&t->trace_);
  return t;
}

void LogTester::process(const EventBatch& batch, std::vector<LineResult>* out,
                        std::vector<IncidentChange>* changes) {
  matches_.clear();
  matcher_->scan(batch, 0, batch.size(), &matches_);
  if (options_.rule >= 0) {
    const auto only = static_cast<uint32_t>(options_.rule);
    matches_.erase(std::remove_if(matches_.begin(), matches_.end(),
                                  [&](const Match& m) { return m.rule != only; }),
                   matches_.end());
  }
  trace_.clear();
  const size_t changes_before = changes->size();
  correlator_.process(batch, matches_, changes);
  tally_closed_windows(*changes, changes_before);

  const size_t first = out->size();
  out->resize(first + batch.size());
  for (uint32_t i = 0; i < batch.size(); ++i) (*out)[first + i].event = i;
  for (const MatchOutcome& o : trace_) {
    const Match& m = matches_[o.match];
    LineResult& lr = (*out)[first + m.event];
    LineHit h;
    h.rule = m.rule;
    h.step = m.step;
    h.fields.assign(m.fields.begin(), m.fields.end());
    h.outcome = o;
    lr.hits.push_back(std::move(h));
    ++tallies_[m.rule].matches;
    if (o.kind == MatchOutcome::Kind::kCreated) ++tallies_[m.rule].incidents;
  }
  lines_ += batch.size();
  for (uint32_t i = 0; i < batch.size(); ++i) {
    LineResult& lr = (*out)[first + i];
    if (lr.hits.empty()) ++unmatched_;
    if (!options_.explain) continue;
    // Near misses: units Hyperscan put forward (or the one rule asked about) that did not
    // end in a match.
    std::vector<uint32_t> units;
    if (options_.rule >= 0) {
      const auto r = static_cast<uint32_t>(options_.rule);
      for (uint32_t s = 0; s < rules_->rules()[r].steps.size(); ++s)
        units.push_back(rules_->first_unit(r) + s);
    } else {
      units = matcher_->candidates(batch, i);
      // Rules of other programs or classes are not in this line's database; the ones whose
      // literal text is all in the line came close, and the program is what to say.
      const std::string hay = ascii_lower(batch.message(batch.events()[i]));
      for (uint32_t u = 0; u < rules_->units().size(); ++u) {
        if (std::find(units.begin(), units.end(), u) != units.end()) continue;
        const MatchStep& st = rules_->step(rules_->units()[u]);
        const bool close =
            std::any_of(st.patterns.begin(), st.patterns.end(), [&](const RulePattern& p) {
              return !p.literals.empty() &&
                     std::all_of(p.literals.begin(), p.literals.end(), [&](const std::string& l) {
                       return hay.find(l) != std::string::npos;
                     });
            });
        if (close) units.push_back(u);
      }
    }
    for (uint32_t u : units) {
      const UnitRef& ref = rules_->units()[u];
      const bool hit = std::any_of(lr.hits.begin(), lr.hits.end(), [&](const LineHit& h) {
        return h.rule == ref.rule && h.step == ref.step;
      });
      if (hit) continue;
      Explanation x = matcher_->explain(batch, i, u);
      if (x.stage == Explanation::Stage::kMatched) continue;
      lr.near_misses.push_back(NearMiss{ref.rule, ref.step, std::move(x)});
    }
  }
}

void LogTester::finish(std::vector<IncidentChange>* changes) {
  const size_t first = changes->size();
  correlator_.flush(changes);
  tally_closed_windows(*changes, first);
}

// Incidents of fixed windows open when a window closes, not on a match: the trace does
// not see them.
void LogTester::tally_closed_windows(const std::vector<IncidentChange>& changes, size_t first) {
  for (size_t i = first; i < changes.size(); ++i) {
    const IncidentChange& c = changes[i];
    const int r = rules_->index_of(c.incident.rule_id);
    if (c.kind != IncidentChange::Kind::kCreated || r < 0) continue;
    if (rules_->rules()[static_cast<size_t>(r)].decided_at_close())
      ++tallies_[static_cast<size_t>(r)].incidents;
  }
}

}  // namespace wardsoc
