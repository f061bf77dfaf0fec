// The one set of certificates for TLS tests, made at test time with the openssl command
// line in a temporary directory (no private key is ever committed): a CA, a server
// certificate for 127.0.0.1/localhost, a client certificate signed by the CA, and a
// "rogue" client certificate signed by nobody the server trusts.
#pragma once

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <string>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace wardsoc::testing {

struct TestCertificates {
  TempDir dir{"certs"};
  std::string ca = (dir / "ca.pem").string();
  std::string server_cert = (dir / "server.pem").string();
  std::string server_key = (dir / "server.key").string();
  std::string client_cert = (dir / "client.pem").string();
  std::string client_key = (dir / "client.key").string();
  std::string rogue_cert = (dir / "rogue.pem").string();
  std::string rogue_key = (dir / "rogue.key").string();

  TestCertificates() {
    const std::string d = dir.path().string();
    wardsoc::testing::write_file(
        dir / "server.ext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
    wardsoc::testing::write_file(dir / "client.ext", "extendedKeyUsage=clientAuth\n");
    const std::string ec = "ec -pkeyopt ec_paramgen_curve:prime256v1";
    const std::string script =
        "set -e; cd '" + d + "';" + "openssl req -x509 -newkey " + ec +
        " -nodes -keyout ca.key -out ca.pem -days 2 "
        "-subj /CN=wardsoc-test-ca 2>/dev/null;"
        "openssl req -newkey " +
        ec +
        " -nodes -keyout server.key -out server.csr "
        "-subj /CN=localhost 2>/dev/null;"
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile server.ext -out server.pem 2>/dev/null;"
        "openssl req -newkey " +
        ec +
        " -nodes -keyout client.key -out client.csr "
        "-subj /CN=cam-01 2>/dev/null;"
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile client.ext -out client.pem 2>/dev/null;"
        "openssl req -x509 -newkey " +
        ec +
        " -nodes -keyout rogue.key -out rogue.pem -days 2 "
        "-subj /CN=rogue 2>/dev/null;";
    std::string out, err;
    const int rc = wardsoc::testing::run_command({"sh", "-c", script}, &out, &err);
    BOOST_REQUIRE_MESSAGE(rc == 0, "openssl failed (is it installed?): " << err);
  }
};

}  // namespace wardsoc::testing
