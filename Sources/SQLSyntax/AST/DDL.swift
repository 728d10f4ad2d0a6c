/// `CREATE [TEMP] TABLE [IF NOT EXISTS] name (…) [options] [distribution]` or `… AS SELECT`.
public struct CreateTable: Sendable, Hashable {
    public enum Definition: Sendable, Hashable {
        case columns([ColumnDefinition], constraints: [TableConstraint], options: [TableOption])
        case asSelect(Select)
    }

    public var temporary: Bool
    public var ifNotExists: Bool
    public var name: QualifiedName
    public var definition: Definition
    /// ShardQL's extension; `nil` means the default distribution.
    public var distribution: Distribution?

    public init(
        temporary: Bool = false, ifNotExists: Bool = false, name: QualifiedName, definition: Definition,
        distribution: Distribution? = nil
    ) {
        self.temporary = temporary
        self.ifNotExists = ifNotExists
        self.name = name
        self.definition = definition
        self.distribution = distribution
    }
}

public enum TableOption: String, Sendable, Hashable {
    case withoutRowID = "WITHOUT ROWID"
    case strict = "STRICT"
}

/// ShardQL's distribution clause:
/// `DISTRIBUTED BY HASH (col) [SHARDS n] [REPLICAS r] [COLOCATE WITH t]` | `DISTRIBUTED REPLICATED`.
public enum Distribution: Sendable, Hashable {
    case hash(column: Identifier, shards: Int?, replicas: Int?, colocateWith: QualifiedName?)
    /// A reference table, copied to every node.
    case replicated
}

public struct ColumnDefinition: Sendable, Hashable {
    public var name: Identifier
    public var type: TypeName?
    public var constraints: [ColumnConstraint]

    public init(name: Identifier, type: TypeName? = nil, constraints: [ColumnConstraint] = []) {
        self.name = name
        self.type = type
        self.constraints = constraints
    }
}

public struct ColumnConstraint: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case primaryKey(OrderingTerm.Direction?, ConflictResolution?, autoincrement: Bool)
        case notNull(ConflictResolution?)
        /// `NULL`: accepted by SQLite and meaningless.
        case null(ConflictResolution?)
        case unique(ConflictResolution?)
        case check(Expr)
        /// `DEFAULT value`: a literal, a signed number, a bare name, or a parenthesized expression.
        case defaultValue(Expr)
        case collate(Identifier)
        case references(ForeignKeyClause)
        /// `[GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]`
        case generated(Expr, storage: GeneratedStorage?, generatedAlways: Bool)
    }

    public enum GeneratedStorage: String, Sendable, Hashable { case stored = "STORED", virtual = "VIRTUAL" }

    public var name: Identifier?
    public var kind: Kind

    public init(name: Identifier? = nil, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

public struct TableConstraint: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case primaryKey([IndexedColumn], ConflictResolution?)
        case unique([IndexedColumn], ConflictResolution?)
        case check(Expr)
        case foreignKey([Identifier], ForeignKeyClause)
    }

    public var name: Identifier?
    public var kind: Kind

    public init(name: Identifier? = nil, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// An indexed column or expression: `expr [COLLATE c] [ASC|DESC]` (COLLATE is part of `expr`).
public struct IndexedColumn: Sendable, Hashable {
    public var expr: Expr
    public var direction: OrderingTerm.Direction?

    public init(expr: Expr, direction: OrderingTerm.Direction? = nil) {
        self.expr = expr
        self.direction = direction
    }
}

public struct ForeignKeyClause: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable {
        case setNull = "SET NULL", setDefault = "SET DEFAULT", cascade = "CASCADE"
        case restrict = "RESTRICT", noAction = "NO ACTION"
    }

    public enum Item: Sendable, Hashable {
        case onDelete(Action)
        case onUpdate(Action)
        case match(Identifier)
    }

    /// `[NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]`
    public struct Deferrable: Sendable, Hashable {
        public var negated: Bool
        public var initially: Initially?

        public init(negated: Bool = false, initially: Initially? = nil) {
            self.negated = negated
            self.initially = initially
        }
    }

    public enum Initially: String, Sendable, Hashable { case deferred = "DEFERRED", immediate = "IMMEDIATE" }

    public var table: Identifier
    public var columns: [Identifier]?
    public var items: [Item]
    public var deferrable: Deferrable?

    public init(table: Identifier, columns: [Identifier]? = nil, items: [Item] = [], deferrable: Deferrable? = nil) {
        self.table = table
        self.columns = columns
        self.items = items
        self.deferrable = deferrable
    }
}

