import Catalog
import SQLSyntax
import ShardQLBase
import Worker

/// One object of the cluster's schema, as the shell's `.schema` and `.dump` print it.
public struct SchemaEntry: Sendable, Hashable {
    /// What sort of object it is (sqlite_schema's `type`).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case table, index, view, trigger
    }

    /// What sort of object this is.
    public var kind: Kind
    /// The object's name as written.
    public var name: String
    /// The table it belongs to (sqlite_schema's `tbl_name`): its own name for tables and views.
    public var tableName: String
    /// The statement that creates it; a table's carries ShardQL's distribution clause, so running
    /// it recreates the same layout.
    public var sql: String

    /// Creates the value from its parts.
    public init(kind: Kind, name: String, tableName: String, sql: String) {
        self.kind = kind
        self.name = name
        self.tableName = tableName
        self.sql = sql
    }
}

extension Cluster {
    /// Every table, index, view and trigger, in an order that replays: tables in creation order
    /// (so a table a `COLOCATE WITH` names comes first), then indexes, views and triggers, each by
    /// name. Views and triggers come after every table, since they may name any of them.
    ///
    /// ```swift
    /// for entry in try cluster.schema() { print(entry.sql + ";") }
    /// // CREATE TABLE orders (id INTEGER PRIMARY KEY, …) DISTRIBUTED BY HASH (id) SHARDS 4;
    /// ```
    public func schema() throws -> [SchemaEntry] {
        let snapshot = self.snapshot
        var entries: [SchemaEntry] = []
        for table in snapshot.tables.values.sorted(by: { $0.id < $1.id }) {
            entries.append(
                SchemaEntry(kind: .table, name: table.name, tableName: table.name, sql: try definition(of: table, in: snapshot)))
        }
        for index in snapshot.indexes {
            entries.append(
                SchemaEntry(
                    kind: .index, name: index.name, tableName: snapshot.table(index.table)?.name ?? "", sql: index.sql))
        }
        for view in snapshot.views {
            entries.append(SchemaEntry(kind: .view, name: view.name, tableName: view.name, sql: view.sql))
        }
        for trigger in snapshot.triggers {
            entries.append(
                SchemaEntry(
                    kind: .trigger, name: trigger.name, tableName: snapshot.table(trigger.table)?.name ?? "",
                    sql: trigger.sql))
        }
        return entries
    }

    /// The table's `CREATE TABLE` with the distribution clause that gives it its layout again:
    /// `DISTRIBUTED BY HASH (c) SHARDS n`, with `COLOCATE WITH t` naming the oldest other table of
    /// its co-location group; `DISTRIBUTED REPLICATED` for a reference table. Round-robin tables
    /// have no clause (the default for a table without keys), which the shard count the cluster
    /// was opened with decides.
    func definition(of table: Table, in snapshot: CatalogSnapshot) throws -> String {
        guard case .createTable(var create) = try SQLParser.parseStatement(table.createSQL).kind else {
            throw ShardQLError(.internalError, "the catalog's definition of \(table.name) is not a CREATE TABLE")
        }
        switch table.distribution {
        case .hash:
            guard let column = table.distributionColumn,
                let group = snapshot.colocationGroups[table.colocationGroup]
            else { throw ShardQLError(.internalError, "table \(table.name) has no distribution column or group") }
            let anchor = snapshot.tables(in: group.id).first
            create.distribution = .hash(
                column: Identifier(column), shards: group.shardCount,
                replicas: table.replicationFactor == 1 ? nil : table.replicationFactor,
                colocateWith: anchor.flatMap { $0.id == table.id ? nil : QualifiedName(name: Identifier($0.name)) })
        case .none:
            create.distribution = .replicated
        case .roundRobin:
            create.distribution = nil
        }
        return SQLPrinter.print(Statement(.createTable(create)))
    }

    // MARK: - Table contents

