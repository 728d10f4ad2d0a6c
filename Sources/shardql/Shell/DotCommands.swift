import ShardQLBase
import ShellOutput

/// One dot-command: its name, its arguments as `.help` shows them, and what it does.
struct DotCommand: Sendable {
    /// The name without its dot (`tables`).
    let name: String
    /// The arguments, sqlite3's way: `?X?` is optional, `X…` repeats.
    let arguments: String
    let summary: String

    /// `.tables ?PATTERN?`
    var usage: String { arguments.isEmpty ? "." + name : ".\(name) \(arguments)" }

    /// Every command, as `.help` lists them: sqlite3's first, then ShardQL's own.
    static let all: [DotCommand] = [
        DotCommand(name: "dump", arguments: "?TABLE? ...", summary: "Render tables (LIKE patterns) and their rows as SQL that recreates them"),
        DotCommand(name: "exit", arguments: "", summary: "Exit this program"),
        DotCommand(name: "headers", arguments: "on|off", summary: "Turn display of headers on or off"),
        DotCommand(name: "help", arguments: "?PATTERN?", summary: "Show help for the commands starting with PATTERN"),
        DotCommand(name: "import", arguments: "FILE TABLE ?OPTIONS?", summary: "Load FILE (CSV, TSV, JSON Lines, SQLite) into TABLE, creating it if missing; OPTIONS as for shardql import"),
        DotCommand(name: "indexes", arguments: "?TABLE?", summary: "Show names of indexes (on tables matching LIKE pattern TABLE)"),
        DotCommand(name: "mode", arguments: "?MODE?", summary: "Set output mode: " + OutputMode.allCases.map(\.rawValue).joined(separator: ", ")),
        DotCommand(name: "nullvalue", arguments: "STRING", summary: "Use STRING in place of NULL values"),
        DotCommand(name: "once", arguments: "FILE", summary: "Output for the next SQL command only to FILE"),
        DotCommand(name: "output", arguments: "?FILE?", summary: "Send output to FILE, or stdout if FILE is omitted"),
        DotCommand(name: "quit", arguments: "", summary: "Exit this program"),
        DotCommand(name: "read", arguments: "FILE", summary: "Read input from FILE"),
        DotCommand(name: "schema", arguments: "?PATTERN?", summary: "Show the CREATE statements (with their distribution) matching PATTERN"),
        DotCommand(name: "tables", arguments: "?PATTERN?", summary: "List names of tables and views matching LIKE pattern PATTERN"),
        DotCommand(name: "timer", arguments: "on|off", summary: "Turn SQL timer on or off"),
        DotCommand(name: "explain", arguments: "?ANALYZE? QUERY", summary: "Show the distributed plan of QUERY (ANALYZE: run it, with rows and times)"),
        DotCommand(name: "nodes", arguments: "", summary: "List the cluster's nodes: address, state, shards held"),
        DotCommand(name: "shards", arguments: "?TABLE?", summary: "Show each shard of the distributed tables: hash range, node, rows, bytes, skew"),
    ]

    /// Spellings sqlite3 also accepts.
    static let aliases = ["header": "headers"]

    static func named(_ name: String) -> DotCommand? { all.first { $0.name == name } }

    /// The command `word` (without its dot) names: exactly, by an alias, or as the start of exactly
    /// one command's name (`.tab`, `.he on`), as sqlite3 accepts.
    static func resolve(_ word: String) throws -> DotCommand {
        if let exact = named(aliases[word] ?? word) { return exact }
        let candidates = word.isEmpty ? [] : all.filter { $0.name.hasPrefix(word) }
        if candidates.count == 1 { return candidates[0] }
        if candidates.count > 1 {
            throw ShardQLError(
                .invalidArgument,
                "ambiguous command \".\(word)\": " + candidates.map { "." + $0.name }.joined(separator: ", "))
        }
        let hint = closest(to: word).map { "; did you mean \".\($0.name)\"?" } ?? "."
        throw ShardQLError(
            .invalidArgument, "unknown command \".\(word)\"\(hint) Enter \".help\" for the list of commands")
    }

