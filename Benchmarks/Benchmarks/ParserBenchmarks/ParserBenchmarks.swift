import Benchmark
import SQLLogicTest
import SQLSyntax

// Parser benchmarks: one point query, and the whole sqllogictest statement corpus lexed+parsed and
// lexed only. The corpus is read from ../shared/sqllogictest (or $SHARDQL_SLT_DIR) once, in setup.

/// Bytes of SQL processed per second of wall clock, measured inside the benchmark body.
private let bytesPerSecond = BenchmarkMetric.custom(
    "Throughput (bytes/s)",
    polarity: .prefersLarger,
    useScalingFactor: false
)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        maxDuration: .seconds(5),
        maxIterations: 100_000
    )

    // (1) Point query: the shape a distributed engine sees most. Scaled ×1000 so the per-iteration
    // time is well above the clock's resolution; metrics marked `*` are reported per parse.
    Benchmark(
        "Parse point query",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try SQLParser.parse("SELECT * FROM t WHERE id = ?"))
        }
    }

    // (2) Lex + parse every applicable statement/query of the corpus: one iteration = one pass.
    Benchmark(
        "Parse sqllogictest corpus",
        configuration: .init(
            metrics: [.wallClock, .mallocCountTotal, .throughput, bytesPerSecond],
            maxDuration: .seconds(30),
            maxIterations: 20
        )
    ) { benchmark, corpus in
        let start = ContinuousClock.now
        var statements = 0
        benchmark.startMeasurement()
        for sql in corpus.statements {
            // A few corpus records use SQLite syntax the parser may reject; count them as work done.
            statements += (try? SQLParser.parse(sql))?.count ?? 0
        }
        benchmark.stopMeasurement()
        blackHole(statements)
        benchmark.measurement(
            bytesPerSecond,
            corpus.utf8Count * 1_000_000_000 / max(1, (ContinuousClock.now - start).nanoseconds)
        )
    } setup: {
        loadCorpusSQL()
    }

    // (3) Lex only, same corpus.
    Benchmark(
        "Lex sqllogictest corpus",
        configuration: .init(
            metrics: [.wallClock, .mallocCountTotal, .throughput, bytesPerSecond],
            maxDuration: .seconds(30),
            maxIterations: 50
        )
    ) { benchmark, corpus in
        let start = ContinuousClock.now
        var tokens = 0
        benchmark.startMeasurement()
        for sql in corpus.statements {
            var lexer = Lexer(sql)
            while lexer.next().kind != .endOfInput { tokens += 1 }
        }
        benchmark.stopMeasurement()
        blackHole(tokens)
        benchmark.measurement(
            bytesPerSecond,
            corpus.utf8Count * 1_000_000_000 / max(1, (ContinuousClock.now - start).nanoseconds)
        )
    } setup: {
        loadCorpusSQL()
    }
}

/// The SQL of every runnable `statement ok`/`query` record of the corpus for dialect `sqlite`.
private func loadCorpusSQL() -> SQLLogicTestCorpus.SQLText {
    // #filePath is <root>/Benchmarks/Benchmarks/ParserBenchmarks/ParserBenchmarks.swift.
    guard let corpus = SQLLogicTestCorpus.locate(startingAt: #filePath, levelsUp: 4) else {
        fatalError("sqllogictest corpus not found: put it at ../shared/sqllogictest or set SHARDQL_SLT_DIR")
    }
    let sql = corpus.validSQL(dialect: "sqlite")
    print("corpus: \(sql.statements.count) statements, \(sql.utf8Count) bytes from \(corpus.files.count) files")
    return sql
}

extension Duration {
    fileprivate var nanoseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
