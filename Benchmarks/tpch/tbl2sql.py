#!/usr/bin/env python3
"""Turn a TPC-H `lineitem.tbl` (`|`-separated, trailing `|`) into batched multi-row INSERTs.

Usage: tbl2sql.py [--rows-per-insert N] [--rows-per-file N --out-dir DIR] [--table NAME] TBL

Writes to standard output, or with --out-dir to DIR/part-0001.sql, DIR/part-0002.sql, … of at most
--rows-per-file rows each. Integer and decimal columns are written as numeric literals (as
generated), text and date columns as quoted SQL strings ('YYYY-MM-DD' for dates). A stand-in for
ShardQL's import tool, which does not exist yet.
"""
import argparse
import os
import sys

# lineitem's 16 columns: 0-3 INTEGER, 4-7 REAL, 8-15 TEXT (flags, dates, instructions, comment).
COLUMNS = 16
NUMERIC_COLUMNS = 8


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def rows(path):
    with open(path, encoding="utf-8") as tbl:
        for number, line in enumerate(tbl, start=1):
            line = line.rstrip("\n")
            if line.endswith("|"):
                line = line[:-1]
            fields = line.split("|")
            if len(fields) != COLUMNS:
                sys.exit(f"tbl2sql: {path}:{number}: expected {COLUMNS} fields, found {len(fields)}")
            values = fields[:NUMERIC_COLUMNS] + [quote(f) for f in fields[NUMERIC_COLUMNS:]]
            yield "(" + ",".join(values) + ")"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-insert", type=int, default=500)
    parser.add_argument("--rows-per-file", type=int, default=0, help="0: one file")
    parser.add_argument("--out-dir", help="write part-NNNN.sql files here instead of stdout")
    parser.add_argument("--table", default="lineitem")
    parser.add_argument("tbl")
    args = parser.parse_args()
    prefix = f"INSERT INTO {args.table} VALUES\n"
    out = sys.stdout
    part = 0
    in_file = 0
    batch = []

    def flush():
        if batch:
            out.write(prefix + ",\n".join(batch) + ";\n")
            batch.clear()

    def next_file():
        nonlocal out, part, in_file
        if out is not sys.stdout:
            out.close()
        part += 1
        in_file = 0
        out = open(os.path.join(args.out_dir, f"part-{part:04d}.sql"), "w", encoding="utf-8")

    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        next_file()
    for row in rows(args.tbl):
        if args.out_dir and args.rows_per_file and in_file == args.rows_per_file:
            flush()
            next_file()
        batch.append(row)
        in_file += 1
        if len(batch) == args.rows_per_insert:
            flush()
    flush()
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
