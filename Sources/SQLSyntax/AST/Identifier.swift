/// A name as written: its unquoted text and how it was quoted.
///
/// Quoting is kept because it matters to SQLite: a double-quoted name that resolves to no column
/// falls back to a string literal, and the printer must reproduce names that need quotes.
public struct Identifier: Sendable, Hashable, CustomStringConvertible {
    public enum Quoting: Sendable, Hashable {
        /// A bare word (possibly a non-reserved keyword such as `key`).
        case none
        /// `"name"`
        case doubleQuotes
        /// `[name]`
        case brackets
        /// `` `name` ``
        case backticks
        /// `'name'`: SQLite accepts a string literal where a name is expected.
        case singleQuotes
    }

    public var name: String
    public var quoting: Quoting

    public init(_ name: String, quoting: Quoting = .none) {
        self.name = name
        self.quoting = quoting
    }

    public var description: String { name }

    /// SQLite compares names ASCII-case-insensitively.
    public func matches(_ other: String) -> Bool {
        name.utf8.count == other.utf8.count && name.lowercased() == other.lowercased()
    }
}

/// `[schema.]name`
public struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    public var schema: Identifier?
    public var name: Identifier

    public init(schema: Identifier? = nil, name: Identifier) {
        self.schema = schema
        self.name = name
    }

    public var description: String { schema.map { "\($0).\(name)" } ?? name.name }
}
