import ShellOutput

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a line from a terminal with emacs-style editing, history and bracketed paste, drawing
/// it as one row that scrolls sideways when it is wider than the terminal (what linenoise calls
/// single-line mode). Hand-written on termios and ANSI escapes so `shardql` needs no readline or
/// libedit.
///
/// Keys: Left/Right, Ctrl-B/F; Home/End, Ctrl-A/E; Alt-B/F and Ctrl- or Alt-Left/Right by word;
/// Backspace/Ctrl-H; Delete; Ctrl-D (end of input on an empty line); Ctrl-K, Ctrl-U, Ctrl-W,
/// Alt-D, Alt-Backspace (cut) and Ctrl-Y (paste the last cut); Ctrl-T; Up/Down, Ctrl-P/N
/// (history); Ctrl-L (clear the screen); Ctrl-C (discard the line); Enter.
///
/// Bytes read past the end of a line (pasted text, typing ahead) wait for the next call, so a
/// paste of several lines yields them one call at a time.
///
/// ```swift
/// if let editor = LineEditor(output: STDOUT_FILENO, history: history, terminalType: "xterm") {
///     while case .line(let text) = editor.readLine(prompt: "shardql> ") { run(text) }
/// }
/// ```
final class LineEditor {
    enum Outcome: Equatable {
        /// Enter was pressed; the text may hold line breaks if it was recalled from history.
        case line(String)
        /// Ctrl-C: the line was discarded.
        case interrupted
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    let input: Int32
    let output: Int32
    let history: History
    private let mode: RawMode
    private var decoder = KeyDecoder()
    /// The last text cut, for Ctrl-Y.
    private var cut = ""

    // The line being edited and how it is drawn.
    private var prompt = ""
    private var line = LineBuffer()
    /// The first character shown when the line is scrolled sideways.
    private var scroll = 0
    /// History entries with this call's edits to them; the last is the new line.
    private var drafts: [String] = []
    private var draftIndex = 0
    /// The row on screen is out of date.
    private var needsRefresh = false

    /// Nil when the terminal cannot do line editing (not a terminal, `TERM=dumb`, or its settings
    /// cannot be read): read plain lines then.
    /// `output` is the terminal's descriptor; the editor writes its prompt and line there.
    init?(input: Int32 = STDIN_FILENO, output: Int32, history: History, terminalType: String?) {
        guard isatty(output) != 0, !Self.unsupportedTerminals.contains(terminalType ?? ""),
            let mode = RawMode(descriptor: input)
        else { return nil }
        self.input = input
        self.output = output
        self.history = history
        self.mode = mode
    }

    /// Terminals known not to understand the cursor escapes (linenoise's list).
    private static let unsupportedTerminals: Set<String> = ["dumb", "cons25", "emacs"]

    /// Reads one line, with `prompt` before it; the terminal is back in its own mode on return.
    func readLine(prompt: String) -> Outcome {
        guard mode.enter() else { return .endOfInput }
        defer { mode.restore() }
        // Bracketed paste on: pasted control bytes are text, not editing keys; its line breaks
        // still end lines, so pasted statements run one line at a time, in order.
        write("\u{1B}[?2004h")
        defer { write("\u{1B}[?2004l") }
        self.prompt = prompt
        line = LineBuffer()
        scroll = 0
        drafts = history.entries + [""]
        draftIndex = drafts.count - 1
        needsRefresh = false
        write(prompt)
        while true {
            guard let key = nextKey() else {
                write("\r\n")
                return .endOfInput
            }
            if let outcome = apply(key) { return outcome }
        }
    }

    /// Acts on one key; an outcome when the line is finished.
    private func apply(_ key: EditorKey) -> Outcome? {
        switch key {
        case .insert(let text):
            let wasAtEnd = line.isAtEnd
            let before = line.characters.count
            line.insert(text)
            // Typing at the end of a line that fits needs no redraw: echo the character.
            if !needsRefresh, wasAtEnd, line.characters.count == before + 1, !decoder.hasBufferedInput,
                fitsWithoutScrolling(), let last = line.characters.last, last != "\t"
            {
                write(String(last))
            } else {
                needsRefresh = true
            }
        case .enter:
            finishDrawing()
            write("\r\n")
            return .line(line.text)
        case .interrupt:
            finishDrawing()
            write("^C\r\n")
            return .interrupted
        case .deleteOrEnd:
            if line.isEmpty {
                write("\r\n")
                return .endOfInput
            }
            if line.deleteForward() { needsRefresh = true }
        case .delete:
            if line.deleteForward() { needsRefresh = true }
        case .backspace:
            if line.deleteBackward() { needsRefresh = true }
        case .left: moveAndRefresh { $0.moveLeft() }
        case .right: moveAndRefresh { $0.moveRight() }
        case .home: moveAndRefresh { $0.moveHome() }
        case .end: moveAndRefresh { $0.moveEnd() }
        case .wordLeft: moveAndRefresh { $0.moveWordLeft() }
        case .wordRight: moveAndRefresh { $0.moveWordRight() }
        case .killToEnd: keepCut(line.killToEnd())
        case .killToStart: keepCut(line.killToStart())
        case .killWordBackward: keepCut(line.killWordBackward())
        case .killWordForward: keepCut(line.killWordForward())
        case .yank:
            line.insert(cut)
            needsRefresh = true
        case .transpose:
            line.transpose()
            needsRefresh = true
        case .historyPrevious: recallDraft(draftIndex - 1)
        case .historyNext: recallDraft(draftIndex + 1)
        case .clearScreen:
            write("\u{1B}[H\u{1B}[2J" + prompt)
            needsRefresh = true
        case .ignored:
            break
        }
        return nil
    }

