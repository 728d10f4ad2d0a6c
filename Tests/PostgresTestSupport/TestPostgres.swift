import Foundation
import Logging
import PostgresCatalog
import PostgresNIO

/// The PostgreSQL server the tests may use: `SHARDQL_TEST_POSTGRES` (a `postgres://` URL of a
/// superuser), which `scripts/with-postgres` sets after starting a throwaway server. Tests that
/// need it are disabled with ``skipReason`` when it is unset.
public enum TestPostgres {
    public static let url: String? = ProcessInfo.processInfo.environment["SHARDQL_TEST_POSTGRES"]
        .flatMap { $0.isEmpty ? nil : $0 }

    public static let skipReason =
        "SHARDQL_TEST_POSTGRES is unset: run the tests through scripts/with-postgres (scripts/test does) to include PostgreSQL"

    static let logger = Logger(label: "shardql.tests.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Creates an empty database, runs `body` with its URL, and drops it afterwards.
    public static func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let url = try await createDatabase()
        do {
            let result = try await body(url.url)
            try await drop(url.name)
            return result
        } catch {
            try? await drop(url.name)
            throw error
        }
    }

    /// A new empty database: its name and URL. The caller drops it (``drop(_:)``).
    public static func createDatabase() async throws -> (name: String, url: String) {
        guard let url else { throw TestPostgresUnavailable() }
        let name = "shardql_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await runAdmin("CREATE DATABASE \(name)")
        return (String(name), replacingDatabase(in: url, with: String(name)))
    }

    /// Drops a database made by ``createDatabase()``, ending any session still on it.
    public static func drop(_ name: String) async throws {
        try await runAdmin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one statement on the server's `postgres` database.
    public static func runAdmin(_ sql: String) async throws {
        try await runSQL(sql, url: url ?? "")
    }

    /// Runs statements on the database `url` names (one connection, closed afterwards).
    public static func runSQL(_ sql: String, url: String) async throws {
        let configuration = try PostgresCatalogStore.Configuration(url: url)
        let connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        let connection = try await PostgresConnection.connect(
            configuration: connectionConfiguration, id: 1, logger: logger)
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// The single integer `sql` returns on the database `url` names.
    public static func integer(_ sql: String, url: String) async throws -> Int64 {
        let configuration = try PostgresCatalogStore.Configuration(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: .disable),
            id: 1, logger: logger)
        do {
            var value: Int64?
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode(Int64.self)
            {
                value = row
            }
            try await connection.close()
            guard let value else { throw TestPostgresUnavailable() }
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// `url` naming `database` instead of its own.
    public static func replacingDatabase(in url: String, with database: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + database
        return components.string!
    }
}

public struct TestPostgresUnavailable: Error, CustomStringConvertible {
    public var description: String { TestPostgres.skipReason }
}
