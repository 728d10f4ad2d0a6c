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
                "unsupported catalog URL '\(url)': use postgres://user:password@host:port/database or the path of a catalog file")
        }
        guard !path.isEmpty else { throw ShardQLError(.invalidArgument, "the catalog URL '\(url)' names no file") }
        self = .embedded(path: String(path))
    }
}
