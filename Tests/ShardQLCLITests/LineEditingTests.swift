import Foundation
import Testing

@testable import shardql

/// The line editor's pure parts: bytes to keys, edits to the line, the history file's format.
@Suite("Line editing")
struct LineEditingTests {
    private func keys(_ text: String) -> [EditorKey] {
        var decoder = KeyDecoder()
        decoder.feed(Array(text.utf8))
        var keys: [EditorKey] = []
        while let key = decoder.next() { keys.append(key) }
        return keys
    }

    @Test func decodesTextControlKeysAndEscapeSequences() {
        #expect(keys("aé\u{1B}[D\u{1B}OH\u{1B}[3~\u{1B}[1;5C\u{1B}b\u{01}\u{7F}") == [
            .insert("a"), .insert("é"), .left, .home, .delete, .wordRight, .wordLeft, .home, .backspace,
        ])
        // CR LF is one Enter; a lone LF is one too.
        #expect(keys("x\r\ny\n") == [.insert("x"), .enter, .insert("y"), .enter])
    }

    @Test func waitsForTheRestOfASplitSequenceOrCharacter() {
        var decoder = KeyDecoder()
        decoder.feed([0x1B, UInt8(ascii: "[")])
        #expect(decoder.next() == nil)
        #expect(decoder.hasIncompleteSequence)
        decoder.feed([UInt8(ascii: "A"), 0xC3])
        #expect(decoder.next() == .historyPrevious)
        #expect(decoder.next() == nil)
        decoder.feed([0xA9])
        #expect(decoder.next() == .insert("é"))
        // A lone Escape is dropped once the editor gives up waiting.
        decoder.feed([0x1B])
        #expect(decoder.next() == nil)
        decoder.abandonIncompleteSequence()
        decoder.feed(Array("q".utf8))
        #expect(decoder.next() == .insert("q"))
    }

    @Test func bracketedPasteIsTextWhoseLineBreaksAreEnter() {
        #expect(keys("\u{1B}[200~a\u{03}\tb\r\n\u{1B}[Dc\u{1B}[201~\u{03}") == [
            .insert("a"), .insert("\t"), .insert("b"), .enter, .insert("c"), .interrupt,
        ])
    }

    @Test func editsMoveByCharacterAndCutByWord() {
        var line = LineBuffer("SELECT 'aé'")
        line.moveLeft()
        line.moveLeft()
        line.insert("ü")
        #expect(line.text == "SELECT 'aüé'")
        line.moveEnd()
        #expect(line.killWordBackward() == "'aüé'")
        line.insert("x_1, y")
        line.moveWordLeft()
        #expect(line.cursor == "SELECT x_1, ".count)
        line.moveHome()
        line.moveWordRight()
        #expect(line.killToEnd() == " x_1, y")
        line.transpose()
        #expect(line.text == "SELETC")
        // A combining accent joins the character before it.
        var accented = LineBuffer("e")
        accented.insert("\u{301}")
        #expect(accented.characters.count == 1)
        #expect(DisplayWidth.of("漢字x") == 5)
    }

    @Test func historyEntriesKeepLineBreaksInOneFileLine() {
        let entry = "SELECT 1,\n  'a\\b';"
        let encoded = History.encode(entry)
        #expect(!encoded.contains("\n"))
        #expect(History.decode(Substring(encoded)) == entry)
    }

    @Test func historyFileIsCappedDeduplicatedAndPrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-history-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let history = History(path: path, capacity: 3)
        for entry in ["a", "a", "b", " ", "c", "d"] { history.add(entry) }
        #expect(history.entries == ["b", "c", "d"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        // Appended as added; trimmed to the capacity when the next run loads it.
        #expect(History(path: path, capacity: 3).entries == ["b", "c", "d"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "b\nc\nd\n")
        #expect(History.defaultPath(environment: ["SHARDQL_HISTORY": "", "HOME": "/h"]) == nil)
        #expect(History.defaultPath(environment: ["HOME": "/h"]) == "/h/.shardql_history")
    }
}
