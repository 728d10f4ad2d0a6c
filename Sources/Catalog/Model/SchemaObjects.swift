// View, Index and Trigger are three tiny records of the same shape (a name and the SQL that
// creates the object on each shard), kept in one file.

/// A view; it is created on the coordinator's planning schema and, when it only reads co-located
/// or reference tables, on shards.
public struct View: Hashable, Sendable {
    /// The name as written; compared ASCII case-insensitively (``CatalogName``).
    public var name: String
    /// The `CREATE VIEW` statement.
    public var sql: String

    /// Creates the value from its parts.
    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// An index on a table, created on every shard of the table.
public struct Index: Hashable, Sendable {
    /// The name as written; compared ASCII case-insensitively (``CatalogName``).
    public var name: String
    /// The table the object belongs to.
    public var table: TableID
    /// The `CREATE INDEX` statement.
    public var sql: String
    /// Whether it is a `UNIQUE` index.
    public var isUnique: Bool

    /// Creates the value from its parts.
    public init(name: String, table: TableID, sql: String, isUnique: Bool = false) {
        self.name = name
        self.table = table
        self.sql = sql
        self.isUnique = isUnique
    }
}

/// A trigger on a table, created on every shard of the table.
public struct Trigger: Hashable, Sendable {
    /// The name as written; compared ASCII case-insensitively (``CatalogName``).
    public var name: String
    /// The table the object belongs to.
    public var table: TableID
    /// The `CREATE TRIGGER` statement.
    public var sql: String

    /// Creates the value from its parts.
    public init(name: String, table: TableID, sql: String) {
        self.name = name
        self.table = table
        self.sql = sql
    }
}
