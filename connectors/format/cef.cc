#include "connectors/format/cef.h"

#include "connectors/format/captured_fields.h"
#include "connectors/format/utf8.h"

namespace wardsoc {

namespace {

// Extension keys are ours (never user data), so they need no escaping.
class Extension {
 public:
  explicit Extension(std::string* out) : out_(out) {}
  void add(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!first_) out_->push_back(' ');
    first_ = false;
    out_->append(key);
    out_->push_back('=');
    append_cef_extension_value(out_, value);
  }
  void add(std::string_view key, int64_t value) { add(key, std::to_string(value)); }
  // A custom field with its label: cs1Label=site cs1=...
  void labelled(std::string_view key, std::string_view label, std::string_view value) {
    if (value.empty()) return;
    add(std::string(key) + "Label", label);
    add(key, value);
  }

 private:
  std::string* out_;
  bool first_ = true;
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out.append(sep);
    out.append(s);
  }
  return out;
}

}  // namespace

void append_cef_header_field(std::string* out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '|':
        out->append("\\|");
        break;
      case '\n':
      case '\r':
        out->push_back(' ');
        break;
      default:
        out->push_back(c);
    }
  }
}

void append_cef_extension_value(std::string* out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '=':
        out->append("\\=");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

std::string render_cef(const AlertInput& alert, const FormatOptions& options) {
  const OutboxEntry& e = alert.entry;
  const Incident& in = e.incident;
  const CapturedFields f = map_captured_fields(in.fields);

  std::string out = "CEF:0|";
  append_cef_header_field(&out, options.vendor);
  out.push_back('|');
  out.append("wardsoc|");
  append_cef_header_field(&out, options.product_version.empty() ? "0" : options.product_version);
  out.push_back('|');
  append_cef_header_field(&out, in.rule_id);
  out.push_back('|');
  append_cef_header_field(&out, in.title);
  out.push_back('|');
  out.append(std::to_string(cef_severity(in.severity)));
  out.push_back('|');

  Extension x(&out);
  x.add("rt", micros_to_millis(e.enqueued_us));
  x.add("start", micros_to_millis(in.first_seen_us));
  x.add("end", micros_to_millis(in.last_seen_us));
  x.add("cnt", static_cast<int64_t>(in.count));
  x.add("externalId", in.id);
  x.add("act", change_kind_name(e.kind));
  x.add("cat", join(in.tags, ","));
  x.add("msg", in.title);
  if (f.source) {
    if (f.source->kind == CapturedAddress::Kind::kIpv4) {
      x.add("src", f.source->value);
    } else if (f.source->kind == CapturedAddress::Kind::kIpv6) {
      x.labelled("c6a2", "Source IPv6 Address", f.source->value);
    } else {
      x.add("shost", f.source->value);
    }
  }
  if (f.source_port) x.add("spt", *f.source_port);
  if (f.destination) {
    if (f.destination->kind == CapturedAddress::Kind::kIpv4) {
      x.add("dst", f.destination->value);
    } else if (f.destination->kind == CapturedAddress::Kind::kIpv6) {
      x.labelled("c6a3", "Destination IPv6 Address", f.destination->value);
    } else {
      x.add("dhost", f.destination->value);
    }
  }
  if (f.destination_port) x.add("dpt", *f.destination_port);
  x.add("suser", f.user);
  x.add("duser", f.target_user);
  x.add("dvchost", in.host);
  x.add("deviceExternalId", in.asset);
  x.labelled("cs1", "site", in.site);
  x.labelled("cs2", "assetClass", asset_class_name(in.asset_class));
  x.labelled("cs3", "status", status_name(in.status));
  x.labelled("cs4", "titleVi", in.title_vi);
  x.labelled("cs5", "groupKey", in.group_key);
  std::string other;
  for (const auto& [k, v] : f.other) {
    if (!other.empty()) other.push_back(' ');
    other.append(k).append("=").append(v);
  }
  x.labelled("cs6", "fields", other);
  x.add("cn1Label", "level");
  x.add("cn1", in.level);
  x.labelled("flexString1", "ruleVersion", in.rule_version);
  x.labelled("flexString2", "input", in.input);
  x.add("rawEvent", alert.original);
  return valid_utf8(out);
}

}  // namespace wardsoc
