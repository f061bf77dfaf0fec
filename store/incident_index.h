// The index entries of one incident: which keys of idx_time and idx it has and the
// summary value they carry (layouts in keys.h). commit(), transition(), retention and
// verify all derive them from here, so they always agree on what an incident's entries
// are. Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/incident.h"
#include "store/keys.h"

namespace wardsoc {

// What an index entry's value says about its incident.
struct IndexSummary {
  Severity severity = Severity::kInfo;
  IncidentStatus status = IncidentStatus::kNew;
  AssetClass asset_class = AssetClass::kOther;
  std::string_view rule_id;
  std::string_view site;
  std::string_view asset;
};

std::string encode_summary(const Incident& incident);
bool parse_summary(std::string_view value, IndexSummary* out);

// time_index_key(last_seen_us, id): the part every index key of the incident ends with.
std::string index_position(const Incident& incident);

// The idx keys (not idx_time) of an incident with this summary at this position.
std::vector<std::string> secondary_index_keys(const IndexSummary& summary,
                                              std::string_view position);
std::vector<std::string> secondary_index_keys(const Incident& incident);

IndexSummary summary_of(const Incident& incident);  // views into `incident`

}  // namespace wardsoc
