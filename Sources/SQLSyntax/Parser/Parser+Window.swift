import ShardQLBase

/// Window definitions and frames, ordering terms, type names and signed numbers: the smaller
/// forms expressions and statements share.
extension Parser {
    /// The inside of `( … )` of a window definition; the `(` is consumed, the `)` is consumed here.
    mutating func parseWindowDefinition() throws(ShardQLError) -> WindowDefinition {
        var definition = WindowDefinition()
        let startsClause: Bool =
            switch current.kind {
            case .keyword(.partition), .keyword(.order), .keyword(.range), .keyword(.rows), .keyword(.groups),
                .punctuation(.rightParen):
                true
            default: false
            }
        if !startsClause { definition.base = try parseName("window name") }
        if accept(.partition) {
            try expect(.by)
            definition.partitionBy = try parseExprList()
        }
        if accept(.order) {
            try expect(.by)
            definition.orderBy = try parseOrderingTerms()
        }
        if let unit = frameUnit() {
            advance()
            definition.frame = try parseFrame(unit)
        }
        try expect(.rightParen)
        return definition
    }

    private func frameUnit() -> FrameSpec.Unit? {
        switch current.kind {
        case .keyword(.rows): .rows
        case .keyword(.range): .range
        case .keyword(.groups): .groups
        default: nil
        }
    }

    private mutating func parseFrame(_ unit: FrameSpec.Unit) throws(ShardQLError) -> FrameSpec {
        var frame: FrameSpec
        if accept(.between) {
            let start = try parseFrameBound()
            try expect(.and)
            frame = FrameSpec(unit: unit, start: start, end: try parseFrameBound())
        } else {
            frame = FrameSpec(unit: unit, start: try parseFrameBound())
        }
        if accept(.exclude) {
            if accept(.no) {
                try expect(.others)
                frame.exclude = .noOthers
            } else if accept(.current) {
                try expect(.row)
                frame.exclude = .currentRow
            } else if accept(.group) {
                frame.exclude = .group
            } else if accept(.ties) {
                frame.exclude = .ties
            } else {
                throw unexpected(expected: "NO OTHERS, CURRENT ROW, GROUP or TIES")
            }
        }
        return frame
    }

    private mutating func parseFrameBound() throws(ShardQLError) -> FrameSpec.Bound {
        if accept(.unbounded) {
            if accept(.preceding) { return .unboundedPreceding }
            try expect(.following)
            return .unboundedFollowing
        }
        if isKeyword(.current), isKeyword(.row, at: 1) {
            advance()
            advance()
            return .currentRow
        }
        let offset = try parseExpr(Precedence.equality.tighter)
        if accept(.preceding) { return .preceding(offset) }
        if accept(.following) { return .following(offset) }
        throw unexpected(expected: "PRECEDING or FOLLOWING")
    }

    /// `expr [ASC|DESC] [NULLS FIRST|LAST], …`
    mutating func parseOrderingTerms() throws(ShardQLError) -> [OrderingTerm] {
        var terms: [OrderingTerm] = []
        repeat {
            var term = OrderingTerm(expr: try parseExpr())
            term.direction = parseDirection()
            if accept(.nulls) {
                if accept(.first) {
                    term.nulls = .first
                } else {
                    try expect(.last)
                    term.nulls = .last
                }
            }
            terms.append(term)
        } while accept(.comma)
        return terms
    }

    mutating func parseDirection() -> OrderingTerm.Direction? {
        if accept(.asc) { return .ascending }
        if accept(.desc) { return .descending }
        return nil
    }

    /// `word… [(signed-number [, signed-number])]`
    mutating func parseTypeName() throws(ShardQLError) -> TypeName {
        var words: [Identifier] = []
        while isTypeWord(current) { words.append(identifier(from: advance())) }
        guard !words.isEmpty else { throw unexpected(expected: "type name") }
        var arguments: [String] = []
        if accept(.leftParen) {
            arguments.append(try parseSignedNumber())
            if accept(.comma) { arguments.append(try parseSignedNumber()) }
            try expect(.rightParen)
        }
        return TypeName(words: words, arguments: arguments)
    }

    /// Type-name words are SQLite's `ids` (names and strings), except a word that starts a column
    /// constraint (`GENERATED ALWAYS AS …`).
    func isTypeWord(_ token: Token) -> Bool {
        switch token.kind {
        case .identifier, .quotedIdentifier, .string: true
        case .keyword(let keyword): keyword.isNonReserved && keyword != .generated
        default: false
        }
    }

    /// `[+|-] number`, returned as written.
    mutating func parseSignedNumber() throws(ShardQLError) -> String {
        var sign = ""
        if accept(.plus) {
            sign = "+"
        } else if accept(.minus) {
            sign = "-"
        }
        switch current.kind {
        case .integer, .real: return sign + text(advance())
        default: throw unexpected(expected: "number")
        }
    }
}
