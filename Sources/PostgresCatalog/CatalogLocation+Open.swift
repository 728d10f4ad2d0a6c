import Catalog

extension CatalogLocation {
    /// Opens the store this location names: the embedded catalog file, or the catalog in
    /// PostgreSQL (``PostgresCatalogStore``). The CLI and the Swift API open `--catalog` with it.
    public func open() async throws -> any CatalogStore {
        switch self {
        case .embedded(let path): try await SQLiteCatalogStore(path: path)
        case .postgres(let url): try await PostgresCatalogStore(url: url)
        }
    }
}
