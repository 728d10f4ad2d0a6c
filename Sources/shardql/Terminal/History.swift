#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The statements and dot-commands typed at the prompt, oldest first, kept in a file across runs.
///
/// The file is `~/.shardql_history`, or `$SHARDQL_HISTORY` (set but empty: no file). It holds
/// one entry per line, so a statement typed over several lines stays one entry: a line break in
/// an entry is written `\n` and a backslash `\\`. Each entry is appended as it is added (two
/// shells at once both keep theirs); the file is rewritten with the newest ``capacity`` entries
/// when a start finds it longer. It is created with mode 0600: statements can hold secrets.
final class History {
    let capacity: Int
    /// Where entries are kept; nil when history lasts only for this run.
    let path: String?
    private(set) var entries: [String] = []

    init(path: String?, capacity: Int = 2000) {
        self.capacity = capacity
        self.path = path
        load()
    }

    /// Where history is kept according to `SHARDQL_HISTORY` and `HOME`.
    static func defaultPath(environment: [String: String]) -> String? {
        if let configured = environment["SHARDQL_HISTORY"] { return configured.isEmpty ? nil : configured }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + (home.hasSuffix("/") ? "" : "/") + ".shardql_history"
    }

    /// Adds an entry unless it is blank or repeats the newest one.
    func add(_ entry: String) {
        guard !entry.allSatisfy(\.isWhitespace), entry != entries.last else { return }
        entries.append(entry)
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        guard let path else { return }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        writeFully(Array((Self.encode(entry) + "\n").utf8), to: descriptor)
    }

    private func load() {
        guard let path, let contents = readFile(path) else { return }
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: true)
        for line in lines {
            let entry = Self.decode(line)
            if entry != entries.last { entries.append(entry) }
        }
        guard entries.count > capacity else { return }
        entries.removeFirst(entries.count - capacity)
        rewrite()
    }

    /// Replaces the file with the entries kept, through a temporary file so a crash mid-way
    /// loses nothing.
    private func rewrite() {
        guard let path else { return }
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        writeFully(Array(entries.map { Self.encode($0) + "\n" }.joined().utf8), to: descriptor)
        close(descriptor)
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    static func encode(_ entry: String) -> String {
        var encoded = ""
        for scalar in entry.unicodeScalars {
            switch scalar {
            case "\\": encoded += "\\\\"
            case "\n": encoded += "\\n"
            case "\r": encoded += "\\r"
            default: encoded.unicodeScalars.append(scalar)
            }
        }
        return encoded
    }

    static func decode(_ line: Substring) -> String {
        var decoded = ""
        var scalars = line.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\\", let escaped = scalars.next() else {
                decoded.unicodeScalars.append(scalar)
                continue
            }
            switch escaped {
            case "n": decoded += "\n"
            case "r": decoded += "\r"
            default: decoded.unicodeScalars.append(escaped)
            }
        }
        return decoded
    }
}
