import Benchmark
@_spi(Benchmarks) import Coordinator
import Foundation
import ShardQLBase

// The coordinator's own work on a query, without the shards: planning (a plan-cache miss), the
// k-way merge of sorted shard streams (ORDER BY on the pushdown tier) and a split aggregate's
// final step (the shards' partial rows loaded into an in-memory SQLite table and finished there).

private final class Fixture: @unchecked Sendable {
    // Written once in setup before any benchmark body runs, then only read.
    var cluster: Cluster?
}

private let fixture = Fixture()

/// TPC-H's tables, empty: planning reads only the catalog.
private func setUp() async throws {
    guard fixture.cluster == nil else { return }
    let directory = NSTemporaryDirectory() + "shardql-operator-bench-\(UUID().uuidString)"
    let cluster = try await Cluster.open(directory: directory, defaultShardCount: 4)
    _ = try await cluster.execute("""
        CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER, o_orderstatus TEXT, o_totalprice REAL, o_orderdate TEXT, o_orderpriority TEXT, o_clerk TEXT, o_shippriority INTEGER, o_comment TEXT) DISTRIBUTED BY HASH (o_orderkey);
        CREATE TABLE lineitem (l_orderkey INTEGER, l_partkey INTEGER, l_suppkey INTEGER, l_linenumber INTEGER, l_quantity REAL, l_extendedprice REAL, l_discount REAL, l_tax REAL, l_returnflag TEXT, l_linestatus TEXT, l_shipdate TEXT, l_commitdate TEXT, l_receiptdate TEXT, l_shipinstruct TEXT, l_shipmode TEXT, l_comment TEXT, PRIMARY KEY (l_orderkey, l_linenumber)) DISTRIBUTED BY HASH (l_orderkey) COLOCATE WITH orders;
        CREATE TABLE customer (c_custkey INTEGER PRIMARY KEY, c_name TEXT, c_address TEXT, c_nationkey INTEGER, c_phone TEXT, c_acctbal REAL, c_mktsegment TEXT, c_comment TEXT) DISTRIBUTED REPLICATED;
        """)
    fixture.cluster = cluster
}

/// TPC-H Q3 (a co-located join with a reference table, grouped, top 10).
private let q3 = """
    SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
    FROM customer, orders, lineitem
    WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
      AND o_orderdate < '1995-03-15' AND l_shipdate > '1995-03-15'
    GROUP BY l_orderkey, o_orderdate, o_shippriority
    ORDER BY revenue DESC, o_orderdate LIMIT 10
    """

/// Four sorted inputs of 25,000 rows (an INTEGER key, a REAL, a TEXT) in batches of 1,024.
private let sortedInputs: [[[[SQLValue]]]] = (0..<4).map { shard in
    let rows = (0..<25_000).map { index -> [SQLValue] in
        let key = Int64(index * 4 + shard)
        return [.integer(key), .real(Double(key) / 7), .text(SQLText("row \(key)"))]
    }
    return stride(from: 0, to: rows.count, by: 1024).map { Array(rows[$0..<min($0 + 1024, rows.count)]) }
}

/// Partial rows of `SELECT g, count(*), sum(v), avg(v) … GROUP BY g` from 4 shards, 2,500
/// groups each (every group on every shard): the final step adds 10,000 rows up into 2,500.
private let partialRows: [[[SQLValue]]] = (0..<4).map { shard in
    (0..<2_500).map { group -> [SQLValue] in
        let count = SQLValue.integer(Int64(10 + shard))
        let sum = SQLValue.real(Double(group * shard) / 3)
        return [.integer(Int64(group)), count, sum, count]
    }
}

private let finalTable = "CREATE TABLE \"\(OperatorBenchmarks.partialTable)\" (\"_g0\" INTEGER, \"_p1\", \"_p2\", \"_p3\")"
private let finalQuery = """
    SELECT "_g0" AS g, coalesce(sum("_p1"), 0) AS n, sum("_p2") AS s, sum("_p2") / sum("_p3") AS a
    FROM "\(OperatorBenchmarks.partialTable)" GROUP BY "_g0"
    """

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        maxDuration: .seconds(5),
        maxIterations: 100_000
    )

    Benchmark("plan TPC-H Q3 (co-located join + reference table, top 10), cache missed") { benchmark in
        let cluster = fixture.cluster!
        for _ in benchmark.scaledIterations {
            blackHole(try OperatorBenchmarks.plan(q3, on: cluster))
        }
    } setup: {
        try await setUp()
    }

    Benchmark("k-way merge of 4 sorted streams x 25,000 rows") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await OperatorBenchmarks.merge(sortedInputs, keyColumns: [0]))
        }
    }

    Benchmark("k-way merge of 4 sorted streams, LIMIT 100") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await OperatorBenchmarks.merge(sortedInputs, keyColumns: [0], limit: 100))
        }
    }

    Benchmark("final aggregation: 4 x 2,500 partial rows into 2,500 groups") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await OperatorBenchmarks.finalStep(tableSQL: finalTable, querySQL: finalQuery, partials: partialRows))
        }
    }
}
