#!/usr/bin/env python3
"""How many of CrowdSec's hub scenario tests the shipped rule packs detect.

Each hub test (tests/<name>/ in a checkout of github.com/crowdsecurity/hub) holds a log
file, config.yaml (the log file and the scenarios under test) and scenario.assert (how many
alerts the scenarios raise, and the source address of each). For every test with a
scenario.assert, this tool replays the log through `wardsoc replay --json` with the rule
packs and decides, per expected source address, whether one of the wardsoc rules that
stand for the test's scenarios (bench/crowdsec_hub.yaml) opened an incident grouped by that
address. A test that expects no alert passes when those rules stay quiet.

  bench/crowdsec_hub.py --wardsoc build/app/wardsoc --hub ../shared/data/crowdsec-hub \
      [--rules rules/] [--mapping bench/crowdsec_hub.yaml] [--out docs/crowdsec-hub-coverage.md]
      [--only NAME,NAME] [--jobs 2] [--verbose]

Prints the table and the totals as markdown (and writes it to --out when given). Exits 2
when the hub folder is missing or a test names a scenario the mapping does not list."""
import argparse, concurrent.futures, json, os, re, subprocess, sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = ("bench/crowdsec_hub.py --wardsoc build/app/wardsoc --hub ../shared/data/crowdsec-hub "
           "--out docs/crowdsec-hub-coverage.md")


def scenario_name(entry):
    """'crowdsecurity/ssh-bf', './scenarios/a1ad/mikrotik-bf.yaml' -> 'ssh-bf', 'mikrotik-bf'."""
    entry = (entry or "").strip().strip('"')
    if not entry:
        return ""
    base = entry.rstrip("/").split("/")[-1]
    return re.sub(r"\.ya?ml$", "", base)


