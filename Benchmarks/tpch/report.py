#!/usr/bin/env python3
"""Print compare.sh's Markdown table from its timing files.

Usage: report.py LOAD_TSV TIMES_TSV SQLITE_LABEL SHARDQL_LABEL [WORKERS_LABEL]
LOAD_TSV lines: engine<TAB>seconds. TIMES_TSV lines: engine<TAB>query<TAB>run<TAB>seconds, with
engine in {sqlite3, shardql, workers} and query in {base, q01, q06, point}; `base` is `SELECT 1`,
the process start-up subtracted from the other medians in the "− start-up" columns. `workers`
(ShardQL with its shards on worker processes, compare.sh --workers) is reported when labelled.
"""
import statistics
import sys
from collections import defaultdict

ENGINES = ("sqlite3", "shardql", "workers")
# Below this, a start-up-adjusted difference is noise: shown as "< 1 ms", no ratio.
RESOLUTION = 0.001


def fmt_seconds(value):
    if value < RESOLUTION:
        return "< 0.001 s"
    return f"{value:.3f} s"


def main():
    load_path, times_path = sys.argv[1:3]
    labels = sys.argv[3:]
    if not 2 <= len(labels) <= 3:
        sys.exit(__doc__)
    engines = ENGINES[:len(labels)]
    load = {}
    with open(load_path, encoding="utf-8") as f:
        for line in f:
            engine, seconds = line.split("\t")
            load[engine] = float(seconds)
    samples = defaultdict(list)
    with open(times_path, encoding="utf-8") as f:
        for line in f:
            engine, query, _run, seconds = line.rstrip("\n").split("\t")
            samples[(engine, query)].append(float(seconds))
    median = {key: statistics.median(values) for key, values in samples.items()}

    def cells(engine):
        base = median[(engine, "base")]
        row = [load[engine], base]
        for query in ("q01", "q06", "point"):
            row += [median[(engine, query)], median[(engine, query)] - base]
        return row

    rows = {engine: cells(engine) for engine in engines}
    header = ["engine", "load", "`SELECT 1`", "Q1", "Q1 − start-up", "Q6", "Q6 − start-up",
              "point lookup", "point − start-up"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for engine, label in zip(engines, labels):
        print(f"| {label} | " + " | ".join(fmt_seconds(v) for v in rows[engine]) + " |")
    ratio_labels = {
        "shardql": "sqlite3 / ShardQL (> 1: ShardQL faster)" if len(engines) == 2
        else "sqlite3 / ShardQL embedded (> 1: ShardQL faster)",
        "workers": "sqlite3 / ShardQL on workers (> 1: ShardQL faster)",
    }
    for engine in engines[1:]:
        ratios = []
        for a, b in zip(rows["sqlite3"], rows[engine]):
            ratios.append(f"{a / b:.2f}×" if a >= RESOLUTION and b >= RESOLUTION else "n/a")
        print(f"| {ratio_labels[engine]} | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
