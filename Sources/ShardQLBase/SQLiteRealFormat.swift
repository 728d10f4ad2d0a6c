// SQLite does its text → number arithmetic in C `long double`: 80-bit x87 on x86 (except Windows and
// Android), plain `double` on Apple arm64. Emulating it bit for bit needs the same type.
#if (arch(x86_64) || arch(i386)) && !os(Windows) && !os(Android)
package typealias SQLiteLongDouble = Float80
#else
package typealias SQLiteLongDouble = Double
#endif

/// SQLite's `%!.15g` (printf.c of SQLite 3.39–3.42, the `etGENERIC` path with the `!` flag), ported
/// operation for operation: it is how SQLite turns a REAL into TEXT, e.g. when a REAL is stored in a
/// column with TEXT affinity. Other precisions serve the shell's `json` mode (`%!.20g`).
///
/// It is not C's `%.15g` plus a `.0`: SQLite rounds by adding 5e-15 to the normalised value and reads
/// digits off a `long double`, so near-halfway values round differently (SQLite writes
/// `355975670020709.5` as `355975670020709.0`, glibc's `%.15g` as `355975670020710`), and `-0.0` prints
/// as `0.0`. NaN never reaches here (SQLite stores NaN as NULL).
package enum SQLiteRealFormat {
    private typealias Wide = SQLiteLongDouble

    // The C source's double constants, widened exactly as C's usual arithmetic conversions do.
    private static let halves = ["5.0e-01", "5.0e-02", "5.0e-03", "5.0e-04", "5.0e-05", "5.0e-06", "5.0e-07",
        "5.0e-08", "5.0e-09", "5.0e-10"].map { Double($0)! }  // arRound
    private static let eMinus10 = Double("1.0e-10")!
    private static let e100 = Wide(Double("1e100")!)
    private static let e10 = Wide(Double("1e10")!)
    private static let e8 = Wide(Double("1e8")!)
    private static let eMinus8 = Wide(Double("1e-8")!)
    private static let oneTenth = Wide(Double("0.1")!)

    /// The text SQLite produces for `value` with `%!.15g`, or `%!.<significantDigits>g`.
    package static func format(_ value: Double, significantDigits: Int = 15) -> String {
        var real = Wide(value)
        var output: [UInt8] = []
        output.reserveCapacity(32)
        if real < 0 {
            real = -real
            output.append(UInt8(ascii: "-"))
        }
        var precision = max(0, significantDigits - 1)  // "%.15g" counts the leading digit
        var rounder = halves[precision % 10]
        for _ in 0..<(precision / 10) { rounder *= eMinus10 }
        var exponent = 0
        if real > 0 {
            var scale: Wide = 1
            while real >= e100 * scale && exponent <= 350 {
                scale *= e100
                exponent += 100
            }
            while real >= e10 * scale && exponent <= 350 {
                scale *= e10
                exponent += 10
            }
            while real >= 10 * scale && exponent <= 350 {
                scale *= 10
                exponent += 1
            }
            real /= scale
            while real < eMinus8 {
                real *= e8
                exponent -= 8
            }
            while real < 1 {
                real *= 10
                exponent -= 1
            }
            if exponent > 350 {
                output.append(contentsOf: "Inf".utf8)
                return String(decoding: output, as: UTF8.self)
            }
        }
        real += Wide(rounder)
        if real >= 10 {
            real *= oneTenth
            exponent += 1
        }
        let scientific = exponent < -4 || exponent > precision
        var wholeExponent: Int
        if scientific {
            wholeExponent = 0
        } else {
            precision -= exponent
            wholeExponent = exponent
        }
        var significantDigitsLeft = 26  // 16 + 10 for the "!" flag

        func nextDigit() -> UInt8 {
            if significantDigitsLeft <= 0 { return UInt8(ascii: "0") }
            significantDigitsLeft -= 1
            let digit = Int(real)
            real = (real - Wide(digit)) * 10
            return UInt8(ascii: "0") + UInt8(digit)
        }

        if wholeExponent < 0 {
            output.append(UInt8(ascii: "0"))
        } else {
            while wholeExponent >= 0 {
                output.append(nextDigit())
                wholeExponent -= 1
            }
        }
        output.append(UInt8(ascii: "."))
        wholeExponent += 1
        while wholeExponent < 0 {
            output.append(UInt8(ascii: "0"))
            precision -= 1
            wholeExponent += 1
        }
        while precision > 0 {
            output.append(nextDigit())
            precision -= 1
        }
        // Trailing zeros go, but "!" keeps one digit after the point.
        while output.last == UInt8(ascii: "0") { output.removeLast() }
        if output.last == UInt8(ascii: ".") { output.append(UInt8(ascii: "0")) }
        if scientific {
            output.append(UInt8(ascii: "e"))
            if exponent < 0 {
                output.append(UInt8(ascii: "-"))
                exponent = -exponent
            } else {
                output.append(UInt8(ascii: "+"))
            }
            if exponent >= 100 {
                output.append(UInt8(ascii: "0") + UInt8(exponent / 100))
                exponent %= 100
            }
            output.append(UInt8(ascii: "0") + UInt8(exponent / 10))
            output.append(UInt8(ascii: "0") + UInt8(exponent % 10))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
