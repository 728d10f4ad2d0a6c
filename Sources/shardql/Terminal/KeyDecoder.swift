/// What one key press (or one pasted character) asks the line editor to do.
enum EditorKey: Equatable {
    /// Printable text: one character, or one Unicode scalar that may join the previous character.
    case insert(String)
    /// Enter (CR or LF; a CR LF pair is one Enter).
    case enter
    case backspace
    /// Ctrl-D: deletes under the cursor, or ends the input on an empty line.
    case deleteOrEnd
    case delete
    case left, right, home, end
    case wordLeft, wordRight
    case historyPrevious, historyNext
    case killToEnd, killToStart, killWordBackward, killWordForward
    case yank
    case transpose
    case clearScreen
    case interrupt
    /// A key the editor does not use (Ctrl-S, F1, a lone Escape, …).
    case ignored
}

/// Turns the bytes a terminal sends into ``EditorKey``s: UTF-8 text, control keys, the escape
/// sequences of xterm, the Linux console and rxvt, Alt-key prefixes and bracketed paste
/// (`ESC [200~ … ESC [201~`), inside which every byte is text and only line breaks act.
///
/// A pure state machine: ``feed(_:)`` bytes as they arrive and take keys with ``next()`` until it
/// returns nil. Bytes that begin a sequence wait for the rest; the editor calls
/// ``abandonIncompleteSequence()`` when no more bytes follow soon (a lone Escape key press).
///
/// ```swift
/// var decoder = KeyDecoder()
/// decoder.feed(Array("é\u{1B}[D".utf8))
/// decoder.next()  // .insert("é")
/// decoder.next()  // .left
/// ```
struct KeyDecoder {
    private var bytes: [UInt8] = []
    private var position = 0
    private var inPaste = false
    /// The last key was a CR, so a following LF belongs to the same line break.
    private var afterCarriageReturn = false

    /// Whether bytes wait to be decoded: more keys, or the start of one.
    var hasBufferedInput: Bool { position < bytes.count }

    /// Once ``next()`` has returned nil: whether the bytes waiting start a sequence that is not
    /// complete yet.
    var hasIncompleteSequence: Bool { position < bytes.count }

    mutating func feed<Bytes: Sequence<UInt8>>(_ newBytes: Bytes) {
        if position > 0 {
            bytes.removeFirst(position)
            position = 0
        }
        bytes.append(contentsOf: newBytes)
    }

    /// Drops bytes that began a sequence never finished: they were a lone key press.
    mutating func abandonIncompleteSequence() {
        // A lone Escape, or an Alt-prefix with nothing after it; the rest, if any, is decoded.
        if position < bytes.count { position += 1 }
    }

    /// The next complete key, or nil when the bytes so far do not finish one.
    mutating func next() -> EditorKey? {
        while position < bytes.count {
            let byte = bytes[position]
            let wasAfterCarriageReturn = afterCarriageReturn
            afterCarriageReturn = false
            if byte == 0x1B {
                guard let (key, length) = escapeSequence(at: position) else { return nil }
                position += length
                if let key { return key }
                continue
            }
            if byte < 0x20 || byte == 0x7F {
                position += 1
                if byte == 0x0D { afterCarriageReturn = true }
                if byte == 0x0A && wasAfterCarriageReturn { continue }
                if inPaste {
                    switch byte {
                    case 0x0D, 0x0A: return .enter
                    case 0x09: return .insert("\t")
                    default: continue
                    }
                }
                return Self.controlKey(byte)
            }
            guard let (scalar, length) = utf8Scalar(at: position) else { return nil }
            position += length
            if let scalar { return .insert(String(scalar)) }
        }
        return nil
    }

    private static func controlKey(_ byte: UInt8) -> EditorKey {
        switch byte {
        case 0x01: .home  // Ctrl-A
        case 0x02: .left  // Ctrl-B
        case 0x03: .interrupt  // Ctrl-C
        case 0x04: .deleteOrEnd  // Ctrl-D
        case 0x05: .end  // Ctrl-E
        case 0x06: .right  // Ctrl-F
        case 0x08, 0x7F: .backspace  // Ctrl-H, DEL
        case 0x09: .insert("\t")
        case 0x0A, 0x0D: .enter
        case 0x0B: .killToEnd  // Ctrl-K
        case 0x0C: .clearScreen  // Ctrl-L
        case 0x0E: .historyNext  // Ctrl-N
        case 0x10: .historyPrevious  // Ctrl-P
        case 0x14: .transpose  // Ctrl-T
        case 0x15: .killToStart  // Ctrl-U
        case 0x17: .killWordBackward  // Ctrl-W
        case 0x19: .yank  // Ctrl-Y
        default: .ignored
        }
    }

