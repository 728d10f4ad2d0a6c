import Partitioning

/// A column of a ``Table``, as SQLite sees it.
public struct Column: Hashable, Sendable {
    /// SQLite's type affinity, derived from the declared type (INT → INTEGER, CHAR/CLOB/TEXT → TEXT,
    /// BLOB or none → BLOB, REAL/FLOA/DOUB → REAL, else NUMERIC): the routing code's own type.
    public typealias Affinity = Partitioning.Affinity

    /// The collating sequences ShardQL supports (SQLite's built-in ones): the routing code's own type.
    public typealias Collation = Partitioning.Collation

    /// The column's 0-based position in the table.
    public var ordinal: Int
    /// The name as written; compared ASCII case-insensitively (``CatalogName``).
    public var name: String
    /// The type as written (`"VARCHAR(10)"`), empty when none was.
    public var declaredType: String
    /// How SQLite converts values stored in the column.
    public var affinity: Affinity
    /// How TEXT values of the column compare.
    public var collation: Collation
    /// Whether the column is `NOT NULL`.
    public var notNull: Bool
    /// The column's 1-based position in the primary key, `nil` when it is not part of it.
    public var primaryKeyPosition: Int?
    /// Whether the column has a `DEFAULT`.
    public var hasDefault: Bool

    /// Creates the value from its parts.
    public init(
        ordinal: Int,
        name: String,
        declaredType: String = "",
        affinity: Affinity = .blob,
        collation: Collation = .binary,
        notNull: Bool = false,
        primaryKeyPosition: Int? = nil,
        hasDefault: Bool = false
    ) {
        self.ordinal = ordinal
        self.name = name
        self.declaredType = declaredType
        self.affinity = affinity
        self.collation = collation
        self.notNull = notNull
        self.primaryKeyPosition = primaryKeyPosition
        self.hasDefault = hasDefault
    }
}
