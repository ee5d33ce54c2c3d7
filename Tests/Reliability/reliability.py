#!/usr/bin/env python3
"""Reliability suite: runs the built `tandem` as real processes under stress, crashes,
disk faults and hostile input, and checks that nothing is lost, torn or left behind.

  scripts/reliability                  # short profile (CI): about a minute
  scripts/reliability --profile long   # long profile, on demand: several minutes

Each case states its expected exit codes, checks the final state exactly, and prints one
line; the last line is "N passed, M failed". Needs root for the disk-fault cases (a small
tmpfs); elsewhere they are reported as skipped.
"""
import argparse
import contextlib
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PROFILES = {
    "short": {"processes": [8, 32, 128], "writes": {8: 10, 32: 4, 128: 2}, "counter": (8, 10),
              "kills": 100, "acquisitions": 1000, "handoffs": 5, "fan_out": 40, "replacers": (8, 15),
              "token_agents": 128},
    "long": {"processes": [8, 32, 128], "writes": {8: 50, 32: 25, 128: 10}, "counter": (16, 25),
             "kills": 1000, "acquisitions": 10000, "handoffs": 20, "fan_out": 128, "replacers": (16, 40),
             "token_agents": 128},
}


class Suite:
    def __init__(self, tandem, profile):
        self.tandem = tandem
        self.profile = PROFILES[profile]
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.root = tempfile.mkdtemp(prefix="tandem-reliability-")

    def home(self, name):
        path = os.path.join(self.root, name)
        return path

    def run(self, home, *args, instance=None, timeout=None, stdin=None, env=None):
        command = [self.tandem, "--home", home, "--output", "json"]
        if instance is not None:
            command += ["--instance-id", instance]
        if timeout is not None:
            command += ["--lock-timeout", timeout]
        result = subprocess.run(command + list(args), capture_output=True, text=True, stdin=stdin, env=env)
        try:
            envelope = json.loads(result.stdout) if result.stdout.strip() else None
        except json.JSONDecodeError:
            envelope = None
        return result.returncode, envelope

    def report(self, name, ok, detail):
        if ok is None:
            self.skipped += 1
            print(f"SKIP {name}: {detail}", flush=True)
        elif ok:
            self.passed += 1
            print(f"PASS {name}: {detail}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {detail}", flush=True)

    def case(self, name, function):
        started = time.monotonic()
        try:
            ok, detail = function()
        except Exception as error:  # a crash of the harness is a failure, never a pass
            ok, detail = False, f"harness error: {error!r}"
        self.report(name, ok, f"{detail} ({time.monotonic() - started:.1f} s)")

    def values(self, home, instance=None):
        status, envelope = self.run(home, "config", "list", "--limit", "0", instance=instance)
        if status != 0:
            raise RuntimeError(f"config list exited {status}: {envelope}")
        return {entry["key"]: entry["value"] for entry in envelope["data"]["entries"]}

    # Lost updates -------------------------------------------------------------------

    def distinct_keys(self, processes):
        writes = self.profile["writes"][processes]
        home = self.home(f"distinct-{processes}")
        script = ('ok=0; conflict=0; other=0; for i in $(seq 1 "$3"); do "$1" --home "$2" config set "p$4.k$i=v$i" '
                  '>/dev/null 2>&1; s=$?; if [ $s -eq 0 ]; then ok=$((ok+1)); elif [ $s -eq 6 ]; then '
                  'conflict=$((conflict+1)); else other=$((other+1)); fi; done; echo "$ok $conflict $other"')
        agents = [subprocess.Popen(["sh", "-c", script, "agent", self.tandem, home, str(writes), str(p)],
                                   stdout=subprocess.PIPE, text=True) for p in range(processes)]
        counts = [list(map(int, agent.communicate()[0].split())) for agent in agents]
        ok = sum(c[0] for c in counts)
        conflicts = sum(c[1] for c in counts)
        other = sum(c[2] for c in counts)
        present = self.values(home)
        expected = {f"p{p}.k{i}" for p in range(processes) for i in range(1, writes + 1)}
        applied_ok = len(present) == ok and set(present) <= expected and other == 0
        return applied_ok, (f"{processes} processes x {writes} writes: {ok} exited 0, {conflicts} exited 6, "
                            f"{other} other; {len(present)} keys present, expected exactly the {ok} applied")

    def shared_counter(self):
        processes, increments = self.profile["counter"]
        home = self.home("counter")
        self.run(home, "config", "set", "counter=0")
        # get, then set --if-revision; on exit 6 read again and retry (bounded).
        script = r'''
        done=0; conflicts=0; tries=0
        while [ $done -lt "$3" ] && [ $tries -lt 2000 ]; do
          tries=$((tries+1))
          out=$("$1" --home "$2" --output json config get counter) || exit 9
          value=$(printf '%s' "$out" | sed -n 's/.*"value":"\([0-9]*\)".*/\1/p')
          rev=$(printf '%s' "$out" | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
          "$1" --home "$2" config set --if-revision "$rev" counter=$((value+1)) >/dev/null 2>&1
          s=$?
          if [ $s -eq 0 ]; then done=$((done+1)); elif [ $s -eq 6 ]; then conflicts=$((conflicts+1)); else exit 8; fi
        done
        echo "$done $conflicts"
        '''
        agents = [subprocess.Popen(["sh", "-c", script, "agent", self.tandem, home, str(increments)],
                                   stdout=subprocess.PIPE, text=True) for _ in range(processes)]
        outputs = [agent.communicate()[0].split() for agent in agents]
        statuses = [agent.returncode for agent in agents]
        done = sum(int(o[0]) for o in outputs if len(o) == 2)
        conflicts = sum(int(o[1]) for o in outputs if len(o) == 2)
        final = int(self.values(home)["counter"])
        expected = processes * increments
        return (final == expected and done == expected and all(s == 0 for s in statuses),
                f"{processes} processes x {increments} increments by get + set --if-revision: counter {final} "
                f"(expected {expected}); {done} sets exited 0, {conflicts} exited 6 and were retried")

    # Crashes --------------------------------------------------------------------------

    def kill_during_writes(self):
        home = self.home("crash")
        self.run(home, "config", "set", "seed=0")
        revision = 1
        torn = wrong = litter_max = killed_mid = committed_then_killed = temp_seen = 0
        # Kill times spread over a whole write, start-up included: measure how long one takes.
        started = time.monotonic()
        for _ in range(5):
            self.run(home, "config", "set", "calibrate=" + "x" * 60_000)
        window = (time.monotonic() - started) / 5 * 1.2
        revision = 6
        for round_ in range(self.profile["kills"]):
            value = "x" * random.choice([10, 1000, 60_000]) + str(round_)
            writer = subprocess.Popen([self.tandem, "--home", home, "config", "set", f"big={value}",
                                       f"round={round_}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(random.uniform(0, window))
            writer.send_signal(signal.SIGKILL)
            status = writer.wait()
            if status != 0:
                killed_mid += 1
            listed, envelope = self.run(home, "config", "list")
            if listed != 0:
                torn += 1
                continue
            now = envelope["data"]["revisions"]["shared"]
            if now not in (revision, revision + 1) or (status == 0 and now != revision + 1):
                wrong += 1
                print(f"  round {round_}: writer exit {status}, revision {revision} -> {now}", flush=True)
            if status != 0 and now == revision + 1:
                committed_then_killed += 1
            revision = now
            litter = [name for name in os.listdir(home) if ".tmp-" in name]
            temp_seen += 1 if litter else 0
            litter_max = max(litter_max, len(litter))
        self.run(home, "config", "set", "final=1")
        leftover = [name for name in os.listdir(home) if ".tmp-" in name]
        ok = torn == 0 and wrong == 0 and litter_max <= 1 and not leftover
        return ok, (f"{self.profile['kills']} writers killed with SIGKILL at random moments of a "
                    f"{window * 1000:.0f} ms window ({killed_mid} before finishing: {temp_seen} mid-write with a "
                    f"temporary file left, {committed_then_killed} after the rename): {torn} unreadable documents, {wrong} neither old nor new, at most {litter_max} "
                    f"temporary file at a time, {len(leftover)} left after the next write")

    # Disk faults ----------------------------------------------------------------------

    @contextlib.contextmanager
    def tmpfs(self, name, size_kb):
        """A small tmpfs for the duration of a case, or None where mounting is not allowed."""
        point = self.home(name)
        os.makedirs(point, exist_ok=True)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", point],
                                 capture_output=True).returncode == 0
        try:
            yield point if mounted else None
        finally:
            if mounted:
                subprocess.run(["mount", "-o", "remount,rw", point], capture_output=True)
                subprocess.run(["umount", point])

    def disk_full(self):
        with self.tmpfs("full", 512) as point:
            if point is None:
                return None, "cannot mount a tmpfs here (needs root)"
            home = os.path.join(point, "home")
            self.run(home, "config", "set", "keep=1")
            before = open(os.path.join(home, "config.json"), "rb").read()
            subprocess.run(f"cat /dev/zero > {point}/filler", shell=True, stderr=subprocess.DEVNULL)
            results = [self.run(home, "config", "set", f"k{i}=" + "v" * 60000) for i in range(5)]
            after = open(os.path.join(home, "config.json"), "rb").read()
            read_status, _ = self.run(home, "config", "get", "keep")
            codes = sorted({(s, e["error"]["code"] if e and e["error"] else None) for s, e in results})
            litter = [n for n in os.listdir(home) if ".tmp-" in n]
            ok = codes == [(4, "DISK_FULL")] and before == after and read_status == 0 and not litter
            return ok, (f"writes on a full file system gave {codes}; old document intact: {before == after}; "
                        f"reads: {read_status}")

    def read_only(self):
        with self.tmpfs("ro", 1024) as point:
            if point is None:
                return None, "cannot mount a tmpfs here (needs root)"
            home = os.path.join(point, "home")
            self.run(home, "config", "set", "keep=1")
            subprocess.run(["mount", "-o", "remount,ro", point], check=True)
            status, envelope = self.run(home, "config", "set", "k=v")
            read_status, _ = self.run(home, "config", "get", "keep")
            list_status, _ = self.run(home, "config", "list")
            code = envelope["error"]["code"] if envelope and envelope["error"] else None
            ok = status == 4 and code == "READ_ONLY_FILESYSTEM" and read_status == 0 and list_status == 0
            return ok, f"write on a read-only file system: exit {status} {code}; get {read_status}, list {list_status}"

    def permission_denied(self):
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            return None, "needs root and setpriv to act as another user"
        home = self.home("denied")
        self.run(home, "config", "set", "keep=1")
        os.chmod(self.root, 0o755)
        os.chmod(home, 0o755)
        os.chmod(os.path.join(home, "config.json"), 0o644)
        result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", self.tandem,
                                 "--home", home, "--output", "json", "config", "set", "k=v"],
                                capture_output=True, text=True)
        if result.returncode == 126 or "Permission denied" in result.stderr and not result.stdout:
            return None, "the binary is not executable by another user here"
        code = json.loads(result.stdout)["error"]["code"] if result.stdout.strip() else None
        read = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", self.tandem,
                               "--home", home, "config", "get", "keep"], capture_output=True, text=True)
        ok = result.returncode == 7 and code == "PERMISSION_DENIED" and self.values(home) == {"keep": "1"}
        return ok, f"write without permission: exit {result.returncode} {code}; read as that user: exit {read.returncode}"

    # Bad input ------------------------------------------------------------------------

    def corrupt_files(self):
        cases = {
            "empty": b"", "truncated": b'{"format":"tandem.config/1","revision":2,"values":{"a":',
            "trailing garbage": b'{"format":"tandem.config/1","revision":2,"values":{}}garbage',
            "invalid UTF-8": b'{"format":"tandem.config/1","revision":2,"values":{"a":"\xff\xfe"}}',
            "wrong types": b'{"format":"tandem.config/1","revision":"2","values":[]}',
            "100 MB": None,
        }
        problems = []
        for label, content in cases.items():
            home = self.home("corrupt-" + label.replace(" ", "-"))
            os.makedirs(home, exist_ok=True)
            path = os.path.join(home, "config.json")
            with open(path, "wb") as handle:
                if content is None:
                    handle.truncate(100 * 1024 * 1024)
                else:
                    handle.write(content)
            size = os.path.getsize(path)
            started = time.monotonic()
            for args in (["config", "get", "a"], ["config", "set", "a=1"]):
                status, envelope = self.run(home, *args)
                code = envelope["error"]["code"] if envelope and envelope["error"] else None
                if status != 4 or code != "STATE_CORRUPT" or os.path.getsize(path) != size:
                    problems.append(f"{label}: {args[1]} gave exit {status} {code}")
            if content is not None and open(path, "rb").read() != content:
                problems.append(f"{label}: the file changed")
            if content is None and time.monotonic() - started > 2:
                problems.append(f"{label}: took {time.monotonic() - started:.1f} s (read whole?)")
        return not problems, f"{len(cases)} corrupt documents, each refused with exit 4 STATE_CORRUPT and left as it was" + (
            f"; problems: {problems}" if problems else "")

    def planted_symlinks(self):
        canary_dir = self.home("canary")
        os.makedirs(canary_dir, exist_ok=True)
        canary = os.path.join(canary_dir, "canary.txt")
        with open(canary, "w") as handle:
            handle.write("canary")
        home = self.home("symlinks")
        self.run(home, "config", "set", "a=1")
        os.remove(os.path.join(home, "config.json"))
        os.symlink(canary, os.path.join(home, "config.json"))
        status_state, envelope = self.run(home, "config", "set", "a=2")
        os.remove(os.path.join(home, "config.json"))
        temp = os.path.join(home, ".config.json.tmp-planted")
        os.symlink(canary, temp)
        status_temp, _ = self.run(home, "config", "set", "a=3")
        untouched = open(canary).read() == "canary" and os.listdir(canary_dir) == ["canary.txt"]
        code = envelope["error"]["code"] if envelope and envelope["error"] else None
        ok = status_state == 4 and code == "UNSAFE_STATE_PATH" and status_temp == 0 and untouched \
            and not os.path.lexists(temp)
        return ok, (f"symlink at the document: exit {status_state} {code}; symlink at a temp path: swept, write exit "
                    f"{status_temp}; canary untouched: {untouched}")

    def hostile_names(self):
        ids = ["..", ".", "../../etc", "a/b", "/abs", "-rf", "x" * 10_000, "аgent", "ａgent", "a\tb", "a b", ""]
        keys = ["..", "../x", "a/b", "-x", "--help", "a..b", "k" * 10_000, "ключ", "a b", ""]
        home = self.home("hostile")
        problems = []
        for instance in ids:
            status, envelope = self.run(home, "config", "set", "k=v", instance=instance)
            if status != 2:
                problems.append(f"instance {instance[:20]!r}: exit {status}")
        for key in keys:
            # After `--`, so that even `--help=v` reaches key validation as a key.
            status, _ = self.run(home, "config", "set", "--", f"{key}=v")
            if status != 2:
                problems.append(f"key {key[:20]!r}: exit {status}")
        # NUL cannot pass through argv; it is refused by the kernel before tandem runs.
        created = os.path.exists(home)
        outside = [n for n in os.listdir(self.root) if n not in self.created_names()]
        ok = not problems and not created and not outside
        return ok, (f"{len(ids)} hostile instance ids and {len(keys)} hostile keys: all exit 2, nothing created "
                    f"(home exists: {created}; stray entries: {outside})" + (f"; problems: {problems}" if problems else ""))

    def created_names(self):
        return set(os.listdir(self.root))

    # Lock hygiene -----------------------------------------------------------------------

    def killed_holder_handoff(self):
        home = self.home("handoff")
        latencies = []
        for _ in range(self.profile["handoffs"]):
            holder = subprocess.Popen([self.tandem, "--home", home, "lock", "run", "--name", "k", "--", "sleep", "30"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            command_pid = None
            for _ in range(500):
                status, envelope = self.run(home, "lock", "status", "--name", "k")
                # The record names tandem until the command has started, then the command.
                holder_record = envelope["data"]["holder"] if envelope and envelope["data"]["held"] else None
                if holder_record and holder_record["pid"] != holder.pid:
                    command_pid = holder_record["pid"]
                    break
                time.sleep(0.01)
            waiter = subprocess.Popen([self.tandem, "--home", home, "--lock-timeout", "10s", "lock", "run", "--name",
                                       "k", "--", "date", "+%s.%N"], stdout=subprocess.PIPE, text=True)
            time.sleep(0.2)
            killed_at = time.time()
            # The command runs in a process group of its own (its pid, shown by lock status):
            # killing tandem's group alone no longer reaches it, so kill both, as the README says.
            os.killpg(holder.pid, signal.SIGKILL)
            if command_pid:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(command_pid, signal.SIGKILL)
            holder.wait()
            output = waiter.communicate()[0].strip()
            latencies.append((float(output) - killed_at) * 1000 if output else float("inf"))
        worst = max(latencies)
        return worst < 100, (f"holder and its command killed with SIGKILL {len(latencies)} times; the waiting "
                             f"process ran its command {min(latencies):.1f} to {worst:.1f} ms later (limit 100 ms, "
                             f"including starting that command)")

    def exclusive_acquisitions(self):
        total = self.profile["acquisitions"]
        loops = 8
        home = self.home("exclusive")
        os.makedirs(home, exist_ok=True)
        marker = os.path.join(home, "inside")
        # Every holder creates a directory that only one process can create; a second holder
        # at the same time would fail to create it and report OVERLAP.
        check = 'mkdir "$0" 2>/dev/null || { echo OVERLAP; exit 3; }; rmdir "$0"'
        script = ('n=0; o=0; while [ $n -lt "$3" ]; do out=$("$1" --home "$2" lock run --name x -- sh -c \'' + check +
                  '\' "$4" 2>&1); s=$?; [ $s -eq 0 ] || o=$((o+1)); n=$((n+1)); done; echo $o')
        agents = [subprocess.Popen(["sh", "-c", script, "agent", self.tandem, home, str(total // loops), marker],
                                   stdout=subprocess.PIPE, text=True) for _ in range(loops)]
        overlaps = sum(int(agent.communicate()[0].strip() or 1) for agent in agents)
        return overlaps == 0, (f"{total} acquisitions by {loops} competing processes with a checker inside the lock: "
                               f"{overlaps} overlaps or failures seen")

    # Edges of "no acknowledged write is lost" -------------------------------------------

    def fan_out_under_lock_run(self):
        """Parallel writers inside one `lock run` (xargs -P, make -j, `&`), and one level
        deeper: a nested `lock run` whose own children fan out too. Every writer must exit 0
        and every key must be there; meanwhile an outsider must be refused."""
        count = self.profile["fan_out"]
        home = self.home("fan-out")
        statuses = os.path.join(self.root, "fan-out.status")
        inner = ('for i in $(seq 1 "$3"); do ( "$1" --home "$2" config set "inner.k$i=v" >/dev/null 2>&1; '
                 'echo "inner$i $?" >> "$4" ) & done; wait')
        outer = ('for i in $(seq 1 "$3"); do ( "$1" --home "$2" config set "outer.k$i=v" >/dev/null 2>&1; '
                 'echo "outer$i $?" >> "$4" ) & done; '
                 '"$1" --home "$2" lock run -- sh -c \'' + inner + '\' inner "$1" "$2" "$5" "$4" & '
                 'wait')
        holder = subprocess.Popen([self.tandem, "--home", home, "--lock-timeout", "60s", "lock", "run", "--", "sh",
                                   "-c", outer, "outer", self.tandem, home, str(count), statuses, str(count // 4)])
        time.sleep(0.2)
        outsider, _ = self.run(home, "config", "set", "outsider=1", timeout="0")
        holder.wait()
        with open(statuses) as handle:
            results = [line.split() for line in handle if line.strip()]
        failed = [name for name, status in results if status != "0"]
        present = self.values(home)
        expected = {f"outer.k{i}" for i in range(1, count + 1)} | {f"inner.k{i}" for i in range(1, count // 4 + 1)}
        missing = expected - set(present)
        outsider_ok = outsider == 6 or (outsider == 0 and "outsider" in present)
        ok = holder.returncode == 0 and not failed and not missing and len(results) == len(expected) and outsider_ok
        return ok, (f"{count} parallel writers inside one lock run and {count // 4} more inside a nested lock run: "
                    f"{len(results) - len(failed)} of {len(expected)} exited 0, {len(missing)} keys missing; "
                    f"an outsider with --lock-timeout 0 exited {outsider}")

    def lock_file_replaced(self):
        """Writers race while another process keeps deleting the lock file by hand. Exclusion
        is then broken, so writes may be refused (exit 6, nothing written) or reported as
        unconfirmed; but every write acknowledged with exit 0 must be in the document."""
        processes, writes = self.profile["replacers"]
        home = self.home("replaced-lock")
        self.run(home, "config", "set", "seed=1")
        lock_file = os.path.join(home, "config.json.lock")
        script = ('for i in $(seq 1 "$3"); do "$1" --home "$2" config set "p$4.k$i=v" >/dev/null 2>&1; '
                  'echo "p$4.k$i $?"; done')
        agents = [subprocess.Popen(["sh", "-c", script, "agent", self.tandem, home, str(writes), str(p)],
                                   stdout=subprocess.PIPE, text=True) for p in range(processes)]
        removals = 0
        while any(agent.poll() is None for agent in agents):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_file)
                removals += 1
            time.sleep(random.uniform(0.001, 0.02))
        results = [line.split() for agent in agents for line in agent.communicate()[0].splitlines() if line.strip()]
        acknowledged = {key for key, status in results if status == "0"}
        others = sorted({status for _, status in results if status not in ("0", "6")})
        present = self.values(home)
        lost = acknowledged - set(present)
        ok = not lost and set(others) <= {"6"} and "seed" in present
        return ok, (f"{processes} processes x {writes} writes while the lock file was deleted {removals} times: "
                    f"{len(acknowledged)} acknowledged, {len(lost)} of them lost; other exits: {others or 'none'}")

    def revisions_never_reused(self):
        """A revision must never match a different document: not after the document is
        deleted by hand, not after config repair, not after instances remove. An agent read
        revision 2; the document goes away and a new one is written twice; the agent's stale
        --if-revision 2 must still be refused."""
        home = self.home("revisions")
        steps = []

        def stale_write(instance=None):
            for value in ("new1", "new2"):
                self.run(home, "config", "set", f"k={value}", instance=instance)
            return self.run(home, "config", "set", "--if-revision", "2", "k=stale", instance=instance)[0]

        for value in ("1", "2"):
            self.run(home, "config", "set", f"k={value}")
        os.unlink(os.path.join(home, "config.json"))
        steps.append(("the document deleted by hand", stale_write()))
        with open(os.path.join(home, "config.json"), "w") as handle:
            handle.write("{")
        self.run(home, "config", "repair")
        steps.append(("config repair", stale_write()))
        for value in ("1", "2"):
            self.run(home, "config", "set", f"k={value}", instance="agent-1")
        self.run(home, "instances", "remove", "agent-1")
        steps.append(("instances remove", stale_write(instance="agent-1")))
        values = [self.values(home).get("k"), self.values(home, instance="agent-1").get("k")]
        ok = all(code == 6 for _, code in steps) and "stale" not in values
        return ok, ("a stale --if-revision 2 after " + ", ".join(f"{name}: exit {code}" for name, code in steps)
                    + " (6 expected: refused)")

    def lock_free_after_lock_run(self):
        """A command that leaves a background grandchild behind must not keep the lock
        after `lock run` returns."""
        home = self.home("grandchild")
        started = time.monotonic()
        # Not capturing output: the grandchild would hold the pipe open, and the harness
        # would wait for it instead of for `lock run`.
        status = subprocess.run([self.tandem, "--home", home, "lock", "run", "--", "sh", "-c", "sleep 5 & exit 0"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        returned = time.monotonic()
        free_after = None
        while time.monotonic() - returned < 3:
            code, _ = self.run(home, "config", "set", "k=v", timeout="0")
            if code == 0:
                free_after = time.monotonic() - returned
                break
            time.sleep(0.02)
        ok = status == 0 and free_after is not None and free_after < 1.0
        shown = f"{free_after * 1000:.0f} ms" if free_after is not None else "not within 3 s"
        return ok, (f"lock run -- sh -c 'sleep 5 & exit 0' exited {status} after {returned - started:.2f} s; "
                    f"the lock was free {shown} after it returned (limit 1 s)")

    # Credentials ----------------------------------------------------------------------

    def single_flight_refresh(self):
        """N `auth token` processes at once for an account whose access token has expired,
        against a token endpoint that rotates the refresh token at every use and revokes the
        grant when a used one comes back (as providers with reuse detection do): one request,
        one token for everyone, nobody logged out."""
        agents = self.profile["token_agents"]
        home = self.home("credentials")
        state = {"current": "rt-0", "issued": 0, "requests": 0, "reused": 0, "revoked": False}
        guard = threading.Lock()

        class Endpoint(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                time.sleep(0.3)  # long enough that every agent asks while it is out
                with guard:
                    state["requests"] += 1
                    token = body.get("refresh_token", [""])[0]
                    if state["revoked"] or token != state["current"]:
                        state["reused"] += 1
                        state["revoked"] = True
                        answer, code = {"error": "invalid_grant"}, 400
                    else:
                        state["issued"] += 1
                        state["current"] = f"rt-{state['issued']}"
                        answer = {"access_token": f"at-{state['issued']}", "expires_in": 3600,
                                  "refresh_token": state["current"], "token_type": "Bearer"}
                        code = 200
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/token"
            with tempfile.TemporaryFile("w+") as grant:
                grant.write("rt-0\n")
                grant.seek(0)
                login, _ = self.run(home, "auth", "login", "--account", "svc", "--token-url", url, "--client-id",
                                    "reliability", stdin=grant)
            if login != 0:
                return False, f"auth login exited {login}"
            command = [self.tandem, "--home", home, "--output", "json", "--lock-timeout", "30s", "auth", "token"]
            started = time.monotonic()
            processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                         for _ in range(agents)]
            outputs = [(process.communicate()[0], process.returncode) for process in processes]
            elapsed = time.monotonic() - started
        finally:
            server.shutdown()
            server.server_close()
        tokens = set()
        failures = 0
        for output, code in outputs:
            try:
                tokens.add(json.loads(output)["data"]["access_token"] if code == 0 else None)
            except (ValueError, KeyError, TypeError):
                tokens.add(None)
            failures += code != 0
        ok = failures == 0 and tokens == {"at-1"} and state["requests"] == 1 and state["reused"] == 0
        return ok, (f"{agents} processes asked at once for an expired token: {agents - failures} exited 0, "
                    f"{failures} failed; {state['requests']} request(s) reached the endpoint, "
                    f"{state['reused']} with a used refresh token; distinct tokens handed out: {len(tokens)}; "
                    f"all answered within {elapsed:.1f} s")

    def run_all(self):
        for processes in self.profile["processes"]:
            self.case(f"lost-updates/distinct-keys/{processes}", lambda p=processes: self.distinct_keys(p))
        self.case("lost-updates/shared-counter", self.shared_counter)
        self.case("crash/kill-9-during-writes", self.kill_during_writes)
        self.case("disk/full", self.disk_full)
        self.case("disk/read-only", self.read_only)
        self.case("disk/permission-denied", self.permission_denied)
        self.case("input/corrupt-documents", self.corrupt_files)
        self.case("input/planted-symlinks", self.planted_symlinks)
        self.case("input/hostile-ids-and-keys", self.hostile_names)
        self.case("locks/killed-holder-handoff", self.killed_holder_handoff)
        self.case("locks/exclusive-acquisitions", self.exclusive_acquisitions)
        self.case("nested/fan-out-under-lock-run", self.fan_out_under_lock_run)
        self.case("nested/lock-free-after-lock-run", self.lock_free_after_lock_run)
        self.case("locks/lock-file-deleted-by-hand", self.lock_file_replaced)
        self.case("revisions/never-reused", self.revisions_never_reused)
        self.case(f"credentials/single-flight/{self.profile['token_agents']}", self.single_flight_refresh)
        shutil.rmtree(self.root, ignore_errors=True)
        summary = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            summary += f", {self.skipped} skipped"
        print(summary, flush=True)
        return self.failed == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="short")
    args = parser.parse_args()
    sys.exit(0 if Suite(os.path.abspath(args.tandem), args.profile).run_all() else 1)


if __name__ == "__main__":
    main()
