#include "store/incident_codec.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "tests/store/store_test_util.h"

using namespace wardsoc;

BOOST_AUTO_TEST_CASE(incident_round_trips_with_every_field) {
  Incident in = testing::make_incident("ssh.bruteforce", "10.0.0.5", 5'000'000, Severity::kHigh);
  in.title = "Đăng nhập SSH thất bại nhiều lần \"quoted\" \\ back\nnew line";
  in.status = IncidentStatus::kInProgress;
  in.tags = {"ssh", "brute-force"};
  in.fields = {{"user", "quản trị"}, {"src_ip", "10.0.0.5"}};
  in.evidence_count = 12;
  in.updated_us = 99;
  const std::string encoded = encode_incident(in);
  BOOST_TEST(encoded.find("\"v\":1") != std::string::npos);
  auto back = decode_incident(encoded);
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->id == in.id);
  BOOST_TEST(back->title == in.title);
  BOOST_TEST((back->severity == Severity::kHigh));
  BOOST_TEST((back->status == IncidentStatus::kInProgress));
  BOOST_TEST((back->asset_class == AssetClass::kCamera));
  BOOST_TEST(back->site == in.site);
  BOOST_TEST(back->tags == in.tags);
  BOOST_TEST((back->fields == in.fields));
  BOOST_TEST(back->evidence_count == 12u);
  BOOST_TEST(back->updated_us == 99);
  BOOST_TEST(back->last_seen_us == in.last_seen_us);
}

BOOST_AUTO_TEST_CASE(evidence_keeps_invalid_utf8_bytes_untouched) {
  const std::string raw = "login failed for \xff\xfe user \xc3\x28 end";
  BOOST_TEST(!is_valid_utf8(raw));
  Evidence ev = testing::make_evidence(3, raw);
  const std::string encoded = encode_evidence(ev);
  BOOST_TEST(encoded.find("\"b64\"") != std::string::npos);
  auto back = decode_evidence(encoded);
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->line == raw);
  BOOST_TEST(back->seq == 3u);
}

