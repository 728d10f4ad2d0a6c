#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Swift type that converts to and from SQLite's values: what statement parameters accept and
/// what a ``Row``'s typed getters and `decode` return.
///
/// Conversions are strict where a silent change would lose data: an `Int` reads an INTEGER, or a
/// REAL with no fractional part; a `String` reads TEXT only; `Data` and `[UInt8]` read a BLOB
/// (or TEXT's bytes); `Bool` reads a number (0 is false); `Date` reads text in SQLite's date
/// formats (`YYYY-MM-DD[ HH:MM[:SS[.SSS]]]`, UTC) or a number of seconds since 1970. Anything
/// else is a ``/ShardQLBase/ShardQLError`` with code `.typeMismatch`.
public protocol SQLValueConvertible: Sendable {
    /// The value to store.
    var sqlValue: SQLValue { get }
    /// The Swift value of a stored one; nil if it cannot be represented.
    static func fromSQLValue(_ value: SQLValue) -> Self?
}

extension SQLValue: SQLValueConvertible {
    /// The value itself.
    public var sqlValue: SQLValue { self }
    /// Any value, unchanged.
    public static func fromSQLValue(_ value: SQLValue) -> SQLValue? { value }
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    /// The wrapped value's, or NULL for nil.
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    /// NULL reads as nil; any other value as `Wrapped` reads it.
    public static func fromSQLValue(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.fromSQLValue(value).map { .some($0) }
    }
}

extension Int64: SQLValueConvertible {
    /// An INTEGER.
    public var sqlValue: SQLValue { .integer(self) }
    /// An INTEGER, or a REAL with no fractional part that fits.
    public static func fromSQLValue(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let integer): integer
        // Exactly representable, as SQLite's own REAL → INTEGER comparison would see it.
        case .real(let real): Int64(exactly: real)
        default: nil
        }
    }
}

/// Fixed-width integers go through `Int64`, refusing values out of their range.
extension SQLValueConvertible where Self: FixedWidthInteger {
    /// An INTEGER.
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    /// What `Int64` reads, when it fits in `Self`.
    public static func fromSQLValue(_ value: SQLValue) -> Self? {
        Int64.fromSQLValue(value).flatMap { Self(exactly: $0) }
    }
}

extension Int: SQLValueConvertible {}
extension Int32: SQLValueConvertible {}
extension Int16: SQLValueConvertible {}
extension Int8: SQLValueConvertible {}
extension UInt32: SQLValueConvertible {}
extension UInt16: SQLValueConvertible {}
extension UInt8: SQLValueConvertible {}

extension Double: SQLValueConvertible {
    /// NaN is stored as NULL, as SQLite binds it.
    public var sqlValue: SQLValue { isNaN ? .null : .real(self) }
    /// A REAL, or an INTEGER converted.
    public static func fromSQLValue(_ value: SQLValue) -> Double? {
        switch value {
        case .real(let real): real
        case .integer(let integer): Double(integer)
        default: nil
        }
    }
}

extension Float: SQLValueConvertible {
    /// A REAL (NaN: NULL).
    public var sqlValue: SQLValue { Double(self).sqlValue }
    /// What `Double` reads, rounded to `Float`.
    public static func fromSQLValue(_ value: SQLValue) -> Float? { Double.fromSQLValue(value).map(Float.init) }
}

extension Bool: SQLValueConvertible {
    /// Stored as INTEGER 1 or 0, as SQLite's `TRUE` and `FALSE` are.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    /// A number: 0 is false, anything else true.
    public static func fromSQLValue(_ value: SQLValue) -> Bool? {
        switch value {
        case .integer(let integer): integer != 0
        case .real(let real): real != 0
        default: nil
        }
    }
}

extension String: SQLValueConvertible {
    /// TEXT, encoded as UTF-8.
    public var sqlValue: SQLValue { .text(SQLText(self)) }
    /// TEXT only (invalid UTF-8 is replaced by U+FFFD).
    public static func fromSQLValue(_ value: SQLValue) -> String? {
        guard case .text(let text) = value else { return nil }
        return text.string
    }
}

extension Array: SQLValueConvertible where Element == UInt8 {
    /// A BLOB of these bytes.
    public var sqlValue: SQLValue { .blob(self) }
    /// A BLOB's bytes, or TEXT's.
    public static func fromSQLValue(_ value: SQLValue) -> [UInt8]? {
        switch value {
        case .blob(let bytes): bytes
        case .text(let text): text.bytes
        default: nil
        }
    }
}

extension Data: SQLValueConvertible {
    /// A BLOB of these bytes.
    public var sqlValue: SQLValue { .blob(Array(self)) }
    /// A BLOB's bytes, or TEXT's.
    public static func fromSQLValue(_ value: SQLValue) -> Data? { [UInt8].fromSQLValue(value).map { Data($0) } }
}

extension Date: SQLValueConvertible {
    /// Stored as text `YYYY-MM-DD HH:MM:SS.SSS` in UTC: what SQLite's date functions read, and
    /// sorting as text sorts by time.
    public var sqlValue: SQLValue { .text(SQLText(SQLiteDateText.format(self))) }
    /// Text in SQLite's date formats (UTC), or a number of seconds since 1970.
    public static func fromSQLValue(_ value: SQLValue) -> Date? {
        switch value {
        case .text(let text): SQLiteDateText.parse(text.string)
        case .integer(let seconds): Date(timeIntervalSince1970: TimeInterval(seconds))
        case .real(let seconds): Date(timeIntervalSince1970: seconds)
        default: nil
        }
    }
}

/// Dates as SQLite writes and reads them, in UTC, without a calendar library.
enum SQLiteDateText {
    static func format(_ date: Date) -> String {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let days = totalMilliseconds.floorDivided(by: 86_400_000)
        let inDay = totalMilliseconds - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let milliseconds = inDay % 1000
        let millisecondText = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        let yearText = year >= 0 && year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + "\(year)" : "\(year)"
        return "\(yearText)-\(two(month))-\(two(day)) \(two(inDay / 3_600_000)):\(two(inDay / 60_000 % 60)):\(two(inDay / 1000 % 60)).\(millisecondText)"
    }

    /// `YYYY-MM-DD`, optionally followed by ` ` or `T` and `HH:MM`, `:SS`, `.fraction`, and `Z`.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ digits: Int) -> Int64? {
            guard position + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[position..<position + digits] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            position += digits
            return value
        }
        func accept(_ character: Character) -> Bool {
            guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
            position += 1
            return true
        }
        guard let year = number(4), accept("-"), let month = number(2), accept("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(days(fromYear: year, month: month, day: day) * 86_400)
        if accept(" ") || accept("T") {
            guard let hour = number(2), accept(":"), let minute = number(2), hour < 24, minute < 60 else { return nil }
            seconds += Double(hour * 3600 + minute * 60)
            if accept(":") {
                guard let second = number(2), second < 60 else { return nil }
                seconds += Double(second)
                if accept(".") {
                    var scale = 0.1
                    let start = position
                    while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                        seconds += Double(bytes[position] - 48) * scale
                        scale /= 10
                        position += 1
                    }
                    guard position > start else { return nil }
                }
            }
        }
        _ = accept("Z")
        guard position == bytes.count else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// Howard Hinnant's days-from-civil and its inverse (proleptic Gregorian calendar).
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