    /// Streams every row of a table with its rowid, in rowid order (primary-key order for a
    /// `WITHOUT ROWID` table): what a dump needs to recreate the rows exactly. Rows arrive in
    /// batches merged from the shards as they are read, so a large table never sits in memory.
    ///
    /// ```swift
    /// let contents = try await cluster.contents(ofTable: "orders")
    /// for try await batch in contents { for row in batch { print(row.rowID ?? 0, row.values) } }
    /// ```
    ///
    /// - Throws: ``ShardQLError`` (`no such table`) for an unknown table.
    public func contents(ofTable name: String) async throws -> TableContents {
        let snapshot = self.snapshot
        guard let table = snapshot.table(named: name) else {
            throw ShardQLError(.sqlite, "no such table: \(name)")
        }
        let layout = try layout(of: table, in: snapshot)
        let stored = layout.columns.filter { !$0.isGenerated }.map(\.name)
        // The rowid under a name no column shadows, as sqlite3's `.dump` picks it.
        let rowIDName = layout.hasRowID
            ? ["rowid", "_rowid_", "oid"].first { name in !layout.columns.contains { CatalogName.equal($0.name, name) } }
            : nil
        var selected = stored.map(ScratchDatabase.quoted)
        var order: [String]
        if let rowIDName {
            selected.insert(rowIDName, at: 0)
            order = [rowIDName]
        } else {
            order = table.columns.filter { $0.primaryKeyPosition != nil }
                .sorted { $0.primaryKeyPosition! < $1.primaryKeyPosition! }.map { ScratchDatabase.quoted($0.name) }
        }
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(ScratchDatabase.quoted(table.name))"
        if !order.isEmpty { sql += " ORDER BY " + order.joined(separator: ", ") }
        let result = try await rows(of: try SQLParser.parseStatement(sql))
        let rowIDAlias = layout.rowIDAlias.map { layout.columns[$0].name }
        return TableContents(
            table: table.name, columns: stored, hasGeneratedColumns: stored.count < layout.columns.count,
            rowIDAlias: rowIDAlias, hasRowID: rowIDName != nil, isAutoincrement: layout.autoincrement, result: result)
    }
}

/// A table's rows with their rowids, in rowid order (see ``Cluster/contents(ofTable:)``).
/// Iterate it once.
public struct TableContents: AsyncSequence, Sendable {
    public typealias Element = [TableRow]
    public typealias Failure = any Error

    /// The table's name as created.
    public let table: String
    /// The columns each row's ``TableRow/values`` are for, in table order; generated columns are
    /// left out (they are computed again).
    public let columns: [String]
    /// Whether the table has generated columns (so ``columns`` is not all of them).
    public let hasGeneratedColumns: Bool
    /// The `INTEGER PRIMARY KEY` column that is the rowid, if any.
    public let rowIDAlias: String?
    /// Whether rows carry a ``TableRow/rowID`` (false for `WITHOUT ROWID` tables, and for a table
    /// whose columns shadow all of `rowid`, `_rowid_` and `oid`).
    public let hasRowID: Bool
    /// `INTEGER PRIMARY KEY AUTOINCREMENT`: keys are never reused.
    public let isAutoincrement: Bool
    let result: QueryResult

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: result.makeAsyncIterator(), hasRowID: hasRowID)
    }

    public struct Iterator: AsyncIteratorProtocol {
        var base: QueryResult.Iterator
        let hasRowID: Bool

        public mutating func next() async throws -> [TableRow]? {
            guard let batch = try await base.next() else { return nil }
            return batch.map { row in
                guard hasRowID, case .integer(let rowID)? = row.first else { return TableRow(rowID: nil, values: row) }
                return TableRow(rowID: rowID, values: Array(row.dropFirst()))
            }
        }
    }
}

/// One row of a ``TableContents``.
public struct TableRow: Sendable, Hashable {
    /// The row's rowid; `nil` for a table without one.
    public var rowID: Int64?
    /// The stored columns' values, in ``TableContents/columns`` order.
    public var values: [SQLValue]

    /// Creates the value from its parts.
    public init(rowID: Int64?, values: [SQLValue]) {
        self.rowID = rowID
        self.values = values
    }
}
