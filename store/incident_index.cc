#include "store/incident_index.h"

namespace wardsoc {

std::string encode_summary(const Incident& in) {
  std::string v;
  v.reserve(5 + in.rule_id.size() + in.site.size() + in.asset.size());
  v.push_back(static_cast<char>(in.severity));
  v.push_back(static_cast<char>(in.status));
  v.push_back(static_cast<char>(in.asset_class));
  v.append(in.rule_id);
  v.push_back('\0');
  v.append(in.site);
  v.push_back('\0');
  v.append(in.asset);
  return v;
}

bool parse_summary(std::string_view v, IndexSummary* out) {
  if (v.size() < 5) return false;
  const auto sev = static_cast<uint8_t>(v[0]);
  const auto st = static_cast<uint8_t>(v[1]);
  const auto cls = static_cast<uint8_t>(v[2]);
  if (sev > static_cast<uint8_t>(Severity::kCritical)) return false;
  if (st > static_cast<uint8_t>(IncidentStatus::kFalsePositive)) return false;
  if (cls >= kAssetClassCount) return false;
  std::string_view rest = v.substr(3);
  const size_t a = rest.find('\0');
  if (a == std::string_view::npos) return false;
  const size_t b = rest.find('\0', a + 1);
  if (b == std::string_view::npos) return false;
  out->severity = static_cast<Severity>(sev);
  out->status = static_cast<IncidentStatus>(st);
  out->asset_class = static_cast<AssetClass>(cls);
  out->rule_id = rest.substr(0, a);
  out->site = rest.substr(a + 1, b - a - 1);
  out->asset = rest.substr(b + 1);
  return true;
}

std::string index_position(const Incident& in) {
  return keys::time_index_key(in.last_seen_us, in.id);
}

IndexSummary summary_of(const Incident& in) {
  IndexSummary s;
  s.severity = in.severity;
  s.status = in.status;
  s.asset_class = in.asset_class;
  s.rule_id = in.rule_id;
  s.site = in.site;
  s.asset = in.asset;
  return s;
}

std::vector<std::string> secondary_index_keys(const IndexSummary& s, std::string_view position) {
  using keys::Dim;
  std::vector<std::string> out;
  out.reserve(6);
  auto add = [&](const std::string& prefix) { out.push_back(keys::index_key(prefix, position)); };
  add(keys::index_prefix(Dim::kSeverity, static_cast<uint8_t>(s.severity)));
  add(keys::index_prefix(Dim::kStatus, static_cast<uint8_t>(s.status)));
  add(keys::index_prefix(Dim::kAssetClass, static_cast<uint8_t>(s.asset_class)));
  add(keys::index_prefix(Dim::kRule, s.rule_id));
  if (!s.site.empty()) add(keys::index_prefix(Dim::kSite, s.site));
  if (!s.asset.empty()) add(keys::index_prefix(Dim::kAsset, s.asset));
  return out;
}

std::vector<std::string> secondary_index_keys(const Incident& in) {
  return secondary_index_keys(summary_of(in), index_position(in));
}

}  // namespace wardsoc
