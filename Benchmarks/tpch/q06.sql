-- TPC-H Q06 in SQLite dialect, copied unchanged from ../shared/tpch/sqlite/q06.sql
-- (TPC-H is a benchmark of the Transaction Processing Performance Council.)
SELECT
    sum(l_extendedprice * l_discount) AS revenue
FROM
    lineitem
WHERE
    l_shipdate >= '1994-01-01'
    AND l_shipdate < '1995-01-01'
    AND l_discount BETWEEN 0.05
    AND 0.07
    AND l_quantity < 24;
