/// The column names of a result, shared by all of its rows.
public final class ColumnNames: Sendable {
    /// The columns' names, in result order (duplicates kept, as SQLite names them).
    public let names: [String]
    /// The first column of each name, case-insensitively (as SQLite resolves names).
    private let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name.lowercased()] == nil {
            positions[name.lowercased()] = index
        }
        self.positions = positions
    }

    /// The position of `name` (the first column so named, compared case-insensitively).
    public func index(of name: String) -> Int? { positions[name.lowercased()] }
}

/// One row of a result: its values by position or by column name, typed getters, and
/// `decode` into a `Decodable` type.
///
/// ```swift
/// for try await row in try await database.query("SELECT id, name FROM people") {
///     let id: Int = try row.get("id")
///     let name = row["name"]            // SQLValue?
///     let person = try row.decode(Person.self)
/// }
/// ```
public struct Row: Sendable, CustomStringConvertible {
    /// The result's column names, shared by every row of the result.
    public let columns: ColumnNames
    /// The row's values, in column order.
    public let values: [SQLValue]

    /// A row of `values` under `columns` (one value per column).
    public init(columns: ColumnNames, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value in column `index` (0-based).
    public subscript(index: Int) -> SQLValue { values[index] }

    /// The value of the column named `name` (case-insensitive; the first if several share it),
    /// or nil when the result has no such column.
    public subscript(name: String) -> SQLValue? {
        columns.index(of: name).map { values[$0] }
    }

    /// The value of column `name` as `T`; throws if there is no such column (`.invalidArgument`)
    /// or its value cannot be read as `T` (`.typeMismatch`, naming the column).
    public func get<T: SQLValueConvertible>(_ name: String, as type: T.Type = T.self) throws(ShardQLError) -> T {
        guard let index = columns.index(of: name) else { throw missingColumn(name) }
        return try convert(values[index], column: name, to: T.self)
    }

    /// The value of column `index` (0-based) as `T`.
    public func get<T: SQLValueConvertible>(_ index: Int, as type: T.Type = T.self) throws(ShardQLError) -> T {
        guard values.indices.contains(index) else {
            throw ShardQLError(.invalidArgument, "column index \(index) is out of range: the row has \(values.count) columns")
        }
        return try convert(values[index], column: columns.names[index], to: T.self)
    }

    /// The row as a `Decodable` value: each property from the column of the same name.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try T(from: RowDecoder(row: self))
    }

    /// The row as `[name: "value", …]`, values as SQLite's text, NULL unquoted.
    public var description: String {
        "[" + zip(columns.names, values).map { "\($0): \($1.sqliteText.map { "\"\($0)\"" } ?? "NULL")" }.joined(separator: ", ") + "]"
    }

    func missingColumn(_ name: String) -> ShardQLError {
        ShardQLError(
            .invalidArgument, "no column named '\(name)' in the result (columns: \(columns.names.joined(separator: ", ")))")
    }
}

/// `value` as `T`, or a `.typeMismatch` error naming the column, the value and the type.
func convert<T: SQLValueConvertible>(_ value: SQLValue, column: String, to type: T.Type) throws(ShardQLError) -> T {
    if let converted = T.fromSQLValue(value) { return converted }
    let shown: String
    switch value {
    case .null: shown = "NULL"
    case .text(let text): shown = "TEXT '\(text.string.count > 40 ? String(text.string.prefix(40)) + "…" : text.string)'"
    case .blob(let bytes): shown = "a BLOB of \(bytes.count) bytes"
    case .integer(let integer): shown = "INTEGER \(integer)"
    case .real: shown = "REAL \(value.sqliteText ?? "")"
    }
    throw ShardQLError(.typeMismatch, "column '\(column)': cannot read \(shown) as \(T.self)")
}
