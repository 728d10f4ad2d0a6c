import SQLLogicTest
import SQLSyntax
import ShardQLBase
import Testing

/// The sqllogictest files in `../shared/sqllogictest` (or `$SHARDQL_SLT_DIR`), read once per process,
/// as the dialect `sqlite` runner sees them.
enum SLTCorpus {
    /// The corpus, or `nil` when it is absent (a clone without `../shared`). `#filePath` is
    /// `<root>/Tests/SQLSyntaxTests/Corpus/SLTCorpus.swift`, four components below `<root>`.
    static let corpus = SQLLogicTestCorpus.locate(startingAt: #filePath, levelsUp: 4)
    static let dialect = "sqlite"

    static var isAvailable: Bool { corpus != nil }
    static let unavailableComment: Comment =
        "../shared/sqllogictest is absent (set SHARDQL_SLT_DIR to a folder of .test files to run the corpus tests)"

    /// Paths of every `.test` file, relative to the corpus folder, sorted.
    static var files: [String] { corpus?.files ?? [] }

    /// The records of one file that a runner for dialect `sqlite` executes.
    static func runnableRecords(_ relativePath: String) throws -> [SLTRecord] {
        try corpus?.runnableRecords(relativePath, dialect: dialect) ?? []
    }

    /// The SQL of every runnable `statement ok` and `query` record in the corpus, in file order.
    static let validSQL: [String] = corpus?.validSQL(dialect: dialect).statements ?? []
}

/// What went wrong with one piece of SQL in a parse → print → parse round trip.
struct RoundTripFailure: Error, CustomStringConvertible {
    var what: String
    var sql: String
    var printed: String?
    var error: String?

    var description: String {
        var text = "\(what)\n  SQL:     \(sql.prefix(2_000))"
        if let printed { text += "\n  printed: \(printed.prefix(2_000))" }
        if let error { text += "\n  error:   \(error)" }
        return text
    }
}

enum RoundTrip {
    static let options = ParseOptions(recordsSourceRanges: false)

    /// Parses `sql`; when that succeeds, prints and reparses and checks the two ASTs are equal.
    ///
    /// Returns `.success(true)` when `sql` parsed and round-tripped, `.success(false)` when the first
    /// parse threw a well-formed error (see ``checkError(_:in:)``), and a failure otherwise.
    static func check(_ sql: String, requireParse: Bool) -> Result<Bool, RoundTripFailure> {
        let first: [Statement]
        do {
            first = try SQLParser.parse(sql, options: options)
        } catch {
            if requireParse {
                return .failure(RoundTripFailure(what: "does not parse", sql: sql, error: "\(error)"))
            }
            if let problem = checkError(error, in: sql) {
                return .failure(RoundTripFailure(what: problem, sql: sql, error: "\(error)"))
            }
            return .success(false)
        }
        let printed = SQLPrinter.print(first)
        let second: [Statement]
        do {
            second = try SQLParser.parse(printed, options: options)
        } catch {
            return .failure(
                RoundTripFailure(what: "printed SQL does not parse", sql: sql, printed: printed, error: "\(error)")
            )
        }
        guard first == second else {
            return .failure(RoundTripFailure(what: "reparsed AST differs from the first", sql: sql, printed: printed))
        }
        return .success(true)
    }

    /// Checks the contract for parser errors: a `ShardQLError` that is not an internal error, and for
    /// syntax and complexity errors a location inside the text (line and column ≥ 1, offset within
    /// it). Returns a description of the problem, or `nil` when the error is well-formed.
    static func checkError(_ error: any Error, in sql: String) -> String? {
        guard let error = error as? ShardQLError else {
            return "threw \(type(of: error)), not ShardQLError"
        }
        if error.code == .internalError {
            return "threw an internal error"
        }
        guard error.code == .syntaxError || error.code == .tooComplex else { return nil }
        guard let location = error.location else {
            return "\(error.code) without a location"
        }
        let lines = sql.utf8.lazy.filter { $0 == UInt8(ascii: "\n") }.count + 1
        guard location.line >= 1, location.column >= 1, location.line <= lines,
            location.offset >= 0, location.offset <= sql.utf8.count
        else {
            return "\(error.code) with a location outside the text (\(location), offset \(location.offset))"
        }
        return nil
    }
}

/// Failures of one test, reported as issues up to a cap so the output stays readable.
struct FailureLog {
    var limit = 20
    private(set) var count = 0

    mutating func record(
        _ failure: RoundTripFailure,
        at place: String,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        count += 1
        if count <= limit {
            Issue.record("\(place): \(failure)", sourceLocation: sourceLocation)
        }
    }

    func recordOverflow(_ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if count > limit {
            Issue.record(
                "\(what): \(count - limit) more failures not shown (\(count) in all)",
                sourceLocation: sourceLocation
            )
        }
    }
}
