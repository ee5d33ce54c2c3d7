#!/usr/bin/env python3
"""Side-by-side benchmark of tandem against git config, the sqlite3 command line, a Python
filelock + JSON writer and a naive JSON writer. Run it with scripts/bench.

1. Per invocation: one write (and one read) per process, median and p99 over --runs runs of
   each contender, all in the same run (hyperfine).
2. Contention: 1, 4, 16 and 64 agents x --writes writes of distinct keys, for every
   contender: throughput, p50 and p99 call latency (waiting included), timeouts, other
   failures and lost updates (writes that reported success but whose key is missing).
3. In-process (Benchmarks/Sources/tandem-bench): the lock's hand-off latency between
   processes, and ConfigStore's transaction rate against the raw durable-write rate of the
   disk (write + fsync + rename + fsync of the directory), in the same run.
4. Scale (--sections scale): `config set` / `config get` of one key in documents of 0, 100,
   1,000 and 10,000 keys, tandem next to git config and the sqlite3 command line holding
   the same keys, in one hyperfine run; with --callgrind, tandem's instruction counts too.
5. Contention by key pattern (--sections patterns): tandem and sqlite3 at --pattern-agents
   agents x --pattern-writes writes, with distinct keys (the document grows during the run)
   and with --shared-keys shared keys (it stays small), all in one run.
6. Stores (--sections stores): in one run against a throwaway PostgreSQL cluster of
   scripts/postgres, tandem on the file store, tandem on the PostgreSQL store (a fresh schema
   per measurement) and psql doing the same upsert, at --store-agents agents x
   --store-writes writes, distinct and --store-shared-keys shared keys; one call of each end
   to end (hyperfine); and the upsert without a process per write (psql's one session,
   pgbench with kept and with new connections); how long a write holds the document's lock,
   from the server's statement log; with --callgrind, the client's instructions per call.
   Needs tandem-postgres beside --tandem.
--sections picks what runs (default: invocation,contention,inprocess).
Prints Markdown; --plot writes a PNG of throughput and p99 latency against agents.
"""
import argparse
import json
import multiprocessing
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Contender:
    """How to write one key, and how to count the keys that are there."""

    def __init__(self, name, tandem, workdir):
        self.name = name
        self.tandem = tandem
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.home = os.path.join(self.dir, "home")
        self.gitfile = os.path.join(self.dir, "config")
        self.db = os.path.join(self.dir, "kv.db")
        self.json = os.path.join(self.dir, "state.json")
        if name == "sqlite3":
            with sqlite3.connect(self.db) as connection:
                connection.execute("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)")

    def write_command(self, key, value):
        if self.name == "tandem":
            return [self.tandem, "--home", self.home, "config", "set", f"{key}={value}"]
        if self.name == "git config":
            return ["git", "config", "--file", self.gitfile, key, value]
        if self.name == "git config (fsync)":
            return ["git", "-c", "core.fsync=all", "-c", "core.fsyncMethod=fsync", "config", "--file", self.gitfile,
                    key, value]
        if self.name == "sqlite3":
            return ["sqlite3", "-batch", "-cmd", ".timeout 5000", self.db,
                    f"INSERT INTO kv(k, v) VALUES('{key}', '{value}') ON CONFLICT(k) DO UPDATE SET v = excluded.v;"]
        if self.name == "python filelock":
            return [sys.executable, os.path.join(HERE, "contenders", "filelock_set.py"), self.json, key, value]
        if self.name == "naive JSON write":
            return [sys.executable, os.path.join(HERE, "contenders", "naive_set.py"), self.json, key, value]
        raise ValueError(self.name)

    def read_command(self, key):
        if self.name == "tandem":
            return [self.tandem, "--home", self.home, "config", "get", key]
        if self.name.startswith("git config"):
            return ["git", "config", "--file", self.gitfile, key]
        if self.name == "sqlite3":
            return ["sqlite3", "-batch", "-cmd", ".timeout 5000", self.db, f"SELECT v FROM kv WHERE k = '{key}';"]
        return [sys.executable, "-c", f"import json; print(json.load(open({self.json!r}))[{key!r}])"]

    def present_keys(self):
        if self.name == "tandem":
            out = subprocess.run([self.tandem, "--home", self.home, "--output", "json", "config", "list", "--limit", "0"],
                                 capture_output=True, text=True, check=True).stdout
            return {entry["key"] for entry in json.loads(out)["data"]["entries"]}
        if self.name.startswith("git config"):
            out = subprocess.run(["git", "config", "--file", self.gitfile, "--list"], capture_output=True, text=True)
            return {line.split("=", 1)[0] for line in out.stdout.splitlines()}
        if self.name == "sqlite3":
            with sqlite3.connect(self.db) as connection:
                return {row[0] for row in connection.execute("SELECT k FROM kv")}
        try:
            with open(self.json) as handle:
                return set(json.load(handle))
        except (FileNotFoundError, json.JSONDecodeError):
            return set()


def per_invocation(contenders, runs, workdir, rounds=3):
    """Each command's median and p99 over `rounds` hyperfine runs in alternating order, so that
    a drift of the machine during the run does not favour whichever command came first."""
    rows = []
    commands = []
    for contender in contenders:
        subprocess.run(contender.write_command("bench.key", "0"), check=True, capture_output=True)
        commands.append((contender.name + ", write", contender.write_command("bench.key", "1")))
    for contender in contenders:
        if contender.name not in ("git config (fsync)", "naive JSON write"):
            commands.append((contender.name + ", read", contender.read_command("bench.key")))
    export = os.path.join(workdir, "hyperfine.json")
    times = {label: [] for label, _ in commands}
    for round_ in range(rounds):
        ordered = commands if round_ % 2 == 0 else list(reversed(commands))
        quoted = [" ".join("'" + part.replace("'", "'\\''") + "'" for part in command) for _, command in ordered]
        subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", str(max(1, runs // rounds)), "--export-json",
                        export, *quoted], check=True, capture_output=True)
        with open(export) as handle:
            results = json.load(handle)["results"]
        for (label, _), result in zip(ordered, results):
            times[label] += [t * 1000 for t in result["times"]]
    for label, _ in commands:
        rows.append((label, percentile(times[label], 0.5), percentile(times[label], 0.99)))
    return rows


