import Catalog
import Partitioning
import SQLSyntax
import ShardQLBase

/// Aggregates as partial states on the shards and a final step on the coordinator (DESIGN §2).
///
/// Each shard returns one row per group: the group keys, then each aggregate's partial state,
/// then bare columns. The coordinator loads those rows into a table declared with the keys'
/// affinities and collations and runs the original query's shape over it, each aggregate
/// replaced by its final step, so `HAVING`, `ORDER BY`, `DISTINCT` and expressions over
/// aggregates are SQLite's own:
///
/// | aggregate | shard | coordinator |
/// |---|---|---|
/// | `count(x)` | `count(x)` | `coalesce(sum(p), 0)` |
/// | `sum(x)` | `sum(x)` | `sum(p)`: INTEGER unless a part is REAL |
/// | `total(x)` | `total(x)` | `total(p)` |
/// | `avg(x)` | `total(x)`, `count(x)` | `total(p) / sum(q)` |
/// | `min(x)`, `max(x)` | the same | the same, under x's collation |
///
/// `group_concat` stays on the coordinator: its order is SQLite's row order, which a merge of
/// shards does not keep.
///
/// A `sum` that overflows, on a shard or when merged, is an error the executor answers by running
/// the query on the general path, so the answer (or the error) is SQLite's own: its integer
/// overflow depends on the order it adds rows in.
struct SplitAggregate {
    var fragment: Select
    var finalStep: DistributedPlan.FinalStep
    var notes: [String] = []

    static let partialTable = "_shardql_partials"

    /// One column of the shards' rows.
    private struct PartialColumn {
        var name: String
        var expr: Expr
        var affinity: Affinity
        var collation: Collation
    }


    init(
        select: Select, core: SelectClause, resultColumns: [SplitQuery.ResultColumn], groupKeys: [Expr],
        sources: BoundSources
    ) throws {
        var rewriter = Rewriter(sources: sources)
        let usesAggregates =
            resultColumns.contains { Self.containsAggregate($0.expr) } || core.having.map(Self.containsAggregate) ?? false
            || select.orderBy.contains { Self.containsAggregate($0.expr) }
        // DISTINCT without aggregates groups by the result columns on the shards.
        let keys = groupKeys.isEmpty && !usesAggregates ? resultColumns.map(\.expr) : groupKeys
        for key in keys {
            try Self.checkRepresentation(of: key, in: sources)
            rewriter.partials.append(
                PartialColumn(
                    name: "_g\(rewriter.partials.count)", expr: key, affinity: ExpressionTraits.affinity(of: key, in: sources),
                    collation: ExpressionTraits.collation(of: key, in: sources)))
        }
        rewriter.groupKeyCount = rewriter.partials.count

        var finalColumns: [SQLSyntax.ResultColumn] = []
        for column in resultColumns {
            let name = column.alias ?? Self.sqliteName(of: column.expr, in: sources)
            finalColumns.append(.expr(try rewriter.substitute(column.expr), alias: Identifier(name, quoting: .doubleQuotes)))
        }
        let having = try core.having.map { try rewriter.substitute($0) }
        let orderBy = try select.orderBy.map { term -> OrderingTerm in
            var term = term
            if SplitQuery.integerPosition(term.expr) == nil, !Self.isResultAlias(term.expr, resultColumns) {
                term.expr = try rewriter.substitute(term.expr)
            }
            return term
        }
        if let bare = rewriter.bareColumns.first, rewriter.minMaxCount != 1 {
            throw PlanSelect.NotPushable(
                "bare column \(bare) takes its value from an arbitrary row of the group")
        }
        _ = try SplitQuery.constantLimit(select.limit)

        let partials = rewriter.partials
        let groupKeyCount = rewriter.groupKeyCount
        let fragmentClause = SelectClause(
            columns: partials.map { .expr($0.expr, alias: Identifier($0.name, quoting: .doubleQuotes)) },
            from: core.from, whereClause: core.whereClause,
            groupBy: keys)
        fragment = Select(body: SelectBody(first: .select(fragmentClause)))

        let table = "\"\(Self.partialTable)\""
        let columnDefinitions = partials.map { column in
            var definition = "\"\(column.name)\""
            if !column.affinity.declaredTypeName.isEmpty { definition += " " + column.affinity.declaredTypeName }
            if column.collation != .binary { definition += " COLLATE " + column.collation.rawValue }
            return definition
        }
        let finalClause = SelectClause(
            quantifier: core.quantifier == .distinct ? .distinct : nil, columns: finalColumns,
            from: JoinClause(first: .table(TableReference(name: QualifiedName(name: Identifier(Self.partialTable, quoting: .doubleQuotes))))),
            groupBy: groupKeys.isEmpty ? [] : partials[..<groupKeyCount].map { Self.columnExpr($0.name) },
            having: having)
        let finalSelect = Select(body: SelectBody(first: .select(finalClause)), orderBy: orderBy, limit: select.limit)
        finalStep = DistributedPlan.FinalStep(
            tableSQL: "CREATE TABLE \(table) (\(columnDefinitions.joined(separator: ", ")))",
            querySQL: SQLPrinter.print(finalSelect))
        notes.append(keys.isEmpty ? "ungrouped aggregate: one partial row per shard" : "partial aggregates grouped on the shards, merged on the coordinator")
    }

