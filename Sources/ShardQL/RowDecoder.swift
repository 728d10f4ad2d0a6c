/// Decodes a ``Row`` into a `Decodable` type: each property from the column of the same name
/// (a property whose type is ``SQLValueConvertible`` converts the column's value; any other type,
/// such as an enum with a raw value, decodes from that single value). Errors name the column.
struct RowDecoder: Decoder {
    let row: Row
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedRowContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw ShardQLError(.typeMismatch, "a row decodes into a type with named properties, not an array")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        // A one-column row decodes as its value (`fetchAll(Int.self, "SELECT count(*) …")`).
        guard row.values.count == 1 else {
            throw ShardQLError(
                .typeMismatch, "a row of \(row.values.count) columns cannot decode as a single value; the query must return one column")
        }
        return ColumnDecoder(value: row.values[0], column: row.columns.names[0])
    }
}

private struct KeyedRowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: Row
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { row.columns.index(of: key.stringValue) != nil }

    private func value(_ key: Key) throws -> SQLValue {
        guard let value = row[key.stringValue] else { throw row.missingColumn(key.stringValue) }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try value(key) { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try ColumnDecoder(value: try value(key), column: key.stringValue).decode(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        throw ShardQLError(.typeMismatch, "column '\(key.stringValue)' holds one value, not a nested object")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw ShardQLError(.typeMismatch, "column '\(key.stringValue)' holds one value, not an array")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { ColumnDecoder(value: try value(key), column: key.stringValue) }
}

/// One column's value, as a decoder (for properties whose types decode from a single value).
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLValue
    let column: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw ShardQLError(.typeMismatch, "column '\(column)' holds one value, not a nested object")
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw ShardQLError(.typeMismatch, "column '\(column)' holds one value, not an array")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let convertible = T.self as? any SQLValueConvertible.Type {
            return try convertValue(convertible) as! T
        }
        return try T(from: self)
    }

    private func convertValue<C: SQLValueConvertible>(_ type: C.Type) throws -> C {
        try convert(value, column: column, to: C.self)
    }

    // The primitive requirements, through the SQLValueConvertible conversions.
    func decode(_ type: Bool.Type) throws -> Bool { try convert(value, column: column, to: Bool.self) }
    func decode(_ type: String.Type) throws -> String { try convert(value, column: column, to: String.self) }
    func decode(_ type: Double.Type) throws -> Double { try convert(value, column: column, to: Double.self) }
    func decode(_ type: Float.Type) throws -> Float { try convert(value, column: column, to: Float.self) }
    func decode(_ type: Int.Type) throws -> Int { try convert(value, column: column, to: Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try convert(value, column: column, to: Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try convert(value, column: column, to: Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try convert(value, column: column, to: Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try convert(value, column: column, to: Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt {
        let integer = try convert(value, column: column, to: Int64.self)
        guard let unsigned = UInt(exactly: integer) else {
            throw ShardQLError(.typeMismatch, "column '\(column)': cannot read INTEGER \(integer) as UInt")
        }
        return unsigned
    }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try convert(value, column: column, to: UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try convert(value, column: column, to: UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try convert(value, column: column, to: UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 {
        let integer = try convert(value, column: column, to: Int64.self)
        guard let unsigned = UInt64(exactly: integer) else {
            throw ShardQLError(.typeMismatch, "column '\(column)': cannot read INTEGER \(integer) as UInt64")
        }
        return unsigned
    }
}
