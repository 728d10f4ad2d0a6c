#if os(Linux)
import Foundation
import Testing

private typealias Key = PseudoTerminal.Key

/// The interactive shell on a pseudo-terminal, as a person at a terminal drives it: line editing,
/// history, continuation prompts, Ctrl-C and Ctrl-D. Each test waits for the prompt before it
/// types, as a person would; every wait is bounded.
@Suite("shardql REPL on a terminal", .serialized)
struct ReplTerminalTests {
    /// A fresh cluster directory and history file, removed afterwards.
    final class Scratch {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-repl-\(UUID().uuidString)")
        var data: URL { directory.appendingPathComponent("data") }
        var history: URL { directory.appendingPathComponent("history") }

        init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: directory) }

        func shell(history: Bool = false, environment: [String: String] = [:]) throws -> PseudoTerminal {
            let terminal = try PseudoTerminal.shardql(
                data: data, history: history ? self.history : nil, environment: environment)
            try terminal.waitFor("shardql> ")
            return terminal
        }
    }

    /// Types `keys` and waits for the result line `result`, then for the next prompt.
    private func enter(_ keys: String, expecting result: String, on terminal: PseudoTerminal) throws {
        try terminal.send(keys)
        try terminal.waitFor("\n" + result + "\n")
        try terminal.waitFor("shardql> ")
    }

    @Test func multiLineStatementShowsTheContinuationPrompt() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        try terminal.send("SELECT 'a;b'" + Key.enter)
        // The `;` inside the string does not end the statement.
        try terminal.waitFor("\n   ...> ")
        try terminal.send(", 40" + Key.enter)
        try terminal.waitFor("\n   ...> ")
        try terminal.send("+ 2;" + Key.enter)
        try terminal.waitFor("\na;b|42\n")
        try terminal.waitFor("shardql> ")
        // An error does not end the session.
        try terminal.send("SELECT nosuch;" + Key.enter)
        try terminal.waitFor("Error: no such column: nosuch")
        try enter("SELECT 3;" + Key.enter, expecting: "3", on: terminal)
    }

    @Test func editingKeysChangeTheStatementThatRuns() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        // Left twice, then insert.
        try enter("SELECT 12;" + Key.left + Key.left + "3" + Key.enter, expecting: "132", on: terminal)
        // Ctrl-A, Ctrl-K: the whole line goes.
        try enter(
            "SELECT 'junk'" + Key.control("a") + Key.control("k") + "SELECT 'kept';" + Key.enter,
            expecting: "kept", on: terminal)
        // The cursor moves by character, not byte: é is one step left.
        try enter("SELECT 'aé'" + Key.left + Key.left + "ü" + Key.end + ";" + Key.enter, expecting: "aüé", on: terminal)
        // Ctrl-W cuts a word, Ctrl-Y puts it back.
        try enter("SELECT 1, oops" + Key.control("w") + "2;" + Key.enter, expecting: "1|2", on: terminal)
        try enter(
            "SELECT 4, 5;" + Key.control("b") + Key.control("w") + Key.control("y") + Key.control("y") + Key.enter,
            expecting: "4|55", on: terminal)
        // Ctrl-U cuts to the start of the line; Backspace; Home, Ctrl-F, Ctrl-D; Delete.
        try enter("garbage" + Key.control("u") + "SELECT 5;" + Key.enter, expecting: "5", on: terminal)
        try enter("SELECT 669" + Key.backspace + Key.backspace + ";" + Key.enter, expecting: "6", on: terminal)
        try enter(
            "SELECT 78;" + Key.home + String(repeating: Key.control("f"), count: 7) + Key.control("d") + Key.enter,
            expecting: "8", on: terminal)
        try enter("SELECT 90;" + Key.home + Key.controlRight + Key.right + Key.delete + Key.enter, expecting: "0", on: terminal)
        // Word moves: Alt-B and Ctrl-Left land before "20", Alt-F after "10".
        try enter("SELECT 10, 20;" + Key.altB + "3" + Key.enter, expecting: "10|320", on: terminal)
        try enter("SELECT 10, 20;" + Key.controlLeft + "4" + Key.enter, expecting: "10|420", on: terminal)
        try enter("SELECT 10, 20;" + Key.control("a") + Key.altF + Key.altF + "0" + Key.enter, expecting: "100|20", on: terminal)
        // A line wider than the terminal scrolls sideways and still runs whole, edits included.
        let wide = String(repeating: "x", count: 150)
        try enter(
            "SELECT length('\(wide)');" + Key.home + String(repeating: Key.controlRight, count: 3) + "y" + Key.enter,
            expecting: "151", on: terminal)
        // Ctrl-L clears the screen and redraws the line.
        try enter("SELECT 7" + Key.control("l") + ";" + Key.enter, expecting: "7", on: terminal)
    }

    @Test func pastedLinesRunInOrder() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        // Bracketed paste, as a terminal sends it, and a plain burst of lines.
        try terminal.send(Key.pasteStart + "SELECT 1;\rSELECT\r 2;\rSELECT 'tail'" + Key.pasteEnd)
        try terminal.waitFor("\n1\n")
        try terminal.waitFor("\n2\n")
        try terminal.waitFor("SELECT 'tail'")
        try enter(";" + Key.enter, expecting: "tail", on: terminal)
        try terminal.send("SELECT 3;\nSELECT 4;\n")
        try terminal.waitFor("\n3\n")
        try terminal.waitFor("\n4\n")
    }

    @Test func historyRecallsStatementsAndPersistsAcrossRuns() throws {
        let scratch = try Scratch()
        do {
            let terminal = try scratch.shell(history: true)
            try enter("SELECT 21;" + Key.enter, expecting: "21", on: terminal)
            try enter("SELECT 21;" + Key.enter, expecting: "21", on: terminal)
            try terminal.send("SELECT" + Key.enter)
            try terminal.waitFor("   ...> ")
            try enter(" 22;" + Key.enter, expecting: "22", on: terminal)
            // Up twice: back past the two-line statement to the one before.
            try enter(Key.up + Key.up + Key.enter, expecting: "21", on: terminal)
            try terminal.send(".quit" + Key.enter)
            #expect(try terminal.waitForExit() == 0)
        }
        let saved = try String(contentsOf: scratch.history, encoding: .utf8)
        // One entry a statement, line breaks escaped, a repeat kept once.
        #expect(saved == "SELECT 21;\nSELECT\\n 22;\nSELECT 21;\n.quit\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.history.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        // A new run starts with that history: Up three times is the two-line statement.
        let terminal = try scratch.shell(history: true)
        try enter(Key.up + Key.up + Key.up + Key.enter, expecting: "22", on: terminal)
        // Ctrl-P and Ctrl-N walk the same list; Down past the newest is an empty line again.
        try enter(
            Key.control("p") + Key.control("p") + Key.control("n") + Key.down + Key.down + "SELECT 23;" + Key.enter,
            expecting: "23", on: terminal)
    }

    @Test func controlCAtThePromptDiscardsThePendingStatement() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        try terminal.send("SELECT 'pending'" + Key.enter)
        try terminal.waitFor("   ...> ")
        try terminal.send(", 'more'" + Key.control("c"))
        try terminal.waitFor("^C\n")
        try terminal.waitFor("shardql> ")
        try terminal.send("SELECT 'after';" + Key.enter)
        // Had the pending text been kept, the statement would be a syntax error.
        let passed = try terminal.waitFor("\nafter\n")
        #expect(!passed.contains("Error"), "\(passed)")
        try terminal.waitFor("shardql> ")
        #expect(terminal.isRunning)
    }

    @Test func controlCCancelsARunningQueryAndTheShellCarriesOn() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        try enter(
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b); INSERT INTO t VALUES (1, 1), (2, 2), (3, 3);"
                + " SELECT count(*) FROM t;" + Key.enter,
            expecting: "3", on: terminal)
        // Endless: only the cancel ends it.
        try terminal.send(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c, t;" + Key.enter)
        try terminal.waitFor("\n")
        // Give it time to be well under way, on the shards and the coordinator.
        Thread.sleep(forTimeInterval: 1)
        let beforeCancel = terminal.unmatched
        #expect(!beforeCancel.contains("Error"), "the query failed by itself: \(beforeCancel)")
        try terminal.send(Key.control("c"))
        try terminal.waitFor("Error: ", timeout: .seconds(30))
        let message = try terminal.waitFor("\n")
        #expect(message.contains("cancelled") || message.contains("interrupted"), "\(message)")
        try terminal.waitFor("shardql> ", timeout: .seconds(10))
        #expect(terminal.isRunning)
        try enter("SELECT 99;" + Key.enter, expecting: "99", on: terminal)
    }

    /// Raw mode lasts only while a line is edited: a statement runs, and a killed shell ends, with
    /// the terminal as the user had it.
    @Test func theTerminalIsRawOnlyAtThePrompt() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        #expect(try !terminal.isCooked())
        try terminal.send(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;" + Key.enter)
        try terminal.waitFor("\n")
        // The editor restores the terminal right after it ends the line; allow it a moment.
        let giveUp = ContinuousClock.now + .seconds(10)
        while try !terminal.isCooked(), ContinuousClock.now < giveUp { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try terminal.isCooked())
        try terminal.send(Key.control("c"))
        try terminal.waitFor("shardql> ", timeout: .seconds(30))
        #expect(try !terminal.isCooked())
        terminal.signal(SIGTERM)
        #expect(try terminal.waitForExit() == 128 + SIGTERM)
        #expect(try terminal.isCooked())
    }

    @Test func controlDOnAnEmptyLineExitsWithStatusZero() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        // Ctrl-D on a non-empty line deletes; only on an empty one does it end the input.
        try enter("SELECT 51;" + Key.left + Key.left + Key.control("d") + Key.enter, expecting: "5", on: terminal)
        try terminal.send(Key.control("d"))
        #expect(try terminal.waitForExit() == 0)
    }

    @Test func quitExitsWithStatusZero() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        try terminal.send(".quit" + Key.enter)
        #expect(try terminal.waitForExit() == 0)
    }

    @Test func promptsStayOnTheTerminalWhileResultsGoToAFile() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell()
        let file = scratch.directory.appendingPathComponent("out.txt")
        try terminal.send(".output '\(file.path)'" + Key.enter)
        try terminal.waitFor("shardql> ")
        try terminal.send("SELECT 61;" + Key.enter)
        try terminal.waitFor("shardql> ")
        try terminal.send(".output stdout" + Key.enter)
        try terminal.waitFor("shardql> ")
        try enter("SELECT 62;" + Key.enter, expecting: "62", on: terminal)
        #expect(try String(contentsOf: file, encoding: .utf8) == "61\n")
    }

    /// A terminal that cannot take cursor escapes gets plain line reading; Ctrl-C at its prompt
    /// (a SIGINT from the terminal driver) starts a fresh statement instead of ending the shell.
    @Test func dumbTerminalReadsPlainLinesAndSurvivesControlC() throws {
        let scratch = try Scratch()
        let terminal = try scratch.shell(environment: ["TERM": "dumb"])
        try terminal.send("SELECT 'x'\n")
        try terminal.waitFor("   ...> ")
        try terminal.send(Key.control("c"))
        try terminal.waitFor("shardql> ")
        try terminal.send("SELECT 'fresh';\n")
        try terminal.waitFor("\nfresh\n")
        #expect(terminal.isRunning)
        try terminal.send(Key.control("d"))
        #expect(try terminal.waitForExit() == 0)
    }
}
#endif
