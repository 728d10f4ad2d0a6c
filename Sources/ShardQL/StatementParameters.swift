import Partitioning
import SQLSyntax

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The values of a statement's parameters: by position (`?`, `?NNN`, and names by their number)
/// or by name (`:name`, `@name`, `$name`; the key may omit the prefix).
///
/// ```swift
/// try await database.execute("INSERT INTO people VALUES (?, ?, ?)", parameters: [1, "Ada", nil])
/// try await database.execute("UPDATE people SET name = :name WHERE id = :id", parameters: ["id": 1, "name": "Grace"])
/// ```
///
/// Values are bound into the parsed statement as typed constants; they are never parsed as SQL.
/// The number of values must match the statement's parameters, and every name must be used.
public struct StatementParameters: Sendable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    enum Storage: Sendable {
        case positional([SQLValue])
        case named([String: SQLValue])
    }

    let storage: Storage

    /// Values by position: the first binds `?1` (or the first `?`), and so on; nil binds NULL.
    public init(_ values: [(any SQLValueConvertible)?]) {
        storage = .positional(values.map { $0?.sqlValue ?? .null })
    }

    /// Values by name, with or without the prefix (`"id"` or `":id"`); nil binds NULL.
    public init(_ values: [String: (any SQLValueConvertible)?]) {
        storage = .named(values.mapValues { $0?.sqlValue ?? .null })
    }

    /// Values by position: `[1, "Ada", nil]`.
    public init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        self.init(elements)
    }

    /// Values by name: `["id": 1, "name": "Ada"]`.
    public init(dictionaryLiteral elements: (String, (any SQLValueConvertible)?)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// No parameters.
    public static let none = StatementParameters([(any SQLValueConvertible)?]())

    var isEmpty: Bool {
        switch storage {
        case .positional(let values): values.isEmpty
        case .named(let values): values.isEmpty
        }
    }
}

/// Binds ``StatementParameters`` while a statement is parsed, and checks afterwards that every
/// value was used.
struct ValueBinder: ParameterBinder {
    let parameters: StatementParameters
    /// The statement's parameter count so far (SQLite's `sqlite3_bind_parameter_count`).
    private var count = 0
    private var usedNames: Set<String> = []

    init(_ parameters: StatementParameters) {
        self.parameters = parameters
    }

    mutating func expression(for token: String, index: Int) throws(ShardQLError) -> Expr? {
        count = max(count, index)
        switch parameters.storage {
        case .positional(let values):
            guard index <= values.count else {
                throw ShardQLError(
                    .invalidArgument,
                    "parameter \(token) is number \(index), but \(values.count) value\(values.count == 1 ? " was" : "s were") given")
            }
            return try Self.constant(values[index - 1])
        case .named(let values):
            guard token.first != "?" else {
                throw ShardQLError(.invalidArgument, "parameter \(token) has no name: pass its value by position")
            }
            let bare = String(token.dropFirst())
            let key = values[bare] != nil ? bare : token
            guard let value = values[key] else {
                throw ShardQLError(.invalidArgument, "no value given for parameter \(token)")
            }
            usedNames.insert(key)
            return try Self.constant(value)
        }
    }

    /// Throws if values were given that the statement has no parameter for.
    func checkAllUsed() throws(ShardQLError) {
        switch parameters.storage {
        case .positional(let values):
            guard values.count == count else {
                throw ShardQLError(
                    .invalidArgument,
                    "\(values.count) value\(values.count == 1 ? " was" : "s were") given for a statement with \(count) parameter\(count == 1 ? "" : "s")")
            }
        case .named(let values):
            if let unused = values.keys.sorted().first(where: { !usedNames.contains($0) }) {
                throw ShardQLError(.invalidArgument, "the statement has no parameter named \(unused)")
            }
        }
    }

    /// The expression SQLite reads back as exactly `value`, with no affinity (as a bound value
    /// has none): a literal, or a negated one in parentheses.
    static func constant(_ value: SQLValue) throws(ShardQLError) -> Expr {
        func literal(_ kind: Literal.Kind, _ text: String) -> Expr { Expr(.literal(Literal(kind, text: text))) }
        func negated(_ expr: Expr) -> Expr { Expr(.parenthesized(Expr(.unary(.negate, expr)))) }
        switch value {
        case .null:
            return Expr(.literal(.null))
        case .integer(let integer):
            let magnitude = literal(.integer, String(integer.magnitude))
            return integer < 0 ? negated(magnitude) : magnitude
        case .real(let real):
            if real.isNaN { return Expr(.literal(.null)) }
            let magnitude = real.magnitude
            let text = magnitude.isInfinite ? "9e999" : try exactRealText(magnitude)
            return real.sign == .minus ? negated(literal(.real, text)) : literal(.real, text)
        case .text(let text):
            // A string literal cannot hold a NUL byte: spell those bytes as a blob cast to text.
            if text.bytes.contains(0) {
                return Expr(.cast(literal(.blob, hexBlob(text.bytes)), TypeName(words: [Identifier("TEXT")])))
            }
            return Expr(.literal(.string(text.string)))
        case .blob(let bytes):
            return literal(.blob, hexBlob(bytes))
        }
    }

    private static func hexBlob(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = [UInt8(ascii: "X"), UInt8(ascii: "'")]
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        text.append(UInt8(ascii: "'"))
        return String(decoding: text, as: UTF8.self)
    }

    /// A REAL literal for a finite, non-negative `value` that SQLite's own text-to-double
    /// conversion (not always correctly rounded) turns back into exactly `value`: Swift's
    /// shortest round-trip digits when SQLite reads them right, else more digits.
    static func exactRealText(_ value: Double) throws(ShardQLError) -> String {
        var candidates = [value.description]
        for digits in 17...20 { candidates.append(formatted(value, significantDigits: digits)) }
        for candidate in candidates {
            // A REAL token needs a '.' or an exponent.
            let text = candidate.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? candidate : candidate + ".0"
            if SQLiteNumericText.parseReal(Array(text.utf8)).value.bitPattern == value.bitPattern { return text }
        }
        throw ShardQLError(.invalidArgument, "the REAL value \(value) cannot be written so SQLite reads it back exactly")
    }

    private static func formatted(_ value: Double, significantDigits: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { arguments in
            vsnprintf(&buffer, buffer.count, "%.\(significantDigits - 1)e", arguments)
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
