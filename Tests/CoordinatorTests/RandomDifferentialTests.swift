import TestSupport
import Foundation
import SQLiteCore
import ShardQLBase
import Testing

@testable import Coordinator

/// Random schemas, rows, queries and writes, run on one plain SQLite database (the oracle) and on
/// embedded clusters with 1, 3 and 8 shards; every answer must match (DESIGN §2).
///
/// Deterministic: the seed is fixed (`SHARDQL_DIFF_SEED` overrides it, decimal or `0x…`;
/// `SHARDQL_DIFF_CASES` changes the number of cases, `SHARDQL_DIFF_VERBOSE=1` prints case 0 and the
/// oracle's errors). A mismatch reports the seed, the case, the
/// schema, the statement, both answers, and writes the whole case as a script to the temporary
/// directory so it can be replayed.
///
/// The generator only asks questions whose answer SQLite determines: `ORDER BY … LIMIT` orders by
/// every output column (`COLLATE BINARY` plus `typeof` to split `3` from `3.0`), the value SQLite
/// shows for a group, a `DISTINCT` row, a compound row or a `min`/`max` among values equal under
/// the collation is compared modulo that equality, `group_concat` compares its parts as a
/// multiset, REAL with relative tolerance 1e-12, and summed values stay small (no overflow).
@Suite("Random differential: cluster answers as SQLite does")
struct RandomDifferentialTests {
    static let defaultSeed: UInt64 = 0x5348_4152_4451_4C01
    static let defaultCases = 30
    static let queriesPerCase = 30
    static let writesPerCase = 5
    /// Cases that found mismatches, replayed on every run (with the default seed) until fixed:
    /// - (0x2, 36), (0x4, 1): an INTEGER PRIMARY KEY generated after a failed multi-row INSERT
    ///   skips past the keys of the failed statement (SQLite takes max(rowid)+1 of the rows that
    ///   exist), so later rows get other keys, or an explicit key then collides.
    /// - (0x9, 14): `UPDATE t SET … WHERE EXISTS (SELECT … FROM t AS s WHERE s.h = t.i …)`: SQLite
    ///   evaluates the correlated subquery row by row (rowid order) and sees the rows this same
    ///   UPDATE already changed; the cluster evaluates it against the rows as they were before the
    ///   statement (the order-dependent behaviour SQLite has; keep or drop with the engine's decision).
    static let pinnedCases: [(seed: UInt64, index: Int)] = [(0x2, 36), (0x4, 1), (0x9, 14)]
    /// Issues recorded per shard count before only counting.
    static let maxReported = 25

    static var seed: UInt64 {
        guard let text = ProcessInfo.processInfo.environment["SHARDQL_DIFF_SEED"]?.trimmingCharacters(in: .whitespaces),
            !text.isEmpty
        else { return defaultSeed }
        if text.lowercased().hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) ?? defaultSeed }
        return UInt64(text) ?? defaultSeed
    }

    static var caseCount: Int {
        ProcessInfo.processInfo.environment["SHARDQL_DIFF_CASES"].flatMap { Int($0) } ?? defaultCases
    }

    @Test(arguments: [1, 3, 8])
    func randomCasesMatchSQLite(shards: Int) async throws {
        let seed = Self.seed
        var log = DiffLog(seed: seed, shards: shards)
        var cases = (0..<Self.caseCount).map { (seed: seed, index: $0) }
        if ProcessInfo.processInfo.environment["SHARDQL_DIFF_SEED"] == nil { cases += Self.pinnedCases }
        for (caseSeed, index) in cases {
            log.seed = caseSeed
            let testCase = DiffCase.make(
                seed: caseSeed, index: index, queries: Self.queriesPerCase, writes: Self.writesPerCase)
            let expected = try Self.runOracle(testCase)
            if ProcessInfo.processInfo.environment["SHARDQL_DIFF_VERBOSE"] != nil, shards == 1 {
                var errors = 0, rows = 0, emptyRows = 0
                for outcome in expected {
                    switch outcome {
                    case .error: errors += 1
                    case .rows(let r): rows += 1; if r.isEmpty { emptyRows += 1 }
                    case .changes: break
                    }
                }
                print("case \(index): \(testCase.steps.count) steps, \(rows) queries (\(emptyRows) empty), \(errors) errors")
                for (step, outcome) in zip(testCase.steps, expected) {
                    if case .error(let message) = outcome, case .query(let query) = step {
                        print("  oracle error: \(message)\n    \(query.sql)")
                    }
                }
                if index == 0 { print(testCase.script()) }
            }
            try await Self.runCluster(testCase, shards: shards, expected: expected, log: &log)
        }
        if log.mismatches > log.reported {
            Issue.record("seed \(diffHex(seed)), \(shards) shards: \(log.mismatches) mismatches in all, \(log.reported) reported")
        }
    }

    // MARK: Running

    enum Outcome {
        case rows([[SQLValue]])
        case changes(Int)
        case error(String)
    }

    static func runOracle(_ testCase: DiffCase) throws -> [Outcome] {
        let oracle = try SQLiteConnection(path: ":memory:")
        defer { oracle.close() }
        for statement in testCase.schema(forCluster: false) { try oracle.execute(statement) }
        return testCase.steps.map { step in
            do {
                switch step {
                case .write(let sql):
                    try oracle.execute(sql)
                    return .changes(oracle.changes)
                case .query(let query):
                    return .rows(try oracle.prepare(query.sql).rows())
                }
            } catch {
                return .error("\(error)")
            }
        }
    }

    static func runCluster(_ testCase: DiffCase, shards: Int, expected: [Outcome], log: inout DiffLog) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("random-diff-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = try await Cluster.open(directory: directory, defaultShardCount: shards)
        var caseMismatches = 0
        func mismatch(step: Int, _ what: String) {
            caseMismatches += 1
            log.record(testCase, step: step, what)
        }
        run: do {
            for statement in testCase.schema(forCluster: true) {
                do {
                    _ = try await cluster.execute(statement)
                } catch {
                    mismatch(step: -1, "schema statement failed on the cluster: \(statement)\n  error: \(error)")
                    break run
                }
            }
            for (number, step) in testCase.steps.enumerated() {
                switch (step, expected[number]) {
                case (.write(let sql), .changes(let changes)):
                    do {
                        let got = try await cluster.execute(sql).last?.changes ?? -1
                        if got != changes {
                            mismatch(step: number, "write: \(sql)\n  expected changes \(changes), got \(got)")
                        }
                    } catch {
                        mismatch(step: number, "write: \(sql)\n  SQLite succeeded (changes \(changes)); the cluster failed: \(error)")
                        // The states differ from here on: the rest of the case would only repeat it.
                        break run
                    }
                case (.write(let sql), .error(let message)):
                    if let result = try? await cluster.execute(sql).last {
                        mismatch(step: number, "write: \(sql)\n  SQLite failed (\(message)); the cluster succeeded with changes \(result.changes)")
                        break run
                    }
                case (.query(let query), .rows(let rows)):
                    do {
                        let got = try await cluster.execute(query.sql).last?.rows ?? []
                        if let difference = DiffCompare.difference(expected: rows, got: got, query: query) {
                            mismatch(step: number, "query: \(query.sql)\n\(difference)")
                            // A table's rows differ: every later answer would only repeat it.
                            if query.isTableCheck { break run }
                        }
                    } catch {
                        mismatch(step: number, "query: \(query.sql)\n  SQLite returned \(rows.count) rows; the cluster failed: \(error)")
                    }
                case (.query(let query), .error(let message)):
                    if let result = try? await cluster.execute(query.sql).last {
                        mismatch(step: number, "query: \(query.sql)\n  SQLite failed (\(message)); the cluster returned \(result.rows.count) rows: \(DiffCompare.render(result.rows.prefix(5)))")
                    }
                default:
                    Issue.record("internal: step and outcome disagree")
                }
                if caseMismatches >= 8 { break run }
            }
        }
        await cluster.close()
    }
}

