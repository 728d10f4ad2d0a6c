/// One record that did not behave as its file says, with what was expected and what happened.
///
/// Its ``description`` is what `shardql slt` prints:
///
/// ```
/// select1.test:120: wrong result
///   SELECT a FROM t1 ORDER BY a
///   expected (2 values):
///     1
///     2
///   got (2 values):
///     1
///     3
/// ```
public struct SLTFailure: Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Hashable, Sendable {
        /// A `statement ok` threw.
        case statementFailed = "statement failed"
        /// A `statement error` succeeded.
        case statementSucceeded = "statement succeeded, expected an error"
        /// A `query` threw.
        case queryFailed = "query failed"
        /// A `query` returned a different number of columns than its type string has letters.
        case wrongColumnCount = "wrong number of result columns"
        /// A `query` returned other values than expected (or a different hash).
        case wrongResult = "wrong result"
        /// A labelled `query` hashed differently from an earlier one with the same label.
        case labelMismatch = "labeled result does not agree with previous values"
    }

    /// The path of the file, as the caller gave it.
    public var path: String
    /// The 1-based line where the record starts (its first `skipif`/`onlyif`, or its directive).
    public var line: Int
    /// What went wrong.
    public var kind: Kind
    /// Details: the database's error, the column counts, the label.
    public var detail: String?
    /// The record's SQL.
    public var sql: String
    /// The expected result lines (`N values hashing to …` for a hashed result); empty for statements.
    public var expected: [String]
    /// The result the database gave, formatted and sorted as the record asks; empty when it failed.
    public var actual: [String]
    /// The hash line of the actual result, when the expected result was a hash.
    public var actualHash: String?

    /// Creates a failure; the runner fills these in.
    public init(
        path: String,
        line: Int,
        kind: Kind,
        detail: String? = nil,
        sql: String,
        expected: [String] = [],
        actual: [String] = [],
        actualHash: String? = nil
    ) {
        self.path = path
        self.line = line
        self.kind = kind
        self.detail = detail
        self.sql = sql
        self.expected = expected
        self.actual = actual
        self.actualHash = actualHash
    }

    /// How many values of each side ``description`` prints before eliding the rest.
    public static let printedValueLimit = 20

    /// `path:line: kind[: detail]`, then the SQL and, for results, both sides, indented.
    public var description: String {
        var text = "\(path):\(line): \(kind.rawValue)"
        if let detail { text += ": \(detail)" }
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "\n  " + line
        }
        switch kind {
        case .wrongResult, .labelMismatch:
            text += Self.section("expected", expected)
            text += Self.section("got", actualHash.map { [$0] } ?? actual)
            if actualHash != nil, !actual.isEmpty {
                text += Self.section("got, before hashing", actual)
            }
        case .statementFailed, .statementSucceeded, .queryFailed, .wrongColumnCount:
            break
        }
        return text
    }

    private static func section(_ title: String, _ values: [String]) -> String {
        var text = "\n  \(title) (\(values.count) \(values.count == 1 ? "line" : "lines")):"
        for value in values.prefix(printedValueLimit) {
            text += "\n    " + value
        }
        if values.count > printedValueLimit {
            text += "\n    … \(values.count - printedValueLimit) more"
        }
        return text
    }
}

/// The outcome of running one sqllogictest file.
public struct SLTFileReport: Hashable, Sendable {
    /// The path of the file, as the caller gave it.
    public var path: String
    /// `statement` and `query` records that behaved as the file says.
    public var passed = 0
    /// `statement` and `query` records that did not; each has an entry in ``failures``.
    public var failed = 0
    /// `statement` and `query` records not run: excluded by `skipif`/`onlyif`, or after a `halt`.
    public var skipped = 0
    /// The failures, in file order. A record counts once in ``failed`` but may add two entries
    /// (a wrong result that also disagrees with its label).
    public var failures: [SLTFailure] = []

    /// An empty report for `path`.
    public init(path: String) {
        self.path = path
    }

    /// `12 passed, 1 failed, 3 skipped`.
    public var summary: String {
        "\(passed) passed, \(failed) failed, \(skipped) skipped"
    }
}