    /// Values a group key calls equal must look alike: SQLite shows the spelling of the group's
    /// last row in its scan order, which a merge of shards cannot reproduce. Under BINARY, equal
    /// TEXT and BLOB values are the same bytes, and a typed column never holds an INTEGER and a
    /// REAL that are equal (`5` and `5.0`); NOCASE/RTRIM keys (`'a'`, `'A'`) and untyped columns
    /// stay on the coordinator.
    fileprivate static func checkRepresentation(of key: Expr, in sources: BoundSources) throws {
        if ExpressionTraits.collation(of: key, in: sources) != .binary {
            throw PlanSelect.NotPushable(
                "grouping \(SQLPrinter.print(key)) under NOCASE/RTRIM: which spelling of a group SQLite shows depends on row order")
        }
        var untyped: String?
        ExpressionWalker(onExpr: { expr in
            guard case .column(let reference) = expr.kind, let bound = sources.resolve(reference),
                let column = bound.column, column.affinity == .blob
            else { return }
            untyped = column.name
        }).visit(key)
        if let untyped {
            throw PlanSelect.NotPushable(
                "grouping by untyped column \(untyped): equal values of different types (5, 5.0) show as SQLite's row order picks")
        }
    }

    /// The name SQLite gives an unaliased result column: a column's declared name, else the
    /// expression's text.
    static func sqliteName(of expr: Expr, in sources: BoundSources) -> String {
        if case .column(let reference) = expr.kind, let bound = sources.resolve(reference) {
            return bound.column?.name ?? "rowid"
        }
        return SQLPrinter.print(expr)
    }

    // MARK: - Substitution

    private static func isResultAlias(_ expr: Expr, _ resultColumns: [SplitQuery.ResultColumn]) -> Bool {
        guard case .column(let reference) = expr.kind, reference.table == nil else { return false }
        return resultColumns.contains { $0.alias.map { CatalogName.equal($0, reference.column.name) } ?? false }
    }

    /// Rewrites expressions over the shards' partial rows, collecting the columns those rows need.
    private struct Rewriter {
        let sources: BoundSources
        var partials: [PartialColumn] = []
        var groupKeyCount = 0
        var minMaxCount = 0
        var bareColumns: [String] = []


