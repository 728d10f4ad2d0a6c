#!/usr/bin/env python3
"""ShardQL side by side with sqlite3, PostgreSQL and DuckDB on identical data, answers checked.

Run it through Benchmarks/compare/run (which builds shardql, installs the Python tools into a
virtual environment and starts a throwaway PostgreSQL); see Benchmarks/README.md.

Engines, each a separate process per statement (wall clock includes its start-up, reported on its
own as `SELECT 1`):
  sqlite3          one file, ../shared/tpch/sqlite/schema.sql, `.import`
  shardql          embedded, 4 shards: orders/lineitem co-located on the order key, six reference
                   tables (datasets/tpch), nycflights13 (datasets/load-nycflights13)
  shardql-workers  the same over 2 `shardql worker` processes on 127.0.0.1 (2 shards each)
  postgres         PostgreSQL (SHARDQL_TEST_POSTGRES), `\\copy`, then ANALYZE
  duckdb           the DuckDB CLI, one file, COPY
Every answer is compared with sqlite3's (text exactly, numbers within a relative 1e-6); a
difference is printed as MISMATCH and makes the run fail. Timings never fail it.
"""
import argparse
import csv
import io
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
TPCH_SQL = SHARED / "tpch" / "sqlite"
TABLES = ["region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem"]
FLIGHTS_COLUMNS = (
    "year INTEGER, month INTEGER, day INTEGER, dep_time INTEGER, sched_dep_time INTEGER, dep_delay INTEGER, "
    "arr_time INTEGER, sched_arr_time INTEGER, arr_delay INTEGER, carrier TEXT, flight INTEGER, tailnum TEXT, "
    "origin TEXT, dest TEXT, air_time INTEGER, distance INTEGER, hour INTEGER, minute INTEGER, time_hour TEXT")


