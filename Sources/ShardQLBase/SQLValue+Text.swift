#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLValue {
    /// The value as `sqlite3_column_text` would render it: integers in decimal, REAL with SQLite's
    /// `%!.15g` (`2.5`, `-1.0`, `100.0`, `1.0e+20`, `1.0e-05`), TEXT as is, BLOB as its bytes
    /// decoded leniently; `nil` for NULL.
    public var sqliteText: String? {
        switch self {
        case .null: return nil
        case .integer(let value): return String(value)
        case .real(let value): return SQLValue.formatReal(value)
        case .text(let text): return text.string
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// SQLite's `%!.15g`: 15 significant digits, and always a decimal point (`100.0`, `1.0e+20`).
    public static func formatReal(_ value: Double) -> String {
        if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
        if value.isNaN { return "NaN" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = withVaList([value]) { arguments in
            vsnprintf(&buffer, buffer.count, "%.15g", arguments)
        }
        var text = String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let exponent = text.firstIndex(of: "e") {
            if !text[..<exponent].contains(".") { text.insert(contentsOf: ".0", at: exponent) }
        } else if !text.contains(".") {
            text += ".0"
        }
        return text
    }
}
