/// One record of a sqllogictest file: a statement, a query, or a control record.
///
/// Records are what `sqllogictest.c` reads between blank lines. The reader keeps every record with its
/// `skipif`/`onlyif` conditions; whether a record runs for a dialect is ``applies(toDialect:)``.
///
/// ```
/// onlyif sqlite
/// query I rowsort label-1
/// SELECT a FROM t1
/// ----
/// 1
/// 2
/// ```
public struct SLTRecord: Hashable, Sendable {
    /// What the record asks the runner to do.
    public enum Kind: Hashable, Sendable {
        /// `statement ok` (`expectError == false`) or `statement error`.
        case statement(expectError: Bool)
        /// `query <types> [sort] [label]`.
        case query(types: [SLTColumnType], sort: SLTSortMode, label: String?)
        /// `hash-threshold N`: results with more than N values are compared by hash from here on.
        case hashThreshold(Int)
        /// `halt`: stop reading the file (when the record applies to the runner's dialect).
        case halt
    }

    /// What the record is: a statement, a query, or a control record.
    public var kind: Kind
    /// The SQL text, its lines joined with `\n` (CR and comment lines removed). Empty for control records.
    /// A `statement` may hold several statements separated by `;`.
    public var sql: String
    /// The expected result of a query, or `nil` when the record gives none (statements, control
    /// records, and queries without a `----` line).
    public var expected: SLTExpected?
    /// The `skipif`/`onlyif` lines before the record, in order.
    public var conditions: [SLTCondition]
    /// The 1-based line of the record's first line (its first condition, or its directive).
    public var line: Int
    /// The 1-based line of the first SQL line, or `nil` when the record has no SQL.
    public var sqlLine: Int?

    /// Creates a record; the reader fills these in from the file.
    public init(
        kind: Kind,
        sql: String = "",
        expected: SLTExpected? = nil,
        conditions: [SLTCondition] = [],
        line: Int,
        sqlLine: Int? = nil
    ) {
        self.kind = kind
        self.sql = sql
        self.expected = expected
        self.conditions = conditions
        self.line = line
        self.sqlLine = sqlLine
    }

    /// Whether a runner for `dialect` runs this record, as `sqllogictest.c` decides: any `skipif`
    /// naming the dialect excludes it, and so does any `onlyif` naming another one. Names compare
    /// case-insensitively.
    public func applies(toDialect dialect: String) -> Bool {
        let dialect = dialect.lowercased()
        for condition in conditions {
            switch condition {
            case .skipIf(let name) where name.lowercased() == dialect: return false
            case .onlyIf(let name) where name.lowercased() != dialect: return false
            default: continue
            }
        }
        return true
    }

    /// Whether this is a `statement` or `query` record, the ones that carry SQL.
    public var hasSQL: Bool {
        switch kind {
        case .statement, .query: true
        case .hashThreshold, .halt: false
        }
    }
}

/// A `skipif X` or `onlyif X` line guarding the record after it.
public enum SLTCondition: Hashable, Sendable {
    /// `skipif X`: runners for database `X` skip the record.
    case skipIf(String)
    /// `onlyif X`: only runners for database `X` run the record.
    case onlyIf(String)
}

/// The declared type of a query's result column: `I`, `T` or `R`.
public enum SLTColumnType: Character, Hashable, Sendable {
    /// `I`: an integer column.
    case integer = "I"
    /// `T`: a text column.
    case text = "T"
    /// `R`: a floating-point column.
    case real = "R"
}

/// How a query's results are ordered before comparison.
public enum SLTSortMode: String, Hashable, Sendable {
    /// Compare in the order the engine returned them.
    case nosort
    /// Sort rows (as lists of strings) before comparing.
    case rowsort
    /// Sort all values individually before comparing.
    case valuesort
}

/// The expected result of a query.
public enum SLTExpected: Hashable, Sendable {
    /// The result lines as written, one value per line.
    case values([String])
    /// `N values hashing to MD5`: the count of values and the lowercase hex MD5 of every value
    /// followed by `\n`, after sorting.
    case hash(count: Int, md5: String)
}
