import ShardQLBase

/// Where a cluster's catalog lives (DESIGN §4, §8): an embedded SQLite file, or PostgreSQL.
///
/// Written as a URL on the command line (`--catalog`, `SHARDQL_CATALOG`) and in the Swift API:
/// `postgres://user:pass@host:5432/db` (or `postgresql://`) for PostgreSQL; `sqlite:PATH`,
/// `file:PATH` or a plain path for an embedded catalog file.
public enum CatalogLocation: Sendable, Hashable {
    case embedded(path: String)
    case postgres(url: String)

    public init(url: String) throws {
        let lowered = url.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: url)
            return
        }
        var path = Substring(url)
        for scheme in ["sqlite://", "file://", "sqlite:", "file:"] where lowered.hasPrefix(scheme) {
            path = path.dropFirst(scheme.count)
            break
        }
        if let schemeEnd = path.firstIndex(of: ":"), path[..<schemeEnd].allSatisfy({ $0.isLetter }), path.distance(from: path.startIndex, to: schemeEnd) > 1 {
            throw ShardQLError(
                .invalidArgument,
                "unsupported catalog URL '\(Self.redactingPassword(url))': use postgres://user:password@host:port/database or the path of a catalog file")
        }
        guard !path.isEmpty else { throw ShardQLError(.invalidArgument, "the catalog URL '\(url)' names no file") }
        self = .embedded(path: String(path))
    }
}

extension CatalogLocation: CustomStringConvertible {
    /// The location for messages: a file's path, or the URL with its password replaced by `***`.
    public var description: String {
        switch self {
        case .embedded(let path): return path
        case .postgres(let url): return Self.redactingPassword(url)
        }
    }

    /// `scheme://user:***@host…` for `scheme://user:password@host…`; other text unchanged.
    package static func redactingPassword(_ url: String) -> String {
        let parts = url.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return url }
        let authority = parts[1].prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return url
        }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
}

