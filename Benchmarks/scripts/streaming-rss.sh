#!/usr/bin/env bash
# Peak resident memory of the coordinator while `SELECT * FROM t` streams N rows to /dev/null,
# for growing N: with streaming execution it stays flat (issue: "SELECT * over 10 M rows: peak
# coordinator RSS flat"). Usage: Benchmarks/scripts/streaming-rss.sh [MAX_ROWS] (default 10000000).
set -euo pipefail
cd "$(dirname "$0")/../.."
max_rows=${1:-10000000}
swift build -c release --product shardql >/dev/null
shardql=$PWD/.build/release/shardql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data
"$shardql" --data "$data" --shards 4 -c "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL)"
loaded=0
chunk=1000000
echo "| rows | load s | query s | peak RSS MiB |"
echo "|---:|---:|---:|---:|"
for target in 1000000 3000000 10000000; do
    [ "$target" -le "$max_rows" ] || break
    start=$(date +%s.%N)
    while [ "$loaded" -lt "$target" ]; do
        next=$((loaded + chunk))
        "$shardql" --data "$data" -c "INSERT INTO t WITH RECURSIVE n(i) AS (SELECT $((loaded + 1)) UNION ALL SELECT i + 1 FROM n WHERE i < $next) SELECT i, i % 1000, 'row ' || i, i / 7.0 FROM n"
        loaded=$next
    done
    load=$(echo "$(date +%s.%N) - $start" | bc)
    /usr/bin/time -f "%e %M" -o "$work/time" "$shardql" --data "$data" -c "SELECT * FROM t" >/dev/null
    read -r seconds kib <"$work/time"
    printf '| %s | %.1f | %s | %s |\n' "$target" "$load" "$seconds" "$((kib / 1024))"
done
