import Foundation
import Testing

/// "Hostile input (deep nesting, huge literals, invalid UTF-8, NUL bytes) gives an error, never a
/// crash or hang": each script runs through stdin, and through `-c` where the kernel lets an
/// argument carry it (one argument is at most 128 KiB on Linux and can hold neither NUL nor bytes
/// that are not UTF-8, since `Process` takes Swift strings), or else through a script file.
@Suite("shardql on hostile input")
struct HostileInputTests {
    /// Generous for a debug build on a busy machine; a hang still fails instead of stalling.
    static let limit = Duration.seconds(120)

    enum Channel: CustomStringConvertible {
        case stdin, command, file

        var description: String {
            switch self {
            case .stdin: "stdin"
            case .command: "-c"
            case .file: "a script file"
            }
        }
    }

    /// Runs `script` through `channel`, with `arguments` before it.
    func run(_ script: [UInt8], via channel: Channel, _ arguments: [String] = []) throws -> BoundedProcess.Outcome {
        switch channel {
        case .stdin:
            return try runShardQL(arguments, stdin: script, limit: Self.limit)
        case .command:
            return try runShardQL(arguments + ["-c", String(decoding: script, as: UTF8.self)], limit: Self.limit)
        case .file:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("shardql-hostile-\(UUID().uuidString).sql")
            try Data(script).write(to: path)
            defer { try? FileManager.default.removeItem(at: path) }
            return try runShardQL(arguments + [path.path], limit: Self.limit)
        }
    }

