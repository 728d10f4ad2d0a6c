/// The one error type ShardQL throws.
///
/// It carries a stable, extensible ``Code``, a human-readable message, the position in the SQL text
/// when the error is about the text, SQLite's result code when SQLite reported it, and an optional
/// underlying cause.
///
/// ```swift
/// do { _ = try SQLParser.parse("SELECT * FORM t") }
/// catch let error as ShardQLError {
///     print(error)  // syntax error at line 1, column 10: expected end of statement, found 'FORM'
/// }
/// ```
public struct ShardQLError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Compare codes, never messages.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case syntaxError = "syntax error"
            case tooComplex = "statement too complex"
            case sqlite = "sqlite error"
            case invalidArgument = "invalid argument"
            case io = "i/o error"
            case cancelled = "cancelled"
            case timeout = "timeout"
            case resourceLimit = "resource limit"
            case busy = "busy"
            case unsupported = "unsupported"
            case typeMismatch = "type mismatch"
            case unavailable = "unavailable"
            case unauthenticated = "unauthenticated"
            case placementChanged = "placement changed"
            case internalError = "internal error"
        }

        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The code whose ``description`` is `description`, for errors crossing the wire; `nil`
        /// for a code this build does not know.
        package init?(description: String) {
            guard let wrapped = Wrapped(rawValue: description) else { return nil }
            self.init(wrapped)
        }

        /// The SQL text does not follow the grammar.
        public static let syntaxError = Code(.syntaxError)
        /// The SQL text is grammatical but exceeds a nesting or size limit.
        public static let tooComplex = Code(.tooComplex)
        /// SQLite reported an error; see ``ShardQLError/sqliteResultCode``.
        public static let sqlite = Code(.sqlite)
        /// A caller passed a value ShardQL cannot use.
        public static let invalidArgument = Code(.invalidArgument)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        /// The operation was cancelled or interrupted.
        public static let cancelled = Code(.cancelled)
        /// The statement ran longer than its timeout (`PRAGMA shardql.statement_timeout`).
        public static let timeout = Code(.timeout)
        /// The statement needed more of a capped resource (`PRAGMA shardql.temp_size_limit`).
        public static let resourceLimit = Code(.resourceLimit)
        /// A shard stayed locked past the busy timeout: by another transaction, or by one
        /// prepared and not yet decided (``ShardQLError/message`` names it).
        public static let busy = Code(.busy)
        /// The statement is valid SQL that ShardQL does not support (yet).
        public static let unsupported = Code(.unsupported)
        /// A value could not be read as the Swift type asked for (a row's getter, `decode`).
        public static let typeMismatch = Code(.typeMismatch)
        /// A worker node could not be reached, or went away during the call
        /// (``ShardQLError/message`` names the node and the shards).
        public static let unavailable = Code(.unavailable)
        /// A worker refused the call: the cluster token was missing or wrong.
        public static let unauthenticated = Code(.unauthenticated)
        /// A node refused a call for a shard whose copies are changing: the shard moved to another
        /// node, or its writes pause while a new copy catches up. The coordinator reads the catalog
        /// again and retries where the copies are now.
        public static let placementChanged = Code(.placementChanged)
        /// A broken invariant inside ShardQL: always a bug.
        public static let internalError = Code(.internalError)

        public var description: String { wrapped.rawValue }
    }

    public var code: Code
    public var message: String
    /// Where in the SQL text the error is, when it is about the text.
    public var location: SourceLocation?
    /// SQLite's extended result code, when SQLite reported the error.
    public var sqliteResultCode: Int32?
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    public init(
        _ code: Code,
        _ message: String,
        location: SourceLocation? = nil,
        sqliteResultCode: Int32? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.sqliteResultCode = sqliteResultCode
        self.cause = cause
    }

    /// `syntax error at line 1, column 17: expected FROM, found 'FORM'`; SQLite's errors read as
    /// SQLite's own message (`UNIQUE constraint failed: t.a`), like the `sqlite3` shell prints them.
    public var description: String {
        var text: String
        if code == .sqlite {
            text = message
        } else if let location {
            text = "\(code) at \(location): \(message)"
        } else {
            text = "\(code): \(message)"
        }
        if let cause {
            text += " (caused by: \(cause))"
        }
        return text
    }
}