func diffHex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

/// Collects mismatches; records the first few as issues with everything needed to reproduce them.
struct DiffLog {
    var seed: UInt64
    var shards: Int
    var mismatches = 0
    var reported = 0
    var scriptsWritten = Set<String>()

    mutating func record(_ testCase: DiffCase, step: Int, _ what: String) {
        mismatches += 1
        guard reported < RandomDifferentialTests.maxReported else { return }
        reported += 1
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("shardql-diff-\(diffHex(seed))-case\(testCase.index).sql").path
        if scriptsWritten.insert(path).inserted {
            try? testCase.script().write(toFile: path, atomically: true, encoding: .utf8)
        }
        Issue.record(
            """
            seed \(diffHex(seed)) case \(testCase.index) shards \(shards) step \(step) (SHARDQL_DIFF_SEED=\(diffHex(seed)))
            schema:
            \(testCase.schema(forCluster: true).map { "  " + $0 }.joined(separator: "\n"))
            \(what)
            full case script (data, writes, steps): \(path)
            """)
    }
}

// MARK: - Comparing

enum DiffCompare {
    /// nil when `got` answers `query` as `expected` does; else a description of the difference.
    static func difference(expected: [[SQLValue]], got: [[SQLValue]], query: DiffQuery) -> String? {
        let e = expected.map { normalize($0, query.modes) }
        let g = got.map { normalize($0, query.modes) }
        if query.ordered {
            if e.count == g.count, zip(e, g).allSatisfy(sameRow) { return nil }
            if let diff = multisetDifference(e, g) {
                return describe(expected, got, note: "(ordered)") + "\n" + diff
            }
            return describe(expected, got, note: "same rows, different order")
        }
        guard let diff = multisetDifference(e, g) else { return nil }
        return describe(expected, got, note: "(as multisets)") + "\n" + diff
    }

    static func describe(_ expected: [[SQLValue]], _ got: [[SQLValue]], note: String) -> String {
        """
          \(note)
          expected (SQLite, \(expected.count) rows): \(render(expected.prefix(30)))\(expected.count > 30 ? " …" : "")
          got (cluster, \(got.count) rows):     \(render(got.prefix(30)))\(got.count > 30 ? " …" : "")
        """
    }

    /// nil when equal as multisets; else the rows found on one side only.
    static func multisetDifference(_ e: [[SQLValue]], _ g: [[SQLValue]]) -> String? {
        if e.count == g.count {
            let es = e.sorted { key($0) < key($1) }
            let gs = g.sorted { key($0) < key($1) }
            if zip(es, gs).allSatisfy(sameRow) { return nil }
        }
        // Slow exact matching (REALs near a rounding boundary of the sort key).
        var unmatched = g
        var missing: [[SQLValue]] = []
        for row in e {
            if let index = unmatched.firstIndex(where: { sameRow(row, $0) }) {
                unmatched.remove(at: index)
            } else {
                missing.append(row)
            }
        }
        if missing.isEmpty && unmatched.isEmpty { return nil }
        return """
              only in SQLite's answer (\(missing.count)): \(render(missing.prefix(12)))
              only in the cluster's answer (\(unmatched.count)): \(render(unmatched.prefix(12)))
            """
    }

    static func sameRow(_ a: [SQLValue], _ b: [SQLValue]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy(close)
    }

    static func close(_ a: SQLValue, _ b: SQLValue) -> Bool {
        if case .real(let x) = a, case .real(let y) = b {
            return x == y || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
        }
        return a == b
    }

    static func normalize(_ row: [SQLValue], _ modes: [DiffMode]) -> [SQLValue] {
        row.enumerated().map { index, value in normalize(value, index < modes.count ? modes[index] : .exact) }
    }

    static func normalize(_ value: SQLValue, _ mode: DiffMode) -> SQLValue {
        switch mode {
        case .exact:
            return value
        case .loose(let nocase):
            switch value {
            case .integer(let i): return .real(Double(i))
            case .text(let text) where nocase:
                return .text(SQLText(bytes: text.bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }))
            default: return value
            }
        case .parts(let separator):
            guard case .text(let text) = value else { return value }
            let parts = split(text.bytes, by: separator).sorted { $0.lexicographicallyPrecedes($1) }
            return .text(SQLText(bytes: Array(parts.joined(separator: separator))))
        }
    }

    static func split(_ bytes: [UInt8], by separator: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if !separator.isEmpty, i + separator.count <= bytes.count, Array(bytes[i..<i + separator.count]) == separator {
                parts.append(current)
                current = []
                i += separator.count
            } else {
                current.append(bytes[i])
                i += 1
            }
        }
        parts.append(current)
        return parts
    }

    /// A sort key equal for rows `sameRow` accepts (but for REALs straddling a rounding boundary).
    static func key(_ row: [SQLValue]) -> String {
        row.map { value -> String in
            switch value {
            case .null: "n"
            case .integer(let i): "i\(i)"
            case .real(let d): "r" + String(format: "%.9g", d == 0 ? 0 : d)
            case .text(let t): "t" + t.bytes.map { String($0, radix: 16) }.joined(separator: ".")
            case .blob(let b): "b" + b.map { String($0, radix: 16) }.joined(separator: ".")
            }
        }.joined(separator: "|")
    }

    static func render<S: Sequence>(_ rows: S) -> String where S.Element == [SQLValue] {
        "[" + rows.map { "(" + $0.map(render).joined(separator: ", ") + ")" }.joined(separator: " ") + "]"
    }

    static func render(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let i): "\(i)"
        case .real(let d): "\(d)r"
        case .text(let t): "'" + t.string.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let b): "x'" + b.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}

