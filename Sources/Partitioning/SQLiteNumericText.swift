import ShardQLBase

/// SQLite's own readers of numbers in TEXT: `sqlite3AtoF` and `sqlite3Atoi64` (util.c, SQLite 3.39–3.42;
/// this project links 3.40.1), ported operation for operation so that the results are bit-identical.
///
/// They are not `strtod`/`strtoll`: no hex, no `inf`/`nan`, no digit separators; leading and trailing
/// whitespace (0x09–0x0D, 0x20) is allowed; at most 18–19 significant digits are kept and the scaling is
/// done in `long double`, so the result is not always the correctly rounded double (SQLite 3.43 changed
/// this algorithm; the differential tests in `PartitioningTests` pin the linked library's behaviour).
package enum SQLiteNumericText {
    /// `sqlite3AtoF`'s verdict on a text.
    package enum RealForm: Sendable, Equatable {
        /// A whole well-formed number without `.` or exponent (return code 1).
        case integer
        /// A whole well-formed number with a `.` and/or an exponent (return code ≥ 2).
        case fractional
        /// Not a number, or a number followed by other text (return code ≤ 0).
        case notANumber
    }

    private static let largestInt64Over10 = Int64.max / 10
    private static let significandLimit = (Int64.max - 9) / 10
    private static let tenTo308 = Double("1e308")!

    /// `sqlite3AtoF(z, &r, n, SQLITE_UTF8)`: the value (as far as it was parsed) and the verdict.
    package static func parseReal(_ text: [UInt8]) -> (value: Double, form: RealForm) {
        let end = text.count
        var index = 0
        var sign: Int64 = 1
        var significand: Int64 = 0
        var decimalShift = 0  // SQLite's `d`
        var exponentSign = 1
        var exponent = 0
        var exponentValid = true
        var digitCount = 0
        var kind = 1  // SQLite's `eType`: 1 pure integer, 2+ fractional

        if end == 0 { return (0, .notANumber) }
        while index < end && isSpace(text[index]) { index += 1 }
        if index >= end { return (0, .notANumber) }
        if text[index] == UInt8(ascii: "-") {
            sign = -1
            index += 1
        } else if text[index] == UInt8(ascii: "+") {
            index += 1
        }

        scan: do {
            while index < end, let digit = digitValue(text[index]) {
                significand = significand * 10 + digit
                index += 1
                digitCount += 1
                if significand >= significandLimit {
                    // Further integer digits are not significant: they only scale the value.
                    while index < end && digitValue(text[index]) != nil {
                        index += 1
                        decimalShift += 1
                    }
                }
            }
            if index >= end { break scan }
            if text[index] == UInt8(ascii: ".") {
                index += 1
                kind += 1
                while index < end, let digit = digitValue(text[index]) {
                    if significand < significandLimit {
                        significand = significand * 10 + digit
                        decimalShift -= 1
                        digitCount += 1
                    }
                    index += 1
                }
            }
            if index >= end { break scan }
            if text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
                index += 1
                exponentValid = false
                kind += 1
                if index >= end { break scan }
                if text[index] == UInt8(ascii: "-") {
                    exponentSign = -1
                    index += 1
                } else if text[index] == UInt8(ascii: "+") {
                    index += 1
                }
                while index < end, let digit = digitValue(text[index]) {
                    exponent = exponent < 10000 ? exponent * 10 + Int(digit) : 10000
                    index += 1
                    exponentValid = true
                }
            }
            while index < end && isSpace(text[index]) { index += 1 }
        }

        let value = scale(
            significand: significand, sign: sign, exponent: exponent * exponentSign + decimalShift)
        let form: RealForm
        if index == end && digitCount > 0 && exponentValid && kind > 0 {
            form = kind == 1 ? .integer : .fractional
        } else {
            form = .notANumber
        }
        return (value, form)
    }

    /// The `do_atof_calc` half of `sqlite3AtoF`: sign · significand · 10^exponent, SQLite's way.
    private static func scale(significand start: Int64, sign: Int64, exponent signedExponent: Int) -> Double {
        if start == 0 { return sign < 0 ? -0.0 : 0.0 }
        var significand = start
        var exponent = abs(signedExponent)
        let negativeExponent = signedExponent < 0
        // Move as much of the exponent as fits exactly into the significand.
        while exponent > 0 {
            if !negativeExponent {
                if significand >= largestInt64Over10 { break }
                significand *= 10
            } else {
                if significand % 10 != 0 { break }
                significand /= 10
            }
            exponent -= 1
        }
        significand *= sign
        if exponent == 0 { return Double(significand) }
        let wide = SQLiteLongDouble(significand)
        if exponent > 307 {
            if exponent < 342 {
                let scale = power10(exponent - 308)
                var result: Double
                if negativeExponent {
                    result = Double(wide / scale)
                    result /= tenTo308
                } else {
                    result = Double(wide * scale)
                    result *= tenTo308
                }
                return result
            }
            return negativeExponent ? 0.0 * Double(significand) : Double.infinity * Double(significand)
        }
        let scale = power10(exponent)
        return negativeExponent ? Double(wide / scale) : Double(wide * scale)
    }

    /// `sqlite3Pow10`: 10^e by repeated squaring in `long double` (rounding exactly as SQLite's does).
    private static func power10(_ exponent: Int) -> SQLiteLongDouble {
        var remaining = exponent
        var base: SQLiteLongDouble = 10
        var result: SQLiteLongDouble = 1
        while true {
            if remaining & 1 != 0 { result *= base }
            remaining >>= 1
            if remaining == 0 { break }
            base *= base
        }
        return result
    }

    /// `sqlite3Atoi64`'s verdict on a text.
    package enum IntegerForm: Sendable, Equatable {
        /// The whole text is an integer that fits in Int64 (return code 0).
        case exact
        /// No digits at all (−1), text after the digits (1), too large (2), or exactly 2^63 (3).
        case notAnInt64
    }

    /// `sqlite3Atoi64(z, &i, n, SQLITE_UTF8)`: decimal only, surrounding whitespace allowed.
    package static func parseInt64(_ text: [UInt8]) -> (value: Int64, form: IntegerForm) {
        let end = text.count
        var index = 0
        while index < end && isSpace(text[index]) { index += 1 }
        var negative = false
        if index < end {
            if text[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            } else if text[index] == UInt8(ascii: "+") {
                index += 1
            }
        }
        let start = index
        while index < end && text[index] == UInt8(ascii: "0") { index += 1 }
        var magnitude: UInt64 = 0
        var count = 0
        while index + count < end, let digit = digitValue(text[index + count]) {
            magnitude = magnitude &* 10 &+ UInt64(digit)  // wraps like C's u64; caught below
            count += 1
        }
        var value: Int64
        if magnitude > UInt64(Int64.max) {
            value = negative ? .min : .max
        } else {
            value = negative ? -Int64(magnitude) : Int64(magnitude)
        }
        var wellFormed = true
        if count == 0 && start == index {
            wellFormed = false
        } else if text[(index + count)...].contains(where: { !isSpace($0) }) {
            wellFormed = false
        }
        if count < 19 { return (value, wellFormed ? .exact : .notAnInt64) }
        let comparison = count > 19 ? 1 : compareToTwoToThe63(text[index..<(index + 19)])
        if comparison < 0 { return (value, wellFormed ? .exact : .notAnInt64) }
        value = negative ? .min : .max
        if comparison > 0 { return (value, .notAnInt64) }
        return (value, negative && wellFormed ? .exact : .notAnInt64)
    }

    /// `compare2pow63`: 19 digits against "9223372036854775808".
    private static func compareToTwoToThe63(_ digits: ArraySlice<UInt8>) -> Int {
        let twoTo63 = Array("9223372036854775808".utf8)
        for (digit, reference) in zip(digits, twoTo63) where digit != reference {
            return Int(digit) - Int(reference)
        }
        return 0
    }

    /// `sqlite3Isspace`: tab, newline, vertical tab, form feed, carriage return, space.
    package static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func digitValue(_ byte: UInt8) -> Int64? {
        (0x30...0x39).contains(byte) ? Int64(byte - 0x30) : nil
    }
}
