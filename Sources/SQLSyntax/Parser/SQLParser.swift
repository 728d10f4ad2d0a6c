import ShardQLBase

/// Options for ``SQLParser``.
public struct ParseOptions: Sendable, Hashable {
    /// Record each node's source range. Off, every range is ``SourceRange/synthesized``, so two
    /// parses of differently formatted text compare equal when they mean the same.
    public var recordsSourceRanges: Bool
    /// The highest expression tree accepted (SQLite's `SQLITE_MAX_EXPR_DEPTH`): `1 + 1 + … + 1`
    /// with more terms is refused, which bounds every later recursive walk over a tree.
    public var maxDepth: Int
    /// The deepest nesting of parentheses, prefix operators, subqueries and parenthesized joins
    /// accepted. SQLite's own parser stack refuses roughly 100 nested parentheses and 20 nested
    /// subqueries; 200 keeps every statement SQLite accepts while bounding the parser's recursion
    /// well inside a thread's stack.
    public var maxNesting: Int

    public init(recordsSourceRanges: Bool = true, maxDepth: Int = 1000, maxNesting: Int = 200) {
        self.recordsSourceRanges = recordsSourceRanges
        self.maxDepth = maxDepth
        self.maxNesting = maxNesting
    }
}

/// Parses SQLite's SQL, plus ShardQL's distribution clause, into ``Statement`` values.
///
/// ```swift
/// let statements = try SQLParser.parse("SELECT a FROM t WHERE id = ?; DELETE FROM t")
/// ```
/// Errors are ``ShardQLError``s with code `.syntaxError` (or `.tooComplex`) and the location of
/// the offending token: `syntax error at line 1, column 15: expected table name, found 'WHERE'`.
public enum SQLParser {
    /// Parses a script of statements separated by `;` (empty statements are skipped).
    public static func parse(_ sql: String, options: ParseOptions = ParseOptions()) throws(ShardQLError) -> [Statement] {
        var parser = Parser(sql, options: options)
        return try parser.parseScript()
    }

    /// Parses exactly one statement (a trailing `;` is allowed).
    public static func parseStatement(_ sql: String, options: ParseOptions = ParseOptions()) throws(ShardQLError) -> Statement {
        var parser = Parser(sql, options: options)
        return try parser.parseSingleStatement()
    }

    /// Parses a script, asking `binder` for the value of each parameter as it is met; each
    /// statement numbers its parameters from 1, as each is prepared alone in SQLite.
    public static func parse<Binder: ParameterBinder>(
        _ sql: String, binding binder: inout Binder, options: ParseOptions = ParseOptions()
    ) throws(ShardQLError) -> [Statement] {
        var parser = Parser(sql, options: options)
        parser.binder = binder
        defer { if let used = parser.binder as? Binder { binder = used } }
        return try parser.parseScript()
    }

    /// Parses exactly one statement, asking `binder` for the value of each parameter as it is
    /// met (see ``ParameterBinder``): bound parameters become the binder's expressions, so the
    /// statement's tree holds its values and can be planned and printed like any other.
    public static func parseStatement<Binder: ParameterBinder>(
        _ sql: String, binding binder: inout Binder, options: ParseOptions = ParseOptions()
    ) throws(ShardQLError) -> Statement {
        var parser = Parser(sql, options: options)
        parser.binder = binder
        defer { if let used = parser.binder as? Binder { binder = used } }
        return try parser.parseSingleStatement()
    }

    /// Parses one expression, e.g. a `CHECK` constraint or a `DEFAULT` stored in a catalog.
    public static func parseExpression(_ sql: String, options: ParseOptions = ParseOptions()) throws(ShardQLError) -> Expr {
        var parser = Parser(sql, options: options)
        return try parser.parseStandaloneExpression()
    }
}

/// The recursive-descent parser's state: the token array and a cursor.
struct Parser {
    let source: String
    let bytes: [UInt8]
    var tokens: [Token]
    var index = 0
    let options: ParseOptions
    /// Current recursion depth (expressions, subqueries, parenthesized joins).
    var depth = 0
    /// The token index of the last implicit alias (`FROM t WHER`), for a hint when the next token
    /// is an error: the alias may be a misspelled keyword.
    var lastImplicitAlias: Int?
    /// Supplies parameter values, when the caller binds them.
    var binder: (any ParameterBinder)?
    var parameterNumbering = ParameterNumbering()

    init(_ source: String, options: ParseOptions) {
        self.source = source
        self.bytes = Array(source.utf8)
        var lexer = Lexer(bytes: bytes)
        self.tokens = lexer.tokenizeAll()
        self.options = options
    }

    // MARK: - Entry points

    mutating func parseScript() throws(ShardQLError) -> [Statement] {
        var statements: [Statement] = []
        while true {
            while accept(.semicolon) {}
            if current.kind == .endOfInput { return statements }
            parameterNumbering = ParameterNumbering()
            statements.append(try parseStatement())
            if current.kind != .endOfInput, !accept(.semicolon) {
                throw unexpected(expected: "';' or end of input")
            }
        }
    }

