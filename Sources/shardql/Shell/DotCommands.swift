import ShardQLBase

/// The shell's dot-commands (`sqlite3`-compatible where `sqlite3` has them).
extension Shell {
    /// Runs one dot-command line (`.mode csv`); throws a ``ShardQLError`` with a hint when the
    /// command or its arguments are wrong.
    func runDotCommand(_ line: String) async throws {
        let words = DotCommandWords.split(line)
        guard let name = words.first else { return }
        let arguments = Array(words.dropFirst())
        switch name {
        case ".quit", ".exit":
            requestQuit()
        case ".mode":
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
        case ".headers", ".header":
            output.showsHeader = try Self.boolean(arguments, for: name)
        case ".nullvalue":
            guard arguments.count == 1 else { throw ShardQLError(.invalidArgument, "usage: .nullvalue STRING") }
            output.nullValue = arguments[0]
        case ".timer":
            showsTimer = try Self.boolean(arguments, for: name)
        default:
            throw ShardQLError(.invalidArgument, "unknown command or invalid arguments: \"\(name.dropFirst())\". Enter \".help\" for help")
        }
    }

    /// `on`/`off` (and sqlite3's other spellings: yes/no, true/false, 1/0).
    static func boolean(_ arguments: [String], for name: String) throws -> Bool {
        guard arguments.count == 1 else { throw ShardQLError(.invalidArgument, "usage: \(name) on|off") }
        switch arguments[0].lowercased() {
        case "on", "yes", "true", "1": return true
        case "off", "no", "false", "0": return false
        default: throw ShardQLError(.invalidArgument, "\(name): expected on or off, found '\(arguments[0])'")
        }
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
