#!/usr/bin/env python3
"""wardsoc replay on imported fail2ban filters against fail2ban-regex with the original filter,
both as whole processes with their start-up, and the warm start of the shipped packs.

For every filter in /etc/fail2ban/filter.d that has an annotated test log under fail2ban's
tests/files/logs (the same discovery as tests/rules/fail2ban/conformance.py) and that
imports with `wardsoc rules import fail2ban`: the log without its `#` lines, repeated to at
least --lines lines, is read by
  fail2ban-regex -r --print-no-missed --print-no-ignored LOG FILTER.conf
  wardsoc replay --workers W --show 0 --json --rules DIR -- LOG
in alternating runs. wardsoc runs once with an empty cache (cold: every pattern compiled),
then --runs times warm. Prints a markdown table per filter (lines, medians, ratio, matches
fail2ban/wardsoc), the median and minimum ratio, and the machine.

  bench/fail2ban_vs_wardsoc.py [--wardsoc build/app/wardsoc] [--filters a,b] [--runs N]
                               [--lines N] [--workers N] [--no-warm-start | --warm-start-only]

The warm-start part runs `wardsoc rules test` and `wardsoc replay` on rules/ (the shipped packs) with an
empty log: cold (fresh XDG_CACHE_HOME each run), warm, and --no-cache; --warm-runs times
each, wall and CPU time (user+system of the process). Reads fail2ban's files where Debian
installs them and copies nothing of them; every file it writes is in a temporary directory."""
import argparse, json, os, platform, re, shutil, statistics, subprocess, sys, tempfile, time

FILTERS = "/etc/fail2ban/filter.d"
LOGS = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(args, env=None, stdout_path=None):
    """(wall s, cpu s, exit code, stdout text) of one whole process."""
    out = open(stdout_path, "w+b") if stdout_path else tempfile.TemporaryFile()
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    finally:
        out.close()
    return wall, ru.ru_utime + ru.ru_stime, p.returncode, text


def annotated(log):
    """True when the log has at least one `# failJSON:` line (conformance.py's filters)."""
    with open(log, encoding="utf-8", errors="surrogateescape") as f:
        return any(l.startswith("# failJSON:") for l in f)


def discover(wanted):
    names = []
    for name in sorted(os.listdir(LOGS)):
        log = os.path.join(LOGS, name)
        if not os.path.isfile(log) or not os.path.isfile(os.path.join(FILTERS, name + ".conf")):
            continue
        if wanted and name not in wanted:
            continue
        if annotated(log):
            names.append(name)
    missing = sorted(set(wanted or []) - set(names))
    if missing:
        sys.exit("%s: no filter with an annotated test log: %s" % (sys.argv[0], ", ".join(missing)))
    return names


