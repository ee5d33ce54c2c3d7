#!/usr/bin/env python3
"""Benchmarks for tandem's per-invocation cost and behaviour under contention.

Usage: scripts/bench [--runs N] [--agents N] [--writes N]

1. Per invocation: `tandem config set` / `config get` against `git config` (plain and with
   core.fsync=all), median and p99 over N runs each, all in the same run (hyperfine).
2. Contention: N agent processes, each a loop of M `tandem config set` calls of distinct
   keys into one namespace at the default 5 s lock timeout; counts lost updates, timeouts
   (exit 6) and other failures.
Prints a Markdown report on stdout.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def hyperfine(commands, runs, workdir):
    out = os.path.join(workdir, "hyperfine.json")
    subprocess.run(
        ["hyperfine", "-N", "--warmup", "30", "--runs", str(runs), "--export-json", out, *commands],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as handle:
        results = json.load(handle)["results"]
    rows = []
    for result in results:
        times = sorted(result["times"])
        p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
        rows.append((result["command"], result["median"] * 1000, p99 * 1000, result["mean"] * 1000))
    return rows


def per_invocation(tandem, runs, workdir):
    home = os.path.join(workdir, "home")
    git_plain = os.path.join(workdir, "plain.gitconfig")
    git_fsync = os.path.join(workdir, "fsync.gitconfig")
    subprocess.run([tandem, "--home", home, "config", "set", "bench.key=0"], check=True, stdout=subprocess.DEVNULL)
    for path in (git_plain, git_fsync):
        subprocess.run(["git", "config", "--file", path, "bench.key", "0"], check=True)
    commands = [
        f"{tandem} --home {home} config set bench.key=1",
        f"git -c core.fsync=all -c core.fsyncMethod=fsync config --file {git_fsync} bench.key 1",
        f"git config --file {git_plain} bench.key 1",
        f"{tandem} --home {home} config get bench.key",
        f"git config --file {git_plain} bench.key",
    ]
    rows = hyperfine(commands, runs, workdir)
    labels = ["tandem config set", "git config (core.fsync=all)", "git config", "tandem config get", "git config (get)"]
    return [(label, *row[1:]) for label, row in zip(labels, rows)]


def contention(tandem, agents, writes, workdir):
    home = os.path.join(workdir, "contention")
    script = (
        'for i in $(seq 1 "$3"); do "$1" --home "$2" config set "agent$4.key$i=v$i" >/dev/null 2>&1; '
        's=$?; if [ $s -eq 6 ]; then echo timeout; elif [ $s -ne 0 ]; then echo "fail $s"; fi; done')
    start = time.monotonic()
    processes = [
        subprocess.Popen(["sh", "-c", script, "agent", tandem, home, str(writes), str(agent)],
                         stdout=subprocess.PIPE, text=True)
        for agent in range(agents)]
    outputs = [process.communicate()[0] for process in processes]
    elapsed = time.monotonic() - start
    timeouts = sum(output.count("timeout") for output in outputs)
    failures = sum(output.count("fail") for output in outputs)
    listing = subprocess.run([tandem, "--home", home, "--output", "json", "config", "list"],
                             check=True, capture_output=True, text=True)
    present = len(json.loads(listing.stdout)["data"]["entries"])
    applied = agents * writes - timeouts - failures
    return {
        "agents": agents, "writes": writes, "seconds": elapsed, "present": present,
        "expected": applied, "lost": applied - present, "timeouts": timeouts, "failures": failures,
        "throughput": agents * writes / elapsed,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--writes", type=int, default=50)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="tandem-bench-")
    try:
        rows = per_invocation(args.tandem, args.runs, workdir)
        result = contention(args.tandem, args.agents, args.writes, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    git_fsync = rows[1][1]
    print("## Per invocation (%d runs each, same run)\n" % args.runs)
    print("| command | median ms | p99 ms | mean ms | median vs git config with fsync |")
    print("|---|---|---|---|---|")
    for label, median, p99, mean in rows:
        print(f"| {label} | {median:.2f} | {p99:.2f} | {mean:.2f} | {median / git_fsync:.2f}x |")
    print("\n## Contention\n")
    print("| agents x writes | seconds | writes/s | keys present / applied | lost | timeouts (exit 6) | other failures |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {result['agents']} x {result['writes']} | {result['seconds']:.2f} | {result['throughput']:.0f} | "
          f"{result['present']} / {result['expected']} | {result['lost']} | {result['timeouts']} | {result['failures']} |")
    ok = result["lost"] == 0 and result["failures"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
