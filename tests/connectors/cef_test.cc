#include "connectors/format/cef.h"

#include <boost/test/unit_test.hpp>

#include "store/incident_codec.h"
#include "tests/connectors/golden_alerts.h"

using namespace wardsoc;
using namespace wardsoc::testing;

namespace {
std::string header_escaped(std::string_view v) {
  std::string out;
  append_cef_header_field(&out, v);
  return out;
}
std::string extension_escaped(std::string_view v) {
  std::string out;
  append_cef_extension_value(&out, v);
  return out;
}

// Splits a CEF line into its 7 header fields and the extension, honouring escapes.
std::vector<std::string> split_header(const std::string& line) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < line.size(); ++i) {
    if (parts.size() == 8) {
      parts.back() += line[i];
    } else if (line[i] == '\\' && i + 1 < line.size()) {
      parts.back() += line[++i];
    } else if (line[i] == '|') {
      parts.emplace_back();
    } else {
      parts.back() += line[i];
    }
  }
  return parts;
}

// Reads the extension back into key -> value, as a CEF parser would: a key is the
// word before an unescaped '='; the value runs to the space before the next key.
std::map<std::string, std::string> parse_extension(const std::string& ext) {
  std::vector<std::pair<size_t, size_t>> keys;  // (key start, '=' position)
  for (size_t i = 0; i < ext.size(); ++i) {
    if (ext[i] == '\\') {
      ++i;
      continue;
    }
    if (ext[i] != '=') continue;
    size_t k = i;
    while (k > 0 && ext[k - 1] != ' ') --k;
    keys.emplace_back(k, i);
  }
  std::map<std::string, std::string> out;
  for (size_t n = 0; n < keys.size(); ++n) {
    const size_t end = n + 1 < keys.size() ? keys[n + 1].first - 1 : ext.size();
    const std::string key = ext.substr(keys[n].first, keys[n].second - keys[n].first);
    std::string raw = ext.substr(keys[n].second + 1, end - keys[n].second - 1), value;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        const char c = raw[++i];
        value += c == 'n' ? '\n' : c == 'r' ? '\r' : c;
      } else {
        value += raw[i];
      }
    }
    out[key] = value;
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(cef_header_escapes_pipe_and_backslash_and_flattens_line_breaks) {
  BOOST_TEST(header_escaped("a|b") == "a\\|b");
  BOOST_TEST(header_escaped("C:\\dir") == "C:\\\\dir");
  BOOST_TEST(header_escaped("a=b") == "a=b");  // '=' is only special in the extension
  BOOST_TEST(header_escaped("one\ntwo\rthree") == "one two three");
  BOOST_TEST(header_escaped("Dò mật khẩu") == "Dò mật khẩu");
}

BOOST_AUTO_TEST_CASE(cef_extension_escapes_equals_backslash_and_line_breaks_but_not_pipe) {
  BOOST_TEST(extension_escaped("a=b") == "a\\=b");
  BOOST_TEST(extension_escaped("C:\\dir") == "C:\\\\dir");
  BOOST_TEST(extension_escaped("a|b") == "a|b");
  BOOST_TEST(extension_escaped("one\ntwo\r") == "one\\ntwo\\r");
  BOOST_TEST(extension_escaped("\\=") == "\\\\\\=");
}

BOOST_AUTO_TEST_CASE(cef_lines_match_the_golden_file) {
  const auto alerts = golden_alerts();
  const auto originals = golden_originals();
  std::string all;
  for (size_t i = 0; i < alerts.size(); ++i) {
    all += render_cef(AlertInput{alerts[i], originals[i]}, golden_options());
    all += '\n';
  }
  check_golden("alerts.cef", all);
}

BOOST_AUTO_TEST_CASE(cef_line_parses_back_to_the_original_values) {
  const auto alerts = golden_alerts();
  const OutboxEntry& e = alerts[0];
  const std::string line = render_cef(AlertInput{e, golden_originals()[0]}, golden_options());
  BOOST_TEST(line.find('\n') == std::string::npos);
  BOOST_TEST(line.find('\r') == std::string::npos);
  const auto h = split_header(line);
  BOOST_TEST_REQUIRE(h.size() == 8u);
  BOOST_TEST(h[0] == "CEF:0");
  BOOST_TEST(h[1] == "UBND phường Hồng|Hà");
  BOOST_TEST(h[2] == "wardsoc");
  BOOST_TEST(h[3] == "0.6.0");
  BOOST_TEST(h[4] == e.incident.rule_id);
  BOOST_TEST(h[5] == "SSH brute force | a=b \\ c:\\path line two end");
  BOOST_TEST(h[6] == "8");  // high
  const auto x = parse_extension(h[7]);
  BOOST_TEST(x.at("externalId") == e.incident.id);
  BOOST_TEST(x.at("act") == "updated");
  BOOST_TEST(x.at("msg") == e.incident.title);  // line breaks survive in the extension
  BOOST_TEST(x.at("src") == "203.0.113.7");
  BOOST_TEST(x.at("spt") == "52110");
  BOOST_TEST(x.at("suser") == "ro=ot|\\x");
  BOOST_TEST(x.at("cs1Label") == "site");
  BOOST_TEST(x.at("cs1") == e.incident.site);
  BOOST_TEST(x.at("cs4") == e.incident.title_vi);
  BOOST_TEST(x.at("cs5") == e.incident.group_key);
  BOOST_TEST(x.at("cs6") == "method=password\nkeyboard tty=tab\there");
  BOOST_TEST(x.at("deviceExternalId") == e.incident.asset);
  BOOST_TEST(x.at("rawEvent") == golden_originals()[0]);
  BOOST_TEST(x.at("cnt") == "5");
  BOOST_TEST(x.at("rt") == "1764064801000");
  BOOST_TEST(x.at("cat") == "attack.credential_access,attack.t1110.001,ssh,xác thực");
}

BOOST_AUTO_TEST_CASE(cef_severity_follows_the_documented_bands) {
  OutboxEntry e;
  e.incident.id = "0000000000000001";
  const std::pair<Severity, std::string> bands[] = {{Severity::kInfo, "1"},
                                                    {Severity::kLow, "3"},
                                                    {Severity::kMedium, "5"},
                                                    {Severity::kHigh, "8"},
                                                    {Severity::kCritical, "10"}};
  for (const auto& [sev, cef] : bands) {
    e.incident.severity = sev;
    const auto h = split_header(render_cef(AlertInput{e, ""}, FormatOptions{}));
    BOOST_TEST(h[6] == cef);
  }
}

BOOST_AUTO_TEST_CASE(cef_puts_an_ipv6_source_in_c6a2_and_a_host_name_in_shost) {
  const auto alerts = golden_alerts();
  const auto v6 = parse_extension(split_header(render_cef(AlertInput{alerts[1], ""}, {}))[7]);
  BOOST_TEST(v6.count("src") == 0u);
  BOOST_TEST(v6.at("c6a2") == "2001:db8::7");
  BOOST_TEST(v6.at("c6a2Label") == "Source IPv6 Address");
  BOOST_TEST(v6.at("dpt") == "443");
  BOOST_TEST(v6.at("duser") == "khách");
  const auto name = parse_extension(split_header(render_cef(AlertInput{alerts[2], ""}, {}))[7]);
  BOOST_TEST(name.at("shost") == "ketoan-pc.phuong.local");
  BOOST_TEST(name.count("rawEvent") == 0u);  // no evidence line given
}
