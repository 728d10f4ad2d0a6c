/// The text being edited and the cursor in it, counted in characters (grapheme clusters), with
/// the editing operations of readline's emacs mode. Pure: the ``LineEditor`` draws it.
///
/// ```swift
/// var line = LineBuffer("SELECT 12;")
/// line.moveLeft(); line.moveLeft()
/// line.insert("3")  // "SELECT 132;"
/// ```
struct LineBuffer: Equatable {
    private(set) var characters: [Character]
    /// Where the next character goes: 0 … `characters.count`.
    private(set) var cursor: Int

    init(_ text: String = "") {
        characters = Array(text)
        cursor = characters.count
    }

    var text: String { String(characters) }
    var isEmpty: Bool { characters.isEmpty }
    var isAtEnd: Bool { cursor == characters.count }

    mutating func insert(_ text: String) {
        for character in text {
            // A combining mark, or the second half of a flag or emoji sequence, joins the
            // character before it instead of becoming one of its own.
            if cursor > 0, (String(characters[cursor - 1]) + String(character)).count == 1 {
                characters[cursor - 1] = Character(String(characters[cursor - 1]) + String(character))
            } else {
                characters.insert(character, at: cursor)
                cursor += 1
            }
        }
    }

    /// Deletes the character before the cursor; false if there is none.
    mutating func deleteBackward() -> Bool {
        guard cursor > 0 else { return false }
        cursor -= 1
        characters.remove(at: cursor)
        return true
    }

    /// Deletes the character under the cursor; false if there is none.
    mutating func deleteForward() -> Bool {
        guard cursor < characters.count else { return false }
        characters.remove(at: cursor)
        return true
    }

    mutating func moveLeft() { cursor = max(0, cursor - 1) }
    mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    mutating func moveHome() { cursor = 0 }
    mutating func moveEnd() { cursor = characters.count }
    mutating func moveWordLeft() { cursor = wordStart(before: cursor) }
    mutating func moveWordRight() { cursor = wordEnd(after: cursor) }

    /// Ctrl-K: removes and returns the text from the cursor to the end.
    mutating func killToEnd() -> String { remove(cursor..<characters.count) }

    /// Ctrl-U: removes and returns the text before the cursor.
    mutating func killToStart() -> String { remove(0..<cursor) }

    /// Ctrl-W: removes and returns the whitespace-delimited word before the cursor (readline's
    /// `unix-word-rubout`).
    mutating func killWordBackward() -> String {
        var start = cursor
        while start > 0, characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
        return remove(start..<cursor)
    }

    /// Alt-D: removes and returns the text up to the end of the next word.
    mutating func killWordForward() -> String { remove(cursor..<wordEnd(after: cursor)) }

    /// Ctrl-T: swaps the character before the cursor with the one under it (at the end of the
    /// line, the two before it), moving the cursor forward.
    mutating func transpose() {
        guard characters.count >= 2, cursor > 0 else { return }
        let right = min(cursor, characters.count - 1)
        characters.swapAt(right - 1, right)
        cursor = right + 1
    }

    private mutating func remove(_ range: Range<Int>) -> String {
        guard !range.isEmpty else { return "" }
        let removed = String(characters[range])
        characters.removeSubrange(range)
        cursor = range.lowerBound
        return removed
    }

    /// Words for Alt-B/Alt-F: runs of letters, digits and underscores.
    private func isWordCharacter(_ index: Int) -> Bool {
        characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
    }

    private func wordStart(before index: Int) -> Int {
        var start = index
        while start > 0, !isWordCharacter(start - 1) { start -= 1 }
        while start > 0, isWordCharacter(start - 1) { start -= 1 }
        return start
    }

    private func wordEnd(after index: Int) -> Int {
        var end = index
        while end < characters.count, !isWordCharacter(end) { end += 1 }
        while end < characters.count, isWordCharacter(end) { end += 1 }
        return end
    }
}
