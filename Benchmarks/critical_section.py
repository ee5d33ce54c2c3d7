#!/usr/bin/env python3
"""Where the time of a `tandem config set` goes under contention: lock wait, and inside the
critical section (lock taken to lock released) the holder record, the read of the document,
the computation (parse, change, validate, encode), the sweep, the temporary file, each fsync,
the rename and the revision record.

Real runs, unmodified binary: N agents x W writes, one process per write (as in bench.py),
traced system-wide with `perf trace` (kernel tracepoints, no ptrace stop per call). The
binary runs under its own name (`tdcs`) so that its processes are told apart from everything
else on the machine. The figures are means per write, in milliseconds.

    python3 Benchmarks/critical_section.py --tandem "$(scripts/build-release)" --agents 16,64

perf trace adds a few microseconds to every traced system call; the absolute figures are
therefore slightly high, the shares are what matters.
"""
import argparse
import collections
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

COMM = "tdcs"
EVENTS = "openat,read,pread64,pwrite64,write,fsync,fdatasync,renameat,renameat2,fcntl,getdents64,close,newfstatat,fchmod"
LINE = re.compile(r"^\s*([\d.]+) \(\s*([\d.]+) ms\): (\S+?)/(\d+)\s+(?:\.\.\. \[continued\]: )?(\w+)\((.*?)\)\s*= (\S+)")
PENDING = re.compile(r"^\s*([\d.]+) \(\s*\): (\S+?)/(\d+) (\w+)\((.*)\)\s*\.\.\.\s*$")
FD = re.compile(r"fd: (\d+)")