// MARK: - PRNG

/// The shared SplitMix64 sequence, with the draws the generator needs (its own mapping to
/// ranges, which the pinned regression cases' seeds depend on).
struct DifferentialRandom {
    var base: SplitMix64

    init(seed: UInt64) { base = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { base.next() }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) * 0x1p-53 < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var items = items
        var i = items.count - 1
        while i > 0 {
            items.swapAt(i, below(i + 1))
            i -= 1
        }
        return items
    }

    /// An index drawn with the given weights.
    mutating func weighted(_ weights: [Int]) -> Int {
        var r = below(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if r < weight { return index }
            r -= weight
        }
        return weights.count - 1
    }
}

// MARK: - Schema and case

enum DiffType: CaseIterable, Sendable {
    case integer, text, nocase, real, numeric, untyped

    var declaration: String {
        switch self {
        case .integer: "INTEGER"
        case .text: "TEXT"
        case .nocase: "TEXT COLLATE NOCASE"
        case .real: "REAL"
        case .numeric: "NUMERIC"
        case .untyped: ""
        }
    }
}

struct DiffColumn: Sendable {
    var name: String
    var type: DiffType
}

struct DiffTable: Sendable {
    var name: String
    var columns: [DiffColumn]
    var primaryKey: Int?
    var replicated = false
    var hashColumn: Int?
    var indexColumn: Int?
    /// A derived table's `(SELECT …)` text; nil for a stored table or a CTE.
    var derivedSQL: String?

    var isRowIDAlias: Bool { primaryKey.map { columns[$0].type == .integer } ?? false }

    func create(forCluster: Bool) -> [String] {
        let definitions = columns.enumerated().map { index, column in
            var definition = column.name
            if !column.type.declaration.isEmpty { definition += " " + column.type.declaration }
            if primaryKey == index { definition += " PRIMARY KEY" }
            return definition
        }
        var sql = "CREATE TABLE \(name)(\(definitions.joined(separator: ", ")))"
        if forCluster {
            if replicated {
                sql += " DISTRIBUTED REPLICATED"
            } else if let hashColumn {
                sql += " DISTRIBUTED BY HASH (\(columns[hashColumn].name))"
            }
        }
        var statements = [sql]
        if let indexColumn {
            let column = columns[indexColumn].name
            statements.append("CREATE INDEX \(name)_\(column) ON \(name)(\(column))")
        }
        return statements
    }
}

enum DiffMode: Sendable, Equatable {
    /// Values as they are (REAL within 1e-12).
    case exact
    /// SQLite picks one of several values equal under the column's comparison (a group's or a
    /// `DISTINCT` row's value, `min`/`max` among ties): `3` = `3.0`, and case-insensitive texts
    /// when a NOCASE collation may apply.
    case loose(nocase: Bool)
    /// `group_concat`: its parts as a multiset.
    case parts(separator: [UInt8])
}

struct DiffQuery: Sendable {
    var sql: String
    /// The ORDER BY determines the order of the rows (else they compare as multisets).
    var ordered: Bool
    var modes: [DiffMode]
    /// `SELECT * FROM t` after a write: a difference means the stored rows differ.
    var isTableCheck = false
}

enum DiffStep: Sendable {
    case write(String)
    case query(DiffQuery)
}

struct DiffCase: Sendable {
    var index: Int
    var tables: [DiffTable]
    var steps: [DiffStep]

    func schema(forCluster: Bool) -> [String] { tables.flatMap { $0.create(forCluster: forCluster) } }

