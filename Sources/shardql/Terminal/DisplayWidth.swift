/// How many terminal columns a character takes, as `wcwidth` would say in a UTF-8 locale: 2 for
/// East Asian wide and full-width characters and emoji, 0 for combining marks and format
/// characters, 1 otherwise. Computed here rather than with the C library's `wcwidth`, which
/// answers -1 for every non-ASCII character unless the process switches its locale.
enum DisplayWidth {
    static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.isASCII { return 1 }
        // U+FE0F asks for emoji presentation: two columns in today's terminals.
        if first.properties.isEmojiPresentation || scalars.contains("\u{FE0F}") { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return isWide(first.value) ? 2 : 1
    }

    static func of<Characters: Sequence<Character>>(_ characters: Characters) -> Int {
        characters.reduce(0) { $0 + of($1) }
    }

    /// Unicode's East Asian Wide (W) and Fullwidth (F) blocks, coarsely.
    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF,
            0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF,
            0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            true
        default:
            false
        }
    }
}