def build_log(name, min_lines, path):
    with open(os.path.join(LOGS, name), encoding="utf-8", errors="surrogateescape") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#") and l.strip()]
    if not lines:
        return 0
    copies = -(-min_lines // len(lines))
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        for _ in range(copies):
            f.write("\n".join(lines) + "\n")
    return copies * len(lines)


def f2b_matched(text):
    m = re.search(r"^Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed", text, re.M)
    return int(m.group(3)) if m else None


def wardsoc_matched(text):
    try:
        return sum(json.loads(text).get("matches", {}).values())
    except ValueError:
        return None


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    model = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, nproc %d, %s" % (model, os.cpu_count() or 0, platform.platform())


def load():
    return " ".join("%.2f" % x for x in os.getloadavg())


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def bench_filters(a, tmp):
    names = discover(a.filters.split(",") if a.filters else None)
    f2b_ver = subprocess.run(["fail2ban-regex", "-V"], capture_output=True, text=True).stdout.strip()
    print("## fail2ban filters: wardsoc replay vs fail2ban-regex\n")
    print("- machine: %s; load average at start %s" % (machine(), load()))
    print("- fail2ban-regex %s; wardsoc %s; %d runs each, alternating, after one cold wardsoc run"
          % (f2b_ver, a.wardsoc, a.runs))
    print("- fail2ban-regex -r --print-no-missed --print-no-ignored LOG %s/F.conf" % FILTERS)
    print("- wardsoc replay --workers %d --show 0 --json --rules DIR -- LOG (XDG_CACHE_HOME in a "
          "temporary directory)\n" % a.workers)
    print("| filter | lines | fail2ban-regex s | wardsoc s (warm) | ratio | CPU s f2b / wardsoc | "
          "CPU ratio | wardsoc lines s | wardsoc cold s | cold ratio | matches f2b / wardsoc |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    sys.stdout.flush()
    rows, skipped = [], []
    for name in names:
        d = os.path.join(tmp, name)
        os.makedirs(d)
        rep = subprocess.run([a.wardsoc, "rules", "import", "fail2ban",
                              os.path.join(FILTERS, name + ".conf"), "--out", os.path.join(d, "rules"),
                              "--json"], capture_output=True, text=True)
        try:
            filt = json.loads(rep.stdout)["filters"][0]
        except (ValueError, KeyError, IndexError):
            skipped.append((name, "the import printed no report: " + rep.stderr.strip()[:200]))
            continue
        if "error" in filt or not filt.get("file") or filt.get("imported", 0) == 0:
            skipped.append((name, filt.get("error", "no regex imported")))
            continue
        log = os.path.join(d, "log")
        lines = build_log(name, a.lines, log)
        if lines == 0:
            skipped.append((name, "the test log holds only comments"))
            continue
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(d, "cache"))
        ws = [a.wardsoc, "replay", "--workers", str(a.workers), "--show", "0", "--json",
              "--rules", os.path.join(d, "rules"), "--", log]
        fb = ["fail2ban-regex", "-r", "--print-no-missed", "--print-no-ignored", log,
              os.path.join(FILTERS, name + ".conf")]
        cold, _, rc, text = timed(ws, env)
        if rc != 0:
            skipped.append((name, "wardsoc replay failed (exit %d)" % rc))
            continue
        w_match = wardsoc_matched(text)
        f_t, w_t, f_cpu, w_cpu, w_in, f_match = [], [], [], [], [], None
        for i in range(a.runs):
            order = [("f", fb), ("w", ws)] if i % 2 == 0 else [("w", ws), ("f", fb)]
            for who, cmd in order:
                wall, cpu, rc, text = timed(cmd, env if who == "w" else None)
                if rc != 0:
                    sys.exit("%s: %s failed (exit %d) on %s" % (sys.argv[0], cmd[0], rc, name))
                if who == "f":
                    f_t.append(wall)
                    f_cpu.append(cpu)
                    f_match = f2b_matched(text)
                else:
                    w_t.append(wall)
                    w_cpu.append(cpu)
                    w_match = wardsoc_matched(text)
                    if not json.loads(text).get("from_cache"):
                        print("- %s: a warm wardsoc run compiled its patterns (cache not used)" % name)
                    w_in.append(json.loads(text).get("seconds", float("nan")))
        f, w, fc, wc = med(f_t), med(w_t), med(f_cpu), med(w_cpu)
        rows.append((name, lines, f, w, f / w, fc, wc, fc / wc, med(w_in), cold, f / cold,
                     f_match, w_match))
        print("| %s | %d | %.2f | %.3f | x%.1f | %.2f / %.3f | x%.1f | %.3f | %.2f | x%.1f | %s / %s |"
              % rows[-1])
        sys.stdout.flush()
        shutil.rmtree(d)
    if rows:
        print()
        summary("every filter measured", rows)
        # A filter whose import matches far fewer lines than fail2ban does less work: say so.
        like = [r for r in rows if r[11] and r[12] is not None and r[12] >= 0.5 * r[11]]
        if len(like) != len(rows):
            summary("filters where wardsoc matches at least half the lines fail2ban matches", like)
            print("- matching under half of fail2ban's lines: %s" % ", ".join(
                "%s (%s / %s)" % (r[0], r[11], r[12]) for r in rows if r not in like))
        print("- medians per filter: fail2ban-regex %.2f s wall, %.2f s CPU; wardsoc warm %.3f s "
              "wall, %.3f s CPU, %.3f s of it reading the lines; cold %.2f s wall" %
              (med([r[2] for r in rows]), med([r[5] for r in rows]), med([r[3] for r in rows]),
               med([r[6] for r in rows]), med([r[8] for r in rows]), med([r[9] for r in rows])))
    for name, why in skipped:
        print("- not measured: %s: %s" % (name, why))
    print("- load average at the end %s\n" % load())


def summary(label, rows):
    if not rows:
        return
    ratios = [r[4] for r in rows]
    lo = min(rows, key=lambda r: r[4])
    clo = min(rows, key=lambda r: r[7])
    print("- **%s (%d): wall ratio median x%.1f, minimum x%.1f (%s); CPU ratio median x%.1f, "
          "minimum x%.1f (%s); cold first run median x%.1f.** Below x10 (wall): %d." %
          (label, len(rows), med(ratios), lo[4], lo[0], med([r[7] for r in rows]), clo[7], clo[0],
           med([r[10] for r in rows]), sum(1 for x in ratios if x < 10)))


def bench_warm_start(a, tmp):
    packs = os.path.join(REPO, "rules")  # the shipped packs and the lists they name
    empty = os.path.join(tmp, "empty.log")
    open(empty, "w").close()
    cache = os.path.join(tmp, "warm-cache")
    cmds = {
        "rules test": [a.wardsoc, "rules", "test", packs, "--log", empty, "--summary"],
        "replay": [a.wardsoc, "replay", "--workers", "1", "--show", "0", "--rules", packs, "--", empty],
    }
    print("## Warm start\n")
    print("- machine: %s; load average at start %s" % (machine(), load()))
    print("- rules: %s, an empty log; medians of %d runs, wall and CPU (user+system)\n"
          % (packs, a.warm_runs))
    print("| command | cold (empty cache) wall / CPU ms | warm wall / CPU ms | --no-cache wall / CPU ms |")
    print("|---|---|---|---|")
    for label, cmd in cmds.items():
        res = {"cold": [], "warm": [], "nocache": []}
        warm_env = dict(os.environ, XDG_CACHE_HOME=cache)
        timed(cmd, warm_env)  # fills the cache the warm runs read
        for i in range(a.warm_runs):
            fresh = os.path.join(tmp, "cold-%d" % i)
            for kind, c, env in (("cold", cmd, dict(os.environ, XDG_CACHE_HOME=fresh)),
                                 ("warm", cmd, warm_env),
                                 ("nocache", cmd + ["--no-cache"], warm_env)):
                wall, cpu, rc, _ = timed(c, env)
                if rc != 0:
                    sys.exit("%s: %s failed (exit %d)" % (sys.argv[0], " ".join(c), rc))
                res[kind].append((wall, cpu))
            shutil.rmtree(fresh, ignore_errors=True)
        cell = lambda k: "%.0f / %.0f" % (1e3 * med([x[0] for x in res[k]]),
                                          1e3 * med([x[1] for x in res[k]]))
        print("| wardsoc %s | %s | %s | %s |" % (label, cell("cold"), cell("warm"), cell("nocache")))
        sys.stdout.flush()
    # What the process start-up alone costs (loading its shared libraries): no rules, no cache.
    start = [timed([a.wardsoc, "--version"])[:2] for _ in range(a.warm_runs)]
    print("\n- `wardsoc --version` (the process start-up alone): %.0f / %.0f ms" %
          (1e3 * med([x[0] for x in start]), 1e3 * med([x[1] for x in start])))
    print("- load average at the end %s\n" % load())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--wardsoc", default=os.path.join(REPO, "build", "app", "wardsoc"))
    p.add_argument("--filters", help="comma-separated filter names (default: every one)")
    p.add_argument("--runs", type=int, default=5, help="timed runs of each side (default 5)")
    p.add_argument("--lines", type=int, default=50000, help="lines of each input at least")
    p.add_argument("--workers", type=int, default=1,
                   help="wardsoc replay --workers (default 1: one core, as fail2ban-regex)")
    p.add_argument("--warm-runs", type=int, default=10)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--no-warm-start", action="store_true")
    g.add_argument("--warm-start-only", action="store_true")
    a = p.parse_args()
    a.wardsoc = os.path.abspath(a.wardsoc)
    if not os.access(a.wardsoc, os.X_OK):
        sys.exit("%s: %s is not an executable: build it (ninja -C build wardsoc) or give "
                 "--wardsoc PATH" % (sys.argv[0], a.wardsoc))
    if not a.warm_start_only:
        if shutil.which("fail2ban-regex") is None:
            sys.exit("%s: fail2ban-regex not found on PATH: install fail2ban (apt-get install "
                     "fail2ban), or run only the warm start with --warm-start-only" % sys.argv[0])
        if not os.path.isdir(FILTERS) or not os.path.isdir(LOGS):
            sys.exit("%s: fail2ban's filters or test logs are missing (%s, %s): apt-get install "
                     "fail2ban" % (sys.argv[0], FILTERS, LOGS))
    if a.runs < 1 or a.warm_runs < 1:
        sys.exit("%s: --runs and --warm-runs must be at least 1" % sys.argv[0])
    with tempfile.TemporaryDirectory(prefix="wardsoc-f2bbench-") as tmp:
        if not a.warm_start_only:
            bench_filters(a, tmp)
        if not a.no_warm_start:
            bench_warm_start(a, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
