
/// A folder of sqllogictest files: SQLite's corpus, normally at `../shared/sqllogictest` beside the
/// ShardQL checkout, or wherever `SHARDQL_SLT_DIR` points.
///
/// The list of files is read once, when the corpus is created; files are read and parsed when asked for.
///
/// ```swift
/// // In <root>/Tests/SQLSyntaxTests/Corpus/SLTCorpus.swift, four path components below <root>:
/// guard let corpus = SQLLogicTestCorpus.locate(startingAt: #filePath, levelsUp: 4) else { return }
/// for file in corpus.files {
///     for record in try corpus.runnableRecords(file, dialect: "sqlite") { ... }
/// }
/// let sql = corpus.validSQL(dialect: "sqlite")
/// print("\(sql.statements.count) statements, \(sql.utf8Count) bytes")
/// ```
public struct SQLLogicTestCorpus: Sendable {
    /// The environment variable that overrides where ``locate(startingAt:levelsUp:)`` looks.
    public static let directoryEnvironmentVariable = "SHARDQL_SLT_DIR"

    /// The folder holding the `.test` files, without a trailing `/`.
    public let directory: String

    /// Paths of every `*.test` file under ``directory`` (subfolders included), relative to it, sorted.
    public let files: [String]

    /// Reads the list of `.test` files under `directory`; `nil` when there is no folder at that path.
    public init?(directory: String) {
        guard LocalFiles.isDirectory(directory) else { return nil }
        var directory = directory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        self.directory = directory

        self.files = LocalFiles.files(under: directory).filter { $0.hasSuffix(".test") }.sorted()
    }

    /// Finds the corpus the way ShardQL's tests and benchmarks do: the folder named by
    /// `$SHARDQL_SLT_DIR` when it is set and not empty, otherwise `<root>/../shared/sqllogictest`.
    ///
    /// - Parameters:
    ///   - filePath: a file inside the package, usually the caller's `#filePath`.
    ///   - levelsUp: how many trailing path components to drop from `filePath` to reach the package
    ///     root `<root>` (4 for `<root>/Tests/SQLSyntaxTests/Corpus/SLTCorpus.swift`).
    /// - Returns: the corpus, or `nil` when the chosen folder does not exist (a clone without `../shared`).
    public static func locate(startingAt filePath: String, levelsUp: Int) -> SQLLogicTestCorpus? {
        if let override = LocalFiles.environment(directoryEnvironmentVariable), !override.isEmpty {
            return SQLLogicTestCorpus(directory: override)
        }
        precondition(levelsUp >= 0, "levelsUp must not be negative")
        // One more level than the root: shared/ sits beside it.
        var parent = Substring(filePath)
        for _ in 0..<levelsUp + 1 {
            parent = parent[..<(parent.lastIndex(of: "/") ?? parent.startIndex)]
        }
        return SQLLogicTestCorpus(directory: parent + "/shared/sqllogictest")
    }

    /// The absolute path of `file`, one of ``files``.
    public func path(of file: String) -> String {
        directory + "/" + file
    }

    /// The records of `file` (one of ``files``) that a runner for `dialect` executes, in order; see
    /// ``SQLLogicTestFile/runnable(_:dialect:)``.
    ///
    /// - Throws: the file's read error, or an ``SLTParseError``.
    public func runnableRecords(_ file: String, dialect: String) throws -> [SLTRecord] {
        SQLLogicTestFile.runnable(try SQLLogicTestFile.parse(fileAtPath: path(of: file)), dialect: dialect)
    }

    /// The SQL of every runnable `statement ok` and `query` record for `dialect`, in file order: the
    /// statements a parser for that dialect must accept.
    ///
    /// Files that cannot be read or parsed are skipped; ``runnableRecords(_:dialect:)`` reports their errors.
    public func validSQL(dialect: String) -> SQLText {
        var statements: [String] = []
        for file in files {
            guard let records = try? runnableRecords(file, dialect: dialect) else { continue }
            for record in records {
                switch record.kind {
                case .statement(expectError: false), .query: statements.append(record.sql)
                case .statement(expectError: true), .hashThreshold, .halt: continue
                }
            }
        }
        return SQLText(statements: statements)
    }

    /// Pieces of SQL, each the text of one record, with their total size.
    public struct SQLText: Sendable {
        /// The SQL of each record, in file order. A `statement` may hold several statements.
        public let statements: [String]
        /// The UTF-8 bytes in ``statements``, for throughput figures.
        public let utf8Count: Int

        /// Wraps `statements` and counts their bytes.
        public init(statements: [String]) {
            self.statements = statements
            self.utf8Count = statements.reduce(0) { $0 + $1.utf8.count }
        }
    }
}