        /// `expr` over the partial rows: group keys become their columns, aggregates their final
        /// step, bare columns their shipped value.
        mutating func substitute(_ expr: Expr) throws -> Expr {
            if let key = groupKeyIndex(matching: expr) { return SplitAggregate.columnExpr(partials[key].name) }
            switch expr.kind {
            case .function(let call) where SplitAggregate.isAggregate(call):
                return try finalAggregate(call)
            case .column(let reference):
                guard let bound = sources.resolve(reference) else { return expr }  // a result alias
                bareColumns.append(reference.column.name)
                let column = bound.column
                return SplitAggregate.columnExpr(
                    addPartial(expr, affinity: column?.affinity ?? .integer, collation: column?.collation ?? .binary, prefix: "_b"))
            case .subquery, .exists:
                throw PlanSelect.NotPushable("a subquery over aggregated rows runs on the coordinator")
            case .inList(let inExpr):
                if case .list = inExpr.source {} else {
                    throw PlanSelect.NotPushable("a subquery over aggregated rows runs on the coordinator")
                }
                return try mapChildren(expr)
            default:
                return try mapChildren(expr)
            }
        }

        private mutating func mapChildren(_ expr: Expr) throws -> Expr {
            var result = expr
            switch expr.kind {
            case .literal, .parameter, .column, .raise, .subquery, .exists:
                return expr
            case .unary(let op, let operand):
                result.kind = .unary(op, try substitute(operand))
            case .nullTest(let operand, let test):
                result.kind = .nullTest(try substitute(operand), test)
            case .collate(let operand, let name):
                result.kind = .collate(try substitute(operand), name)
            case .cast(let operand, let type):
                result.kind = .cast(try substitute(operand), type)
            case .parenthesized(let operand):
                result.kind = .parenthesized(try substitute(operand))
            case .binary(let op, let left, let right):
                result.kind = .binary(op, try substitute(left), try substitute(right))
            case .like(var like):
                like.value = try substitute(like.value)
                like.pattern = try substitute(like.pattern)
                like.escape = try like.escape.map { try substitute($0) }
                result.kind = .like(like)
            case .between(var between):
                between.value = try substitute(between.value)
                between.low = try substitute(between.low)
                between.high = try substitute(between.high)
                result.kind = .between(between)
            case .inList(var inExpr):
                inExpr.value = try substitute(inExpr.value)
                if case .list(let items) = inExpr.source { inExpr.source = .list(try items.map { try substitute($0) }) }
                result.kind = .inList(inExpr)
            case .caseWhen(var caseExpr):
                caseExpr.base = try caseExpr.base.map { try substitute($0) }
                caseExpr.whenClauses = try caseExpr.whenClauses.map {
                    .init(condition: try substitute($0.condition), result: try substitute($0.result))
                }
                caseExpr.elseResult = try caseExpr.elseResult.map { try substitute($0) }
                result.kind = .caseWhen(caseExpr)
            case .function(var call):
                if case .list(let arguments) = call.arguments { call.arguments = .list(try arguments.map { try substitute($0) }) }
                result.kind = .function(call)
            case .row(let items):
                result.kind = .row(try items.map { try substitute($0) })
            }
            return result
        }

        private func groupKeyIndex(matching expr: Expr) -> Int? {
            let text = SQLPrinter.print(expr.strippingParentheses)
            let bound: BoundSources.BoundColumn? =
                if case .column(let reference) = expr.strippingParentheses.kind { sources.resolve(reference) } else { nil }
            return partials[..<groupKeyCount].indices.first { index in
                let key = partials[index].expr.strippingParentheses
                if SQLPrinter.print(key) == text { return true }
                guard let bound, case .column(let keyReference) = key.kind, let keyBound = sources.resolve(keyReference)
                else { return false }
                return keyBound.source == bound.source && keyBound.column?.name == bound.column?.name
            }
        }

        /// Adds (or reuses) a column of the shards' rows computing `expr`; returns its name.
        private mutating func addPartial(_ expr: Expr, affinity: Affinity = .blob, collation: Collation = .binary, prefix: String = "_p") -> String {
            let text = SQLPrinter.print(expr)
            if let existing = partials[groupKeyCount...].first(where: { SQLPrinter.print($0.expr) == text }) {
                return existing.name
            }
            let name = "\(prefix)\(partials.count)"
            partials.append(PartialColumn(name: name, expr: expr, affinity: affinity, collation: collation))
            return name
        }

