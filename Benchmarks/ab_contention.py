#!/usr/bin/env python3
"""Paired contention runs of two tandem binaries: N agents x W writes of distinct keys, one
process per write (bench.py's harness, no tracing), the two binaries alternating within each
round so that a drift of the machine's load hits both.

    python3 Benchmarks/ab_contention.py before=/path/to/tandem after="$(scripts/build-release)" \
        --agents 16,64 --writes 30 --rounds 3
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs=2, help="LABEL=PATH")
    parser.add_argument("--agents", default="16,64")
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binaries = [tuple(argument.split("=", 1)) for argument in args.binaries]
    print("| round | agents | " + " | ".join(f"{label} writes/s" for label, _ in binaries)
          + " | failed, timeouts, lost |")
    print("|---:|---:|" + "---:|" * len(binaries) + "---|")
    for round_ in range(args.rounds):
        for agents in [int(n) for n in args.agents.split(",")]:
            ordered = binaries if round_ % 2 == 0 else list(reversed(binaries))
            results = {}
            for label, path in ordered:
                results[label] = bench.contention("tandem", path, tempfile.mkdtemp(prefix="tandem-ab-"), agents,
                                                  args.writes)
            problems = ", ".join(f"{label} {r['failures']}/{r['timeouts']}/{r['lost']}" for label, r in results.items())
            print(f"| {round_ + 1} | {agents} | "
                  + " | ".join(f"{results[label]['throughput']:.0f}" for label, _ in binaries) + f" | {problems} |",
                  flush=True)


if __name__ == "__main__":
    main()