    /// The whole case as a replayable script (cluster DDL; the oracle drops the DISTRIBUTED clauses).
    func script() -> String {
        var lines = ["-- random differential case \(index); SQLite runs the same without DISTRIBUTED clauses"]
        lines += schema(forCluster: true).map { $0 + ";" }
        for (number, step) in steps.enumerated() {
            switch step {
            case .write(let sql): lines.append("\(sql); -- step \(number)")
            case .query(let query):
                lines.append("\(query.sql); -- step \(number)\(query.ordered ? " ordered" : "")")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func make(seed: UInt64, index: Int, queries: Int, writes: Int) -> DiffCase {
        var mixer = DifferentialRandom(seed: seed ^ (UInt64(index) &* 0xD6E8_FEB8_6659_FD93))
        var generator = DiffGenerator(rng: DifferentialRandom(seed: mixer.next()))
        generator.makeTables()
        var steps: [DiffStep] = []
        for table in generator.tables {
            steps += generator.initialRows(table).map(DiffStep.write)
        }
        steps += generator.tables.map { .query(generator.wholeTable($0)) }
        let writePositions = Set((1...max(1, writes)).map { $0 * queries / (writes + 1) })
        for number in 0..<queries {
            if writes > 0, writePositions.contains(number) {
                steps.append(.write(generator.write()))
                steps += generator.tables.map { .query(generator.wholeTable($0)) }
            }
            steps.append(.query(generator.query()))
        }
        return DiffCase(index: index, tables: generator.tables, steps: steps)
    }
}

// MARK: - Generator

struct DiffSource {
    var alias: String
    var table: DiffTable
}

struct DiffExpr {
    var sql: String
    /// A NOCASE collation may decide comparisons of this value (conservative).
    var nocase: Bool
    var isColumn = false
    var isConstant = false
}

struct DiffGenerator {
    var rng: DifferentialRandom
    var tables: [DiffTable] = []
    var keySerial = 0
    var usedKeys: [String: [String]] = [:]

    static let columnNames = [["a", "b", "c", "d", "e"], ["f", "g", "h", "i", "j"], ["k", "l", "m", "n", "o"]]
    static let ints = ["0", "1", "2", "3", "5", "7", "-1", "-7", "10", "42", "100", "12"]
    /// Exactly representable: sums do not depend on the order of the rows.
    static let reals = ["0.5", "2.5", "3.0", "-1.0", "1.5e2", "0.25", "-0.75", "7.0", "1e3", "100.0", "12.125", "5.0"]
    static let texts = [
        "'abc'", "'ABC'", "'abc '", "'Abc'", "'xyz'", "'5'", "'5.0'", "' 7 '", "''", "'a%c'", "'a_c'",
        "'hello world'", "'1e2'", "'-3'", "'b'", "'B'", "'12'",
    ]
    static let blobs = ["x''", "x'00'", "x'616263'", "x'ff'", "x'05'"]

    // MARK: Schema and data

    mutating func makeTables() {
        let count = rng.int(2...3)
        for number in 0..<count {
            let names = Self.columnNames[number]
            let width = rng.int(2...5)
            var columns = (0..<width).map { DiffColumn(name: names[$0], type: rng.pick(DiffType.allCases)) }
            var table = DiffTable(name: "t\(number)", columns: columns)
            switch rng.weighted([35, 12, 10, 8, 35]) {
            case 0: columns[0].type = .integer; table.primaryKey = 0
            case 1: columns[0].type = .text; table.primaryKey = 0
            case 2: columns[0].type = .nocase; table.primaryKey = 0
            case 3: columns[0].type = rng.pick([.numeric, .untyped, .real]); table.primaryKey = 0
            default: break
            }
            table.columns = columns
            if rng.chance(0.2) {
                table.replicated = true
            } else if table.primaryKey == nil, rng.chance(0.45) {
                table.hashColumn = rng.below(width)
            }
            if rng.chance(0.3) { table.indexColumn = rng.below(width) }
            tables.append(table)
        }
    }

    mutating func value(_ type: DiffType) -> String {
        // int, real, text, blob, NULL
        let weights: [Int] =
            switch type {
            case .integer: [65, 10, 10, 3, 12]
            case .real: [15, 60, 10, 3, 12]
            case .numeric: [35, 25, 25, 3, 12]
            case .text, .nocase: [15, 10, 60, 3, 12]
            case .untyped: [25, 20, 35, 8, 12]
            }
        switch rng.weighted(weights) {
        case 0: return rng.chance(0.5) ? rng.pick(Self.ints) : String(rng.int(-20...20))
        case 1: return rng.pick(Self.reals)
        case 2: return rng.pick(Self.texts)
        case 3: return rng.pick(Self.blobs)
        default: return "NULL"
        }
    }

    /// A primary key value: mostly fresh, sometimes a duplicate or a variant equal under the
    /// column's affinity or collation (the insert then fails on both sides).
    mutating func keyValue(_ table: DiffTable) -> String {
        guard let key = table.primaryKey else { return "NULL" }
        keySerial += 1
        let fresh = keySerial * 3 + rng.below(3)
        let used = usedKeys[table.name] ?? []
        var literal: String
        if !used.isEmpty, rng.chance(0.04) {
            literal = rng.pick(used)
        } else {
            switch table.columns[key].type {
            case .integer:
                switch rng.weighted([90, 5, 5]) {
                case 0: literal = "\(fresh)"
                case 1: literal = "'\(fresh)'"
                default: literal = "\(fresh).0"
                }
            case .text, .nocase:
                switch rng.weighted([86, 6, 3, 5]) {
                case 0: literal = "'k\(fresh)'"
                case 1: literal = "'K\(keySerial > 1 ? (keySerial - 1) * 3 + rng.below(3) : fresh)'"
                case 2: literal = "NULL"
                default: literal = "\(fresh)"
                }
            default:
                switch rng.weighted([80, 10, 10]) {
                case 0: literal = "\(fresh)"
                case 1: literal = "'\(fresh)'"
                default: literal = "\(fresh).5"
                }
            }
        }
        usedKeys[table.name, default: []].append(literal)
        return literal
    }

    mutating func initialRows(_ table: DiffTable) -> [String] {
        var statements: [String] = []
        var remaining = rng.int(10...60)
        while remaining > 0 {
            let batch = min(remaining, rng.int(1...6))
            remaining -= batch
            statements.append(insertValues(table, rows: batch, initial: true))
        }
        return statements
    }

    mutating func insertValues(_ table: DiffTable, rows: Int, initial: Bool) -> String {
        var columns = Array(table.columns.indices)
        // Sometimes leave a column out (its default, NULL); an INTEGER PRIMARY KEY then gets a
        // generated key: only on the first load, where SQLite's max+1 is unambiguous.
        if columns.count > 1, rng.chance(0.2) {
            let dropped = rng.below(columns.count)
            if dropped != table.primaryKey || (initial && table.isRowIDAlias && rng.chance(0.3)) {
                columns.remove(at: dropped)
            }
        }
        columns = rng.shuffled(columns)
        let tuples = (0..<rows).map { _ in
            "(" + columns.map { $0 == table.primaryKey ? keyValue(table) : value(table.columns[$0].type) }
                .joined(separator: ", ") + ")"
        }
        let names = columns.map { table.columns[$0].name }.joined(separator: ", ")
        return "INSERT INTO \(table.name)(\(names)) VALUES \(tuples.joined(separator: ", "))"
    }

    func wholeTable(_ table: DiffTable) -> DiffQuery {
        DiffQuery(sql: "SELECT * FROM \(table.name)", ordered: false, modes: [], isTableCheck: true)
    }

    // MARK: Expressions

    mutating func column(_ scope: [DiffSource]) -> DiffExpr {
        let source = rng.pick(scope)
        let column = rng.pick(source.table.columns)
        return DiffExpr(sql: "\(source.alias).\(column.name)", nocase: column.type == .nocase, isColumn: true)
    }

    mutating func literal() -> String {
        switch rng.weighted([5, 3, 5, 1, 1]) {
        case 0: return rng.pick(Self.ints)
        case 1: return rng.pick(Self.reals)
        case 2: return rng.pick(Self.texts)
        case 3: return rng.pick(Self.blobs)
        default: return "NULL"
        }
    }

    mutating func scalar(_ scope: [DiffSource], depth: Int = 2) -> DiffExpr {
        if depth <= 0 || rng.chance(0.4) {
            if rng.chance(0.8) { return column(scope) }
            return DiffExpr(sql: literal(), nocase: false, isConstant: true)
        }
        let a = scalar(scope, depth: depth - 1)
        switch rng.weighted([5, 2, 2, 6, 2, 1, 1]) {
        case 0:
            let b = scalar(scope, depth: depth - 1)
            return DiffExpr(sql: "(\(a.sql) \(rng.pick(["+", "-", "*", "/", "%"])) \(b.sql))", nocase: a.nocase || b.nocase)
        case 1:
            let condition = "\(column(scope).sql) \(rng.pick(["=", "<", ">", "<>"])) \(literal())"
            let b = scalar(scope, depth: depth - 1)
            if rng.chance(0.5) {
                return DiffExpr(sql: "CASE WHEN \(condition) THEN \(a.sql) ELSE \(b.sql) END", nocase: a.nocase || b.nocase)
            }
            return DiffExpr(
                sql: "CASE \(a.sql) WHEN \(literal()) THEN \(b.sql) WHEN \(literal()) THEN \(literal()) END",
                nocase: a.nocase || b.nocase)
        case 2:
            let b = scalar(scope, depth: depth - 1)
            return DiffExpr(sql: "coalesce(\(a.sql), \(b.sql), \(literal()))", nocase: a.nocase || b.nocase)
        case 3:
            let functions = [
                "upper(#)", "lower(#)", "length(#)", "abs(#)", "typeof(#)", "trim(#)", "substr(#, 1, 2)",
                "substr(#, 2)", "round(#, 1)", "instr(#, 'b')", "replace(#, 'a', 'X')", "hex(#)", "-(#)",
                "(# IS NULL)", "quote(#)", "ltrim(#, ' 1')",
            ]
            return DiffExpr(
                sql: rng.pick(functions).replacingOccurrences(of: "#", with: a.sql), nocase: a.nocase)
        case 4:
            let b = scalar(scope, depth: depth - 1)
            let form = rng.pick(["(# || @)", "ifnull(#, @)", "nullif(#, @)", "max(#, @)", "min(#, @)"])
            return DiffExpr(
                sql: form.replacingOccurrences(of: "#", with: a.sql).replacingOccurrences(of: "@", with: b.sql),
                nocase: a.nocase || b.nocase)
        case 5:
            return DiffExpr(sql: "CAST(\(a.sql) AS \(rng.pick(["INTEGER", "REAL", "TEXT", "NUMERIC"])))", nocase: a.nocase)
        default:
            return DiffExpr(sql: "(\(a.sql) \(rng.pick(["=", "<", ">=", "<>"])) \(literal()))", nocase: false)
        }
    }

    mutating func predicate(_ scope: [DiffSource], depth: Int = 2, others: [DiffTable] = []) -> String {
        if depth > 0, rng.chance(0.3) {
            let a = predicate(scope, depth: depth - 1, others: others)
            let b = predicate(scope, depth: depth - 1, others: others)
            switch rng.below(3) {
            case 0: return "(\(a) AND \(b))"
            case 1: return "(\(a) OR \(b))"
            default: return "NOT (\(a))"
            }
        }
        if !others.isEmpty, rng.chance(0.2) { return subqueryPredicate(scope, others: others) }
        if rng.chance(0.12), let key = keyPredicate(scope) { return key }
        let e = rng.chance(0.7) ? column(scope) : scalar(scope, depth: 1)
        let not = rng.chance(0.25) ? "NOT " : ""
        switch rng.weighted([7, 2, 2, 2, 2, 1, 1]) {
        case 0:
            let op = rng.pick(["=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT", "=="])
            let other = rng.chance(0.3) ? column(scope).sql : literal()
            return "\(e.sql) \(op) \(other)"
        case 1:
            return "\(e.sql) IS \(not)NULL"
        case 2:
            let items = (0..<rng.int(1...4)).map { _ in literal() }
            return "\(e.sql) \(not)IN (\(items.joined(separator: ", ")))"
        case 3:
            return "\(e.sql) \(not)BETWEEN \(literal()) AND \(literal())"
        case 4:
            return "\(e.sql) \(not)LIKE '\(rng.pick(["a%", "%c", "_bc", "A%", "%5%", "%", "hello%", "a\\%c"]))'"
        case 5:
            return "\(e.sql) GLOB '\(rng.pick(["a*", "*c", "[aA]*", "?", "*5*"]))'"
        default:
            return "\(e.sql) \(rng.pick(["=", "<", ">"])) \(rng.pick(Self.texts)) COLLATE \(rng.pick(["NOCASE", "BINARY", "RTRIM"]))"
        }
    }

    /// Equality or IN on a primary key or distribution column, with values the table holds
    /// (routing and shard pruning).
    mutating func keyPredicate(_ scope: [DiffSource]) -> String? {
        let source = rng.pick(scope)
        let table = source.table
        guard table.derivedSQL == nil, let index = table.primaryKey ?? table.hashColumn else { return nil }
        let c = "\(source.alias).\(table.columns[index].name)"
        let known = usedKeys[table.name] ?? []
        func sample() -> String { !known.isEmpty && rng.chance(0.8) ? rng.pick(known) : value(table.columns[index].type) }
        switch rng.below(3) {
        case 0: return "\(c) = \(sample())"
        case 1: return "\(c) IN (\((0..<rng.int(1...4)).map { _ in sample() }.joined(separator: ", ")))"
        default: return "(\(c) = \(sample()) AND \(predicate(scope, depth: 0)))"
        }
    }

    mutating func subqueryPredicate(_ scope: [DiffSource], others: [DiffTable]) -> String {
        let outer = column(scope)
        let table = rng.pick(others)
        let inner = [DiffSource(alias: "s", table: table)]
        let value = column(inner)
        let filter = rng.chance(0.5) ? predicate(inner, depth: 0) : nil
        let whereFilter = filter.map { " WHERE \($0)" } ?? ""
        let andFilter = filter.map { " AND \($0)" } ?? ""
        switch rng.weighted([3, 2, 3, 2, 2, 1]) {
        case 0:
            return "\(outer.sql) IN (SELECT \(value.sql) FROM \(table.name) AS s\(whereFilter))"
        case 1:
            return "\(outer.sql) NOT IN (SELECT \(value.sql) FROM \(table.name) AS s\(whereFilter))"
        case 2:
            return "EXISTS (SELECT 1 FROM \(table.name) AS s WHERE \(value.sql) = \(outer.sql)\(andFilter))"
        case 3:
            return "NOT EXISTS (SELECT 1 FROM \(table.name) AS s WHERE \(value.sql) \(rng.pick(["=", "<", ">"])) \(outer.sql)\(andFilter))"
        case 4:
            let aggregate = rng.pick(["count", "total", "avg", "sum"])
            return "\(outer.sql) \(rng.pick(["<", ">=", "="])) (SELECT \(aggregate)(\(value.sql)) FROM \(table.name) AS s\(whereFilter))"
        default:
            return "(SELECT count(*) FROM \(table.name) AS s WHERE \(value.sql) = \(outer.sql)) > \(rng.int(0...2))"
        }
    }

    /// A scalar subquery for a projection (deterministic: aggregates without ties).
    mutating func scalarSubquery(_ scope: [DiffSource]) -> DiffExpr {
        let outer = column(scope)
        let table = rng.pick(tables)
        let inner = [DiffSource(alias: "s", table: table)]
        let value = column(inner)
        switch rng.below(3) {
        case 0:
            return DiffExpr(sql: "(SELECT count(*) FROM \(table.name) AS s WHERE \(value.sql) = \(outer.sql))", nocase: false)
        case 1:
            return DiffExpr(sql: "(SELECT total(\(value.sql)) FROM \(table.name) AS s WHERE \(value.sql) < \(outer.sql))", nocase: false)
        default:
            return DiffExpr(sql: "(SELECT count(DISTINCT \(value.sql)) FROM \(table.name) AS s)", nocase: false)
        }
    }

    /// An argument for sum/total/avg whose partial sums are exact (no order-dependent rounding).
    mutating func summand(_ scope: [DiffSource]) -> String {
        let c = column(scope).sql
        switch rng.weighted([5, 1, 1, 1, 1]) {
        case 0: return c
        case 1: return "\(c) + \(rng.int(-3...3))"
        case 2: return "\(c) * \(rng.int(2...3))"
        case 3: return "\(c) - \(column(scope).sql)"
        default: return "CASE WHEN \(predicate(scope, depth: 0)) THEN \(c) ELSE 0 END"
        }
    }

    mutating func aggregate(_ scope: [DiffSource]) -> (String, DiffMode) {
        switch rng.weighted([3, 2, 2, 3, 2, 2, 2, 2, 2]) {
        case 0: return ("count(*)", .exact)
        case 1: return ("count(\(scalar(scope, depth: 1).sql))", .exact)
        case 2: return ("count(DISTINCT \(column(scope).sql))", .exact)
        case 3: return ("sum(\(summand(scope)))", .exact)
        case 4: return ("total(\(summand(scope)))", .exact)
        case 5: return ("avg(\(summand(scope)))", .exact)
        case 6, 7:
            let c = column(scope)
            return ("\(rng.chance(0.5) ? "min" : "max")(\(c.sql))", .loose(nocase: c.nocase))
        default:
            let c = column(scope)
            if rng.chance(0.5) { return ("group_concat(\(c.sql))", .parts(separator: Array(",".utf8))) }
            return ("group_concat(\(c.sql), ' | ')", .parts(separator: Array(" | ".utf8)))
        }
    }

    mutating func groupKey(_ scope: [DiffSource]) -> DiffExpr {
        let c = column(scope)
        if rng.chance(0.7) { return c }
        let form = rng.pick(["(# % 3)", "length(#)", "typeof(#)", "upper(#)", "substr(#, 1, 1)", "(# IS NULL)", "coalesce(#, 0)"])
        return DiffExpr(sql: form.replacingOccurrences(of: "#", with: c.sql), nocase: c.nocase)
    }

    mutating func direction() -> String {
        rng.pick(["", " ASC", " DESC"]) + rng.pick(["", "", " NULLS FIRST", " NULLS LAST"])
    }

    mutating func limit() -> String {
        guard rng.chance(0.6) else { return "" }
        var clause = " LIMIT \(rng.chance(0.1) ? -1 : rng.int(0...12))"
        if rng.chance(0.5) { clause += " OFFSET \(rng.int(0...6))" }
        return clause
    }

    /// ORDER BY every output by its bytes and storage class: the order SQLite returns is determined.
    mutating func determiningOrder(_ outputs: [DiffExpr]) -> String {
        // Constants need no ordering (and a bare integer would name a column).
        let terms = rng.shuffled(outputs.filter { !$0.isConstant })
            .map { "\($0.sql) COLLATE BINARY\(direction()), typeof(\($0.sql))" }
        return terms.isEmpty ? "NULL" : terms.joined(separator: ", ")
    }

    /// ORDER BY every output under its own collation: determined when the rows are distinct under
    /// the same comparison (GROUP BY keys, DISTINCT rows, deduplicating compounds).
    mutating func naturalOrder(_ outputs: [String]) -> String {
        rng.shuffled(outputs).map { "\($0)\(direction())" }.joined(separator: ", ")
    }

    // MARK: Queries

    mutating func query() -> DiffQuery {
        switch rng.weighted([5, 5, 2, 4, 3, 2, 3, 2, 2]) {
        case 8: return derived()
        case 0: return plainSelect()
        case 1: return groupedSelect(from: [source(alias: "x")])
        case 2: return ungroupedAggregate()
        case 3: return join()
        case 4: return subquerySelect()
        case 5: return windowSelect()
        case 6: return compound()
        default: return distinctSelect()
        }
    }

    mutating func source(alias: String) -> DiffSource {
        let table = rng.pick(tables)
        return DiffSource(alias: rng.chance(0.3) && alias == "x" ? table.name : alias, table: table)
    }

    mutating func outputs(_ scope: [DiffSource], count: ClosedRange<Int>) -> [DiffExpr] {
        (0..<rng.int(count)).map { _ in rng.chance(0.5) ? column(scope) : scalar(scope) }
    }

    /// SELECT exprs FROM … [WHERE] [ORDER BY [LIMIT]] over rows as they are.
    mutating func rowsSelect(_ scope: [DiffSource], from: String, outputs: [DiffExpr], star: Bool, filter: String?) -> DiffQuery {
        var sql = "SELECT \(star ? "*" : outputs.map(\.sql).joined(separator: ", ")) FROM \(from)"
        if let filter { sql += " WHERE \(filter)" }
        var ordered = false
        switch rng.weighted([4, 5, 1]) {
        case 1:
            sql += " ORDER BY \(determiningOrder(outputs))" + limit()
            ordered = true
        case 2:
            if let first = rng.shuffled(outputs.filter { !$0.isConstant }).first {
                sql += " ORDER BY \(naturalOrder([first.sql]))"
            }
        default:
            break
        }
        return DiffQuery(sql: sql, ordered: ordered, modes: [])
    }

    mutating func plainSelect(_ given: DiffSource? = nil) -> DiffQuery {
        let x = given ?? source(alias: "x")
        let scope = [x]
        let star = rng.chance(0.15)
        let outs = star ? x.table.columns.map { DiffExpr(sql: "\(x.alias).\($0.name)", nocase: $0.type == .nocase) } : outputs(scope, count: 1...4)
        let filter = rng.chance(0.75) ? predicate(scope, others: tables) : nil
        return rowsSelect(scope, from: from(x), outputs: outs, star: star, filter: filter)
    }

    func from(_ source: DiffSource) -> String {
        if let derived = source.table.derivedSQL { return "(\(derived)) AS \(source.alias)" }
        return source.alias == source.table.name ? source.table.name : "\(source.table.name) AS \(source.alias)"
    }

    mutating func distinctSelect() -> DiffQuery {
        let x = source(alias: "x")
        let scope = [x]
        let outs = outputs(scope, count: 1...3)
        var sql = "SELECT DISTINCT \(outs.map(\.sql).joined(separator: ", ")) FROM \(from(x))"
        if rng.chance(0.6) { sql += " WHERE \(predicate(scope))" }
        var ordered = false
        let sortable = outs.filter { !$0.isConstant }
        if !sortable.isEmpty, rng.chance(0.6) {
            sql += " ORDER BY \(naturalOrder(sortable.map(\.sql)))" + limit()
            ordered = true
        }
        return DiffQuery(sql: sql, ordered: ordered, modes: outs.map { .loose(nocase: $0.nocase) })
    }

    mutating func groupedSelect(from sources: [DiffSource], joinClause: String? = nil) -> DiffQuery {
        let scope = sources
        var keys: [DiffExpr] = []
        for _ in 0..<rng.int(1...2) {
            let key = groupKey(scope)
            if !keys.contains(where: { $0.sql == key.sql }) { keys.append(key) }
        }
        let aggregates = (0..<rng.int(1...3)).map { _ in aggregate(scope) }
        var items: [(String, DiffMode)] = keys.map { ($0.sql, .loose(nocase: $0.nocase)) } + aggregates
        items = rng.shuffled(items)
        var sql = "SELECT \(items.map(\.0).joined(separator: ", ")) FROM \(joinClause ?? self.from(sources[0]))"
        if rng.chance(0.5) { sql += " WHERE \(predicate(scope))" }
        sql += " GROUP BY \(keys.map(\.sql).joined(separator: ", "))"
        if rng.chance(0.3) {
            let c = column(scope).sql
            let having = rng.pick([
                "count(*) > 1", "sum(\(c)) > 0", "min(\(c)) IS NOT NULL", "count(DISTINCT \(c)) >= 2",
                "total(\(c)) < 10", "count(\(c)) < 3",
            ])
            sql += " HAVING \(having)"
        }
        var ordered = false
        if rng.chance(0.6) {
            let prefix = rng.chance(0.3) ? "count(*) DESC, " : ""
            sql += " ORDER BY \(prefix)\(naturalOrder(keys.map(\.sql)))" + limit()
            ordered = true
        }
        return DiffQuery(sql: sql, ordered: ordered, modes: items.map(\.1))
    }

    mutating func ungroupedAggregate() -> DiffQuery {
        let x = source(alias: "x")
        let scope = [x]
        let items = (0..<rng.int(1...4)).map { _ in aggregate(scope) }
        var sql = "SELECT \(items.map(\.0).joined(separator: ", ")) FROM \(from(x))"
        if rng.chance(0.6) { sql += " WHERE \(predicate(scope, others: tables))" }
        return DiffQuery(sql: sql, ordered: true, modes: items.map(\.1))
    }

    mutating func join() -> DiffQuery {
        let x = DiffSource(alias: "x", table: rng.pick(tables))
        let y = DiffSource(alias: "y", table: rng.pick(tables))
        var scope = [x, y]
        let kind = rng.pick(["JOIN", "LEFT JOIN", "INNER JOIN", "LEFT OUTER JOIN"])
        var on = "\(column([x]).sql) = \(column([y]).sql)"
        if rng.chance(0.2) { on += " AND \(predicate(scope, depth: 0))" }
        var clause = "\(from(x)) \(kind) \(from(y)) ON \(on)"
        if rng.chance(0.2) {
            let z = DiffSource(alias: "z", table: rng.pick(tables))
            clause += " \(rng.pick(["JOIN", "LEFT JOIN"])) \(from(z)) ON \(column([z]).sql) = \(column(scope).sql)"
            scope.append(z)
        }
        if rng.chance(0.3) { return groupedSelect(from: scope, joinClause: clause) }
        let star = rng.chance(0.1)
        let outs = star
            ? scope.flatMap { s in s.table.columns.map { DiffExpr(sql: "\(s.alias).\($0.name)", nocase: $0.type == .nocase) } }
            : outputs(scope, count: 2...5)
        let filter = rng.chance(0.5) ? predicate(scope) : nil
        return rowsSelect(scope, from: clause, outputs: outs, star: star, filter: filter)
    }

    mutating func subquerySelect() -> DiffQuery {
        let x = source(alias: "x")
        let scope = [x]
        var outs = outputs(scope, count: 1...3)
        if rng.chance(0.5) { outs.insert(scalarSubquery(scope), at: rng.below(outs.count + 1)) }
        let filter = rng.chance(0.8) ? subqueryPredicate(scope, others: tables) : nil
        return rowsSelect(scope, from: from(x), outputs: outs, star: false, filter: filter)
    }

    mutating func windowSelect(_ given: DiffSource? = nil) -> DiffQuery {
        let x = given ?? source(alias: "x")
        let scope = [x]
        var items: [(String, DiffMode)] = outputs(scope, count: 1...3).map { ($0.sql, .exact) }
        let everyColumn = x.table.columns.map { "\(x.alias).\($0.name) COLLATE BINARY, typeof(\(x.alias).\($0.name))" }
            .joined(separator: ", ")
        for _ in 0..<rng.int(1...3) {
            let partition = rng.chance(0.7) ? "PARTITION BY \(column(scope).sql) " : ""
            let order = "ORDER BY \(scalar(scope, depth: 1).sql)\(direction())"
            switch rng.below(7) {
            case 0: items.append(("rank() OVER (\(partition)\(order))", .exact))
            case 1: items.append(("dense_rank() OVER (\(partition)\(order))", .exact))
            case 2: items.append(("sum(\(summand(scope))) OVER (\(partition)\(order))", .exact))
            case 3: items.append(("count(*) OVER (\(partition.isEmpty ? "" : partition))", .exact))
            case 4: items.append(("row_number() OVER (\(partition)ORDER BY \(everyColumn))", .exact))
            case 5: items.append(("total(\(summand(scope))) OVER ()", .exact))
            default:
                let c = column(scope)
                items.append(("max(\(c.sql)) OVER (\(partition))", .loose(nocase: c.nocase)))
            }
        }
        items = rng.shuffled(items)
        var sql = "SELECT \(items.map(\.0).joined(separator: ", ")) FROM \(from(x))"
        if rng.chance(0.4) { sql += " WHERE \(predicate(scope))" }
        return DiffQuery(sql: sql, ordered: false, modes: items.map(\.1))
    }

    mutating func compound() -> DiffQuery {
        let width = rng.int(1...2)
        var parts: [String] = []
        var nocase = Array(repeating: false, count: width)
        var operators: [String] = []
        for number in 0..<rng.int(2...3) {
            let s = DiffSource(alias: "x", table: rng.pick(tables))
            let outs = (0..<width).map { _ in rng.chance(0.7) ? column([s]) : scalar([s], depth: 1) }
            for (i, o) in outs.enumerated() where o.nocase { nocase[i] = true }
            var part = "SELECT \(outs.map(\.sql).joined(separator: ", ")) FROM \(s.table.name) AS x"
            if rng.chance(0.5) { part += " WHERE \(predicate([s], depth: 1))" }
            if number > 0 { operators.append(rng.pick(["UNION", "UNION ALL", "EXCEPT", "INTERSECT"])) }
            parts.append(part)
        }
        var sql = parts[0]
        for (op, part) in zip(operators, parts.dropFirst()) { sql += " \(op) \(part)" }
        let deduplicated = operators.last != "UNION ALL"
        let allKept = operators.allSatisfy { $0 == "UNION ALL" }
        var ordered = false
        if rng.chance(0.5) {
            sql += " ORDER BY \(naturalOrder((1...width).map { "\($0)" }))"
            if deduplicated {
                sql += limit()
                ordered = true
            }
        }
        let modes: [DiffMode] = allKept ? [] : nocase.map { .loose(nocase: $0) }
        return DiffQuery(sql: sql, ordered: ordered, modes: modes)
    }

    /// A query over a derived table or a CTE: `(SELECT e AS v0, … FROM t WHERE …) AS q`.
    mutating func derived() -> DiffQuery {
        let base = source(alias: "x")
        let outs = outputs([base], count: 1...4)
        let columns = outs.enumerated().map { index, expression -> DiffColumn in
            let type: DiffType
            if expression.isColumn, let name = expression.sql.split(separator: ".").last,
                let column = base.table.columns.first(where: { $0.name == name })
            {
                type = column.type
            } else {
                type = expression.nocase ? .nocase : .untyped
            }
            return DiffColumn(name: "v\(index)", type: type)
        }
        var inner = "SELECT \(outs.enumerated().map { "\($1.sql) AS v\($0)" }.joined(separator: ", ")) FROM \(from(base))"
        if rng.chance(0.6) { inner += " WHERE \(predicate([base]))" }
        let asCTE = rng.chance(0.5)
        let table = DiffTable(name: "q", columns: columns, derivedSQL: asCTE ? nil : inner)
        let q = DiffSource(alias: "q", table: table)
        var query: DiffQuery
        switch rng.below(3) {
        case 0: query = plainSelect(q)
        case 1: query = groupedSelect(from: [q])
        default: query = windowSelect(q)
        }
        if asCTE { query.sql = "WITH q AS (\(inner)) " + query.sql }
        return query
    }

    // MARK: Writes

    mutating func write() -> String {
        let table = rng.pick(tables)
        switch rng.weighted([4, 2, 3, 1]) {
        case 0: return update(table)
        case 1: return delete(table)
        case 2: return insertSelect(table)
        default: return insertValues(table, rows: rng.int(1...4), initial: false)
        }
    }

    mutating func update(_ table: DiffTable) -> String {
        let scope = [DiffSource(alias: table.name, table: table)]
        var assignments: [String] = []
        var chosen = Set<Int>()
        for _ in 0..<rng.int(1...2) {
            let index: Int
            if let key = table.primaryKey, rng.chance(0.3) {
                index = key
            } else if let hash = table.hashColumn, rng.chance(0.3) {
                index = hash
            } else {
                index = rng.below(table.columns.count)
            }
            guard chosen.insert(index).inserted else { continue }
            let column = table.columns[index]
            let c = "\(table.name).\(column.name)"
            let expression: String
            if index == table.primaryKey {
                switch column.type {
                case .integer:
                    expression = rng.chance(0.9) ? "\(c) + \(rng.int(1000...99999))" : "\(rng.int(1...200))"
                case .text, .nocase:
                    expression = rng.pick(["\(c) || '-\(rng.int(1...99))'", "upper(\(c))", "lower(\(c))", "'k\(rng.int(1...200))'"])
                default:
                    expression = rng.pick(["\(c) + \(rng.int(1000...99999))", "\(c) || 'x'"])
                }
            } else {
                switch rng.weighted([3, 2, 2, 1, 1, 1]) {
                case 0: expression = value(column.type)
                case 1: expression = "\(c) + \(rng.int(1...5))"
                case 2: expression = scalar(scope, depth: 1).sql
                case 3: expression = "\(c) || 'z'"
                case 4: expression = "NULL"
                default:
                    let other = rng.pick(tables)
                    let inner = [DiffSource(alias: "s", table: other)]
                    expression = "(SELECT count(*) FROM \(other.name) AS s WHERE \(self.column(inner).sql) = \(self.column(scope).sql))"
                }
            }
            assignments.append("\(column.name) = \(expression)")
        }
        var sql = "UPDATE \(table.name) SET \(assignments.joined(separator: ", "))"
        if rng.chance(0.85) { sql += " WHERE \(predicate(scope, others: tables))" }
        return sql
    }

    mutating func delete(_ table: DiffTable) -> String {
        let scope = [DiffSource(alias: table.name, table: table)]
        var sql = "DELETE FROM \(table.name)"
        if rng.chance(0.92) { sql += " WHERE \(predicate(scope, others: tables))" }
        return sql
    }

    mutating func insertSelect(_ table: DiffTable) -> String {
        let source = DiffSource(alias: "x", table: rng.pick(tables))
        let scope = [source]
        var columns = Array(table.columns.indices)
        if columns.count > 1, rng.chance(0.3) {
            let dropped = rng.below(columns.count)
            if dropped != table.primaryKey { columns.remove(at: dropped) }
        }
        columns = rng.shuffled(columns)
        let expressions = columns.map { index -> String in
            let c = column(scope).sql
            if index == table.primaryKey {
                switch table.columns[index].type {
                case .integer: return "coalesce(\(c), 0) + \(rng.int(1000...99999))"
                case .text, .nocase: return "\(c) || '-\(rng.int(1...99))'"
                default: return "\(c) + \(rng.int(1000...99999))"
                }
            }
            return rng.chance(0.7) ? c : scalar(scope, depth: 1).sql
        }
        let conflict = rng.pick(["", "", "", " OR IGNORE", " OR REPLACE"])
        var sql = "INSERT\(conflict) INTO \(table.name)(\(columns.map { table.columns[$0].name }.joined(separator: ", "))) "
        sql += "SELECT \(expressions.joined(separator: ", ")) FROM \(source.table.name) AS x"
        if rng.chance(0.7) { sql += " WHERE \(predicate(scope))" }
        return sql
    }
}