def read_test(path):
    """(log file, scenario names, expected alert count, expected sources) or None."""
    assert_path = os.path.join(path, "scenario.assert")
    if not os.path.isfile(assert_path):
        return None
    with open(assert_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = re.search(r"len\(results\) == (\d+)", text)
    if not m:
        return None  # a parser test: no scenario outcome to compare
    with open(os.path.join(path, "config.yaml"), encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    scenarios = [s for s in (scenario_name(e) for e in cfg.get("scenarios") or []) if s]
    sources = []
    for src in re.findall(r'"([^"]+)" in results\[\d+\]\.Overflow\.GetSources\(\)', text):
        if src not in sources:
            sources.append(src)
    return cfg["log_file"], scenarios, int(m.group(1)), sources


def replay(wardsoc, rules, log):
    out = subprocess.run([wardsoc, "replay", "--workers", "1", "--show", "0", "--json",
                          "--rules", rules, "--", log],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"wardsoc replay {log}: exit {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)["incidents"]


def grouped_by(incident, source):
    return source in incident["group_key"].split("|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wardsoc", default=os.path.join(REPO, "build/app/wardsoc"))
    ap.add_argument("--hub", default=os.path.join(REPO, "../shared/data/crowdsec-hub"))
    ap.add_argument("--rules", default=os.path.join(REPO, "rules"))
    ap.add_argument("--mapping", default=os.path.join(REPO, "bench/crowdsec_hub.yaml"))
    ap.add_argument("--out")
    ap.add_argument("--only", help="comma-separated test names")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", action="store_true", help="print the incidents of each test")
    args = ap.parse_args()

    tests_dir = os.path.join(args.hub, "tests")
    if not os.path.isdir(tests_dir):
        print(f"crowdsec_hub: {tests_dir}: no such folder (a checkout of the CrowdSec hub, "
              "github.com/crowdsecurity/hub, is needed)", file=sys.stderr)
        return 2
    with open(args.mapping, encoding="utf-8") as f:
        mapping = yaml.safe_load(f)
    in_scope = mapping.get("in_scope") or {}
    out_of_scope = mapping.get("out_of_scope") or {}

    tests, unknown = [], set()
    only = set(args.only.split(",")) if args.only else None
    for name in sorted(os.listdir(tests_dir)):
        path = os.path.join(tests_dir, name)
        if not os.path.isdir(path) or (only and name not in only):
            continue
        t = read_test(path)
        if t is None:
            continue
        log, scenarios, expected, sources = t
        if not scenarios:
            continue  # a parser test: no scenario under test
        unknown.update(s for s in scenarios if s not in in_scope and s not in out_of_scope)
        tests.append({"name": name, "log": os.path.join(path, log), "scenarios": scenarios,
                      "expected": expected, "sources": sources})
    if unknown:
        print("crowdsec_hub: scenarios missing from the mapping (add them to in_scope or "
              f"out_of_scope of {args.mapping}): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    for t in tests:
        t["rules"] = sorted({r for s in t["scenarios"] if s in in_scope for r in in_scope[s]})
        t["in_scope"] = any(s in in_scope for s in t["scenarios"])

    def run(t):
        if not t["in_scope"]:
            return t, []
        return t, replay(args.wardsoc, args.rules, t["log"])

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = list(pool.map(run, tests))

    rows, totals = [], {"alert": 0, "alert_ok": 0, "quiet": 0, "quiet_ok": 0, "out": 0,
                        "scope_alert": 0}
    for t, incidents in done:
        scen = ", ".join(t["scenarios"]) or "—"
        if not t["in_scope"]:
            totals["out"] += 1
            if t["expected"] > 0:
                totals["alert"] += 1
            reasons = sorted({out_of_scope[s] for s in t["scenarios"]})
            rows.append((t["name"], scen, "out of scope: " + "; ".join(reasons), "—"))
            continue
        ours = [i for i in incidents if i["rule"] in t["rules"]]
        if args.verbose:
            print(f"{t['name']}: " + json.dumps([(i["rule"], i["group_key"]) for i in incidents]),
                  file=sys.stderr)
        if t["expected"] == 0:
            totals["quiet"] += 1
            ok = not ours
            totals["quiet_ok"] += ok
            verdict = "quiet (yes)" if ok else "**raised, expected none**"
            rules = ", ".join(sorted({i["rule"] for i in ours})) or ", ".join(t["rules"])
        else:
            totals["alert"] += 1
            totals["scope_alert"] += 1
            if t["sources"]:
                found = [s for s in t["sources"] if any(grouped_by(i, s) for i in ours)]
                ok = len(found) == len(t["sources"])
                verdict = ("yes" if ok else "no") + f" ({len(found)}/{len(t['sources'])} sources)"
                hit = sorted({i["rule"] for i in ours if any(grouped_by(i, s) for s in found)})
            else:
                ok = bool(ours)
                verdict = "yes" if ok else "no"
                hit = sorted({i["rule"] for i in ours})
            totals["alert_ok"] += ok
            rules = ", ".join(hit) if hit else ("(" + ", ".join(t["rules"]) + ")" if t["rules"]
                                                else "none yet")
        rows.append((t["name"], scen, rules, verdict))

    lines = []
    lines.append("# CrowdSec hub scenario tests: coverage of the shipped rule packs")
    lines.append("")
    lines.append(f"Generated by `{COMMAND}`; do not edit by hand.")
    lines.append("")
    lines.append("Each test of the [CrowdSec hub](https://github.com/crowdsecurity/hub) (MIT) holds a real "
                 "log and the alerts CrowdSec's scenario must raise on it, with their source "
                 "addresses. Its log is replayed through `wardsoc replay` with the shipped packs "
                 "(`rules/`); a test is detected when, for every expected source address, one of "
                 "the wardsoc rules that stand for the scenario (`bench/crowdsec_hub.yaml`) "
                 "opened an incident grouped by that address. A test that expects no alert "
                 "passes when those rules stay quiet. Tests of products a ward does not run are "
                 "listed as out of scope, with the reason. In the rule column, a rule in "
                 "parentheses is the one that should have raised it.")
    lines.append("")
    in_scope_n = totals["scope_alert"]
    lines.append(f"**Detected: {totals['alert_ok']} of {totals['alert']} tests that expect an "
                 f"alert ({totals['alert_ok']} of {in_scope_n} in scope, "
                 f"{totals['alert'] - in_scope_n} out of scope); "
                 f"{totals['quiet_ok']} of {totals['quiet']} tests that expect none stay quiet.**")
    lines.append("")
    lines.append("| test | CrowdSec scenario | wardsoc rule | raised? |")
    lines.append("|---|---|---|---|")
    for r in rows:
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in r) + " |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