    /// The command whose name is fewest edits from `word`, if it is close enough to be a typo.
    static func closest(to word: String) -> DotCommand? {
        let scored = all.map { ($0, editDistance(word, $0.name)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(1, min(3, word.count / 2)) ? best.0 : nil
    }

    /// Levenshtein distance, by Unicode scalar.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The error for arguments the command does not take.
    var usageError: ShardQLError { ShardQLError(.invalidArgument, "usage: \(usage)") }
}

/// The shell's dot-commands (`sqlite3`-compatible where `sqlite3` has them).
extension Shell {
    /// Runs one dot-command line (`.mode csv`); throws a ``ShardQLError`` with a hint when the
    /// command or its arguments are wrong.
    func runDotCommand(_ line: String) async throws {
        let words = DotCommandWords.split(line)
        guard let first = words.first else { return }
        let command = try DotCommand.resolve(String(first.dropFirst()))
        let arguments = Array(words.dropFirst())
        switch command.name {
        case "quit", "exit":
            requestQuit()
        case "help":
            try help(arguments, command)
        case "mode":
            guard arguments.count <= 1 else { throw command.usageError }
            guard let modeName = arguments.first else {
                output.note("current output mode: \(output.mode.rawValue)")
                return
            }
            guard let mode = OutputMode(rawValue: modeName) else {
                throw ShardQLError(
                    .invalidArgument,
                    "unknown mode '\(modeName)'; use one of: \(OutputMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            output.mode = mode
        case "headers":
            output.showsHeader = try Self.boolean(arguments, for: command)
        case "nullvalue":
            guard arguments.count == 1 else { throw command.usageError }
            output.nullValue = arguments[0]
        case "timer":
            showsTimer = try Self.boolean(arguments, for: command)
        case "tables", "indexes":
            guard arguments.count <= 1 else { throw command.usageError }
            try listNames(of: command.name == "tables" ? [.table, .view] : [.index], matching: arguments.first)
        case "schema":
            try showSchema(arguments, command)
        case "dump":
            try await dump(patterns: arguments)
        case "output", "once":
            try redirectOutput(arguments, command)
        case "read":
            guard arguments.count == 1 else { throw command.usageError }
            try await read(arguments[0])
        case "shards":
            guard arguments.count <= 1 else { throw command.usageError }
            try await showShards(of: arguments.first)
        case "nodes":
            guard arguments.isEmpty else { throw command.usageError }
            await showNodes()
        case "explain":
            try await explain(Self.textAfterFirstWord(of: line), command)
        case "import":
            try await importFile(arguments, command)
        default:
            throw ShardQLError(.internalError, "dot-command .\(command.name) has no implementation")
        }
    }

    /// `.help ?PATTERN?`: one line per command, as sqlite3 prints them.
    private func help(_ arguments: [String], _ command: DotCommand) throws {
        guard arguments.count <= 1 else { throw command.usageError }
        let pattern = arguments.first.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 } ?? ""
        let shown = DotCommand.all.filter { $0.name.hasPrefix(pattern) }
        guard !shown.isEmpty else { throw ShardQLError(.invalidArgument, "no command matches \"\(pattern)\"") }
        for entry in shown.sorted(by: { $0.name < $1.name }) {
            let usage = entry.usage
            output.note(usage + String(repeating: " ", count: max(1, 25 - usage.count)) + entry.summary)
        }
    }

    /// The raw text of a line after its first word (for `.explain`, whose argument is SQL).
    static func textAfterFirstWord(of line: String) -> String {
        let rest = line.unicodeScalars.drop { $0.properties.isWhitespace }.drop { !$0.properties.isWhitespace }
        return String(String.UnicodeScalarView(rest)).trimmingWhitespace
    }

    /// `on`/`off` (and sqlite3's other spellings: yes/no, true/false, 1/0).
    static func boolean(_ arguments: [String], for command: DotCommand) throws -> Bool {
        guard arguments.count == 1 else { throw command.usageError }
        switch arguments[0].lowercased() {
        case "on", "yes", "true", "1": return true
        case "off", "no", "false", "0": return false
        default: throw ShardQLError(.invalidArgument, ".\(command.name): expected on or off, found '\(arguments[0])'")
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}

/// Splits a dot-command line into words as shell.c does: by spaces, with '…' and "…" quoting
/// (in "…", backslash escapes).
enum DotCommandWords {
    static func split(_ line: String) -> [String] {
        var words: [String] = []
        var scalars = Substring(line).unicodeScalars[...]
        while true {
            while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
            guard let first = scalars.first else { break }
            var word = String.UnicodeScalarView()
            if first == "'" || first == "\"" {
                scalars.removeFirst()
                while let scalar = scalars.first, scalar != first {
                    scalars.removeFirst()
                    if first == "\"", scalar == "\\", let escaped = scalars.first {
                        scalars.removeFirst()
                        switch escaped {
                        case "n": word.append("\n")
                        case "t": word.append("\t")
                        default: word.append(escaped)
                        }
                    } else {
                        word.append(scalar)
                    }
                }
                if !scalars.isEmpty { scalars.removeFirst() }
            } else {
                while let scalar = scalars.first, !scalar.properties.isWhitespace {
                    word.append(scalar)
                    scalars.removeFirst()
                }
            }
            words.append(String(word))
        }
        return words
    }
}
