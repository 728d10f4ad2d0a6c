#!/usr/bin/env bash
# TPC-H Q1 and Q6 on `lineitem`, side by side: ShardQL embedded (hash-distributed, 4 shards) vs the
# same rows in one plain SQLite file through the `sqlite3` CLI, in the same run.
#
#   Benchmarks/tpch/compare.sh [--sf 0.1|1] [--runs N] [--shards N] [--workers N] [--no-build] [--keep]
#
# With --workers N, a third engine joins: N `shardql worker` processes of the same binary on
# loopback ports, registered as nodes of a second cluster before its table is created, so its
# shard files are spread over them (round-robin) and every query goes over gRPC.
#
# Prints a Markdown table on stdout (progress goes to stderr): load seconds, `SELECT 1` (process
# start-up), and medians of N runs after one warm-up of Q1, Q6 and a point lookup per engine, raw
# and minus the engine's `SELECT 1` median, plus the ratio sqlite3/ShardQL. Runs are interleaved
# (sqlite3, then ShardQL, per query per run) so both engines see the same machine state. Every
# ShardQL result is checked against sqlite3's (reals within relative 1e-9); a difference prints
# MISMATCH and the script exits 1. See ../README.md, "TPC-H side by side".
#
# Data: `tpchgen-cli` from a venv under the cache directory (SHARDQL_BENCH_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/shardql-bench); generated files are cached per scale factor.
# Environment: SHARDQL_BIN (use this binary, implies --no-build), TPCHGEN_CLI_VERSION (4.0.0).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

sf=0.1
runs=5
shards=4
workers=0
build=1
keep=0
rows_per_insert=500
rows_per_file=100000
tpchgen_version="${TPCHGEN_CLI_VERSION:-4.0.0}"
cache="${SHARDQL_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shardql-bench}"

