/// Window definitions and frames, type names and ordering terms: the clauses expressions share
/// with queries and schema statements.
extension SQLWriter {
    /// The inside of a window's parentheses: `[base] [PARTITION BY …] [ORDER BY …] [frame]`.
    mutating func windowDefinition(_ definition: WindowDefinition) {
        var separator = ""
        if let base = definition.base {
            identifier(base)
            separator = " "
        }
        if !definition.partitionBy.isEmpty {
            write(separator)
            write("PARTITION BY ")
            exprList(definition.partitionBy)
            separator = " "
        }
        if !definition.orderBy.isEmpty {
            write(separator)
            write("ORDER BY ")
            orderingTerms(definition.orderBy)
            separator = " "
        }
        if let frame = definition.frame {
            write(separator)
            frameSpec(frame)
        }
    }

    /// `ROWS|RANGE|GROUPS start` or `… BETWEEN start AND end`, then `EXCLUDE …`.
    private mutating func frameSpec(_ frame: FrameSpec) {
        write(frame.unit.rawValue)
        write(" ")
        if let end = frame.end {
            write("BETWEEN ")
            frameBound(frame.start)
            write(" AND ")
            frameBound(end)
        } else {
            frameBound(frame.start)
        }
        if let exclude = frame.exclude {
            write(" EXCLUDE ")
            write(exclude.rawValue)
        }
    }

    private mutating func frameBound(_ bound: FrameSpec.Bound) {
        switch bound {
        case .unboundedPreceding:
            write("UNBOUNDED PRECEDING")
        case .preceding(let offset):
            expr(offset, min: .comparison, follow: .and)
            write(" PRECEDING")
        case .currentRow:
            write("CURRENT ROW")
        case .following(let offset):
            expr(offset, min: .comparison, follow: .and)
            write(" FOLLOWING")
        case .unboundedFollowing:
            write("UNBOUNDED FOLLOWING")
        }
    }

    /// `WORD WORD[(a[, b])]`
    mutating func typeName(_ type: TypeName) {
        for (index, word) in type.words.enumerated() {
            if index > 0 { write(" ") }
            identifier(word, position: .typeWord)
        }
        if !type.arguments.isEmpty {
            write("(")
            commaSeparated(type.arguments) { $0.write($1) }
            write(")")
        }
    }

    /// `expr [ASC|DESC] [NULLS FIRST|LAST]`
    mutating func orderingTerm(_ term: OrderingTerm) {
        expr(term.expr)
        if let direction = term.direction {
            write(" ")
            write(direction.rawValue)
        }
        if let nulls = term.nulls {
            write(" ")
            write(nulls.rawValue)
        }
    }

    mutating func orderingTerms(_ terms: [OrderingTerm]) {
        commaSeparated(terms) { $0.orderingTerm($1) }
    }
}
