#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many terminal columns text takes, by the C library's `wcwidth` in a UTF-8 locale: wide
/// (CJK, most emoji) characters take two, combining marks none, other printable characters one.
/// The result formatter and the shell's line editor both measure with it.
package enum DisplayWidth {
    /// The ellipsis that ends a cut value, one column wide.
    static let ellipsis: [UInt8] = Array("…".utf8)

    /// Columns one character takes (a grapheme: a base and its combining marks).
    package static func of(_ character: Character) -> Int {
        if character.isASCII { return 1 }
        return of(Array(String(character).utf8))
    }

    /// Columns a run of characters takes.
    package static func of<Characters: Sequence<Character>>(_ characters: Characters) -> Int {
        of(Array(String(characters).utf8))
    }

    /// Columns `text` takes. Control characters should be gone already (the formatter breaks
    /// lines at them); one that is left counts as one column, as does a byte that is not UTF-8.
    package static func of(_ text: [UInt8]) -> Int {
        if text.allSatisfy({ $0 < 0x80 }) { return text.count }
        return withUTF8Locale {
            var width = 0
            forEachScalar(in: text) { scalar, _ in width += columns(of: scalar) }
            return width
        }
    }

    /// The longest start of `text` that fits in `limit - 1` columns, without trailing spaces,
    /// then `…`; `text` itself if it fits in `limit`. `text` must be valid UTF-8 (``repaired(_:)``).
    /// Returns the bytes and the columns they take.
    static func truncate(_ text: [UInt8], width: Int, to limit: Int) -> (text: [UInt8], width: Int) {
        guard width > limit else { return (text, width) }
        guard limit > 1 else { return (limit == 1 ? ellipsis : [], max(0, limit)) }
        return withUTF8Locale {
            var used = 0
            var end = 0
            var stopped = false
            forEachScalar(in: text) { scalar, next in
                guard !stopped else { return }
                let columns = columns(of: scalar)
                if used + columns > limit - 1 {
                    stopped = true
                    return
                }
                used += columns
                end = next
            }
            // "a …" reads as a cut word; "a…" as a cut value.
            while end > 0, text[end - 1] == 0x20 {
                end -= 1
                used -= 1
            }
            return (Array(text[..<end]) + ellipsis, used + 1)
        }
    }

    /// `text` with every byte sequence that is not UTF-8 replaced by U+FFFD, so a terminal draws
    /// what was measured.
    static func repaired(_ text: [UInt8]) -> [UInt8] {
        if text.allSatisfy({ $0 < 0x80 }) { return text }
        return Array(String(decoding: text, as: UTF8.self).utf8)
    }

    // MARK: - The C library

    private typealias WidthFunction = @convention(c) (wchar_t) -> Int32

    /// `wcwidth`, looked up at run time: Glibc's Swift module leaves it out (it needs
    /// `_XOPEN_SOURCE`), but every C library has it.
    private static let wcwidth: WidthFunction? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth")
        .map { unsafeBitCast($0, to: WidthFunction.self) }

    // A locale object is never changed after `newlocale` creates it, and `uselocale` only makes
    // the calling thread use it, so sharing it between threads is safe.
    private nonisolated(unsafe) static let utf8Locale: locale_t? =
        newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) ?? newlocale(LC_CTYPE_MASK, "en_US.UTF-8", nil)

    /// Runs `body` with this thread in a UTF-8 locale (`wcwidth` answers -1 for anything
    /// non-ASCII in the "C" locale), without touching the process's locale.
    private static func withUTF8Locale<T>(_ body: () -> T) -> T {
        guard let utf8Locale else { return body() }
        let previous = uselocale(utf8Locale)
        defer { uselocale(previous) }
        return body()
    }

    private static func columns(of scalar: Unicode.Scalar) -> Int {
        if scalar.value < 0x80 { return 1 }
        guard let wcwidth else { return 1 }
        let width = wcwidth(wchar_t(bitPattern: scalar.value))
        return width < 0 ? 1 : Int(width)
    }

    /// Calls `body` with each scalar of `text` and the offset just past it; a byte that does not
    /// start valid UTF-8 is one U+FFFD.
    private static func forEachScalar(in text: [UInt8], _ body: (Unicode.Scalar, Int) -> Void) {
        var iterator = text.makeIterator()
        var decoder = UTF8()
        var offset = 0
        // The decoder does not say how many bytes it used; the scalar's length does, and a
        // repaired byte is one.
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
                body(scalar, offset)
            case .error:
                offset += 1
                body("\u{FFFD}", offset)
            case .emptyInput:
                return
            }
        }
    }
}