BOOST_AUTO_TEST_CASE(valid_utf8_is_stored_as_plain_json_text) {
  Evidence ev = testing::make_evidence(0, "Camera mất kết nối");
  const std::string encoded = encode_evidence(ev);
  BOOST_TEST(encoded.find("Camera mất kết nối") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(utf8_validator_rejects_overlongs_surrogates_and_truncation) {
  BOOST_TEST(is_valid_utf8("plain ascii"));
  BOOST_TEST(is_valid_utf8("Phường Hà Nội 🛡"));
  BOOST_TEST(!is_valid_utf8("\xc0\xaf"));          // overlong '/'
  BOOST_TEST(!is_valid_utf8("\xed\xa0\x80"));      // surrogate
  BOOST_TEST(!is_valid_utf8("\xe1\xbb"));          // truncated
  BOOST_TEST(!is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

BOOST_AUTO_TEST_CASE(base64_round_trips_every_length) {
  std::string bytes;
  for (int n = 0; n < 20; ++n) {
    std::string back;
    BOOST_TEST(base64_decode(base64_encode(bytes), &back));
    BOOST_TEST(back == bytes);
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  std::string out;
  BOOST_TEST(!base64_decode("abc", &out));
  BOOST_TEST(!base64_decode("a=bc", &out));
}

BOOST_AUTO_TEST_CASE(outbox_value_embeds_the_encoded_incident) {
  const Incident in = testing::make_incident("wifi.rogue_ap", "aa:bb", 7'000'000);
  const std::string value =
      encode_outbox_value(IncidentChange::Kind::kUpdated, encode_incident(in), 1234);
  auto e = decode_outbox_value(value);
  BOOST_TEST_REQUIRE(e.ok());
  BOOST_TEST((e->kind == IncidentChange::Kind::kUpdated));
  BOOST_TEST(e->enqueued_us == 1234);
  BOOST_TEST(e->incident.id == in.id);

  auto d = decode_dead_letter(encode_dead_letter(value, "schema refused: \"x\"", 99));
  BOOST_TEST_REQUIRE(d.ok());
  BOOST_TEST(d->reason == "schema refused: \"x\"");
  BOOST_TEST(d->dead_lettered_us == 99);
  BOOST_TEST(d->entry.incident.id == in.id);
}

BOOST_AUTO_TEST_CASE(garbage_is_corruption_and_a_newer_version_is_incompatible) {
  auto bad = decode_incident("{not json");
  BOOST_TEST(!bad.ok());
  BOOST_TEST((bad.error().code == Errc::kCorruption));

  auto missing = decode_incident(R"({"v":1,"id":"x"})");
  BOOST_TEST(!missing.ok());
  BOOST_TEST((missing.error().code == Errc::kCorruption));
  BOOST_TEST(missing.error().message.find("rule_id") != std::string::npos);

  auto wrong_type = decode_evidence(R"({"v":1,"seq":"one"})");
  BOOST_TEST(!wrong_type.ok());
  BOOST_TEST((wrong_type.error().code == Errc::kCorruption));

  auto newer = decode_incident(R"({"v":2,"id":"x"})");
  BOOST_TEST(!newer.ok());
  BOOST_TEST((newer.error().code == Errc::kIncompatible));
}

namespace {

// The documents as the store wrote them with the JSON library before it had its own
// writer: what is already on disk. The writer must produce exactly these bytes.
using Json = nlohmann::ordered_json;

Json library_string(const std::string& s) {
  if (is_valid_utf8(s)) return Json(s);
  Json o = Json::object();
  o["b64"] = base64_encode(s);
  return o;
}

std::string library_dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string library_incident(const Incident& in) {
  Json j = Json::object();
  j["v"] = 1;
  j["id"] = library_string(in.id);
  j["rule_id"] = library_string(in.rule_id);
  j["rule_version"] = library_string(in.rule_version);
  j["title"] = library_string(in.title);
  j["title_vi"] = library_string(in.title_vi);
  j["severity"] = severity_name(in.severity);
  j["level"] = in.level;
  Json tags = Json::array();
  for (const auto& t : in.tags) tags.push_back(library_string(t));
  j["tags"] = std::move(tags);
  j["group_key"] = library_string(in.group_key);
  j["window_start_us"] = in.window_start_us;
  j["first_seen_us"] = in.first_seen_us;
  j["last_seen_us"] = in.last_seen_us;
  j["count"] = in.count;
  j["status"] = status_name(in.status);
  j["asset"] = library_string(in.asset);
  j["site"] = library_string(in.site);
  j["asset_class"] = asset_class_name(in.asset_class);
  j["host"] = library_string(in.host);
  j["input"] = library_string(in.input);
  Json fields = Json::object();
  for (const auto& [k, v] : in.fields) fields[k] = library_string(v);
  j["fields"] = std::move(fields);
  j["evidence_count"] = in.evidence_count;
  j["updated_us"] = in.updated_us;
  return library_dump(j);
}

std::string library_evidence(const Evidence& ev) {
  Json j = Json::object();
  j["v"] = 1;
  j["seq"] = ev.seq;
  j["receive_time_us"] = ev.receive_time_us;
  j["event_time_us"] = ev.event_time_us;
  j["input"] = library_string(ev.input);
  j["peer"] = library_string(ev.peer);
  j["line"] = library_string(ev.line);
  return library_dump(j);
}

}  // namespace

BOOST_AUTO_TEST_CASE(incident_and_evidence_encode_to_the_same_bytes_as_the_json_library) {
  // Every character class the escaping treats differently: quotes, backslashes, each
  // control character, DEL, Vietnamese, 4-byte characters, invalid UTF-8 (stored as
  // base64) in values and in a field name (replaced), empty strings and lists.
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  const std::vector<std::string> texts = {
      "",
      "plain",
      "quote \" back\\slash /slash",
      controls,
      "del \x7f end",
      "Dò mật khẩu SSH — Nhà văn hóa tổ 3",
      "shield 🛡 and 𝄞",
      "latin-1 \xe9t\xe9",
      "cut \xe1\xbb",
      std::string("nul \0 inside", 12),
  };
  std::mt19937_64 rng(7);
  for (size_t i = 0; i < texts.size() * 4; ++i) {
    auto pick = [&] { return texts[rng() % texts.size()]; };
    Incident in = testing::make_incident("rule." + std::to_string(i), pick(), 5'000'000 + i,
                                         static_cast<Severity>(i % 5));
    in.id = pick();
    in.title = pick();
    in.title_vi = pick();
    in.rule_version = pick();
    in.tags = i % 3 == 0 ? std::vector<std::string>{} : std::vector<std::string>{pick(), pick()};
    in.fields.clear();
    if (i % 4 != 0) in.fields = {{pick(), pick()}, {"user", pick()}, {"z", pick()}};
    in.host = pick();
    in.asset = pick();
    in.site = pick();
    in.status = static_cast<IncidentStatus>(i % 5);
    in.asset_class = static_cast<AssetClass>(i % kAssetClassCount);
    in.level = static_cast<int>(i) - 3;
    in.count = i % 2 ? UINT64_MAX - i : i;
    in.window_start_us = -static_cast<int64_t>(i) * 1'000'003;
    in.evidence_count = i;
    in.updated_us = INT64_MAX - static_cast<int64_t>(i);
    BOOST_TEST(encode_incident(in) == library_incident(in), "incident " << i);

    Evidence ev = testing::make_evidence(static_cast<uint32_t>(i), pick());
    ev.input = pick();
    ev.peer = pick();
    ev.event_time_us = -static_cast<int64_t>(i);
    BOOST_TEST(encode_evidence(ev) == library_evidence(ev), "evidence " << i);
  }
}