def agent(arguments):
    binary, home, index, writes, shared = arguments
    for write in range(writes):
        key = f"shared.key{(index + write) % shared}" if shared else f"agent{index}.key{write}"
        subprocess.run([binary, "--home", home, "config", "set", f"{key}=v"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def trace_run(binary, workdir, agents, writes, shared):
    home = os.path.join(workdir, f"home-{agents}-{shared}")
    # The trace goes to memory (/dev/shm) when it can: written to the same disk, it would
    # compete with the fsyncs it measures.
    traces = "/dev/shm" if os.path.isdir("/dev/shm") else workdir
    output = os.path.join(traces, f"tandem-cs-trace-{os.getpid()}-{agents}-{shared}.txt")
    perf = subprocess.Popen(["perf", "trace", "-a", "-e", EVENTS, "-o", output], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(2)  # perf trace attaches to every CPU before the first write
    started = time.monotonic()
    with multiprocessing.Pool(agents) as pool:
        pool.map(agent, [(binary, home, index, writes, shared) for index in range(agents)])
    elapsed = time.monotonic() - started
    time.sleep(0.5)
    perf.send_signal(signal.SIGINT)
    perf.wait()
    return output, elapsed


def parse(path):
    """Completed system calls of COMM, by thread: (start ms, duration ms, name, args, result)."""
    calls = collections.defaultdict(list)
    pending = {}  # a call that blocked: its arguments are printed at entry, its result later
    with open(path, errors="replace") as handle:
        for line in handle:
            if COMM not in line:
                continue
            entry = PENDING.match(line)
            if entry and entry.group(2) == COMM:
                pending[int(entry.group(3))] = (entry.group(4), entry.group(5))
                continue
            match = LINE.match(line)
            if not match or match.group(3) != COMM:
                continue
            start, duration, _, tid, name, args, result = match.groups()
            if "[continued]" in line:
                started_name, started_args = pending.pop(int(tid), (name, ""))
                if started_name == name:
                    args = started_args
            args = re.sub(r"<[^>]*>", "", args)
            calls[int(tid)].append((float(start), float(duration), name, args, result))
    for events in calls.values():
        events.sort()
    return calls


def fd_of(args):
    match = FD.search(args)
    return int(match.group(1)) if match else None


def analyse(calls):
    """Phases of every write whose lock was taken and released by the same thread."""
    phases = collections.defaultdict(float)
    waits = []
    sections = []
    skipped = []
    for events in calls.values():
        lock_fd = None
        for position, (start, duration, name, args, result) in enumerate(events):
            if name == "openat" and "CREAT" in args and "EXCL" not in args and result.isdigit():
                lock_fd = int(result)
                break
        if lock_fd is None:
            continue  # the waiter thread of a process, or a process that never locked
        # Lock: the first OFD_SETLK (cmd 37) on the lock file; on EAGAIN the waiter thread
        # blocks and the main thread's next call comes once the lock is taken.
        attempt = next((i for i, e in enumerate(events) if e[2] == "fcntl" and fd_of(e[3]) == lock_fd
                        and "cmd: 37" in e[3]), None)
        release = next((i for i, e in enumerate(events) if e[2] == "close" and fd_of(e[3]) == lock_fd), None)
        if attempt is None or release is None or attempt + 1 >= len(events):
            continue
        attempt_end = events[attempt][0] + events[attempt][1]
        if events[attempt][4] == "0":
            acquired = attempt_end
        else:
            acquired = events[attempt + 1][0]
        wait = acquired - attempt_end
        released = events[release][0] + events[release][1]
        inside = events[attempt + 1:release + 1]
        # perf trace occasionally prints a garbage duration for a call that was interrupted
        # by a lost event; a write with a call longer than its whole section is left out.
        if any(event[1] > released - acquired + 0.001 for event in inside):
            skipped.append(1)
            continue
        sections.append(released - acquired)
        waits.append(wait)
        document_fd = temporary_fd = sweep_fd = None
        renamed = False
        syscall_total = 0.0
        for start, duration, name, args, result in inside:
            syscall_total += duration
            fd = fd_of(args)
            if name == "openat" and "NONBLOCK" in args and "CREAT" not in args and document_fd is None:
                document_fd = int(result) if result.isdigit() else -1
                phase = "read the document"
            elif name in ("read", "close") and fd is not None and fd == document_fd:
                phase = "read the document"
                if name == "close":
                    document_fd = -1
            elif name == "openat" and "DIRECTORY" in args:
                sweep_fd = int(result) if result.isdigit() else -1
                phase = "sweep (list the directory)"
            elif fd is not None and fd == sweep_fd and name in ("getdents64", "close", "fcntl", "newfstatat"):
                phase = "sweep (list the directory)"
                if name == "close":
                    sweep_fd = -1
            elif name == "openat" and "EXCL" in args:
                temporary_fd = int(result) if result.isdigit() else -1
                phase = "create, lock, fchmod, write the temporary file"
            elif fd is not None and fd == temporary_fd and name in ("fcntl", "newfstatat", "fchmod", "write"):
                phase = "create, lock, fchmod, write the temporary file"
            elif name == "fsync" and fd == temporary_fd:
                phase = "fsync of the file"
            elif name in ("renameat", "renameat2"):
                phase = "rename"
                renamed = True
            elif name == "fsync":
                phase = "fsync of the directory"
            elif name in ("pread64", "pwrite64") and fd == lock_fd:
                phase = "lock record: revision (after the rename)" if renamed else "lock record: holder"
            elif name == "close" and fd == lock_fd:
                phase = "release (close of the lock file)"
            else:
                phase = "other system calls (fstat checks, clock, close)"
            phases[phase] += duration
        phases["CPU between system calls (parse, apply, validate, encode; preemption)"] += (
            released - acquired - syscall_total)
    count = len(sections)
    if skipped:
        print(f"({len(skipped)} writes left out: a garbled duration in the trace)")
    return count, sum(waits) / max(count, 1), sum(sections) / max(count, 1), {
        phase: total / max(count, 1) for phase, total in phases.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--agents", default="16,64")
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--shared-keys", type=int, default=0, help="0: distinct keys")
    parser.add_argument("--keep", help="copy the raw traces into this directory")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="tandem-cs-")
    binary = os.path.join(workdir, COMM)
    shutil.copy(args.tandem, binary)
    try:
        for agents in [int(n) for n in args.agents.split(",")]:
            trace, elapsed = trace_run(binary, workdir, agents, args.writes, args.shared_keys)
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(trace, args.keep)
            count, wait, section, phases = analyse(parse(trace))
            os.unlink(trace)
            keys = f"{args.shared_keys} shared keys" if args.shared_keys else "distinct keys"
            print(f"\n### {agents} agents x {args.writes} writes, {keys}: {count} writes traced, "
                  f"{agents * args.writes / elapsed:.0f} writes/s under tracing\n")
            print(f"Mean lock wait {wait:.2f} ms; mean critical section {section:.3f} ms "
                  f"(at most {1000 / section if section else 0:.0f} writes/s back to back).\n")
            print("| inside the critical section | mean ms per write | share |")
            print("|---|---:|---:|")
            for phase, value in sorted(phases.items(), key=lambda item: -item[1]):
                print(f"| {phase} | {value:.3f} | {value / section:.0%} |")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