    /// Exited by itself (no signal, no kill at the deadline).
    func expectCleanExit(
        _ outcome: BoundedProcess.Outcome, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            !outcome.timedOut, "\(what) did not finish in \(Self.limit): \(outcome.summary)",
            sourceLocation: sourceLocation)
        #expect(outcome.reason == .exit, "\(what) died of a signal: \(outcome.summary)", sourceLocation: sourceLocation)
    }

    /// Exited by itself, non-zero, with an `Error:` line on stderr.
    func expectError(
        _ outcome: BoundedProcess.Outcome, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectCleanExit(outcome, what, sourceLocation: sourceLocation)
        #expect(outcome.status != 0, "\(what) should fail: \(outcome.summary)", sourceLocation: sourceLocation)
        #expect(
            outcome.stderrText.split(separator: "\n").contains { $0.hasPrefix("Error:") },
            "\(what) should report an Error: line: \(outcome.summary)", sourceLocation: sourceLocation)
    }

    static func nested(_ depth: Int) -> [UInt8] {
        wrapped("SELECT ", in: "(", ")", depth: depth)
    }

    /// `<prefix><open × depth>1<close × depth>;`
    static func wrapped(_ prefix: String, in open: String, _ close: String, depth: Int) -> [UInt8] {
        Array((prefix + String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth) + ";\n").utf8)
    }

    @Test(arguments: [Channel.stdin, .file])
    func hundredThousandNestedParentheses(via channel: Channel) throws {
        let outcome = try run(Self.nested(100_000), via: channel)
        expectError(outcome, "100,000 nested parentheses via \(channel)")
    }

    @Test func sixtyThousandNestedParenthesesInOneArgument() throws {
        // 100,000 levels are 200 KB, more than one argument may hold; 60,000 are 120 KB.
        let outcome = try run(Self.nested(60_000), via: .command)
        expectError(outcome, "60,000 nested parentheses via -c")
    }

    @Test(arguments: [Channel.stdin, .file])
    func deeplyNestedSubqueriesAndCalls(via channel: Channel) throws {
        let depth = 20_000
        let subqueries = Self.wrapped("", in: "SELECT (", ")", depth: depth)
        let calls = Self.wrapped("SELECT ", in: "abs(", ")", depth: depth)
        for (name, script) in [("nested subqueries", subqueries), ("nested calls", calls)] {
            expectError(try run(script, via: channel), "\(depth) \(name) via \(channel)")
        }
    }

    @Test(arguments: [Channel.stdin, .file])
    func fiveMegabyteStringLiteralRoundTrips(via channel: Channel) throws {
        let size = 5 * 1024 * 1024
        let literal = String(repeating: "abcdefghij", count: size / 10) + String(repeating: "z", count: size % 10)
        let script = """
            CREATE TABLE big(id INTEGER PRIMARY KEY, v TEXT);
            INSERT INTO big VALUES (1, '\(literal)');
            SELECT length(v), substr(v, -3) FROM big;
            SELECT v FROM big;

            """
        let outcome = try run(Array(script.utf8), via: channel)
        expectCleanExit(outcome, "a 5 MB literal via \(channel)")
        #expect(outcome.status == 0, "\(outcome.summary)")
        let lines = outcome.stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        try #require(lines.count == 3, "\(outcome.summary)")
        #expect(String(decoding: lines[0], as: UTF8.self) == "\(size)|\(literal.suffix(3))")
        #expect(lines[1].count == size)
        #expect(lines[1].elementsEqual(literal.utf8))
    }

    @Test func largeLiteralInOneArgument() throws {
        // Close to the 128 KiB limit on one argument.
        let literal = String(repeating: "x", count: 120_000)
        let outcome = try run(Array("SELECT length('\(literal)') AS n;".utf8), via: .command)
        expectCleanExit(outcome, "a 120 KB literal via -c")
        #expect(outcome.status == 0, "\(outcome.summary)")
        #expect(outcome.stdoutText == "120000\n")
    }

    @Test func invalidUTF8InAStringLiteral() throws {
        // 0xFF and 0xFE never occur in UTF-8; 0xC3 starts a sequence that 0x28 does not continue.
        let script: [UInt8] =
            Array("CREATE TABLE s(v TEXT); INSERT INTO s VALUES ('a".utf8) + [0xFF, 0xFE, 0xC3, 0x28]
            + Array("b');\nSELECT length(v) > 0 FROM s;\nSELECT 'done';\n".utf8)
        let outcome = try run(script, via: .stdin)
        expectCleanExit(outcome, "invalid UTF-8 in a literal")
        // SQLite itself stores such bytes as they are; shardql may keep them, replace them or
        // refuse the statement, but a refusal must be a reported error and must not stop the batch.
        if outcome.status != 0 {
            #expect(outcome.stderrText.contains("Error:"), "\(outcome.summary)")
        } else {
            #expect(outcome.stdoutText.hasPrefix("1\n"), "\(outcome.summary)")
        }
        #expect(outcome.stdoutText.hasSuffix("done\n"), "\(outcome.summary)")
    }

    @Test func invalidUTF8InALiteralIsStoredAsSQLiteStoresIt() throws {
        let script: [UInt8] =
            Array("CREATE TABLE s(v TEXT); INSERT INTO s VALUES ('a".utf8) + [0xFF, 0xFE] + Array("b');\n".utf8)
            + Array("SELECT hex(v) FROM s;\n".utf8)
        let outcome = try run(script, via: .stdin)
        expectCleanExit(outcome, "invalid UTF-8 in a literal")
        // `sqlite3` keeps the bytes (61FFFE62); shardql decodes its input as UTF-8 first, which
        // turns each bad byte into U+FFFD (EF BF BD) before the parser sees it.
        withKnownIssue("shardql reads SQL as a Swift String, replacing bytes that are not UTF-8") {
            #expect(outcome.stdoutText == "61FFFE62\n", "\(outcome.summary)")
        }
    }

    @Test func invalidUTF8WhereAnIdentifierGoes() throws {
        let script: [UInt8] = Array("SELECT ".utf8) + [0xFF, 0xC0, 0x80] + Array(" FROM nosuch;\nCREATE TABLE ".utf8)
            + [0xFE, 0xFE] + Array("(a);\nSELECT 2;\n".utf8)
        let outcome = try run(script, via: .stdin)
        expectError(outcome, "invalid UTF-8 as an identifier")
        #expect(outcome.stdoutText.hasSuffix("2\n"), "the batch goes on after the error: \(outcome.summary)")
    }

    @Test func invalidUTF8InAScriptFile() throws {
        let script: [UInt8] = Array("SELECT ".utf8) + [0xFF] + Array(";\nSELECT 2;\n".utf8)
        let outcome = try run(script, via: .file)
        expectError(outcome, "invalid UTF-8 in a script file")
    }

    @Test func nulBytesInsideTheSQL() throws {
        let cases: [(String, [UInt8])] = [
            ("between tokens", Array("SELECT 1".utf8) + [0] + Array(" + 1;\n".utf8)),
            ("inside a string literal", Array("SELECT 'a".utf8) + [0] + Array("b';\n".utf8)),
            ("inside an identifier", Array("SELECT a".utf8) + [0] + Array("b FROM t;\n".utf8)),
            ("between statements", Array("SELECT 1;".utf8) + [0, 0, 0] + Array("SELECT nosuch;\n".utf8)),
        ]
        for (name, script) in cases {
            expectError(try run(script, via: .stdin), "a NUL byte \(name)")
        }
    }

    @Test(arguments: [Channel.stdin, .file])
    func unterminatedStringAtTheEndOfAOneMegabyteScript(via channel: Channel) throws {
        // A thousand statements of a kilobyte each, so the time goes to reading, not running.
        var script = ""
        var statements = 0
        let padding = String(repeating: "x", count: 1000)
        while script.utf8.count < 1_000_000 {
            script += "SELECT \(statements) WHERE length('\(padding)') > 0;\n"
            statements += 1
        }
        script += "SELECT 'this string never ends\n" + String(repeating: "more text ", count: 1000)
        let outcome = try run(Array(script.utf8), via: channel)
        expectError(outcome, "an unterminated string via \(channel)")
        // Everything before it ran.
        #expect(outcome.stdoutText.hasSuffix("\(statements - 1)\n"), "\(outcome.summary)")
    }

    @Test func unterminatedStringInOneArgument() throws {
        let script = String(repeating: "SELECT 1;\n", count: 10_000) + "SELECT 'open"
        expectError(try run(Array(script.utf8), via: .command), "an unterminated string via -c")
    }
}
