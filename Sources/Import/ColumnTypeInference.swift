/// The column types `shardql import --create` gives a new table, from a sample of its rows:
/// the narrowest of INTEGER, REAL and TEXT that holds every non-NULL value of the column as the
/// number it reads as (so SQLite's affinity stores each value as that number, and sums and
/// comparisons behave as they would on a typed table).
public enum ColumnTypeInference {
    /// A declared column type, as `CREATE TABLE` writes it.
    public enum ColumnType: String, Sendable, Hashable, Comparable {
        case integer = "INTEGER"
        case real = "REAL"
        case text = "TEXT"

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .integer: 0
            case .real: 1
            case .text: 2
            }
        }
    }

    /// Folds values into per-column types; feed it the sample, then read ``types``.
    public struct Accumulator: Sendable {
        /// The type each column needs so far; nil while only NULLs were seen.
        public private(set) var seen: [ColumnType?]

        public init(columns: Int) {
            seen = Array(repeating: nil, count: columns)
        }

        /// Takes column `index`'s value (nil for NULL, which fits any type).
        public mutating func add(_ value: String?, column index: Int) {
            guard let value, seen[index] != .text else { return }
            let type = ColumnTypeInference.type(of: value)
            seen[index] = max(seen[index] ?? type, type)
        }

        /// The inferred types: a column with only NULLs (or none at all) is TEXT.
        public var types: [ColumnType] { seen.map { $0 ?? .text } }
    }

    /// The narrowest type `text` reads as: INTEGER for an optionally signed run of digits that
    /// fits 64 bits, REAL for a decimal number (fraction, exponent) SQLite would read whole,
    /// TEXT otherwise — including hexadecimal, surrounding spaces, `inf` and `nan`, which a typed
    /// column would keep as text or read differently.
    public static func type(of text: String) -> ColumnType {
        var bytes = text.utf8[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            bytes = bytes.dropFirst()
        }
        let digits = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        if !digits.isEmpty, digits.count == bytes.count {
            return Int64(text) != nil ? .integer : .real  // too big for 64 bits: SQLite keeps it as REAL
        }
        return isDecimal(bytes) ? .real : .text
    }

    /// `digits [. digits] [e [+-] digits]` or `. digits [e …]`, with at least one digit before the exponent.
    private static func isDecimal(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        var index = bytes.startIndex
        var mantissaDigits = 0
        while index < bytes.endIndex, isDigit(bytes[index]) {
            mantissaDigits += 1
            index = bytes.index(after: index)
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index = bytes.index(after: index)
            while index < bytes.endIndex, isDigit(bytes[index]) {
                mantissaDigits += 1
                index = bytes.index(after: index)
            }
        }
        guard mantissaDigits > 0 else { return false }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index = bytes.index(after: index)
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index = bytes.index(after: index)
            }
            var exponentDigits = 0
            while index < bytes.endIndex, isDigit(bytes[index]) {
                exponentDigits += 1
                index = bytes.index(after: index)
            }
            guard exponentDigits > 0 else { return false }
        }
        return index == bytes.endIndex
    }
}
