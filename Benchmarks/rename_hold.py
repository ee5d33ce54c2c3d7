#!/usr/bin/env python3
"""Why `rename` over a document is slow on this disk, and where the time goes when the old
file is held open: a serial loop of create + write + fsync + rename over `doc` + fsync of the
directory, 200 iterations per mode, alternating modes. `hold` keeps a descriptor of the file
being replaced open across the rename and closes it afterwards (what ConfigStore.update does).

    python3 Benchmarks/rename_hold.py DIRECTORY [BYTES]
"""
import os
import sys
import time
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
data = b"x" * (int(sys.argv[2]) if len(sys.argv) > 2 else 200)
def one(hold):
    old = None
    if hold and os.path.exists(os.path.join(d, "doc")):
        old = os.open(os.path.join(d, "doc"), os.O_RDONLY)
    t0 = time.perf_counter()
    fd = os.open(os.path.join(d, "tmp"), os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, data); t1 = time.perf_counter()
    os.fsync(fd); t2 = time.perf_counter()
    os.rename(os.path.join(d, "tmp"), os.path.join(d, "doc")); t3 = time.perf_counter()
    os.close(fd)
    os.fsync(dfd); t4 = time.perf_counter()
    if old is not None: os.close(old)
    t5 = time.perf_counter()
    return (t2 - t1, t3 - t2, t4 - t3, t5 - t4)
for hold in (False, True, False, True):
    rows = [one(hold) for _ in range(200)]
    med = lambda i: sorted(r[i] for r in rows)[len(rows)//2] * 1000
    mean = lambda i: sum(r[i] for r in rows) / len(rows) * 1000
    print("hold" if hold else "plain", "fsync file %.3f/%.3f rename %.3f/%.3f fsync dir %.3f/%.3f close old %.3f/%.3f (median/mean ms)" % (med(0), mean(0), med(1), mean(1), med(2), mean(2), med(3), mean(3)))
