#!/usr/bin/env python3
"""Sigma conformance: the SigmaHQ rules in this folder (ATTRIBUTION.md) are imported with
`wardsoc rules import sigma`, and every regression event of a rule that imports is run through
the real engine with `wardsoc rules test --log --json` over that rule's whole output file:
a regression test passes when its rule fires on at least as many of the sample's events as
SigmaHQ says (`match_count`, events/match_counts.json; one when it says nothing: the samples
hold the events around the one that matters too), and any other rule of the same
file that fires is listed.

  conformance.py WARDSOC --write docs/sigma-conformance.md   regenerate the table
  conformance.py WARDSOC --check docs/sigma-conformance.md   fail if the table is stale, a
                                                             regression event of an imported
                                                             rule does not fire it, or fewer
                                                             than 90% of the linux, network
                                                             and web rules import"""
import collections, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
TARGET_FOLDERS = ("rules/linux/", "rules/network/", "rules/web/")


def rel(path):
    return os.path.relpath(path, HERE).replace(os.sep, "/")


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("--write", "--check"):
        print(__doc__)
        return 2
    wardsoc, mode, table = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        res = subprocess.run([wardsoc, "rules", "import", "sigma"] +
                             [os.path.join(HERE, i) for i in INPUTS] + ["--out", out, "--json"],
                             capture_output=True, text=True)
        if not res.stdout.strip():
            print("FAIL: the import printed nothing: %s" % res.stderr)
            return 1
        report = json.loads(res.stdout)
        by_file = {}
        for r in report["rules"]:
            by_file.setdefault(rel(r["file"]), []).append(r)

        # Regression events, by the output file their rule went to.
        runs = collections.defaultdict(list)  # output -> [(sigma file, rule_id, event line)]
        match_counts = json.load(open(os.path.join(HERE, "events", "match_counts.json")))
        tests = {}  # sigma file -> [events, want, fired]
        no_import = []  # (sigma file, reason) for rules with events that did not import
        events_total = 0
        for root, _, files in os.walk(os.path.join(HERE, "events")):
            for name in sorted(files):
                if not name.endswith(".jsonl"):
                    continue
                ev = os.path.join(root, name)
                sigma = rel(ev)[len("events/"):][:-len(".jsonl")] + ".yml"
                lines = [l for l in open(ev, encoding="utf-8").read().splitlines() if l]
                events_total += len(lines)
                rules = by_file.get(sigma, [])
                imported = [r for r in rules if r["status"] != "refused"]
                if not imported:
                    why = rules[0]["reason"] + ": " + rules[0]["detail"] if rules else "not found"
                    no_import.append((sigma, len(lines), why))
                    continue
                tests[sigma] = [len(lines), match_counts.get(sigma[:-len(".yml")]), 0]
                for l in lines:
                    runs[imported[0]["output"]].append((sigma, imported[0]["rule_id"], l))

        fired, missed, unexpected = 0, [], []
        per_output = {}
        for output, items in sorted(runs.items()):
            log = os.path.join(tmp, "events.log")
            with open(log, "w", encoding="utf-8") as f:
                for _, _, l in items:
                    f.write(l + "\n")
            res = subprocess.run([wardsoc, "rules", "test", output, "--log", log, "--json",
                                  "--limit", "1000000", "--no-cache"],
                                 capture_output=True, text=True)
            try:
                got = json.loads(res.stdout)
            except ValueError:
                print("FAIL: rules test on %s: %s" % (output, res.stderr))
                return 1
            hits = collections.defaultdict(set)
            for d in got.get("details", []):
                for m in d.get("matches", []):
                    hits[d["line"]].add(m["rule"])
            for i, (sigma, rid, _) in enumerate(items, start=1):
                if rid in hits[i]:
                    fired += 1
                    tests[sigma][2] += 1
                for other in sorted(hits[i] - {rid}):
                    unexpected.append((sigma, other))
            per_output[os.path.basename(output)] = [0, 0]
        for sigma, (n, want, got_n) in sorted(tests.items()):
            passed = got_n >= (want if want is not None else 1)
            out_name = next(os.path.basename(o) for o, items in runs.items()
                            if any(x[0] == sigma for x in items))
            per_output[out_name][1] += 1
            if passed:
                per_output[out_name][0] += 1
            else:
                missed.append((sigma, got_n, n, "%d" % want if want is not None else "1"))

    # Import numbers, per output folder and for the target folders.
    folders = collections.OrderedDict()
    target_total = target_imported = 0
    reasons_target = collections.Counter()
    refused_target = []
    for r in report["rules"]:
        f = rel(r["file"])
        folder = os.path.dirname(f)
        row = folders.setdefault(folder, [0, 0, folder.replace("/", "-") + ".yaml"])
        row[0] += 1
        if r["status"] != "refused":
            row[1] += 1
            row[2] = os.path.basename(r["output"])
        if f.startswith(TARGET_FOLDERS):
            target_total += 1
            if r["status"] != "refused":
                target_imported += 1
            else:
                reasons_target[r["reason"]] += 1
                refused_target.append("| %s:%d | %s | %s |" % (
                    f, r["line"], r["reason"], r["detail"].replace("|", "\\|")))
    pct = 100.0 * target_imported / target_total if target_total else 0
    s = report["summary"]
    events_imported = sum(t[0] for t in tests.values())
    tests_passed = sum(ok for ok, _ in per_output.values())
    lines = ["# Sigma conformance", "",
             "Generated by `ninja -C build sigma_conformance` (tests/rules/sigma/conformance.py): the",
             "SigmaHQ rules under tests/rules/sigma (commit 8eaafff1, DRL 1.1, see ATTRIBUTION.md there)",
             "imported with `wardsoc rules import sigma`, and each regression event of a rule that",
             "imports run with `wardsoc rules test --log` over that rule's output file (every rule of",
             "the same folder). Do not edit by hand.", "",
             "**linux, network and web: %d of %d rules import (%.1f%%). All folders: %d of %d rules "
             "import (%d with warnings), %d refused. Regression tests: %d of %d rules that import "
             "fire on their sample as SigmaHQ says (%d of %d events of those samples fire their "
             "rule; %d rules with samples do not import).**" %
             (target_imported, target_total, pct, s["imported"], s["rules"], s["with_warnings"],
              s["refused"], tests_passed, len(tests), fired, events_imported, len(no_import)), "",
             "Targets: at least 90%% of the linux, network and web rules import — %s; every "
             "regression test of an imported rule passes — %s." %
             ("met" if pct >= 90 else "not met (%.1f%%)" % pct,
              "met" if not missed else "not met (%d rules)" % len(missed)), "",
             "## Refused, by reason (all folders)", "", "| reason | rules |", "|---|---|"]
    for k, v in sorted(report["summary"]["refused_by_reason"].items(), key=lambda x: (-x[1], x[0])):
        lines.append("| %s | %d |" % (k, v))
    lines += ["", "## Per folder", "",
              "| folder | rules imported / read | rule file | regression tests passing |",
              "|---|---|---|---|"]
    for folder, (n, imp, out) in folders.items():
        ev = per_output.get(out)
        lines.append("| %s | %d / %d | %s | %s |" % (folder, imp, n, out,
                                                     "%d / %d" % tuple(ev) if ev else "—"))
    lines += ["", "## linux, network and web rules not imported", "",
              "| rule | reason | detail |", "|---|---|---|"] + (refused_target or ["| — | | |"])
    lines += ["", "## Rules with regression events that do not import", "",
              "| rule | events | why |", "|---|---|---|"]
    lines += ["| %s | %d | %s |" % (f, n, w.replace("|", "\\|")) for f, n, w in no_import] or ["| — | | |"]
    lines += ["", "## Regression tests that fail", ""]
    lines += ["- %s: fires on %d of its %d events, SigmaHQ says %s" % m for m in missed] or ["none"]
    lines += ["", "## Other rules of the same folder that fire on a regression event", ""]
    lines += ["- %s: also %s" % u for u in sorted(set(unexpected))] or ["none"]
    text = "\n".join(lines) + "\n"
    print("linux+network+web: %d of %d import (%.1f%%); regression tests passing: %d of %d "
          "(events firing %d of %d); other rules firing: %d" % (
              target_imported, target_total, pct, tests_passed, len(tests), fired,
              events_imported, len(set(unexpected))))
    if mode == "--write":
        with open(table, "w") as f:
            f.write(text)
        return 0
    committed = open(table).read() if os.path.exists(table) else ""
    if committed != text:
        print("FAIL: %s is not current: regenerate it with `ninja -C build sigma_conformance`" % table)
        return 1
    if missed or pct < 90:
        print("FAIL: targets not met (see %s)" % table)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