def agent_main(arguments):
    """One agent: a loop of separate processes, each writing one distinct key."""
    contender, agent, writes, shared = arguments
    environment = getattr(contender, "environment", None)
    latencies, statuses, messages = [], [], []
    first = time.monotonic()
    for index in range(writes):
        # Distinct keys: every write adds a key. Shared: every agent writes the same `shared`
        # keys, starting at its own offset so that writers collide on keys as well as the lock.
        key = f"shared.key{(agent + index) % shared}" if shared else f"agent{agent}.key{index}"
        started = time.monotonic()
        process = subprocess.run(contender.write_command(key, "v"), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=environment)
        latencies.append((time.monotonic() - started) * 1000)
        statuses.append((key, process.returncode))
        if process.returncode != 0 and len(messages) < 3:
            messages.append((process.returncode, process.stderr.decode(errors="replace").strip()))
    return latencies, statuses, first, time.monotonic(), messages


def contention(name, tandem, workdir, agents, writes, shared=0, contender=None):
    """N agents at once, each a loop of `writes` separate processes. `contender`, when given,
    is one prepared for this run alone (the stores section: a fresh schema); otherwise a
    Contender named `name` in a directory of its own."""
    if contender is None:
        run_dir = os.path.join(workdir, f"contention-{agents}-{shared}")
        os.makedirs(run_dir, exist_ok=True)
        contender = Contender(name, tandem, run_dir)
    with multiprocessing.Pool(agents) as pool:
        results = pool.map(agent_main, [(contender, agent, writes, shared) for agent in range(agents)])
    # From the first agent's first write to the last agent's last: pool start-up excluded.
    elapsed = max(result[3] for result in results) - min(result[2] for result in results)
    latencies = [value for result in results for value in result[0]]
    statuses = [entry for result in results for entry in result[1]]
    succeeded = {key for key, status in statuses if status == 0}
    # Writes that exited 0 (with shared keys, many writes of the same key).
    applied = sum(1 for _, status in statuses if status == 0)
    timeouts = sum(1 for _, status in statuses if status == 6)
    failures = sum(1 for _, status in statuses if status not in (0, 6))
    present = contender.present_keys()
    exits = {}
    for _, status in statuses:
        if status != 0:
            exits[status] = exits.get(status, 0) + 1
    return {
        "contender": name, "agents": agents, "writes": agents * writes, "seconds": elapsed,
        "keys": f"{shared} shared" if shared else "distinct", "final_keys": len(present),
        "throughput": applied / elapsed, "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99), "timeouts": timeouts, "failures": failures,
        "lost": len(succeeded - present), "exits": exits,
        "messages": [message for result in results for message in result[4]][:5],
    }


SCALE_SIZES = (0, 100, 1000, 10000)


def scale_homes(tandem, workdir, size):
    """A tandem home, a git config file and a sqlite3 database, each holding keys k1..kN = v."""
    base = os.path.join(workdir, f"scale-{size}")
    home, gitfile, db = os.path.join(base, "home"), os.path.join(base, "config"), os.path.join(base, "kv.db")
    os.makedirs(home, exist_ok=True)
    keys = [f"k{n}" for n in range(1, size + 1)]
    if keys:
        subprocess.run([tandem, "--home", home, "config", "set", *[f"{key}=v" for key in keys]], check=True,
                       capture_output=True)
    with open(gitfile, "w") as handle:
        handle.write("[bench]\n" + "".join(f"\t{key} = v\n" for key in keys))
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)")
        connection.executemany("INSERT INTO kv VALUES (?, 'v')", [(key,) for key in keys])
    return home, gitfile, db


def scale_commands(tandem, home, gitfile, db):
    """(label, command) for one set of k1 (an existing key, except at 0 keys) and one get."""
    sql = ["sqlite3", "-batch", "-cmd", ".timeout 5000", db]
    return [
        ("tandem set", [tandem, "--home", home, "config", "set", "k1=w"]),
        ("tandem get", [tandem, "--home", home, "config", "get", "k1"]),
        ("git config set", ["git", "config", "--file", gitfile, "bench.k1", "w"]),
        ("git config get", ["git", "config", "--file", gitfile, "bench.k1"]),
        ("sqlite3 set", sql + ["INSERT INTO kv(k, v) VALUES('k1', 'w') ON CONFLICT(k) DO UPDATE SET v = excluded.v;"]),
        ("sqlite3 get", sql + ["SELECT v FROM kv WHERE k = 'k1';"]),
    ]


