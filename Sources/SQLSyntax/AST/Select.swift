import ShardQLBase

/// A complete `SELECT` (or `VALUES`) statement: optional `WITH`, one or more cores joined by
/// compound operators, then `ORDER BY` and `LIMIT`, which apply to the whole compound.
public struct Select: Sendable, Hashable {
    public var with: WithClause?
    public var body: SelectBody
    public var orderBy: [OrderingTerm]
    public var limit: Limit?
    public var range: SourceRange

    public init(
        with: WithClause? = nil, body: SelectBody, orderBy: [OrderingTerm] = [], limit: Limit? = nil,
        range: SourceRange = .synthesized
    ) {
        self.with = with
        self.body = body
        self.orderBy = orderBy
        self.limit = limit
        self.range = range
    }
}

/// `first (op core)*`, evaluated left to right as SQLite does.
public struct SelectBody: Sendable, Hashable {
    public var first: SelectCore
    public var compounds: [CompoundPart]

    public init(first: SelectCore, compounds: [CompoundPart] = []) {
        self.first = first
        self.compounds = compounds
    }
}

public struct CompoundPart: Sendable, Hashable {
    public var op: CompoundOperator
    public var core: SelectCore

    public init(op: CompoundOperator, core: SelectCore) {
        self.op = op
        self.core = core
    }
}

public enum CompoundOperator: String, Sendable, Hashable {
    case union = "UNION"
    case unionAll = "UNION ALL"
    case intersect = "INTERSECT"
    case except = "EXCEPT"
}

public enum SelectCore: Sendable, Hashable {
    case select(SelectClause)
    /// `VALUES (…), (…)`
    case values([[Expr]])
}

public struct SelectClause: Sendable, Hashable {
    public enum Quantifier: String, Sendable, Hashable { case distinct = "DISTINCT", all = "ALL" }

    public var quantifier: Quantifier?
    public var columns: [ResultColumn]
    public var from: JoinClause?
    public var whereClause: Expr?
    public var groupBy: [Expr]
    public var having: Expr?
    public var windows: [NamedWindow]

    public init(
        quantifier: Quantifier? = nil, columns: [ResultColumn], from: JoinClause? = nil,
        whereClause: Expr? = nil, groupBy: [Expr] = [], having: Expr? = nil, windows: [NamedWindow] = []
    ) {
        self.quantifier = quantifier
        self.columns = columns
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.having = having
        self.windows = windows
    }
}

public struct NamedWindow: Sendable, Hashable {
    public var name: Identifier
    public var definition: WindowDefinition

    public init(name: Identifier, definition: WindowDefinition) {
        self.name = name
        self.definition = definition
    }
}

public enum ResultColumn: Sendable, Hashable {
    /// `*`
    case all
    /// `t.*`
    case allOf(Identifier)
    /// `expr [AS alias]`
    case expr(Expr, alias: Identifier?)
}

/// `LIMIT count [OFFSET offset]`. `LIMIT a, b` is parsed as `LIMIT b OFFSET a`, its meaning.
public struct Limit: Sendable, Hashable {
    public var count: Expr
    public var offset: Expr?

    public init(count: Expr, offset: Expr? = nil) {
        self.count = count
        self.offset = offset
    }
}

public struct WithClause: Sendable, Hashable {
    public var recursive: Bool
    public var tables: [CommonTableExpression]

    public init(recursive: Bool, tables: [CommonTableExpression]) {
        self.recursive = recursive
        self.tables = tables
    }
}

public struct CommonTableExpression: Sendable, Hashable {
    public enum Materialization: String, Sendable, Hashable {
        case materialized = "MATERIALIZED"
        case notMaterialized = "NOT MATERIALIZED"
    }

    public var name: Identifier
    public var columns: [Identifier]?
    public var materialization: Materialization?
    public var select: Select

    public init(name: Identifier, columns: [Identifier]? = nil, materialization: Materialization? = nil, select: Select) {
        self.name = name
        self.columns = columns
        self.materialization = materialization
        self.select = select
    }
}

/// The `FROM` clause: a first table, then joins in order.
public struct JoinClause: Sendable, Hashable {
    public var first: TableOrSubquery
    public var joins: [Join]

    public init(first: TableOrSubquery, joins: [Join] = []) {
        self.first = first
        self.joins = joins
    }
}

public struct Join: Sendable, Hashable {
    public var op: JoinOperator
    public var table: TableOrSubquery
    public var constraint: JoinConstraint?

    public init(op: JoinOperator, table: TableOrSubquery, constraint: JoinConstraint? = nil) {
        self.op = op
        self.table = table
        self.constraint = constraint
    }
}

public struct JoinOperator: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `,`
        case comma
        /// `JOIN` / `INNER JOIN`
        case inner
        /// `LEFT [OUTER] JOIN`
        case left
        /// `RIGHT [OUTER] JOIN`
        case right
        /// `FULL [OUTER] JOIN`
        case full
        /// `CROSS JOIN`: an inner join SQLite's planner does not reorder.
        case cross
    }

    public var kind: Kind
    public var natural: Bool

    public init(_ kind: Kind, natural: Bool = false) {
        self.kind = kind
        self.natural = natural
    }
}

public enum JoinConstraint: Sendable, Hashable {
    case on(Expr)
    case using([Identifier])
}

public indirect enum TableOrSubquery: Sendable, Hashable {
    case table(TableReference)
    /// `schema.function(args) [AS alias]`
    case tableFunction(name: QualifiedName, arguments: [Expr], alias: Identifier?)
    /// `(SELECT …) [AS alias]`
    case subquery(Select, alias: Identifier?)
    /// `(a JOIN b)`
    case join(JoinClause)
}

/// `[schema.]table [AS alias] [INDEXED BY index | NOT INDEXED]`
public struct TableReference: Sendable, Hashable {
    public enum IndexHint: Sendable, Hashable {
        case indexedBy(Identifier)
        case notIndexed
    }

    public var name: QualifiedName
    public var alias: Identifier?
    public var indexHint: IndexHint?

    public init(name: QualifiedName, alias: Identifier? = nil, indexHint: IndexHint? = nil) {
        self.name = name
        self.alias = alias
        self.indexHint = indexHint
    }
}
