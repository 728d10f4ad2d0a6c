/// A value of one of SQLite's five storage classes.
///
/// TEXT is kept as the exact bytes SQLite stores (``SQLText``), so invalid UTF-8 survives a round
/// trip and comparisons can be byte-wise like SQLite's BINARY collation. Equality here is
/// structural (`.integer(1) != .real(1.0)`); SQL comparison rules belong to the engine.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(SQLText)
    case blob([UInt8])

    /// SQLite's name for the value's storage class, as `typeof()` returns it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .integer: "integer"
        case .real: "real"
        case .text: "text"
        case .blob: "blob"
        }
    }

    /// Convenience for a TEXT value from a Swift string (encoded as UTF-8).
    public static func text(_ string: String) -> SQLValue { .text(SQLText(string)) }
}

/// The bytes of a TEXT value, in the database encoding (UTF-8).
public struct SQLText: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    /// The text decoded as UTF-8, with invalid sequences replaced by U+FFFD.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { string }
}
