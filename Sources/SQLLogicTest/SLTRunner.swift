import ShardQLBase

/// Runs sqllogictest records against an ``SLTDatabase`` and checks them the way `sqllogictest.c`
/// does in `-verify` mode.
///
/// - `statement ok` must succeed, `statement error` must fail.
/// - A `query` must return as many columns as its type string has letters; its values are
///   formatted by type (``SLTValueFormatter``), sorted as the record asks (`rowsort` compares rows
///   value by value with `strcmp`, `valuesort` sorts every value on its own), and compared with
///   the expected lines — or, when the file gives `N values hashing to H`, with the MD5 of every
///   value followed by `\n`.
/// - `hash-threshold N` (8 until a file says otherwise, as in `sqllogictest.c`; 0 turns hashing
///   off): a result of more than N values is compared as its hash line, `N values hashing to H`.
/// - A query with a label (`query I rowsort label-7`) must hash like every earlier query with the
///   same label in the file; labels compare on their first 20 characters. As in `-verify` mode,
///   skipped labelled queries take part with the result the file gives them.
/// - Records a `skipif`/`onlyif` excludes for the dialect, and all records after a `halt` that
///   applies, are counted as skipped.
///
/// Two differences from `sqllogictest.c`, both stricter: a query must return exactly as many
/// values as expected (the C runner stops comparing at the shorter side), and `I` values keep all
/// 64 bits (see ``SLTValueFormatter``).
///
/// ```swift
/// var runner = try SLTRunner()
/// var database = try await SLTSQLiteDatabase()
/// let records = try SQLLogicTestFile.parse(fileAtPath: "select1.test")
/// let report = await runner.run(records, path: "select1.test", on: &database)
/// print(report.summary)  // 1031 passed, 0 failed, 0 skipped
/// ```
public struct SLTRunner {
    /// The value the hash threshold has until a `hash-threshold` record changes it.
    public static let defaultHashThreshold = 8

    /// The dialect `skipif`/`onlyif` are checked against.
    public var dialect: String
    /// When set, replaces every `hash-threshold` record (like `sqllogictest.c -ht N`).
    public var hashThresholdOverride: Int?

    private let formatter: SLTValueFormatter

    /// A runner for `dialect`.
    ///
    /// - Throws: when the in-memory SQLite connection for formatting cannot be opened.
    public init(dialect: String = "sqlite", hashThresholdOverride: Int? = nil) throws {
        self.dialect = dialect
        self.hashThresholdOverride = hashThresholdOverride
        self.formatter = try SLTValueFormatter()
    }

    /// Reads, parses and runs the file at `path` on `database`.
    ///
    /// - Throws: the file's read error or an ``SLTParseError``; failing records are in the report.
    public func run<Database: SLTDatabase>(fileAtPath path: String, on database: inout Database) async throws
        -> SLTFileReport
    {
        let records = try SQLLogicTestFile.parse(fileAtPath: path)
        return await run(records, path: path, on: &database)
    }

    /// Runs `records` (every record of a file, in order, as ``SQLLogicTestFile/parse(contents:path:)``
    /// returns them) on `database`; `path` names the file in failures.
    public func run<Database: SLTDatabase>(_ records: [SLTRecord], path: String, on database: inout Database) async
        -> SLTFileReport
    {
        let threshold = hashThresholdOverride ?? Self.defaultHashThreshold
        var state = FileState(report: SLTFileReport(path: path), hashThreshold: threshold)
        var halted = false
        for record in records {
            guard !halted, record.applies(toDialect: dialect) else {
                if record.hasSQL {
                    state.report.skipped += 1
                    if !halted { checkSkippedLabel(record, &state) }
                }
                continue
            }
            let failuresBefore = state.report.failures.count
            switch record.kind {
            case .halt:
                halted = true
                continue
            case .hashThreshold(let threshold):
                if hashThresholdOverride == nil { state.hashThreshold = threshold }
                continue
            case .statement(let expectError):
                await runStatement(record, expectError: expectError, on: &database, &state)
            case .query(let types, let sort, let label):
                await runQuery(record, types: types, sort: sort, label: label, on: &database, &state)
            }
            if state.report.failures.count > failuresBefore {
                state.report.failed += 1
            } else {
                state.report.passed += 1
            }
        }
        return state.report
    }

    /// What a file's run accumulates.
    struct FileState {
        var report: SLTFileReport
        var hashThreshold: Int
        /// Label (first 20 characters) → the MD5 hex of the first result seen with it.
        var labels: [Substring: String] = [:]
    }

    // MARK: - Statements

    private func runStatement<Database: SLTDatabase>(
        _ record: SLTRecord, expectError: Bool, on database: inout Database, _ state: inout FileState
    ) async {
        do {
            _ = try await database.execute(record.sql)
            if expectError {
                state.report.failures.append(failure(record, state, .statementSucceeded))
            }
        } catch {
            if !expectError {
                state.report.failures.append(failure(record, state, .statementFailed, detail: "\(error)"))
            }
        }
    }

    // MARK: - Queries

