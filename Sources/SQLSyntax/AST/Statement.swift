import ShardQLBase

/// One SQL statement with the source range it was parsed from.
public struct Statement: Sendable, Hashable {
    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, range: SourceRange = .synthesized) {
        self.kind = kind
        self.range = range
    }

    public indirect enum Kind: Sendable, Hashable {
        case select(Select)
        case insert(Insert)
        case update(Update)
        case delete(Delete)
        case createTable(CreateTable)
        case createIndex(CreateIndex)
        case createView(CreateView)
        case createTrigger(CreateTrigger)
        case drop(Drop)
        case alterTable(AlterTable)
        /// `REINDEX [[schema.]name]`
        case reindex(QualifiedName?)
        /// `ANALYZE [[schema.]name]`
        case analyze(QualifiedName?)
        /// `VACUUM [schema] [INTO file]`
        case vacuum(schema: Identifier?, into: Expr?)
        /// `ATTACH [DATABASE] file AS name`
        case attach(file: Expr, name: Identifier)
        /// `DETACH [DATABASE] name`
        case detach(Identifier)
        case pragma(Pragma)
        case begin(TransactionMode?)
        /// `COMMIT` / `END`
        case commit
        /// `ROLLBACK [TO savepoint]`
        case rollback(toSavepoint: Identifier?)
        case savepoint(Identifier)
        case release(Identifier)
        case explain(ExplainMode, Statement)
    }
}

public enum TransactionMode: String, Sendable, Hashable {
    case deferred = "DEFERRED", immediate = "IMMEDIATE", exclusive = "EXCLUSIVE"
}

public enum ExplainMode: String, Sendable, Hashable {
    /// `EXPLAIN`
    case plan = ""
    /// `EXPLAIN QUERY PLAN` (SQLite's)
    case queryPlan = "QUERY PLAN"
    /// `EXPLAIN ANALYZE` (ShardQL's: runs the statement and reports per-shard figures)
    case analyze = "ANALYZE"
}

/// `PRAGMA [schema.]name [= value | (value)]`
public struct Pragma: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        /// A signed number as written (`-1`, `+5`, `0x10`).
        case number(String)
        /// A name or keyword (`ON`, `wal`, `DELETE`).
        case name(Identifier)
        /// A string literal as written.
        case string(String)

        /// The value's text: the number as written, the name, the string's contents.
        public var text: String {
            switch self {
            case .number(let number): number
            case .name(let name): name.name
            case .string(let string): string
            }
        }
    }

    public enum Form: Sendable, Hashable {
        case query
        case assign(Value)
        case call(Value)
    }

    public var name: QualifiedName
    public var form: Form

    public init(name: QualifiedName, form: Form = .query) {
        self.name = name
        self.form = form
    }
}

public enum ConflictResolution: String, Sendable, Hashable {
    case rollback = "ROLLBACK", abort = "ABORT", fail = "FAIL", ignore = "IGNORE", replace = "REPLACE"
}

// MARK: - DML

public struct Insert: Sendable, Hashable {
    public enum Verb: Sendable, Hashable {
        /// `INSERT [OR resolution]`
        case insert(ConflictResolution?)
        /// `REPLACE`
        case replace
    }

    public enum Source: Sendable, Hashable {
        /// `VALUES …` or `SELECT …`
        case select(Select)
        case defaultValues
    }

    public var with: WithClause?
    public var verb: Verb
    public var table: QualifiedName
    public var alias: Identifier?
    public var columns: [Identifier]?
    public var source: Source
    public var upserts: [Upsert]
    public var returning: [ResultColumn]?

    public init(
        with: WithClause? = nil, verb: Verb = .insert(nil), table: QualifiedName, alias: Identifier? = nil,
        columns: [Identifier]? = nil, source: Source, upserts: [Upsert] = [], returning: [ResultColumn]? = nil
    ) {
        self.with = with
        self.verb = verb
        self.table = table
        self.alias = alias
        self.columns = columns
        self.source = source
        self.upserts = upserts
        self.returning = returning
    }
}

/// `ON CONFLICT [(target) [WHERE …]] DO NOTHING | DO UPDATE SET … [WHERE …]`
public struct Upsert: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case nothing
        case update([Assignment], whereClause: Expr?)
    }

    public var target: [IndexedColumn]?
    public var targetWhere: Expr?
    public var action: Action

    public init(target: [IndexedColumn]? = nil, targetWhere: Expr? = nil, action: Action) {
        self.target = target
        self.targetWhere = targetWhere
        self.action = action
    }
}

/// `col = expr` or `(a, b) = expr`
public struct Assignment: Sendable, Hashable {
    public var columns: [Identifier]
    /// Whether the columns were written as a parenthesized list (`(a) = 1`).
    public var parenthesized: Bool
    public var value: Expr

    public init(columns: [Identifier], parenthesized: Bool = false, value: Expr) {
        self.columns = columns
        self.parenthesized = parenthesized || columns.count > 1
        self.value = value
    }
}

public struct Update: Sendable, Hashable {
    public var with: WithClause?
    public var conflict: ConflictResolution?
    public var table: TableReference
    public var assignments: [Assignment]
    public var from: JoinClause?
    public var whereClause: Expr?
    public var returning: [ResultColumn]?
    public var orderBy: [OrderingTerm]
    public var limit: Limit?

    public init(
        with: WithClause? = nil, conflict: ConflictResolution? = nil, table: TableReference,
        assignments: [Assignment], from: JoinClause? = nil, whereClause: Expr? = nil,
        returning: [ResultColumn]? = nil, orderBy: [OrderingTerm] = [], limit: Limit? = nil
    ) {
        self.with = with
        self.conflict = conflict
        self.table = table
        self.assignments = assignments
        self.from = from
        self.whereClause = whereClause
        self.returning = returning
        self.orderBy = orderBy
        self.limit = limit
    }
}

public struct Delete: Sendable, Hashable {
    public var with: WithClause?
    public var table: TableReference
    public var whereClause: Expr?
    public var returning: [ResultColumn]?
    public var orderBy: [OrderingTerm]
    public var limit: Limit?

    public init(
        with: WithClause? = nil, table: TableReference, whereClause: Expr? = nil,
        returning: [ResultColumn]? = nil, orderBy: [OrderingTerm] = [], limit: Limit? = nil
    ) {
        self.with = with
        self.table = table
        self.whereClause = whereClause
        self.returning = returning
        self.orderBy = orderBy
        self.limit = limit
    }
}
