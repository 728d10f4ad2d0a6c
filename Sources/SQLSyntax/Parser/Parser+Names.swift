import ShardQLBase

/// Names: SQLite accepts different token classes as names in different places (parse.y's `nm`,
/// `ids`, `idj`), and so do we.
extension Parser {
    enum NameContext {
        /// `nm`: table, column, index, schema names — words, quoted names, non-reserved and join
        /// keywords, `INDEXED`, and string literals.
        case name
        /// An implicit alias (`SELECT a b`, `FROM t x`): words, quoted names, non-reserved
        /// keywords and strings — not join keywords, which would start a join.
        case implicitAlias
        /// A column or function name inside an expression: no strings (those are literals).
        case expression
    }

    func isName(_ token: Token, context: NameContext = .name) -> Bool {
        switch token.kind {
        case .identifier, .quotedIdentifier:
            return true
        case .string:
            return context != .expression
        case .keyword(let keyword):
            if keyword.isNonReserved { return true }
            if context == .implicitAlias { return false }
            return keyword.isJoinKeyword || keyword == .indexed
        default:
            return false
        }
    }

    /// Converts a name token into an ``Identifier`` (unquoting quoted forms).
    func identifier(from token: Token) -> Identifier {
        switch token.kind {
        case .quotedIdentifier(let quoting):
            return Identifier(unquote(token, doubling: quoting != .brackets), quoting: quoting)
        case .string:
            return Identifier(unquote(token, doubling: true), quoting: .singleQuotes)
        default:
            return Identifier(text(token))
        }
    }

    private func unquote(_ token: Token, doubling: Bool) -> String {
        let inner = bytes[(token.start + 1)..<(token.end - 1)]
        guard doubling, let quote = bytes[token.start...].first else {
            return String(decoding: inner, as: UTF8.self)
        }
        var result: [UInt8] = []
        result.reserveCapacity(inner.count)
        var skipNext = false
        for byte in inner {
            if skipNext {
                skipNext = false
                continue
            }
            result.append(byte)
            if byte == quote { skipNext = true }
        }
        return String(decoding: result, as: UTF8.self)
    }

    mutating func parseName(_ what: String, context: NameContext = .name) throws(ShardQLError) -> Identifier {
        guard isName(current, context: context) else { throw unexpected(expected: what) }
        return identifier(from: advance())
    }

    /// `[schema.]name`
    mutating func parseQualifiedName(_ what: String) throws(ShardQLError) -> QualifiedName {
        let first = try parseName(what)
        if accept(.dot) {
            return QualifiedName(schema: first, name: try parseName(what))
        }
        return QualifiedName(name: first)
    }

    /// `(name, name, …)`
    mutating func parseParenthesizedNames(_ what: String) throws(ShardQLError) -> [Identifier] {
        try expect(.leftParen)
        var names = [try parseName(what)]
        while accept(.comma) { names.append(try parseName(what)) }
        try expect(.rightParen)
        return names
    }

    /// `[AS] alias` after a table or result column. Only the words that cannot continue the
    /// statement are taken as an implicit alias.
    mutating func parseOptionalAlias() throws(ShardQLError) -> Identifier? {
        if accept(.as) { return try parseName("alias") }
        guard isName(current, context: .implicitAlias) else { return nil }
        // `WINDOW w AS (…)` after a FROM clause starts the WINDOW clause.
        if isWord("WINDOW"), isName(peek(1)), isKeyword(.as, at: 2) { return nil }
        // `CREATE TABLE t AS SELECT … FROM u DISTRIBUTED BY …` ends the query there.
        if isWord("DISTRIBUTED"), isKeyword(.by, at: 1) || isWord("REPLICATED", at: 1) { return nil }
        lastImplicitAlias = index
        return identifier(from: advance())
    }

    /// `CONSTRAINT name`, if present.
    mutating func parseConstraintName() throws(ShardQLError) -> Identifier? {
        guard accept(.constraint) else { return nil }
        return try parseName("constraint name")
    }
}
