#!/usr/bin/env python3
"""Copies the SigmaHQ files the conformance test uses from a SigmaHQ checkout (commit
8eaafff1f2845a696050e05e72ba1140ee190698) into this folder:

  rules/...      the linux, network and web rule folders whole, and every other rule that
                 a regression event names
  events/...     each rule's regression events, one JSON object per line (a `.raw`
                 sample is its line as is), as events/<rule path without .yml>.jsonl: the
                 events of SigmaHQ's evtx sample, of which the rule must fire on
                 `match_count` (events/match_counts.json; null: at least one)

  copy_upstream.py SIGMA_CHECKOUT

The files stay SigmaHQ's, under the Detection Rule License 1.1 (ATTRIBUTION.md)."""
import glob, json, os, shutil, sys

import yaml

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
for d in ("rules", "events"):
    shutil.rmtree(os.path.join(here, d), ignore_errors=True)

by_id = {}
for f in sorted(glob.glob(os.path.join(src, "rules*", "**", "*.yml"), recursive=True)):
    for doc in yaml.safe_load_all(open(f, encoding="utf-8")):
        if isinstance(doc, dict) and doc.get("id"):
            by_id[doc["id"]] = os.path.relpath(f, src)

wanted = set()
match_counts = {}
for folder in ("rules/linux", "rules/network", "rules/web"):
    for f in glob.glob(os.path.join(src, folder, "**", "*.yml"), recursive=True):
        wanted.add(os.path.relpath(f, src))


def objects(text):
    dec = json.JSONDecoder()
    i, out = 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


for info in sorted(glob.glob(os.path.join(src, "regression_data", "**", "info.yml"), recursive=True)):
    d = os.path.dirname(info)
    meta = yaml.safe_load(open(info, encoding="utf-8"))
    for rm in meta.get("rule_metadata", []):
        rule = by_id.get(rm["id"])
        if not rule:
            print("no rule with id", rm["id"], "for", info, file=sys.stderr)
            continue
        wanted.add(rule)
        counts = [t.get("match_count") for t in meta.get("regression_tests_info") or []]
        match_counts[os.path.splitext(rule)[0]] = counts[0] if counts else None
        if not counts:  # written commented out in some info.yml files
            for l in open(info, encoding="utf-8"):
                if l.strip().lstrip("#").strip().startswith("match_count:"):
                    match_counts[os.path.splitext(rule)[0]] = int(l.split(":")[1])
        lines = []
        for ev in sorted(glob.glob(os.path.join(d, "*.json"))):
            lines += [json.dumps(o, ensure_ascii=False, separators=(",", ":"))
                      for o in objects(open(ev, encoding="utf-8").read())]
        for raw in sorted(glob.glob(os.path.join(d, "*.raw"))):
            lines += [l for l in open(raw, encoding="utf-8").read().splitlines() if l.strip()]
        out = os.path.join(here, "events", os.path.splitext(rule)[0] + ".jsonl")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            f.write("".join(l + "\n" for l in lines))

with open(os.path.join(here, "events", "match_counts.json"), "w", encoding="utf-8") as f:
    json.dump(match_counts, f, indent=0, sort_keys=True)
    f.write("\n")

for rel in sorted(wanted):
    dst = os.path.join(here, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(os.path.join(src, rel), dst)
print(len(wanted), "rules copied")
