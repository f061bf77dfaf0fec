#include "connectors/webhook/hmac_signature.h"

#include <boost/test/unit_test.hpp>

using namespace wardsoc;

// RFC 4231 test case 2.
BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc4231) {
  BOOST_TEST(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(signature_covers_timestamp_and_body) {
  const std::string sig = webhook_signature("k3y", "1764064801", R"({"id":"3f2a"})");
  BOOST_TEST(sig == "sha256=" + hmac_sha256_hex("k3y", R"(1764064801.{"id":"3f2a"})"));
  BOOST_TEST(sig != webhook_signature("k3y", "1764064802", R"({"id":"3f2a"})"));
  BOOST_TEST(sig != webhook_signature("k3y", "1764064801", R"({"id":"3f2b"})"));
}
