#!/usr/bin/env python3
"""Sigma correlations through the real engine: the rules of this folder (written for the
test) are imported with `wardsoc rules import sigma`, and each stream of streams.json runs
alone through `wardsoc rules test --log --json` over the imported file; the incidents each
correlation opens must be the ones streams.json says (streams that just meet and just miss
each threshold and window, and an ordered sequence seen out of order). A correlation in
engine_may_lack that the engine of this build does not load is reported as not checked.

  correlation_test.py WARDSOC"""
import json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    wardsoc = sys.argv[1]
    spec = json.load(open(os.path.join(HERE, "streams.json")))
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run([wardsoc, "rules", "import", "sigma", HERE, "--out", tmp, "--json"],
                             capture_output=True, text=True)
        report = json.loads(res.stdout)
        by_sigma = {r["sigma_id"]: r for r in report["rules"]}
        lacking = set()
        for sid in spec["engine_may_lack"]:
            r = by_sigma[sid]
            if r.get("reason") == "does not load":
                lacking.add(sid)
                print("not checked: %s: this engine does not load it: %s" % (r["title"], r["detail"]))
        files = {r["output"] for r in report["rules"] if r["status"] != "refused"}
        if len(files) != 1:
            print("FAIL: expected one rule file, got %s" % sorted(files))
            return 1
        rules_file = files.pop()
        for stream, want in sorted(spec.items()):
            if not stream.endswith(".log") or set(want) <= lacking:
                continue
            res = subprocess.run([wardsoc, "rules", "test", rules_file, "--log",
                                  os.path.join(HERE, stream), "--json", "--no-cache",
                                  "--zone", "UTC"], capture_output=True, text=True)
            got = json.loads(res.stdout).get("rules", {})
            for sid, n in want.items():
                if sid in lacking:
                    continue
                rid = by_sigma[sid].get("rule_id")
                if rid is None:
                    failures.append("%s: %s was not imported: %s" % (stream, sid, by_sigma[sid].get("detail")))
                    continue
                have = got.get(rid, {}).get("incidents", 0)
                status = "ok" if have == n else "FAIL"
                print("%-28s %-40s incidents %d (want %d) %s" % (stream, by_sigma[sid]["title"], have, n, status))
                if have != n:
                    failures.append("%s: %s opened %d incidents, expected %d" % (stream, rid, have, n))
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