def say(message):
    print(f"compare: {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    pass


def run(command, stdin_text=None, timeout=None, env=None):
    """Runs a command; returns (seconds, stdout). A non-zero exit or stderr output is a Failure."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, input=stdin_text, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out after {timeout} s: {' '.join(map(str, command))[:200]}")
    seconds = time.perf_counter() - start
    if done.returncode != 0 or done.stderr.strip():
        raise Failure(f"{' '.join(map(str, command))[:200]}: exit {done.returncode}: {done.stderr.strip()[:2000]}")
    return seconds, done.stdout


def rows_of(text):
    """CSV rows; a blank line is a row of one NULL (sqlite3 prints a lone NULL as nothing)."""
    return [row or [""] for row in csv.reader(io.StringIO(text))]


# ---- Engines ---------------------------------------------------------------------------------

class Engine:
    name = ""

    def load(self, data):
        """Loads TPC-H (data/*.csv) and nycflights13; returns seconds."""
        raise NotImplementedError

    def query(self, sql, timeout):
        """Runs one statement in a fresh process; returns (seconds, rows as lists of text)."""
        raise NotImplementedError

    def dialect(self, sql):
        return sql

    def close(self):
        pass


class SQLite3(Engine):
    name = "sqlite3"

    def __init__(self, work):
        self.db = work / "sqlite3.db"

    def load(self, data):
        script = [TPCH_SQL.joinpath("schema.sql").read_text(), ".mode csv"]
        for table in TABLES:
            script.append(f".import --skip 1 {data / (table + '.csv')} {table}")
        script.append(f"CREATE TABLE flights ({FLIGHTS_COLUMNS});")
        script.append(f".import --skip 1 {data / 'flights.csv'} flights")
        # .import keeps NA as text: NULL it, column by column, as --null NA does elsewhere.
        for column in [c.split()[0] for c in FLIGHTS_COLUMNS.split(", ")]:
            script.append(f"UPDATE flights SET {column} = NULL WHERE {column} = 'NA';")
        seconds, _ = run(["sqlite3", "-batch", str(self.db)], "\n".join(script) + "\n")
        return seconds

    def query(self, sql, timeout):
        seconds, out = run(["sqlite3", "-batch", "-csv", str(self.db)], sql, timeout)
        return seconds, rows_of(out)


class ShardQL(Engine):
    name = "shardql"

    def __init__(self, work, binary, scale):
        self.binary = str(binary)
        self.scale = scale
        self.data = work / self.name
        self.cluster = ["--data", str(self.data)]

    def prepare(self):
        pass

    def load(self, data):
        self.prepare()
        start = time.perf_counter()
        run([str(ROOT / "datasets" / "tpch"), self.scale, self.binary] + self.cluster)
        run([str(ROOT / "datasets" / "load-nycflights13"), self.binary] + self.cluster)
        return time.perf_counter() - start

    def query(self, sql, timeout):
        seconds, out = run([self.binary] + self.cluster + ["--mode", "csv"], sql, timeout)
        return seconds, rows_of(out)


class ShardQLWorkers(ShardQL):
    """Two `shardql worker` processes on 127.0.0.1, registered before any table exists, so the
    four shards of each table are spread two and two."""
    name = "shardql-workers"

    def __init__(self, work, binary, scale):
        super().__init__(work, binary, scale)
        self.work = work
        self.processes = []

    def prepare(self):
        for index in range(2):
            output = self.work / f"worker-{index}.out"
            process = subprocess.Popen(
                [self.binary, "worker", "--listen", "127.0.0.1:0", "--data", str(self.work / f"worker-{index}")],
                stdout=open(output, "w"), stderr=subprocess.DEVNULL)
            self.processes.append(process)
            address = None
            for _ in range(300):
                match = re.search(r"listening on (\S+)", output.read_text())
                if match:
                    address = match.group(1)
                    break
                if process.poll() is not None:
                    break
                time.sleep(0.1)
            if not address:
                raise Failure(f"worker {index} did not start")
            run([self.binary, "node", "add", address] + self.cluster)

    def close(self):
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class Postgres(Engine):
    name = "postgres"

    def __init__(self, url):
        self.admin = url
        self.url = re.sub(r"/[^/?]*(\?|$)", r"/shardql_bench\1", url, count=1)

    def psql(self, url, sql, timeout=None):
        # NOTICEs (e.g. DROP … IF EXISTS) would read as errors on stderr.
        quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
        return run(["psql", url, "-X", "-q", "--csv", "-t", "-v", "ON_ERROR_STOP=1"], sql, timeout, env=quiet)

    def dialect(self, sql):
        return dialect_for_postgres_and_duckdb(sql)

    def load(self, data):
        self.psql(self.admin, "DROP DATABASE IF EXISTS shardql_bench; CREATE DATABASE shardql_bench;")
        script = [double_precision(TPCH_SQL.joinpath("schema.sql").read_text())]
        for table in TABLES:
            script.append(f"\\copy {table} FROM '{data / (table + '.csv')}' WITH (FORMAT csv, HEADER true)")
        script.append(f"CREATE TABLE flights ({FLIGHTS_COLUMNS});")
        script.append(f"\\copy flights FROM '{data / 'flights.csv'}' WITH (FORMAT csv, HEADER true, NULL 'NA')")
        script.append("ANALYZE;")
        seconds, _ = self.psql(self.url, "\n".join(script) + "\n")
        return seconds

    def query(self, sql, timeout):
        seconds, out = self.psql(self.url, sql, timeout)
        return seconds, rows_of(out)


class DuckDB(Engine):
    name = "duckdb"

    def __init__(self, work, binary):
        self.binary = str(binary)
        self.db = work / "duckdb.db"

    def dialect(self, sql):
        return dialect_for_postgres_and_duckdb(sql)

    def load(self, data):
        script = [double_precision(TPCH_SQL.joinpath("schema.sql").read_text())]
        for table in TABLES:
            script.append(f"COPY {table} FROM '{data / (table + '.csv')}' (HEADER true);")
        script.append(f"CREATE TABLE flights ({FLIGHTS_COLUMNS});")
        script.append(f"COPY flights FROM '{data / 'flights.csv'}' (HEADER true, NULLSTR 'NA');")
        seconds, _ = run([self.binary, str(self.db)], "\n".join(script) + "\n")
        return seconds

    def query(self, sql, timeout):
        seconds, out = run([self.binary, "-csv", "-noheader", "-nullvalue", "", str(self.db)], sql, timeout)
        return seconds, rows_of(out)


def double_precision(schema):
    """SQLite's REAL is an 8-byte float; PostgreSQL's and DuckDB's REAL are 4 bytes."""
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", schema)


def dialect_for_postgres_and_duckdb(sql):
    """The SQLite-dialect queries' one SQLite-only function: strftime('%Y', d) on ISO text dates."""
    return re.sub(r"strftime\('%Y',\s*([A-Za-z_][A-Za-z_0-9]*)\)", r"substr(\1, 1, 4)", sql)


# ---- Workload --------------------------------------------------------------------------------

def workload(data):
    """(name, SQL) pairs: the 22 TPC-H queries, point lookups, a top-N, a high-cardinality
    GROUP BY and two nycflights13 queries."""
    items = [(f"Q{n}", TPCH_SQL.joinpath(f"q{n:02d}.sql").read_text()) for n in range(1, 23)]
    keys = [row[0] for row in rows_of((data / "orders.csv").read_text())[1:]]
    for label, key in (("first", keys[0]), ("middle", keys[len(keys) // 2]), ("last", keys[-1])):
        items.append((f"point lookup ({label} order)",
                      f"SELECT o_orderkey, o_custkey, o_totalprice, o_orderdate FROM orders WHERE o_orderkey = {key};"))
    items.append(("top-N (10 largest line prices)",
                  "SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem "
                  "ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 10;"))
    items.append(("GROUP BY part (high cardinality)",
                  "SELECT count(*), sum(quantity), max(quantity) FROM "
                  "(SELECT l_partkey, sum(l_quantity) AS quantity FROM lineitem GROUP BY l_partkey) AS parts;"))
    items.append(("flights: delay by carrier",
                  "SELECT carrier, count(*), sum(arr_delay), count(arr_delay) FROM flights "
                  "GROUP BY carrier ORDER BY carrier;"))
    items.append(("flights: busiest routes",
                  "SELECT origin, dest, count(*) AS n FROM flights GROUP BY origin, dest "
                  "ORDER BY n DESC, origin, dest LIMIT 5;"))
    return items


def same(expected, got):
    """Whether two answers agree: same rows in the same order, text exactly, numbers within a
    relative 1e-6 (engines sum floating point in different orders)."""
    if len(expected) != len(got):
        return False
    for left, right in zip(expected, got):
        if len(left) != len(right):
            return False
        for a, b in zip(left, right):
            if a == b:
                continue
            try:
                x, y = float(a), float(b)
            except ValueError:
                return False
            if abs(x - y) > 1e-6 * max(1.0, abs(x), abs(y)):
                return False
    return True


# ---- Main ------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sf", default="0.1", help="TPC-H scale factor (0.1; 1 for the large run; 0.01 quick)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per statement after a warm-up")
    parser.add_argument("--shardql", required=True, help="the release shardql binary")
    parser.add_argument("--tpchgen", required=True, help="the tpchgen-cli binary")
    parser.add_argument("--duckdb", required=True, help="the DuckDB CLI binary")
    parser.add_argument("--out", required=True, help="directory for the Markdown table and the chart")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one statement may take")
    parser.add_argument("--slow", type=float, default=10, help="a statement whose warm-up takes longer runs only once")
    parser.add_argument("--chart", action="store_true", help="draw the PNG chart (needs matplotlib)")
    parser.add_argument("--only", default="", help="comma-separated statement names to run (e.g. Q1,Q6), else all")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = ROOT / ".build" / f"tpch-sf{args.sf}"
    if not (data / "lineitem.csv").exists():
        say(f"generating TPC-H SF {args.sf} into {data}")
        shutil.rmtree(data, ignore_errors=True)
        run([args.tpchgen, "csv", "-s", args.sf, f"--output-dir={data}", "--quiet"])
    flights = data / "flights.csv"
    if not flights.exists():
        with open(flights, "w") as target:
            subprocess.run(["gzip", "-dc", str(ROOT / "datasets/nycflights13/flights.csv.gz")], stdout=target, check=True)

    work = Path(tempfile.mkdtemp(prefix="shardql-compare."))
    engines = [SQLite3(work), ShardQL(work, args.shardql, args.sf), ShardQLWorkers(work, args.shardql, args.sf)]
    if os.environ.get("SHARDQL_TEST_POSTGRES"):
        engines.append(Postgres(os.environ["SHARDQL_TEST_POSTGRES"]))
    else:
        say("no PostgreSQL (SHARDQL_TEST_POSTGRES unset): left out")
    engines.append(DuckDB(work, args.duckdb))
    mismatches = []
    results = {}  # (statement, engine) -> list of seconds, or an error text
    loads = {}
    try:
        for engine in engines:
            say(f"loading {engine.name}")
            loads[engine.name] = engine.load(data)
            say(f"  {loads[engine.name]:.2f} s")
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        statements = [("SELECT 1 (start-up)", "SELECT 1;")] + [
            (name, sql) for name, sql in workload(data) if not wanted or name in wanted]
        for name, sql in statements:
            expected = None
            for engine in engines:
                text = engine.dialect(sql)
                try:
                    seconds, rows = engine.query(text, args.timeout)  # warm-up, and the answer
                except Failure as failure:
                    results[(name, engine.name)] = f"error: {failure}"
                    mismatches.append(f"{name} on {engine.name}: {failure}")
                    say(f"ERROR {name} on {engine.name}: {failure}")
                    continue
                if expected is None:
                    expected = rows
                elif not same(expected, rows):
                    mismatches.append(f"{name} on {engine.name}: {rows[:3]} … expected {expected[:3]} …")
                    say(f"MISMATCH {name} on {engine.name}")
                times = [seconds]
                if seconds < args.slow:
                    times = [engine.query(text, args.timeout)[0] for _ in range(args.runs)]
                results[(name, engine.name)] = times
                say(f"{name:40s} {engine.name:16s} {statistics.median(times):8.3f} s")
    finally:
        for engine in engines:
            engine.close()
        shutil.rmtree(work, ignore_errors=True)

    names = [engine.name for engine in engines]
    report = render(args, names, statements, results, loads, mismatches)
    stem = f"tpch-sf{args.sf}" + ("-" + "-".join(wanted) if wanted else "")
    (out / f"{stem}.md").write_text(report)
    (out / f"{stem}.json").write_text(json.dumps(
        {"loads": loads, "results": {f"{k[0]}|{k[1]}": v for k, v in results.items()}, "mismatches": mismatches},
        indent=1))
    print(report)
    if args.chart:
        chart(out / f"{stem}.png", names, statements, results, args.sf)
    if mismatches:
        print("\nMISMATCH — answers differing from sqlite3's:\n" + "\n".join("  " + m for m in mismatches))
        return 1
    return 0


def render(args, names, statements, results, loads, mismatches):
    def cell(name, engine):
        value = results.get((name, engine))
        if isinstance(value, str) or value is None:
            return "**error**"
        median = statistics.median(value)
        base = results.get((name, "sqlite3"))
        ratio = ""
        if engine != "sqlite3" and isinstance(base, list) and median > 0:
            ratio = f" ({statistics.median(base) / median:.2f}×)"
        flag = " **MISMATCH**" if any(m.startswith(f"{name} on {engine}:") for m in mismatches) else ""
        once = "¹" if len(value) == 1 else ""
        return f"{median:.3f}{once}{ratio}{flag}"

    lines = [
        f"TPC-H SF {args.sf} and nycflights13: seconds, wall clock of one process per statement "
        f"(start-up included), median of {args.runs} runs after a warm-up; (×) = sqlite3's time / this "
        f"engine's (above 1: faster than sqlite3). ¹ one run (the warm-up took over {args.slow:g} s).",
        "",
        "| statement | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
        "| load (all tables) | " + " | ".join(
            f"{loads[n]:.2f}" + (f" ({loads['sqlite3'] / loads[n]:.2f}×)" if n != "sqlite3" else "") for n in names) + " |",
    ]
    for name, _ in statements:
        lines.append(f"| {name} | " + " | ".join(cell(name, n) for n in names) + " |")
    cores = os.cpu_count()
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1048576:.1f} GiB"
    except (OSError, AttributeError):
        pass
    lines += ["", f"Machine: {cores} cores{memory}, {platform.machine()}, {platform.platform()}. "
              f"Versions: {tool_versions(args)}. Answers checked against sqlite3: "
              + ("**all equal**." if not mismatches else f"**{len(mismatches)} MISMATCH(ES)** (listed below).")]
    return "\n".join(lines) + "\n"


def tool_versions(args):
    """`sqlite3 3.40.1, PostgreSQL 15.14, …`: the last word that looks like a version number."""
    parts = []
    for label, command in (
        ("sqlite3", ["sqlite3", "-version"]),
        ("PostgreSQL", ["psql", "--version"]),
        ("DuckDB", [args.duckdb, "-version"]),
        ("tpchgen-cli", [args.tpchgen, "--version"]),
    ):
        try:
            text = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        numbers = re.findall(r"v?(\d+\.\d+(?:\.\d+)?)", text)
        if numbers:
            parts.append(f"{label} {numbers[0]}")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    parts.append(f"ShardQL {commit}")
    return ", ".join(parts)


def chart(path, names, statements, results, sf):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [name for name, _ in statements if name.startswith("Q")]
    others = [n for n in names if n != "sqlite3"]
    figure, axis = plt.subplots(figsize=(12, 5))
    width = 0.8 / len(others)
    for index, engine in enumerate(others):
        ratios = []
        for name in shown:
            base, value = results.get((name, "sqlite3")), results.get((name, engine))
            ok = isinstance(base, list) and isinstance(value, list) and statistics.median(value) > 0
            ratios.append(statistics.median(base) / statistics.median(value) if ok else 0)
        axis.bar([i + index * width for i in range(len(shown))], ratios, width, label=engine)
    axis.axhline(1, color="black", linewidth=0.8)
    axis.set_yscale("log")
    axis.set_xticks([i + 0.4 - width / 2 for i in range(len(shown))], shown)
    axis.set_ylabel("speed-up over sqlite3 (log scale)")
    axis.set_title(f"TPC-H SF {sf}: sqlite3's time / engine's time, one process per query")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