    private func moveAndRefresh(_ move: (inout LineBuffer) -> Void) {
        let before = line.cursor
        move(&line)
        if line.cursor != before { needsRefresh = true }
    }

    private func keepCut(_ text: String) {
        guard !text.isEmpty else { return }
        cut = text
        needsRefresh = true
    }

    /// Shows the whole end of the line before the editor moves on to the next row.
    private func finishDrawing() {
        moveAndRefresh { $0.moveEnd() }
        if needsRefresh || scroll > 0 { refresh() }
    }

    private func recallDraft(_ index: Int) {
        guard drafts.indices.contains(index) else { return }
        drafts[draftIndex] = line.text
        draftIndex = index
        line = LineBuffer(drafts[index])
        scroll = 0
        needsRefresh = true
    }

    // MARK: - Input

    /// The next key, waiting for the terminal as needed; nil at end of input or on a read error.
    private func nextKey() -> EditorKey? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let key = decoder.next() { return key }
            // A lone Escape looks like the start of a sequence: give the rest 50 ms to arrive.
            if decoder.hasIncompleteSequence, !waitForInput(milliseconds: 50) {
                decoder.abandonIncompleteSequence()
                continue
            }
            // Draw once the keys already read are applied: a paste is drawn once, not per key.
            if needsRefresh { refresh() }
            let count = read(input, &buffer, buffer.count)
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return nil }
            decoder.feed(buffer[0..<count])
        }
    }

    private func waitForInput(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno == EINTR { continue }
            return ready > 0
        }
    }

    // MARK: - Drawing

    /// What a character looks like on the row: a tab as a space, a line break (in a statement
    /// recalled from history) as a return symbol.
    private static func glyph(_ character: Character) -> String {
        switch character {
        case "\t": " "
        case "\n", "\r\n": "↵"
        default: String(character)
        }
    }

    private static func width(_ character: Character) -> Int {
        character == "\t" || character == "\n" || character == "\r\n" ? 1 : DisplayWidth.of(character)
    }

    /// Columns the line may use to the right of the prompt; one is left free for the cursor.
    private var textColumns: Int {
        let columns = RawMode.columns(of: output)
        return max(1, columns - DisplayWidth.of(prompt) - 1)
    }

    private func fitsWithoutScrolling() -> Bool {
        scroll == 0 && line.characters.reduce(0) { $0 + Self.width($1) } <= textColumns
    }

    /// Redraws the prompt and the visible part of the line, and puts the cursor in place.
    private func refresh() {
        let available = textColumns
        let characters = line.characters
        let cursor = line.cursor
        // Scroll just enough to show the cursor.
        if cursor < scroll { scroll = cursor }
        var cursorColumn = characters[scroll..<cursor].reduce(0) { $0 + Self.width($1) }
        while cursorColumn > available, scroll < cursor {
            cursorColumn -= Self.width(characters[scroll])
            scroll += 1
        }
        var shown = ""
        var used = 0
        for character in characters[scroll...] {
            let width = Self.width(character)
            if used + width > available { break }
            shown += Self.glyph(character)
            used += width
        }
        let promptColumns = DisplayWidth.of(prompt)
        // The prompt stays as written once per line: the redraw starts after it, so what the
        // terminal receives shows one prompt per line (a transcript, a screen reader, a test).
        var drawing = "\r" + (promptColumns > 0 ? "\u{1B}[\(promptColumns)C" : "") + shown + "\u{1B}[0K\r"
        if promptColumns + cursorColumn > 0 { drawing += "\u{1B}[\(promptColumns + cursorColumn)C" }
        write(drawing)
        needsRefresh = false
    }

    private func write(_ text: String) {
        writeFully(Array(text.utf8), to: output)
    }
}
