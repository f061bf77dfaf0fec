#!/usr/bin/env python3
"""fail2ban conformance: every filter in /etc/fail2ban/filter.d that has a test log with
`# failJSON:` annotations is imported with `wardsoc rules import fail2ban` (once per set of
`# filterOptions:` the log switches to), its annotated lines are run through the real engine
with `wardsoc rules test --log --json`, and each line is compared with its annotation: match
or not, and every field it names (host -> src_ip, user).

  conformance.py WARDSOC --write docs/fail2ban-conformance.md   regenerate the table
  conformance.py WARDSOC --check docs/fail2ban-conformance.md   fail if the table is stale or
                                                                the results got worse than it
Fails (never skips) when fail2ban's files are missing. Reads fail2ban's files where Debian
installs them; copies nothing of them."""
import json, os, subprocess, sys, tempfile

try:  # fail2ban's own date detector, to say which timestamp stands in the way
    from fail2ban.server.datedetector import DateDetector
except ImportError:  # pragma: no cover - the check below fails without fail2ban anyway
    DateDetector = None

# A rule that captures the whole message: what wardsoc's patterns see of each line.
ECHO_RULE = """rules:
  - id: conformance.message
    title: the message as patterns see it
    severity: low
    match:
      regex:
        - '^(?P<m>.*)$'
    aggregation:
      count: 1
      window: 1m
"""

FILTERS = "/etc/fail2ban/filter.d"
LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs"


def sections(log):
    """[(options dict, [(annotation, line)])] in the order the log switches options."""
    out = {}
    current = [{}]
    pending = None
    with open(log, encoding="utf-8", errors="surrogateescape") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if raw.startswith("# filterOptions:"):
                j = json.loads(raw[len("# filterOptions:"):])
                current = [j] if isinstance(j, dict) else j
                current = [{k: v for k, v in o.items() if not k.startswith("test.")} for o in current]
                continue
            if raw.startswith("# failJSON:"):
                try:
                    pending = json.loads(raw[len("# failJSON:"):])
                except ValueError:
                    pending = None
                continue
            if raw.startswith("#"):
                continue
            if pending is not None and raw and "constraint" not in pending:
                for o in current:
                    key = json.dumps(o, sort_keys=True)
                    out.setdefault(key, (o, []))[1].append((pending, raw))
            pending = None
    return list(out.values())


def run(wardsoc, name, opts, lines, tmp):
    outdir = os.path.join(tmp, "out")
    args = [wardsoc, "rules", "import", "fail2ban", os.path.join(FILTERS, name + ".conf"),
            "--out", outdir, "--no-tests", "--json"]
    for k, v in sorted(opts.items()):
        args += ["--set", "%s=%s" % (k, v)]
    rep = json.loads(subprocess.run(args, capture_output=True, text=True).stdout)
    filt = rep["filters"][0]
    if "error" in filt or not filt.get("file") or filt.get("imported", 0) == 0:
        return filt, None
    log = os.path.join(tmp, "log")
    with open(log, "w", encoding="utf-8", errors="surrogateescape") as f:
        for _, l in lines:
            f.write(l + "\n")
    res = subprocess.run([wardsoc, "rules", "test", filt["file"], "--log", log, "--json",
                          "--limit", "100000", "--no-cache"], capture_output=True, text=True)
    out = json.loads(res.stdout)
    got = {}
    for d in out.get("details", []):
        if d.get("matches"):
            got[d["line"]] = d["matches"][0].get("fields", {})
    os.remove(filt["file"])
    echo = os.path.join(tmp, "echo.yaml")
    with open(echo, "w") as f:
        f.write(ECHO_RULE)
    res = subprocess.run([wardsoc, "rules", "test", echo, "--log", log, "--json",
                          "--limit", "100000", "--no-cache"], capture_output=True, text=True)
    messages = {}
    for d in json.loads(res.stdout).get("details", []):
        if d.get("matches"):
            messages[d["line"]] = d["matches"][0].get("fields", {}).get("m", "")
    filt["messages"] = messages
    return filt, got


def why_no_match(line, message, notes):
    """What stands in the way of a line fail2ban reports and the import does not match."""
    if message is not None and message != line and line.endswith(message):
        return ("wardsoc's syslog parser takes the start of the line (host, app) as its header; "
                "the failregex expects to see it (fail2ban cuts only the timestamp)")
    for n in notes:
        if n["level"] == "warning" and n["message"].startswith("datepattern"):
            return n["message"].split(": fail2ban")[0] + (": the timestamp is cut out after "
                                                          "other text, the import allows it only "
                                                          "at the start or inside []")
        if n["level"] == "warning" and n["message"].startswith("maxlines"):
            return ("a failure told over several lines (maxlines): the import matches each "
                    "line alone")
    if DateDetector is not None:
        dd = DateDetector()
        dd.addDefaultTemplate()
        m = dd.matchTime(line)[0]
        if m and m.start(1) > 0:
            return ("the timestamp '%s' at column %d: fail2ban cuts it out of the middle of "
                    "the line, the import allows for it only at the start or inside []"
                    % (line[m.start(1):m.end(1)], m.start(1) + 1))
        if m is None:
            return "no timestamp fail2ban knows by default, and no translated pattern matches"
    return "a translated pattern does not match the line fail2ban's regex matches"


