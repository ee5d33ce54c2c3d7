#!/usr/bin/env python3
"""Writes a 10,000-key config document in which every key has its own provenance.

The worst case for reading provenance: each key written by its own commit (a distinct time)
and by one of 8 instances, as agents that set one key at a time leave a document. Building
it through `tandem` would take 10,000 processes; this writes what they would leave, in the
form of docs/provenance.md (keys k1..k10000, values "v").

    python3 Benchmarks/provenance_document.py HOME [KEYS]
    valgrind --tool=callgrind --callgrind-out-file=/dev/null tandem --home HOME config get k1
"""
import datetime
import os
import sys


def main():
    home = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    keys = sorted(f"k{i}" for i in range(1, count + 1))
    digest = 0xCBF29CE484222325
    for key in keys:
        for byte in key.encode() + b"\xff":
            digest = ((digest ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    base = 1_764_460_800_000

    def stamp(index):
        moment = datetime.datetime.fromtimestamp((base + index * 37) / 1000, datetime.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z agent-{index % 8}"

    lines = ["{", '  "format": "tandem.config/1",', f'  "revision": {count},',
             '  "updated_at": "2025-11-30T00:06:09.963Z",', '  "values": {',
             ",\n".join(f'    "{key}": "v"' for key in keys), "  },", '  "written": {',
             f'    "key_digest": "fnv1a-64:{digest:016x}",', '    "stamps": [',
             ",\n".join(f'      "{stamp(index)}"' for index in range(count)), "    ]", "  }", "}"]
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "config.json"), "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
