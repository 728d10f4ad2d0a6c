#!/usr/bin/env python3
"""Compare two CSV query results: same rows in the same order, reals within a relative tolerance.

Usage: compare_csv.py [--rel-tol 1e-9] [--unordered] [--label TEXT] EXPECTED ACTUAL
--unordered sorts both results first (for queries without ORDER BY).
Exit status 0 if they match, 1 (with a MISMATCH report on stderr) otherwise.
"""
import argparse
import csv
import math
import sys


def as_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def fields_match(a, b, rel_tol):
    if a == b:
        return True
    x, y = as_number(a), as_number(b)
    if x is None or y is None:
        return False
    return math.isclose(x, y, rel_tol=rel_tol, abs_tol=0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rel-tol", type=float, default=1e-9)
    parser.add_argument("--unordered", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("expected")
    parser.add_argument("actual")
    args = parser.parse_args()
    with open(args.expected, newline="", encoding="utf-8") as f:
        expected = list(csv.reader(f))
    with open(args.actual, newline="", encoding="utf-8") as f:
        actual = list(csv.reader(f))
    if args.unordered:
        expected.sort()
        actual.sort()
    problems = []
    if len(expected) != len(actual):
        problems.append(f"row count: expected {len(expected)}, got {len(actual)}")
    for i, (e, a) in enumerate(zip(expected, actual), start=1):
        if len(e) != len(a):
            problems.append(f"row {i}: expected {len(e)} columns {e}, got {len(a)} {a}")
            continue
        for j, (x, y) in enumerate(zip(e, a), start=1):
            if not fields_match(x, y, args.rel_tol):
                problems.append(f"row {i} column {j}: expected {x!r}, got {y!r}")
    if not expected and not actual:
        problems.append("both results are empty")
    if problems:
        print(f"MISMATCH {args.label}: {args.actual} vs {args.expected}", file=sys.stderr)
        for p in problems[:20]:
            print(f"  {p}", file=sys.stderr)
        if len(problems) > 20:
            print(f"  … {len(problems) - 20} more", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