usage() { sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
die() { echo "compare.sh: error: $*" >&2; exit 2; }
say() { echo "compare.sh: $*" >&2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --sf) [[ $# -ge 2 ]] || die "--sf needs a value"; sf="$2"; shift 2 ;;
        --runs) [[ $# -ge 2 ]] || die "--runs needs a value"; runs="$2"; shift 2 ;;
        --shards) [[ $# -ge 2 ]] || die "--shards needs a value"; shards="$2"; shift 2 ;;
        --workers) [[ $# -ge 2 ]] || die "--workers needs a value"; workers="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ "$sf" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--sf must be a number (0.1 or 1), got '$sf'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards must be a positive integer, got '$shards'"
[[ "$workers" =~ ^[0-9]+$ ]] || die "--workers must be a non-negative integer, got '$workers'"
for tool in sqlite3 python3 awk; do
    command -v "$tool" >/dev/null || die "'$tool' not found on PATH"
done

# --- scratch directory ----------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/shardql-tpch.XXXXXX")"
worker_pids=()
cleanup() {
    # Workers drain on SIGTERM; one that has not exited after 10 s is killed.
    if [[ ${#worker_pids[@]} -gt 0 ]]; then
        kill -TERM "${worker_pids[@]}" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "${worker_pids[@]}" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "${worker_pids[@]}" 2>/dev/null || true
        wait "${worker_pids[@]}" 2>/dev/null || true
    fi
    if [[ $keep -eq 1 ]]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- data: tpchgen-cli lineitem, cached per scale factor --------------------------------------
venv="$cache/venv"
if [[ ! -x "$venv/bin/tpchgen-cli" ]]; then
    say "creating venv $venv and installing tpchgen-cli==$tpchgen_version"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "tpchgen-cli==$tpchgen_version"
fi
tpchgen_label="$("$venv/bin/tpchgen-cli" --version)"

data="$cache/data/sf$sf"
tbl="$data/lineitem.tbl"
if [[ ! -s "$tbl" ]]; then
    say "generating lineitem at SF $sf into $data"
    mkdir -p "$data"
    gen="$(mktemp -d "$data/.gen.XXXXXX")"
    "$venv/bin/tpchgen-cli" -s "$sf" --tables lineitem --output-dir "$gen" --quiet
    mv "$gen/lineitem.tbl" "$tbl"
    rmdir "$gen"
fi
# sqlite3's .import wants no trailing separator (else it warns on every line).
psv="$data/lineitem.psv"
if [[ ! -s "$psv" || "$psv" -ot "$tbl" ]]; then
    say "stripping the trailing '|' into $psv"
    sed 's/|$//' "$tbl" > "$psv.tmp" && mv "$psv.tmp" "$psv"
fi
# ShardQL has no import tool yet: batched multi-row INSERTs, several files of at most
# $rows_per_file rows, each piped into one `shardql` process.
inserts="$data/inserts-$rows_per_insert-$rows_per_file"
if [[ ! -f "$inserts/.done" || "$inserts/.done" -ot "$here/tbl2sql.py" || "$inserts/.done" -ot "$tbl" ]]; then
    say "converting lineitem.tbl to INSERT statements in $inserts"
    rm -rf "$inserts"
    python3 "$here/tbl2sql.py" --rows-per-insert "$rows_per_insert" \
        --rows-per-file "$rows_per_file" --out-dir "$inserts" "$tbl"
    touch "$inserts/.done"
fi
row_count="$(wc -l < "$tbl" | tr -d ' ')"

# --- ShardQL binary -----------------------------------------------------------------------------
if [[ -n "${SHARDQL_BIN:-}" ]]; then
    shardql="$SHARDQL_BIN"
else
    if [[ $build -eq 1 ]]; then
        say "building: swift build -c release --static-swift-stdlib --product shardql (in $repo)"
        (cd "$repo" && swift build -c release --static-swift-stdlib --product shardql >&2)
    fi
    shardql="$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)/shardql"
fi
[[ -x "$shardql" ]] || die "no ShardQL binary at $shardql (build it, or set SHARDQL_BIN)"
# The sources the binary was built from (the working tree may hold uncommitted changes).
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$repo" status --porcelain -- Sources Package.swift 2>/dev/null)" ]]; then
    commit="$commit + uncommitted changes in Sources"
fi
[[ -n "${SHARDQL_BIN:-}" || $build -eq 0 ]] && commit="$commit (not rebuilt by this run)"

# --- timing helpers -----------------------------------------------------------------------------
# timed OUT IN CMD...: runs CMD < IN > OUT, sets $elapsed (wall seconds). On failure prints the
# command and its stderr, and exits 1.
elapsed=0
timed() {
    local out="$1" in="$2"; shift 2
    local err="$work/stderr" t0 t1 status=0
    t0=$EPOCHREALTIME
    "$@" < "$in" > "$out" 2> "$err" || status=$?
    t1=$EPOCHREALTIME
    if [[ $status -ne 0 || -s "$err" ]]; then
        echo "ERROR: exit status $status from: $* < $in" >&2
        sed 's/^/  /' "$err" | head -40 >&2
        exit 1
    fi
    elapsed="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')"
}

sqlite_db="$work/lineitem.sqlite"
shard_dir="$work/shardql-data"
worker_cluster="$work/shardql-workers"
sqlite_q() { sqlite3 -batch -csv "$sqlite_db"; }
shardql_q() { "$shardql" --data "$shard_dir" --mode csv; }
workers_q() { "$shardql" --data "$worker_cluster" --mode csv; }
# The ShardQL engines of this run: embedded, and on worker processes with --workers.
shardql_engines=(shardql)
[[ $workers -gt 0 ]] && shardql_engines+=(workers)
engines=(sqlite3 "${shardql_engines[@]}")

# --- worker processes (--workers N) -------------------------------------------------------------
# Each prints `listening on HOST:PORT` once bound to a free loopback port; each is registered as a
# node of $worker_cluster before its table exists, so the shard files are placed on the workers.
for ((i = 1; i <= workers; i++)); do
    "$shardql" worker --listen 127.0.0.1:0 --data "$work/worker-$i" \
        > "$work/worker-$i.out" 2> "$work/worker-$i.err" &
    worker_pids+=($!)
    address=""
    for _ in $(seq 300); do
        address="$(sed -n 's/^listening on //p' "$work/worker-$i.out" | head -1)"
        [[ -n "$address" ]] && break
        kill -0 "${worker_pids[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    if [[ -z "$address" ]]; then
        echo "ERROR: worker $i did not print 'listening on HOST:PORT' within 30 s:" >&2
        sed 's/^/  /' "$work/worker-$i.err" | head -20 >&2
        exit 1
    fi
    timed /dev/null /dev/null "$shardql" node add "$address" --data "$worker_cluster"
    say "worker $i listening on $address (pid ${worker_pids[-1]}), registered"
done

# --- load ---------------------------------------------------------------------------------------
: > "$work/load.tsv"
say "loading $row_count rows into sqlite3 (.import)"
printf '.read %s\n.separator |\n.import %s lineitem\n' "$here/lineitem.sql" "$psv" > "$work/load-sqlite.txt"
timed /dev/null "$work/load-sqlite.txt" sqlite3 -batch "$sqlite_db"
printf 'sqlite3\t%s\n' "$elapsed" >> "$work/load.tsv"
say "  sqlite3: ${elapsed} s"

say "loading $row_count rows into ShardQL ($shards shards, $rows_per_insert rows per INSERT)"
{ grep -v '^--' "$here/lineitem.sql" | sed "s/;[[:space:]]*\$/ DISTRIBUTED BY HASH (l_orderkey) SHARDS $shards;/"; } > "$work/create-shardql.sql"
timed /dev/null "$work/create-shardql.sql" "$shardql" --data "$shard_dir" --bail
load_total="$elapsed"
for part in "$inserts"/part-*.sql; do
    timed /dev/null "$part" "$shardql" --data "$shard_dir" --bail
    load_total="$(awk -v a="$load_total" -v b="$elapsed" 'BEGIN { printf "%.6f", a + b }')"
done
printf 'shardql\t%s\n' "$load_total" >> "$work/load.tsv"
say "  ShardQL: ${load_total} s ($(awk -v n="$row_count" -v s="$load_total" 'BEGIN { printf "%.0f", n / s }') rows/s)"

if [[ $workers -gt 0 ]]; then
    say "loading $row_count rows into ShardQL on $workers workers ($shards shards, $rows_per_insert rows per INSERT)"
    timed /dev/null "$work/create-shardql.sql" "$shardql" --data "$worker_cluster" --bail
    load_total="$elapsed"
    for part in "$inserts"/part-*.sql; do
        timed /dev/null "$part" "$shardql" --data "$worker_cluster" --bail
        load_total="$(awk -v a="$load_total" -v b="$elapsed" 'BEGIN { printf "%.6f", a + b }')"
    done
    printf 'workers\t%s\n' "$load_total" >> "$work/load.tsv"
    say "  ShardQL on workers: ${load_total} s ($(awk -v n="$row_count" -v s="$load_total" 'BEGIN { printf "%.0f", n / s }') rows/s)"
    # Where the shard files went: none may stay in-process.
    timed "$work/nodes.txt" /dev/null "$shardql" node list --data "$worker_cluster"
    sed 's/^/compare.sh:   /' "$work/nodes.txt" >&2
    local_shards="$(awk -F'|' '$1 == "local" { print $3 }' "$work/nodes.txt")"
    [[ "${local_shards:-0}" == 0 ]] || { echo "ERROR: $local_shards shard files stayed in-process, not on the workers" >&2; exit 1; }
    placement="$(awk -F'|' 'NR > 1 && $1 != "local" { printf "%s%s", sep, $3; sep = "+" }' "$work/nodes.txt")"
fi

echo 'SELECT count(*) FROM lineitem;' > "$work/count.sql"
timed "$work/count.sqlite3" "$work/count.sql" sqlite_q
for engine in "${shardql_engines[@]}"; do
    timed "$work/count.$engine" "$work/count.sql" ${engine}_q
done
for engine in "${engines[@]}"; do
    got="$(tr -d '\r' < "$work/count.$engine")"
    [[ "$got" == "$row_count" ]] || { echo "MISMATCH: $engine has $got rows in lineitem, expected $row_count" >&2; exit 1; }
done

# --- queries ------------------------------------------------------------------------------------
echo 'SELECT 1;' > "$work/base.sql"
cp "$here/q01.sql" "$work/q01.sql"
cp "$here/q06.sql" "$work/q06.sql"
# Point lookups (router path): the first, middle and last order key of the generated data.
keys="$(awk -F'|' -v n="$row_count" 'NR == 1 || NR == int(n / 2) || NR == n { print $1 }' "$tbl" | sort -un | tr '\n' ' ')"
for key in $keys; do
    echo "SELECT * FROM lineitem WHERE l_orderkey = $key;" > "$work/point-$key.sql"
done

mkdir -p "$work/out"
: > "$work/times.tsv"
loadavg_start="$(cut -d' ' -f1-3 /proc/loadavg)"
say "running Q1, Q6, SELECT 1 and point lookups (keys ${keys% }): 1 warm-up + $runs runs, interleaved"
for ((run = 0; run <= runs; run++)); do
    for query in base q01 q06 $(for key in $keys; do echo "point-$key"; done); do
        for engine in "${engines[@]}"; do
            out="$work/out/$query.$run.$engine.csv"
            if [[ $engine == sqlite3 ]]; then
                timed "$out" "$work/$query.sql" sqlite_q
            else
                timed "$out" "$work/$query.sql" ${engine}_q
            fi
            if [[ $run -gt 0 ]]; then
                printf '%s\t%s\t%s\t%s\n' "$engine" "${query%%-*}" "$run" "$elapsed" >> "$work/times.tsv"
            fi
        done
    done
    [[ $run -eq 0 ]] && say "  warm-up done" || say "  run $run/$runs done"
done

loadavg_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- answers ------------------------------------------------------------------------------------
mismatches=0
for expected in "$work"/out/*.sqlite3.csv; do
    for engine in "${shardql_engines[@]}"; do
        actual="${expected%.sqlite3.csv}.$engine.csv"
        name="$(basename "${expected%.sqlite3.csv}")"
        flags=()
        [[ $name == point-* ]] && flags=(--unordered)
        python3 "$here/compare_csv.py" "${flags[@]}" --label "$name ($engine)" "$expected" "$actual" \
            || mismatches=$((mismatches + 1))
    done
done
if [[ $mismatches -gt 0 ]]; then
    echo "MISMATCH: $mismatches ShardQL results differ from sqlite3's (outputs in $work/out)" >&2
    keep=1
    exit 1
fi
say "all ShardQL results equal sqlite3's (reals within relative 1e-9)"

# --- report -------------------------------------------------------------------------------------
cores="$(nproc)"
mem_gib="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
sqlite_version="$(sqlite3 --version | awk '{ print $1 }')"
shardql_version="$("$shardql" --version)"

echo "TPC-H \`lineitem\` at SF $sf ($row_count rows, $tpchgen_label), $(date -u +%Y-%m-%dT%H:%MZ)."
echo "Machine: $cores cores (nproc)${cpu:+, $cpu}, $mem_gib GiB memory (MemTotal); sqlite3 $sqlite_version;"
echo "ShardQL $shardql_version at $commit, release build, embedded, $shards shards hashed on l_orderkey."
if [[ $workers -gt 0 ]]; then
    echo "Also the same $shards shards on $workers \`shardql worker\` processes of that binary on loopback ($placement shard files),"
    echo "the coordinator (batch CLI) reaching them over gRPC; its start-up includes connecting."
fi
echo "Medians of $runs runs after 1 warm-up, wall clock per process; \"− start-up\" subtracts the"
echo "engine's \`SELECT 1\` median. Point lookup: \`SELECT * FROM lineitem WHERE l_orderkey = K\`, K ∈ {$(echo $keys | tr " " ",")}."
echo "Load: sqlite3 \`.import\` vs ShardQL batch CLI, $rows_per_insert-row INSERTs piped on stdin."
echo "Load average (1/5/15 min) before the timed runs: $loadavg_start; after: $loadavg_end."
echo
labels=("sqlite3 $sqlite_version, one file" "ShardQL $shardql_version, $shards shards")
[[ $workers -gt 0 ]] && labels+=("ShardQL $shardql_version, $shards shards on $workers workers")
python3 "$here/report.py" "$work/load.tsv" "$work/times.tsv" "${labels[@]}"