    private func runQuery<Database: SLTDatabase>(
        _ record: SLTRecord, types: [SLTColumnType], sort: SLTSortMode, label: String?,
        on database: inout Database, _ state: inout FileState
    ) async {
        let result: SLTResult
        do {
            result = try await database.execute(record.sql)
        } catch {
            state.report.failures.append(failure(record, state, .queryFailed, detail: "\(error)"))
            return
        }
        guard result.columnCount == types.count, result.rows.allSatisfy({ $0.count == types.count }) else {
            let widths = Set(result.rows.map(\.count)).subtracting([result.columnCount]).sorted()
            let detail = "expected \(types.count) but got \(result.columnCount)"
                + (widths.isEmpty ? "" : " (and rows of \(widths.map(String.init).joined(separator: ", ")) values)")
            state.report.failures.append(failure(record, state, .wrongColumnCount, detail: detail))
            return
        }

        let values: [String]
        do {
            values = Self.sorted(try format(result.rows, types: types), columns: types.count, by: sort)
        } catch {
            let detail = "cannot format the result: \(error)"
            state.report.failures.append(failure(record, state, .queryFailed, detail: detail))
            return
        }

        let expected = record.expected ?? .values([])
        // Above the threshold the canonical runner prints (and so compares) only the hash line.
        let hashed = state.hashThreshold > 0 && values.count > state.hashThreshold
        let hash = label != nil || hashed ? Self.md5(of: values) : nil
        if let label, let hash {
            checkLabel(label, hash: hash, record: record, actual: values, &state)
        }
        let actualHash = hashed ? hash.map { Self.hashLine(count: values.count, md5: $0) } : nil
        let actualLines = actualHash.map { [$0] } ?? values
        let expectedLines: [String]
        switch expected {
        case .values(let lines): expectedLines = lines
        case .hash(let count, let md5): expectedLines = [Self.hashLine(count: count, md5: md5)]
        }
        if !expectedLines.elementsEqual(actualLines, by: { $0.utf8.elementsEqual($1.utf8) }) {
            state.report.failures.append(
                failure(record, state, .wrongResult, expected: expectedLines, actual: values, actualHash: actualHash))
        }
    }

    private func format(_ rows: [[SQLValue]], types: [SLTColumnType]) throws -> [String] {
        var values: [String] = []
        values.reserveCapacity(rows.count * types.count)
        for row in rows {
            for (value, type) in zip(row, types) {
                values.append(try formatter.format(value, as: type))
            }
        }
        return values
    }

    /// `values` in the order `sort` asks for. `rowsort` orders rows of `columns` values by their
    /// first differing value; both sorts compare bytes like `strcmp` (the values are ASCII).
    static func sorted(_ values: [String], columns: Int, by sort: SLTSortMode) -> [String] {
        switch sort {
        case .nosort:
            return values
        case .valuesort:
            return values.sorted { precedes($0, $1) }
        case .rowsort:
            guard columns > 0, values.count > columns else { return values }
            let rows = stride(from: 0, to: values.count, by: columns).map {
                values[$0..<min($0 + columns, values.count)]
            }
            let sortedRows = rows.sorted { left, right in
                for (a, b) in zip(left, right) where !a.utf8.elementsEqual(b.utf8) {
                    return precedes(a, b)
                }
                return false
            }
            return Array(sortedRows.joined())
        }
    }

    private static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The MD5 hex of every value followed by `\n`, as `sqllogictest.c` hashes results.
    public static func md5(of values: [String]) -> String {
        var md5 = MD5()
        for value in values {
            md5.update(value)
            md5.update([UInt8(ascii: "\n")])
        }
        return md5.finalize().hex
    }

    static func hashLine(count: Int, md5: String) -> String {
        "\(count) values hashing to \(md5)"
    }

    // MARK: - Labels

    private func checkLabel(
        _ label: String, hash: String, record: SLTRecord, actual: [String], _ state: inout FileState
    ) {
        let key = label.prefix(20)
        guard let previous = state.labels[key] else {
            state.labels[key] = hash
            return
        }
        if previous != hash {
            var failure = failure(
                record, state, .labelMismatch, detail: "[\(label)]", expected: ["hash of earlier results: \(previous)"],
                actual: actual)
            failure.actualHash = Self.hashLine(count: actual.count, md5: hash)
            state.report.failures.append(failure)
        }
    }

    /// `sqllogictest.c -verify` still checks a skipped labelled query: the result the file gives
    /// it must hash like the label's other results.
    private func checkSkippedLabel(_ record: SLTRecord, _ state: inout FileState) {
        guard case .query(_, _, let label?) = record.kind, let expected = record.expected else { return }
        let hash: String
        switch expected {
        case .hash(_, let md5): hash = md5
        case .values(let lines):
            guard !lines.isEmpty else { return }
            hash = Self.md5(of: lines)
        }
        let failuresBefore = state.report.failures.count
        checkLabel(label, hash: hash, record: record, actual: [], &state)
        if state.report.failures.count > failuresBefore {
            // Not a run record, so it counts as failed instead of skipped.
            state.report.skipped -= 1
            state.report.failed += 1
        }
    }

    private func failure(
        _ record: SLTRecord, _ state: FileState, _ kind: SLTFailure.Kind, detail: String? = nil,
        expected: [String] = [], actual: [String] = [], actualHash: String? = nil
    ) -> SLTFailure {
        SLTFailure(
            path: state.report.path, line: record.line, kind: kind, detail: detail, sql: record.sql,
            expected: expected, actual: actual, actualHash: actualHash)
    }
}