def compare(lines, got, filt=None):
    agreed, why = 0, {}
    filt = filt or {}
    messages = filt.get("messages", {})
    notes = filt.get("notes", [])
    for i, (ann, line) in enumerate(lines, start=1):
        want = bool(ann.get("match"))
        fields = got.get(i) if got is not None else None
        reason = None
        if want and fields is None:
            reason = "fail2ban reports a failure, the import does not match"
            if got is not None and not filt.get("refused"):
                reason += " (%s)" % why_no_match(line, messages.get(i), notes)
        elif not want and fields is not None:
            reason = "the import matches a line fail2ban does not report"
        elif want:
            for key, field in (("host", "src_ip"), ("user", "user")):
                if key in ann and ann[key] is not None:
                    v = fields.get(field, fields.get("alt_user") if field == "user" else None)
                    if str(ann[key]) != v:
                        reason = "field %s differs" % key
                        others = sorted(k for k, x in fields.items()
                                        if x == str(ann[key]) and k != field)
                        if field not in fields and str(ann[key]) not in line:
                            reason += (" (the line does not hold it: fail2ban takes it from an "
                                       "earlier line of the same session, <F-MLFID>; a one-line "
                                       "rule cannot)")
                        elif others:
                            reason += (" (the import captures it as %s: an alternative of the "
                                       "pattern fills another group)" % ", ".join(others))
                        elif messages.get(i) is not None and messages[i] != line:
                            reason += (" (wardsoc's syslog parser takes the line's header away; "
                                       "the failregex's optional prefix then takes the address)")
                        break
        if reason is None:
            agreed += 1
        else:
            why[reason] = why.get(reason, 0) + 1
    return agreed, why


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("--write", "--check"):
        print(__doc__)
        return 2
    wardsoc, mode, table = sys.argv[1], sys.argv[2], sys.argv[3]
    if not os.path.isdir(FILTERS) or not os.path.isdir(LOGS):
        print("FAIL: fail2ban's filters or test logs are missing (%s, %s): apt-get install fail2ban"
              % (FILTERS, LOGS))
        return 1
    rows, total_agreed, total_lines, imported, filters = [], 0, 0, 0, 0
    clean_fail = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(LOGS)):
            log = os.path.join(LOGS, name)
            if not os.path.isfile(log) or not os.path.isfile(os.path.join(FILTERS, name + ".conf")):
                continue
            secs = [s for s in sections(log) if s[1]]
            if not secs:
                continue
            filters += 1
            f_agreed = f_lines = 0
            notes, whys, ok_import, all_translated = [], {}, True, True
            for opts, lines in secs:
                filt, got = run(wardsoc, name, opts, lines, tmp)
                if "error" in filt:
                    ok_import = False
                    notes.append("not read: " + filt["error"])
                elif filt.get("imported", 0) == 0:
                    ok_import = False
                if filt.get("refused"):
                    all_translated = False
                    for n in filt.get("notes", []):
                        if n["level"] == "refused":
                            msg = n["message"].split(": ^")[0].split(" (near")[0]
                            notes.append("%s:%d %s" % (os.path.basename(n["file"]), n["line"], msg))
                a, why = compare(lines, got, filt)
                f_agreed += a
                f_lines += len(lines)
                for k, v in why.items():
                    whys[k] = whys.get(k, 0) + v
            imported += 1 if ok_import else 0
            total_agreed += f_agreed
            total_lines += f_lines
            if all_translated and ok_import and f_agreed != f_lines:
                clean_fail.append(name)
            modes = ", ".join(sorted({json.dumps(o, sort_keys=True) for o, _ in secs}))
            reason = "; ".join("%d: %s" % (v, k) for k, v in sorted(whys.items()))
            if notes:
                reason += (" — " if reason else "") + "refused: " + "; ".join(sorted(set(notes)))
            rows.append("| %s | %d / %d | %s | %s |" % (name, f_agreed, f_lines,
                                                       modes.replace("|", "\\|"),
                                                       reason.replace("|", "\\|") or "—"))
    pct = 100.0 * total_agreed / total_lines if total_lines else 0
    text = ["# fail2ban conformance", "",
            "Generated by `ninja -C build fail2ban_conformance` (tests/rules/fail2ban/conformance.py): every",
            "fail2ban filter with an annotated test log, imported with `wardsoc rules import fail2ban`",
            "(once per set of filter options the log switches to) and run over the log's annotated",
            "lines by `wardsoc rules test --log`; a line agrees when match/no match and every field",
            "the annotation names (host, user) agree. Do not edit by hand.", "",
            "**%d of %d filters import; %d of %d annotated lines agree (%.1f%%).**" %
            (imported, filters, total_agreed, total_lines, pct), "",
            "Targets: at least 80 filters import — %s; at least 98%% of the lines agree — %s; every "
            "filter whose regexes all translate agrees on all its lines — %s." %
            ("met" if imported >= 80 else "not met (%d)" % imported,
             "met" if pct >= 98 else "not met (%.1f%%)" % pct,
             "met" if not clean_fail else "not met (%d filters)" % len(clean_fail)), "",
            "Filters whose regexes all translate but that disagree on some line: %s." %
            (", ".join(clean_fail) if clean_fail else "none"), "",
            "| filter | lines agreed / annotated | options | why lines disagree |",
            "|---|---|---|---|"] + rows
    text = "\n".join(text) + "\n"
    print("%d of %d filters import; %d of %d annotated lines agree (%.1f%%); fully translated but "
          "disagreeing: %s" % (imported, filters, total_agreed, total_lines, pct, clean_fail))
    if mode == "--write":
        with open(table, "w") as f:
            f.write(text)
        return 0
    committed = open(table).read() if os.path.exists(table) else ""
    if committed != text:
        print("FAIL: %s is not current: regenerate it with `ninja -C build fail2ban_conformance`" % table)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