        private mutating func finalAggregate(_ call: FunctionCall) throws -> Expr {
            let name = call.name.name.lowercased()
            let arguments: [Expr] = if case .list(let list) = call.arguments { list } else { [] }
            if call.distinct, name != "min", name != "max" {
                throw PlanSelect.NotPushable("\(name)(DISTINCT …) needs every distinct value on the coordinator")
            }
            func partial(_ function: String, _ arguments: FunctionCall.Arguments) -> Expr {
                var partialCall = call
                partialCall.name = Identifier(function)
                partialCall.arguments = arguments
                return Expr(.function(partialCall))
            }
            switch name {
            case "count":
                    let column = addPartial(Expr(.function(call)))
                return SplitAggregate.call("coalesce", [SplitAggregate.call("sum", [SplitAggregate.columnExpr(column)]), SplitAggregate.integer(0)])
            case "sum":
                    return SplitAggregate.call("sum", [SplitAggregate.columnExpr(addPartial(Expr(.function(call))))])
            case "total":
                    return SplitAggregate.call("total", [SplitAggregate.columnExpr(addPartial(Expr(.function(call))))])
            case "avg":
                    let total = addPartial(partial("total", call.arguments))
                let count = addPartial(partial("count", call.arguments))
                return Expr(.binary(.divide, SplitAggregate.call("total", [SplitAggregate.columnExpr(total)]), SplitAggregate.call("sum", [SplitAggregate.columnExpr(count)])))
            case "min", "max":
                minMaxCount += 1
                // Like a group key: ties under NOCASE ('a', 'A') or between 5 and 5.0 keep the
                // first row's spelling in SQLite's scan order.
                if let argument = arguments.first { try SplitAggregate.checkRepresentation(of: argument, in: sources) }
                let collation = arguments.first.map { ExpressionTraits.collation(of: $0, in: sources) } ?? .binary
                let column = addPartial(Expr(.function(call)), collation: collation)
                return SplitAggregate.call(name, [SplitAggregate.columnExpr(column)])
            default:
                throw PlanSelect.NotPushable("\(name)() has no partial form; it runs on the coordinator")
            }
        }
    }

    // MARK: - Recognising aggregates

    static let aggregateNames: Set<String> = [
        "count", "sum", "total", "avg", "min", "max", "group_concat", "json_group_array", "json_group_object",
    ]

    /// Whether `call` is an aggregate (`max(x)` is, `max(x, y)` is the scalar function).
    static func isAggregate(_ call: FunctionCall) -> Bool {
        let name = call.name.name.lowercased()
        guard call.over == nil, aggregateNames.contains(name) else { return false }
        if name == "min" || name == "max", case .list(let arguments) = call.arguments { return arguments.count == 1 }
        return true
    }

    /// Whether `expr` calls an aggregate outside any subquery.
    static func containsAggregate(_ expr: Expr) -> Bool {
        var found = false
        var stack = [expr]
        while let node = stack.popLast(), !found {
            switch node.kind {
            case .function(let call):
                if isAggregate(call) { found = true }
                if case .list(let arguments) = call.arguments { stack += arguments }
            case .subquery, .exists:
                continue
            default:
                stack += node.children
            }
        }
        return found
    }

    fileprivate static func columnExpr(_ name: String) -> Expr {
        Expr(.column(ColumnReference(column: Identifier(name, quoting: .doubleQuotes))))
    }

    fileprivate static func call(_ name: String, _ arguments: [Expr]) -> Expr {
        Expr(.function(FunctionCall(name: Identifier(name), arguments: .list(arguments))))
    }

    fileprivate static func integer(_ value: Int) -> Expr {
        Expr(.literal(Literal(.integer, text: String(value))))
    }
}