/// `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (columns) [WHERE …]`
public struct CreateIndex: Sendable, Hashable {
    public var unique: Bool
    public var ifNotExists: Bool
    public var name: QualifiedName
    public var table: Identifier
    public var columns: [IndexedColumn]
    public var whereClause: Expr?

    public init(
        unique: Bool = false, ifNotExists: Bool = false, name: QualifiedName, table: Identifier,
        columns: [IndexedColumn], whereClause: Expr? = nil
    ) {
        self.unique = unique
        self.ifNotExists = ifNotExists
        self.name = name
        self.table = table
        self.columns = columns
        self.whereClause = whereClause
    }
}

public struct CreateView: Sendable, Hashable {
    public var temporary: Bool
    public var ifNotExists: Bool
    public var name: QualifiedName
    public var columns: [Identifier]?
    public var select: Select

    public init(temporary: Bool = false, ifNotExists: Bool = false, name: QualifiedName, columns: [Identifier]? = nil, select: Select) {
        self.temporary = temporary
        self.ifNotExists = ifNotExists
        self.name = name
        self.columns = columns
        self.select = select
    }
}

public struct CreateTrigger: Sendable, Hashable {
    public enum Timing: String, Sendable, Hashable { case before = "BEFORE", after = "AFTER", insteadOf = "INSTEAD OF" }
    public enum Event: Sendable, Hashable {
        case delete
        case insert
        /// `UPDATE [OF columns]`
        case update(of: [Identifier]?)
    }

    public var temporary: Bool
    public var ifNotExists: Bool
    public var name: QualifiedName
    public var timing: Timing?
    public var event: Event
    public var table: QualifiedName
    public var forEachRow: Bool
    public var when: Expr?
    /// `INSERT`, `UPDATE`, `DELETE` or `SELECT` statements.
    public var body: [Statement]

    public init(
        temporary: Bool = false, ifNotExists: Bool = false, name: QualifiedName, timing: Timing? = nil,
        event: Event, table: QualifiedName, forEachRow: Bool = false, when: Expr? = nil, body: [Statement]
    ) {
        self.temporary = temporary
        self.ifNotExists = ifNotExists
        self.name = name
        self.timing = timing
        self.event = event
        self.table = table
        self.forEachRow = forEachRow
        self.when = when
        self.body = body
    }
}

/// `DROP TABLE|INDEX|VIEW|TRIGGER [IF EXISTS] [schema.]name`
public struct Drop: Sendable, Hashable {
    public enum ObjectKind: String, Sendable, Hashable {
        case table = "TABLE", index = "INDEX", view = "VIEW", trigger = "TRIGGER"
    }

    public var kind: ObjectKind
    public var ifExists: Bool
    public var name: QualifiedName

    public init(kind: ObjectKind, ifExists: Bool = false, name: QualifiedName) {
        self.kind = kind
        self.ifExists = ifExists
        self.name = name
    }
}

public struct AlterTable: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case renameTable(to: Identifier)
        case renameColumn(Identifier, to: Identifier)
        case addColumn(ColumnDefinition)
        case dropColumn(Identifier)
    }

    public var table: QualifiedName
    public var action: Action

    public init(table: QualifiedName, action: Action) {
        self.table = table
        self.action = action
    }
}