def instructions(command, env=None):
    """Instructions of one run of `command` (valgrind callgrind), whatever its exit status. Of a
    command that executes another program in its place (tandem hands a store URL to
    tandem-postgres), valgrind reports the program that exits only."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes", "--callgrind-out-file=/dev/null",
                          *command], capture_output=True, text=True, env=env).stderr
    counts = [int(line.split("Collected :")[1].strip()) for line in out.splitlines() if "Collected :" in line]
    return sum(counts) if counts else None


def scale(tandem, workdir, runs, callgrind, rounds=3):
    """Median ms of every (size, command) from one hyperfine run per round, alternating the
    order between rounds; instruction counts of tandem's set and get at each size."""
    commands = []
    counts = {}
    for size in SCALE_SIZES:
        home, gitfile, db = scale_homes(tandem, workdir, size)
        for label, command in scale_commands(tandem, home, gitfile, db):
            commands.append(((size, label), command))
        if callgrind:
            # A fresh copy of the home per count: the timed runs below change k1.
            for label, verb, argument in (("set", "set", "k1=w"), ("get", "get", "k1")):
                copy = home + f"-callgrind-{label}"
                shutil.copytree(home, copy)
                counts[(size, label)] = instructions([tandem, "--home", copy, "config", verb, argument])
    export = os.path.join(workdir, "scale.json")
    times = {key: [] for key, _ in commands}
    for round_ in range(rounds):
        ordered = commands if round_ % 2 == 0 else list(reversed(commands))
        quoted = [" ".join("'" + part.replace("'", "'\\''") + "'" for part in command) for _, command in ordered]
        # -i: a get of k1 at 0 keys is NOT_FOUND (exit 5) for tandem and git.
        subprocess.run(["hyperfine", "-N", "-i", "--warmup", "5", "--runs", str(max(1, runs // rounds)),
                        "--export-json", export, *quoted], check=True, capture_output=True)
        with open(export) as handle:
            results = json.load(handle)["results"]
        for (key, _), result in zip(ordered, results):
            times[key] += [t * 1000 for t in result["times"]]
    return {key: percentile(values, 0.5) for key, values in times.items()}, counts


def in_process(bench, workdir, count):
    def run(*args):
        out = subprocess.run([bench, *args], capture_output=True, text=True, check=True).stdout
        return json.loads(out)
    disk_dir = os.path.join(workdir, "raw-disk")
    os.makedirs(disk_dir, exist_ok=True)
    return {
        "disk": run("disk", disk_dir, str(count)),
        "transactions": run("transactions", os.path.join(workdir, "tx-home"), str(count)),
        "handoff4": run("handoff", os.path.join(workdir, "handoff-4"), "4", "200"),
        "handoff16": run("handoff", os.path.join(workdir, "handoff-16"), "16", "60"),
    }


REPOSITORY = os.path.dirname(HERE)
POSTGRES_SCRIPT = os.path.join(REPOSITORY, "scripts", "postgres")
STORE_FILE = "tandem (file store)"
STORE_POSTGRES = "tandem (PostgreSQL store)"
STORE_PSQL = "psql"
STORE_CONTENDERS = (STORE_FILE, STORE_POSTGRES, STORE_PSQL)
# Written once before a contention run and left out of its counts: the PostgreSQL store
# creates its tables on a database's first use, a cost paid once per database, not per write.
SETUP_KEY = "bench.setup"


def upsert(table, key, value):
    return f"INSERT INTO {table}(k, v) VALUES('{key}', '{value}') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"


class PostgresCluster:
    """The throwaway cluster of scripts/postgres, started for one run and destroyed after it:
    loopback TCP, scram-sha-256 passwords, fsync and synchronous_commit on, max_connections
    200. Clients connect as tandem_test with sslmode=disable and the password in PGPASSWORD,
    never in their arguments."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tandem-bench-pg-")
        started = subprocess.run([POSTGRES_SCRIPT, "start", self.dir], capture_output=True, text=True)
        if started.returncode != 0:
            subprocess.run([POSTGRES_SCRIPT, "destroy", self.dir], capture_output=True)
            raise SystemExit(f"scripts/postgres start failed:\n{started.stderr}")
        variables = {}
        for line in started.stdout.splitlines():
            if line.startswith("export "):
                name, _, value = shlex.split(line[len("export "):])[0].partition("=")
                variables[name] = value
        self.port = variables["TANDEM_TEST_POSTGRES_PORT"]
        self.password = variables["TANDEM_TEST_POSTGRES_PASSWORD"]
        self.bin = variables["TANDEM_TEST_POSTGRES_BIN"]
        # The server's own psql: Debian's /usr/bin/psql is a Perl wrapper that picks a
        # version, and costs tens of milliseconds per start.
        self.psql = os.path.join(self.bin, "psql")
        self.url = variables["TANDEM_TEST_POSTGRES_URL"] + "?sslmode=disable"
        self.log = os.path.join(self.dir, "postgres.log")

    def store_url(self, schema):
        return f"{self.url}&schema={schema}"

    def environment(self, **extra):
        return dict(os.environ, PGPASSWORD=self.password, **extra)

    def sql(self, statements):
        """Runs statements as tandem_test over TCP; returns the rows, one a line."""
        return subprocess.run([self.psql, "-X", "-w", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c",
                               statements], capture_output=True, text=True, check=True,
                              env=self.environment()).stdout

    def admin_psql(self):
        """psql as the superuser on the cluster's unix socket: no TCP, no password (trust)."""
        return [self.psql, "-X", "-q", "-h", self.dir, "-p", self.port, "-U", "tandem_admin", "-d", "tandem_test"]

    def admin_store_url(self, schema):
        """A store URL of the superuser on the unix socket (trust: no password)."""
        return f"postgresql://tandem_admin@/tandem_test?host={self.dir}&port={self.port}&schema={schema}"

    def admin_session(self):
        """A psql session of the superuser reading statements from its standard input."""
        return subprocess.Popen(self.admin_psql() + ["-At"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1)

    def checkpoint(self):
        """Writes out the dirty buffers before a measurement, so that no run pays for the
        checkpoint of the one before it."""
        subprocess.run(self.admin_psql() + ["-c", "CHECKPOINT"], check=True, capture_output=True)

    def configure(self, settings):
        """Sets server parameters (ALTER SYSTEM; None: back to the configuration files') and
        reloads the configuration."""
        statements = [f"ALTER SYSTEM RESET {name}" if value is None else f"ALTER SYSTEM SET {name} = {value}"
                      for name, value in settings.items()]
        command = self.admin_psql()
        for statement in statements + ["SELECT pg_reload_conf()"]:
            command += ["-c", statement]
        subprocess.run(command, check=True, capture_output=True)

    def destroy(self):
        subprocess.run([POSTGRES_SCRIPT, "destroy", self.dir], capture_output=True)


class SessionSampler:
    """Counts the cluster's client sessions every 0.1 s from one persistent superuser session:
    the peak of all sessions and of those waiting for a lock (advisory locks included)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.peak_sessions = 0
        self.peak_waiting = 0
        self.failed = False

    def __enter__(self):
        import threading
        self.session = self.cluster.admin_session()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def run(self):
        query = ("SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                 "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid();\n")
        while not self.stop.wait(0.1):
            try:
                self.session.stdin.write(query)
                sessions, waiting = (int(n) for n in self.session.stdout.readline().strip().split("|"))
            except (OSError, ValueError):
                self.failed = True  # the table shows "?" rather than a peak that stopped counting
                return
            self.peak_sessions = max(self.peak_sessions, sessions)
            self.peak_waiting = max(self.peak_waiting, waiting)

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()
        self.session.stdin.close()
        self.session.wait()


class StoreContender:
    """A contender of the stores section on state of its own: a new tandem home, and for the
    PostgreSQL contenders a new schema of the same database and server. Picklable: the agents
    receive it."""

    def __init__(self, name, tandem, run_dir, cluster, schema):
        self.name = name
        self.tandem = tandem
        self.home = os.path.join(run_dir, "home")
        os.makedirs(self.home, exist_ok=True)
        self.psql, self.url, self.table = cluster.psql, cluster.url, f"{schema}.kv"
        if name == STORE_FILE:
            self.environment = None  # the file store: TANDEM_STORE is not in the environment
        elif name == STORE_POSTGRES:
            cluster.sql(f"CREATE SCHEMA {schema}")
            self.environment = cluster.environment(TANDEM_STORE=cluster.store_url(schema))
        elif name == STORE_PSQL:
            cluster.sql(f"CREATE SCHEMA {schema}; CREATE TABLE {self.table} (k text PRIMARY KEY, v text NOT NULL)")
            self.environment = cluster.environment()
        else:
            raise ValueError(name)
        subprocess.run(self.write_command(SETUP_KEY, "v"), env=self.environment, check=True, capture_output=True)

    def write_command(self, key, value):
        if self.name == STORE_PSQL:
            return [self.psql, "-X", "-w", "-q", "-d", self.url, "-c", upsert(self.table, key, value)]
        return [self.tandem, "--home", self.home, "config", "set", f"{key}={value}"]

    def present_keys(self):
        if self.name == STORE_PSQL:
            command = [self.psql, "-X", "-w", "-q", "-At", "-d", self.url, "-c", f"SELECT k FROM {self.table}"]
            out = subprocess.run(command, capture_output=True, text=True, check=True, env=self.environment).stdout
            keys = set(out.splitlines())
        else:
            command = [self.tandem, "--home", self.home, "--output", "json", "config", "list", "--limit", "0"]
            out = subprocess.run(command, capture_output=True, text=True, check=True, env=self.environment).stdout
            keys = {entry["key"] for entry in json.loads(out)["data"]["entries"]}
        return keys - {SETUP_KEY}


def store_contention(tandem, workdir, cluster, agent_counts, writes, shared_keys):
    """Every contender at every agent count, distinct keys and (with shared_keys) shared keys;
    the contenders of one agent count and key pattern measured one after the other, each on a
    fresh home or schema, after a checkpoint."""
    results = []
    patterns = (0, shared_keys) if shared_keys else (0,)
    for shared in patterns:
        for agents in agent_counts:
            for index, name in enumerate(STORE_CONTENDERS):
                run_dir = os.path.join(workdir, f"stores-{agents}-{shared}-{index}")
                contender = StoreContender(name, tandem, run_dir, cluster, f"bench_{agents}_{shared}_{index}")
                cluster.checkpoint()
                with SessionSampler(cluster) as sampler:
                    result = contention(name, tandem, workdir, agents, writes, shared, contender=contender)
                result["peak_sessions"] = None if sampler.failed else sampler.peak_sessions
                result["peak_waiting"] = None if sampler.failed else sampler.peak_waiting
                results.append(result)
    return results


def store_invocation(tandem, workdir, cluster, runs, callgrind, rounds=3):
    """One call of each command end to end (hyperfine -N, `rounds` rounds in alternating order):
    the median, the p99 and the CPU time of the calling process (user + system, mean); with
    `callgrind`, the instructions of one call of each (the client's only). Beside
    the writes, what a call pays before its first statement: the program's start, the TCP
    connection with SCRAM authentication, the same over the unix socket without a password."""
    tandem_postgres = os.path.join(os.path.dirname(tandem), "tandem-postgres")
    file_home, store_home = os.path.join(workdir, "single-file"), os.path.join(workdir, "single-postgres")
    os.makedirs(file_home, exist_ok=True)
    os.makedirs(store_home, exist_ok=True)
    cluster.sql("CREATE SCHEMA bench_single; CREATE TABLE bench_single.kv (k text PRIMARY KEY, v text NOT NULL)")
    store = ["--store", cluster.store_url("bench_single")]  # the URL holds no password
    trusted = ["--store", cluster.admin_store_url("bench_single")]
    psql = [cluster.psql, "-X", "-w", "-q", "-d", cluster.url, "-c"]
    commands = [
        ("tandem (file store): config set", [tandem, "--home", file_home, "config", "set", "bench.key=1"]),
        ("tandem (PostgreSQL store): config set", [tandem, "--home", store_home, *store, "config", "set",
                                                   "bench.key=1"]),
        ("tandem-postgres called directly: config set", [tandem_postgres, "--home", store_home, *store, "config",
                                                         "set", "bench.key=1"]),
        ("psql: the upsert", psql + [upsert("bench_single.kv", "bench.key", "1")]),
        ("tandem (file store): config get", [tandem, "--home", file_home, "config", "get", "bench.key"]),
        ("tandem (PostgreSQL store): config get", [tandem, "--home", store_home, *store, "config", "get",
                                                   "bench.key"]),
        ("tandem-postgres: config get over the unix socket, no password (superuser, trust)",
         [tandem_postgres, "--home", store_home, *trusted, "config", "get", "bench.key"]),
        ("psql: SELECT v", psql + ["SELECT v FROM bench_single.kv WHERE k = 'bench.key'"]),
        ("psql: SELECT 1", psql + ["SELECT 1"]),
        ("psql: SELECT 1 over the unix socket, no password (superuser, trust)", cluster.admin_psql() + ["-c",
                                                                                                        "SELECT 1"]),
        ("tandem-postgres: config get on the file store (its start-up, no connection)",
         [tandem_postgres, "--home", file_home, "config", "get", "bench.key"]),
        ("psql --version (start-up only)", [cluster.psql, "--version"]),
    ]
    environment = cluster.environment()
    for _, command in commands[:2]:
        subprocess.run(command, check=True, capture_output=True, env=environment)
    export = os.path.join(workdir, "stores-hyperfine.json")
    times = {label: [] for label, _ in commands}
    cpu = {label: [] for label, _ in commands}
    for round_ in range(rounds):
        ordered = commands if round_ % 2 == 0 else list(reversed(commands))
        quoted = [" ".join(shlex.quote(part) for part in command) for _, command in ordered]
        # PGPASSWORD is in hyperfine's environment, which the commands inherit.
        subprocess.run(["hyperfine", "-N", "--warmup", "10", "--runs", str(max(1, runs // rounds)), "--export-json",
                        export, *quoted], check=True, capture_output=True, env=environment)
        with open(export) as handle:
            results = json.load(handle)["results"]
        for (label, _), result in zip(ordered, results):
            times[label] += [t * 1000 for t in result["times"]]
            cpu[label].append((result["user"] + result["system"]) * 1000)
    counts = {label: instructions(command, env=environment) if callgrind else None for label, command in commands}
    return [(label, percentile(times[label], 0.5), percentile(times[label], 0.99), sum(cpu[label]) / len(cpu[label]),
             counts[label]) for label, _ in commands]


def store_sessions(workdir, cluster, upserts, pgbench_seconds, agent_counts):
    """The same upsert without a process per write: psql with every upsert in one session,
    then pgbench (one program, threads) with one connection per client kept for the whole
    run, and with a new connection per upsert (-C)."""
    rows = []
    cluster.sql("CREATE SCHEMA bench_sessions; CREATE TABLE bench_sessions.kv (k text PRIMARY KEY, v text NOT NULL)")
    script = os.path.join(workdir, "upserts.sql")
    with open(script, "w") as handle:
        handle.write("".join(upsert("bench_sessions.kv", f"session.key{n}", "v") + ";\n" for n in range(upserts)))
    cluster.checkpoint()
    started = time.monotonic()
    subprocess.run([cluster.psql, "-X", "-w", "-q", "-v", "ON_ERROR_STOP=1", "-d", cluster.url, "-f", script],
                   check=True, capture_output=True, env=cluster.environment())
    elapsed = time.monotonic() - started
    rows.append({"what": f"psql, one session, {upserts} upserts one after the other", "clients": 1,
                 "throughput": upserts / elapsed, "p99_ms": None})
    pgbench_script = os.path.join(workdir, "pgbench-upsert.sql")
    with open(pgbench_script, "w") as handle:
        handle.write("\\set n random(1, 1000000000)\n"
                     "INSERT INTO bench_sessions.kv(k, v) VALUES('pgbench.' || :n, 'v') "
                     "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;\n")
    environment = cluster.environment(PGSSLMODE="disable")
    for reconnect in (False, True):
        for clients in agent_counts:
            log_dir = os.path.join(workdir, f"pgbench-{clients}-{int(reconnect)}")
            os.makedirs(log_dir)
            cluster.checkpoint()
            out = subprocess.run([os.path.join(cluster.bin, "pgbench"), "-n", "-h", "127.0.0.1", "-p", cluster.port,
                                  "-U", "tandem_test", "-c", str(clients), "-j", "2", "-T", str(pgbench_seconds),
                                  "-f", pgbench_script, "-l", "--log-prefix", os.path.join(log_dir, "log"),
                                  *(["-C"] if reconnect else []), "tandem_test"],
                                 check=True, capture_output=True, text=True, env=environment).stdout
            latencies = []
            for name in os.listdir(log_dir):
                with open(os.path.join(log_dir, name)) as handle:
                    latencies += [int(line.split()[2]) / 1000 for line in handle if line.strip()]
            throughput = next(float(line.split("=")[1].split()[0]) for line in out.splitlines()
                              if line.startswith("tps ="))
            what = ("pgbench, a new connection per upsert (-C)" if reconnect
                    else "pgbench, one connection per client for the whole run")
            # With -C, pgbench's log times the upsert without its connection: no p99 here.
            rows.append({"what": what, "clients": clients, "throughput": throughput,
                         "p99_ms": None if reconnect else percentile(latencies, 0.99)})
    return rows


def store_lock_hold(tandem, workdir, cluster, agent_counts, writes):
    """How long the PostgreSQL store holds a document's lock per write, from the server's own
    log: every statement logged with its end time (log_min_duration_statement = 0, without
    parameters), the lock held from the end of pg_advisory_xact_lock to the end of COMMIT in
    the same backend. Milliseconds as the log prints them, so each hold is +-1 ms. Logging
    slows the server a little: these runs are not the contention table's."""
    cluster.configure({"log_min_duration_statement": "0", "log_parameter_max_length": "0",
                       "log_line_prefix": "'%n [%p] '"})
    rows = []
    try:
        for agents in agent_counts:
            run_dir = os.path.join(workdir, f"hold-{agents}")
            contender = StoreContender(STORE_POSTGRES, tandem, run_dir, cluster, f"bench_hold_{agents}")
            cluster.checkpoint()
            start = os.path.getsize(cluster.log)
            result = contention(STORE_POSTGRES, tandem, workdir, agents, writes, contender=contender)
            with open(cluster.log, errors="replace") as handle:
                handle.seek(start)
                lines = handle.read().splitlines()
            acquired, holds = {}, []
            for line in lines:
                # "1764493467.244 [17797] LOG:  duration: 0.016 ms  execute <unnamed>: /* ... */ SELECT ..."
                head, marker, statement = line.partition(" ms  execute <unnamed>: ")
                if not marker:
                    continue
                stamp, backend = head.split()[:2]
                if "pg_advisory_xact_lock" in statement:
                    acquired[backend] = float(stamp)
                elif statement.strip() == "COMMIT" and backend in acquired:
                    holds.append((float(stamp) - acquired.pop(backend)) * 1000)
            rows.append({"agents": agents, "throughput": result["throughput"], "holds": len(holds),
                         "mean_ms": sum(holds) / len(holds) if holds else float("nan"),
                         "p50_ms": percentile(holds, 0.5), "p99_ms": percentile(holds, 0.99)})
    finally:
        cluster.configure({"log_min_duration_statement": None, "log_parameter_max_length": None,
                           "log_line_prefix": None})
    return rows


def load_average():
    with open("/proc/loadavg") as handle:
        return handle.read().split()[0]


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, (left, right, lost) = plt.subplots(1, 3, figsize=(16, 4.5))
    for name in sorted({r["contender"] for r in results}):
        rows = sorted((r for r in results if r["contender"] == name), key=lambda r: r["agents"])
        agents = [r["agents"] for r in rows]
        left.plot(agents, [r["throughput"] for r in rows], marker="o", label=name)
        right.plot(agents, [r["p99_ms"] for r in rows], marker="o", label=name)
        lost.plot(agents, [100 * (r["failures"] + r["timeouts"] + r["lost"]) / r["writes"] for r in rows], marker="o",
                  label=name)
    for axis, title, unit in ((left, "Successful writes per second", "writes/s"), (right, "p99 call latency", "ms"),
                              (lost, "Writes not kept: failed, timed out or lost", "% of writes")):
        axis.set_xscale("log", base=2)
        axis.set_xticks([1, 4, 16, 64])
        axis.set_xticklabels(["1", "4", "16", "64"])
        axis.set_xlabel("concurrent agents (each a loop of separate processes)")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
    right.set_yscale("log")
    left.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def plot_scale(scaled, patterns, path):
    """Left and middle: median ms of set and get against keys, per contender (log-log).
    Right: writes/s by agents for each key pattern, tandem and sqlite3."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    columns = (1 if scaled else 0) * 2 + (1 if patterns else 0)
    figure, axes = plt.subplots(1, columns, figsize=(5.5 * columns, 4.5), squeeze=False)
    axes = list(axes[0])
    if scaled:
        medians, _ = scaled
        sizes = [max(size, 1) for size in SCALE_SIZES]  # 0 keys drawn at 1 on the log axis
        for axis, op in zip(axes, ("set", "get")):
            for contender in ("tandem", "git config", "sqlite3"):
                axis.plot(sizes, [medians[(size, f"{contender} {op}")] for size in SCALE_SIZES], marker="o",
                          label=contender)
            axis.set_xscale("log")
            axis.set_xticks(sizes)
            axis.set_xticklabels([f"{size:,}" for size in SCALE_SIZES])
            axis.set_xlabel("keys in the document")
            axis.set_ylabel("median ms per call")
            axis.set_title(f"One `{op}` against the document's size")
            axis.grid(True, alpha=0.3)
            axis.legend(fontsize=8)
            axis.set_ylim(bottom=0)
    if patterns:
        axis = axes[-1]
        for keys in sorted({r["keys"] for r in patterns}):
            for contender in ("tandem", "sqlite3"):
                rows = sorted((r for r in patterns if r["keys"] == keys and r["contender"] == contender),
                              key=lambda r: r["agents"])
                axis.plot([r["agents"] for r in rows], [r["throughput"] for r in rows], marker="o",
                          linestyle="-" if contender == "tandem" else "--", label=f"{contender}, {keys} keys")
        axis.set_xscale("log", base=2)
        agents = sorted({r["agents"] for r in patterns})
        axis.set_xticks(agents)
        axis.set_xticklabels([str(a) for a in agents])
        axis.set_xlabel("concurrent agents (one process per write)")
        axis.set_ylabel("successful writes/s")
        axis.set_title("Contention: distinct vs shared keys")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
        axis.set_ylim(bottom=0)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def print_stores(args, stored, single, sessions, holds, load):
    print(f"\n## The PostgreSQL store: contention ({args.store_writes} writes per agent, one process per write, "
          f"same run; load average {load[0]} before, {load[1]} after)\n")
    print("| keys | agents | contender | writes/s | p50 ms | p99 ms | timeouts | failed | lost | keys at the end "
          "| peak sessions (waiting for a lock) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in stored:
        if r["contender"] == STORE_FILE:
            sessions_column = ""
        elif r["peak_sessions"] is None:
            sessions_column = "?"
        else:
            sessions_column = f"{r['peak_sessions']} ({r['peak_waiting']})"
        print(f"| {r['keys']} | {r['agents']} | {r['contender']} | {r['throughput']:.0f} | {r['p50_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['timeouts']} | {r['failures']} | {r['lost']} | {r['final_keys']} | "
              f"{sessions_column} |")
    for r in stored:
        if r["exits"]:
            exits = ", ".join(f"exit {code}: {count}" for code, count in sorted(r["exits"].items()))
            print(f"\n{r['contender']}, {r['agents']} agents, {r['keys']} keys: {exits}; first messages:")
            for code, message in r["messages"]:
                print(f"    exit {code}: {message[:300]}")
    print("\n| keys | agents | PostgreSQL store / file store | PostgreSQL store / psql |")
    print("|---|---:|---:|---:|")
    for r in stored:
        if r["contender"] != STORE_POSTGRES:
            continue
        same = {o["contender"]: o["throughput"] for o in stored
                if o["agents"] == r["agents"] and o["keys"] == r["keys"]}
        print(f"| {r['keys']} | {r['agents']} | {r['throughput'] / same[STORE_FILE]:.2f}x | "
              f"{r['throughput'] / same[STORE_PSQL]:.2f}x |")
    print(f"\n## The PostgreSQL store: one call end to end ({args.store_runs} runs each, same run)\n")
    counted = any(count for *_, count in single)
    print("| command | median ms | p99 ms | CPU ms of the process (user + system, mean) |"
          + (" instructions (callgrind) |" if counted else ""))
    print("|---|---:|---:|---:|" + ("---:|" if counted else ""))
    for label, p50, p99, cpu, count in single:
        shown = "" if not counted else f" {count:,} |" if count else " ? |"
        print(f"| {label} | {p50:.2f} | {p99:.2f} | {cpu:.2f} |" + shown)
    print("\n## The same upsert without a process per write\n")
    print("| what | clients | upserts/s | ms per upsert and client (clients / upserts/s) | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for r in sessions:
        p99 = "" if r["p99_ms"] is None else f"{r['p99_ms']:.1f}"
        print(f"| {r['what']} | {r['clients']} | {r['throughput']:.0f} | {1000 * r['clients'] / r['throughput']:.2f} | "
              f"{p99} |")
    print(f"\n## The PostgreSQL store: how long a write holds the document's lock ({args.store_writes} writes "
          f"per agent, distinct keys, statements logged)\n")
    print("| agents | writes/s | 1000 / writes/s, ms | writes measured | lock held: mean ms | p50 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in holds:
        print(f"| {r['agents']} | {r['throughput']:.0f} | {1000 / r['throughput']:.1f} | {r['holds']} | "
              f"{r['mean_ms']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tandem", required=True)
    parser.add_argument("--bench", help="the tandem-bench executable (section inprocess)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--agents", default="1,4,16,64")
    parser.add_argument("--sections", default="invocation,contention,inprocess",
                        help="any of invocation,contention,inprocess,scale,patterns,stores")
    parser.add_argument("--scale-runs", type=int, default=60, help="runs of each scale command")
    parser.add_argument("--callgrind", action="store_true",
                        help="instruction counts in the scale table and the stores section's one-call table")
    parser.add_argument("--pattern-agents", default="16,64,128")
    parser.add_argument("--pattern-writes", type=int, default=30)
    parser.add_argument("--shared-keys", type=int, default=30)
    parser.add_argument("--store-agents", default="16,64")
    parser.add_argument("--store-writes", type=int, default=20, help="writes per agent in the stores section")
    parser.add_argument("--store-shared-keys", type=int, default=30,
                        help="shared keys of the stores section's second pattern (0: distinct keys only)")
    parser.add_argument("--store-runs", type=int, default=90, help="hyperfine runs of each single call")
    parser.add_argument("--store-upserts", type=int, default=2000, help="upserts of psql's one session")
    parser.add_argument("--pgbench-seconds", type=int, default=5, help="duration of each pgbench run")
    parser.add_argument("--plot")
    parser.add_argument("--scale-plot", help="PNG of the scale and key-pattern sections")
    parser.add_argument("--json")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if "inprocess" in sections and not args.bench:
        parser.error("the section inprocess needs --bench")
    # The file store's contenders must not follow a store URL of the caller's environment.
    os.environ.pop("TANDEM_STORE", None)
    agent_counts = [int(n) for n in args.agents.split(",")]
    workdir = tempfile.mkdtemp(prefix="tandem-bench-")
    names = ["tandem", "git config", "git config (fsync)", "sqlite3", "python filelock", "naive JSON write"]
    invocation, results, measured, scaled, patterns = None, [], None, None, []
    stored, store_single, store_rows, store_holds, cluster, store_load = [], None, [], [], None, None
    try:
        if "invocation" in sections:
            contenders = [Contender(name, args.tandem, os.path.join(workdir, "invocation")) for name in names]
            invocation = per_invocation(contenders, args.runs, workdir)
        if "contention" in sections:
            results = [contention(name, args.tandem, os.path.join(workdir, name.replace(" ", "-")), agents,
                                  args.writes) for name in names if name != "git config (fsync)"
                       for agents in agent_counts]
        if "inprocess" in sections:
            measured = in_process(args.bench, workdir, 1000)
        if "scale" in sections:
            scaled = scale(args.tandem, os.path.join(workdir, "scale"), args.scale_runs, args.callgrind)
        if "patterns" in sections:
            for agents in [int(n) for n in args.pattern_agents.split(",")]:
                for shared in (0, args.shared_keys):
                    for name in ("tandem", "sqlite3"):
                        patterns.append(contention(name, args.tandem,
                                                   os.path.join(workdir, "patterns", name.replace(" ", "-")),
                                                   agents, args.pattern_writes, shared))
        if "stores" in sections:
            if not os.path.exists(os.path.join(os.path.dirname(args.tandem), "tandem-postgres")):
                raise SystemExit("the stores section needs tandem-postgres beside tandem "
                                 "(scripts/build-release tandem-postgres)")
            store_load = [load_average()]
            cluster = PostgresCluster()
            store_agents = [int(n) for n in args.store_agents.split(",")]
            stored = store_contention(args.tandem, os.path.join(workdir, "stores"), cluster, store_agents,
                                      args.store_writes, args.store_shared_keys)
            store_single = store_invocation(args.tandem, workdir, cluster, args.store_runs, args.callgrind)
            store_rows = store_sessions(workdir, cluster, args.store_upserts, args.pgbench_seconds,
                                        [1] + store_agents)
            store_holds = store_lock_hold(args.tandem, os.path.join(workdir, "holds"), cluster, [1] + store_agents,
                                          args.store_writes)
            store_load.append(load_average())
    finally:
        if cluster:
            cluster.destroy()
        shutil.rmtree(workdir, ignore_errors=True)

    if invocation:
        baseline = next(p50 for label, p50, _ in invocation if label == "git config (fsync), write")
        print(f"## Per invocation ({args.runs} runs each, same run)\n")
        print("| command | median ms | p99 ms | median vs git config (fsync) write |")
        print("|---|---|---|---|")
        for label, p50, p99 in invocation:
            print(f"| {label} | {p50:.2f} | {p99:.2f} | {p50 / baseline:.2f}x |")
    if results:
        print(f"\n## Contention ({args.writes} writes of distinct keys per agent, one process per write)\n")
        print("| contender | agents | writes/s | p50 ms | p99 ms | timeouts | failures | lost updates |")
        print("|---|---|---|---|---|---|---|---|")
        for r in results:
            print(f"| {r['contender']} | {r['agents']} | {r['throughput']:.0f} | {r['p50_ms']:.1f} | "
                  f"{r['p99_ms']:.1f} | {r['timeouts']} | {r['failures']} | {r['lost']} |")
    if measured:
        print("\n## In process\n")
        print("| measurement | result |")
        print("|---|---|")
        print(f"| raw durable writes (write + fsync + rename + fsync dir) | {measured['disk']['per_second']:.0f}/s |")
        print(f"| ConfigStore.update transactions (lock, read, write, release) | "
              f"{measured['transactions']['per_second']:.0f}/s "
              f"({measured['transactions']['per_second'] / measured['disk']['per_second']:.0%} of raw) |")
        for key, label in (("handoff4", "4"), ("handoff16", "16")):
            h = measured[key]
            print(f"| lock hand-off, {label} competing processes ({h['samples']} samples) | p50 {h['p50_us']:.0f} µs, "
                  f"p99 {h['p99_us']:.0f} µs |")
    if results:
        serial = next((r["throughput"] for r in results if r["contender"] == "tandem" and r["agents"] == 1), None)
        at16 = next((r["throughput"] for r in results if r["contender"] == "tandem" and r["agents"] == 16), None)
        if serial and at16 is not None:
            print(f"\nAt 16 agents tandem wrote {at16:.0f}/s, {at16 / serial:.0%} of its serial rate ({serial:.0f}/s "
                  f"with one agent).")
    if scaled:
        medians, counts = scaled
        print(f"\n## Scale ({args.scale_runs} runs of each command, same run; median ms)\n")
        head = "| keys | tandem set | git config set | sqlite3 set | tandem get | git config get | sqlite3 get |"
        rule = "|---:|---:|---:|---:|---:|---:|---:|"
        if counts:
            head += " tandem set instructions | tandem get instructions |"
            rule += "---:|---:|"
        print(head)
        print(rule)
        for size in SCALE_SIZES:
            row = f"| {size:,} |" + "".join(f" {medians[(size, label)]:.2f} |" for label in (
                "tandem set", "git config set", "sqlite3 set", "tandem get", "git config get", "sqlite3 get"))
            if counts:
                row += "".join(f" {counts[(size, op)]:,} |" if counts[(size, op)] else " ? |" for op in ("set", "get"))
            print(row)
        for op in ("set", "get"):
            ratio = medians[(10000, f"tandem {op}")] / medians[(0, f"tandem {op}")]
            print(f"\ntandem {op} at 10,000 keys: {ratio:.2f}x its wall time at 0 keys.", end="")
        print()
    if patterns:
        print(f"\n## Contention by key pattern ({args.pattern_writes} writes per agent, one process per write, "
              f"same run)\n")
        print("| keys | agents | contender | writes/s | p50 ms | p99 ms | timeouts | failed | lost | keys at the end |")
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in patterns:
            print(f"| {r['keys']} | {r['agents']} | {r['contender']} | {r['throughput']:.0f} | {r['p50_ms']:.1f} | "
                  f"{r['p99_ms']:.1f} | {r['timeouts']} | {r['failures']} | {r['lost']} | {r['final_keys']} |")
        print("\n| keys | agents | tandem / sqlite3 writes/s |")
        print("|---|---:|---:|")
        for r in patterns:
            if r["contender"] != "tandem":
                continue
            other = next(o for o in patterns if o["contender"] == "sqlite3" and o["agents"] == r["agents"]
                         and o["keys"] == r["keys"])
            print(f"| {r['keys']} | {r['agents']} | {r['throughput'] / other['throughput']:.2f}x |")
    if stored:
        print_stores(args, stored, store_single, store_rows, store_holds, store_load)
    if args.scale_plot and (scaled or patterns):
        plot_scale(scaled, patterns, args.scale_plot)
    if args.plot and results:
        plot(results, args.plot)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"invocation": invocation, "contention": results, "in_process": measured,
                       "scale": {f"{k[0]} {k[1]}": v for k, v in scaled[0].items()} if scaled else None,
                       "patterns": patterns, "stores": stored, "stores_single": store_single,
                       "stores_sessions": store_rows, "stores_lock_hold": store_holds}, handle, indent=2)


if __name__ == "__main__":
    main()