    /// Decodes one UTF-8 scalar; nil if more bytes are needed, a nil scalar for a malformed one
    /// (skipped, with its length).
    private func utf8Scalar(at start: Int) -> (Unicode.Scalar?, Int)? {
        let lead = bytes[start]
        let length: Int
        switch lead {
        case 0x00..<0x80: return (Unicode.Scalar(lead), 1)
        case 0xC2..<0xE0: length = 2
        case 0xE0..<0xF0: length = 3
        case 0xF0..<0xF5: length = 4
        default: return (nil, 1)
        }
        var end = start + 1
        while end < start + length {
            guard end < bytes.count else { return nil }
            guard bytes[end] & 0xC0 == 0x80 else { return (nil, end - start) }
            end += 1
        }
        var decoder = UTF8()
        var iterator = bytes[start..<end].makeIterator()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return (scalar, length) }
        return (nil, length)
    }

    /// Decodes an escape sequence at `start`: nil if incomplete; otherwise its key (nil for one that
    /// only changes state, such as the start of a paste) and its length.
    private mutating func escapeSequence(at start: Int) -> (EditorKey?, Int)? {
        guard start + 1 < bytes.count else { return nil }
        let second = bytes[start + 1]
        switch second {
        case UInt8(ascii: "["):
            // CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final byte 0x40–0x7E.
            var end = start + 2
            while end < bytes.count, (0x20...0x3F).contains(bytes[end]) { end += 1 }
            guard end < bytes.count else { return nil }
            let final = bytes[end]
            guard (0x40...0x7E).contains(final) else { return (.ignored, end - start) }
            let parameters = String(decoding: bytes[(start + 2)..<end], as: UTF8.self)
            return (csiKey(parameters: parameters, final: final), end + 1 - start)
        case UInt8(ascii: "O"):
            // SS3: what xterm sends for arrows, Home and End in application cursor mode.
            guard start + 2 < bytes.count else { return nil }
            if inPaste { return (nil, 3) }
            return (Self.cursorKey(bytes[start + 2], modifier: 1), 3)
        default:
            if inPaste { return (nil, 1) }
            // Alt-<key> arrives as Escape and the key.
            switch second {
            case UInt8(ascii: "b"), UInt8(ascii: "B"): return (.wordLeft, 2)
            case UInt8(ascii: "f"), UInt8(ascii: "F"): return (.wordRight, 2)
            case UInt8(ascii: "d"), UInt8(ascii: "D"): return (.killWordForward, 2)
            case 0x7F, 0x08: return (.killWordBackward, 2)
            case 0x1B: return (.ignored, 1)
            default: return (.ignored, second < 0x80 ? 2 : 1)
            }
        }
    }

    private mutating func csiKey(parameters: String, final: UInt8) -> EditorKey? {
        let numbers = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 1 }
        if final == UInt8(ascii: "~") {
            switch numbers.first ?? 0 {
            case 200:
                inPaste = true
                return nil
            case 201:
                inPaste = false
                return nil
            default:
                break
            }
        }
        if inPaste { return nil }
        let modifier = numbers.count > 1 ? numbers[1] : 1
        if final == UInt8(ascii: "~") {
            switch numbers.first ?? 0 {
            case 1, 7: return .home
            case 4, 8: return .end
            case 3: return .delete
            default: return .ignored
            }
        }
        return Self.cursorKey(final, modifier: modifier)
    }

    /// An arrow, Home or End key by its final byte; Ctrl (5) or Alt (3) on Left/Right moves by word.
    private static func cursorKey(_ final: UInt8, modifier: Int) -> EditorKey {
        let byWord = modifier == 3 || modifier == 5
        switch final {
        case UInt8(ascii: "A"): return .historyPrevious
        case UInt8(ascii: "B"): return .historyNext
        case UInt8(ascii: "C"): return byWord ? .wordRight : .right
        case UInt8(ascii: "D"): return byWord ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        default: return .ignored
        }
    }
}
