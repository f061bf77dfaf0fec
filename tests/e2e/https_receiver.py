#!/usr/bin/env python3
"""A city SOC webhook endpoint for wardsoc's tests: real HTTP/1.1 over TLS (Python's
http.server with the ssl module), keep-alive, one JSON line per request appended to a
log file so the test can read what arrived.

  https_receiver.py --port P --cert CERT --key KEY --log FILE
                    [--hmac-secret S] [--token T] [--reject WORD] [--flaky WORD]

Answers:
  401 when --token is given and the request's bearer token is not it;
  422 "invalid alert: WORD" when the body contains the --reject word (a bad alert);
  503 the first two times a request with the --flaky word in its body arrives (per
      Idempotency-Key), then 200;
  200 otherwise.
Each log line: {"status", "path", "headers": {lower-case name: value}, "body",
"signature_ok": true/false/null (null without --hmac-secret)}. Prints "listening PORT"
once the socket is bound.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import socketserver
import ssl
import sys
import threading


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--hmac-secret")
    p.add_argument("--token")
    p.add_argument("--reject")
    p.add_argument("--flaky")
    args = p.parse_args()

    lock = threading.Lock()
    flaky_seen = {}
    log = open(args.log, "a", encoding="utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            body = raw.decode("utf-8")
            sig_ok = None
            if args.hmac_secret is not None:
                ts = self.headers.get("X-Wardsoc-Timestamp", "")
                expected = "sha256=" + hmac.new(args.hmac_secret.encode(),
                                                ts.encode() + b"." + raw,
                                                hashlib.sha256).hexdigest()
                sig_ok = hmac.compare_digest(expected, self.headers.get("X-Wardsoc-Signature", ""))
            status, answer = 200, "ok"
            if args.token is not None and self.headers.get("Authorization") != "Bearer " + args.token:
                status, answer = 401, "bad token"
            elif args.reject and args.reject in body:
                status, answer = 422, "invalid alert: " + args.reject
            elif args.flaky and args.flaky in body:
                key = self.headers.get("Idempotency-Key", "")
                with lock:
                    n = flaky_seen.get(key, 0)
                    flaky_seen[key] = n + 1
                if n < 2:
                    status, answer = 503, "busy, try later"
            record = {"status": status, "path": self.path,
                      "headers": {k.lower(): v for k, v in self.headers.items()},
                      "body": body, "signature_ok": sig_ok}
            with lock:
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
                log.flush()
            data = answer.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", args.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("listening", server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