    mutating func parseSingleStatement() throws(ShardQLError) -> Statement {
        while accept(.semicolon) {}
        guard current.kind != .endOfInput else { throw unexpected(expected: "a statement") }
        let statement = try parseStatement()
        while accept(.semicolon) {}
        guard current.kind == .endOfInput else { throw unexpected(expected: "end of input") }
        return statement
    }

    mutating func parseStandaloneExpression() throws(ShardQLError) -> Expr {
        let expr = try parseExpr()
        guard current.kind == .endOfInput else { throw unexpected(expected: "end of input") }
        return expr
    }

    // MARK: - Cursor

    var current: Token { tokens[index] }

    func peek(_ offset: Int = 1) -> Token {
        tokens[min(index + offset, tokens.count - 1)]
    }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    /// The end offset of the last consumed token.
    var previousEnd: Int { index > 0 ? tokens[index - 1].end : 0 }

    func range(from start: Int) -> SourceRange {
        options.recordsSourceRanges ? SourceRange(start: start, end: max(start, previousEnd)) : .synthesized
    }

    func isKeyword(_ keyword: Keyword) -> Bool { current.kind == .keyword(keyword) }

    func isKeyword(_ keyword: Keyword, at offset: Int) -> Bool { peek(offset).kind == .keyword(keyword) }

    func isPunctuation(_ punctuation: Punctuation) -> Bool { current.kind == .punctuation(punctuation) }

    mutating func accept(_ keyword: Keyword) -> Bool {
        guard isKeyword(keyword) else { return false }
        advance()
        return true
    }

    mutating func accept(_ punctuation: Punctuation) -> Bool {
        guard isPunctuation(punctuation) else { return false }
        advance()
        return true
    }

    mutating func expect(_ keyword: Keyword) throws(ShardQLError) {
        guard accept(keyword) else { throw unexpected(expected: keyword.rawValue) }
    }

    mutating func expect(_ punctuation: Punctuation) throws(ShardQLError) {
        guard accept(punctuation) else { throw unexpected(expected: "'\(punctuation.rawValue)'") }
    }

    /// Whether the current token is the given contextual word (`WINDOW`, `HASH`, …): a bare
    /// identifier the lexer does not treat as a keyword.
    func isWord(_ word: String, at offset: Int = 0) -> Bool {
        let token = peek(offset)
        guard token.kind == .identifier, token.end - token.start == word.utf8.count else { return false }
        var i = token.start
        for expected in word.utf8 {
            let byte = bytes[i]
            if (byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte) != expected { return false }
            i += 1
        }
        return true
    }

    mutating func acceptWord(_ word: String) -> Bool {
        guard isWord(word) else { return false }
        advance()
        return true
    }

    mutating func expectWord(_ word: String) throws(ShardQLError) {
        guard acceptWord(word) else { throw unexpected(expected: word) }
    }

    /// The exact source text of a token.
    func text(_ token: Token) -> String {
        String(decoding: bytes[token.start..<token.end], as: UTF8.self)
    }

    // MARK: - Depth

    /// Enters one level of recursion; every caller pairs it with `leave()`.
    mutating func enter() throws(ShardQLError) {
        depth += 1
        if depth > options.maxNesting {
            throw error(.tooComplex, "too many levels of nesting (maximum \(options.maxNesting))", at: current)
        }
    }

    mutating func leave() { depth -= 1 }

    func checkHeight(_ expr: Expr, at token: Token) throws(ShardQLError) {
        if expr.height > options.maxDepth {
            throw error(.tooComplex, "expression tree is too large (maximum depth \(options.maxDepth))", at: token)
        }
    }

    // MARK: - Errors

    func error(_ code: ShardQLError.Code, _ message: String, at token: Token) -> ShardQLError {
        ShardQLError(code, message, location: SourceLocation(offset: token.start, in: source))
    }

    /// `expected X, found 'Y'` at the current token; an invalid token reports why it is invalid.
    func unexpected(expected: String) -> ShardQLError {
        let token = current
        if case .invalid(let reason) = token.kind {
            // A token that starts with a quote shows as written, not quoted again.
            let shown = text(token).first.map { "'\"`[".contains($0) } == true ? String(quoted(token).dropFirst().dropLast()) : quoted(token)
            return error(.syntaxError, "\(reason): \(shown)", at: token)
        }
        var message = "expected \(expected), found \(quoted(token))"
        if token.kind == .identifier, let suggestion = Keyword.suggestion(for: text(token)) {
            message += " (\(suggestion))"
        } else if let alias = lastImplicitAlias, alias == index - 1,
            let suggestion = Keyword.suggestion(for: text(tokens[alias]))
        {
            message += " (\(quoted(tokens[alias])) was read as an alias: \(suggestion))"
        }
        return error(.syntaxError, message, at: token)
    }

    func quoted(_ token: Token) -> String {
        if token.kind == .endOfInput { return "end of input" }
        var text = text(token)
        if text.count > 40 { text = String(text.prefix(40)) + "…" }
        return "'\(text)'"
    }
}
