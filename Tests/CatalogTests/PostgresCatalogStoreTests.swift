import Foundation
import PostgresCatalog
import PostgresTestSupport
import ShardQLBase
import Testing

@testable import Catalog

/// The shared store checks and PostgreSQL's own: schema and migrations, failures that must be
/// clear and quick. Each test has a database of its own on the server `scripts/with-postgres`
/// starts; without one they are skipped, saying why.
/// Serialized: each test has a server-side database and connections of its own, and running them
/// all at once next to the rest of the suite only adds load on a small machine.
@Suite("PostgresCatalogStore: the shared store checks, schema, migrations and failures",
    .enabled(if: TestPostgres.url != nil, Comment(rawValue: TestPostgres.skipReason)), .serialized)
struct PostgresCatalogStoreTests {
    @Test(arguments: CatalogStoreCheck.allCases)
    func conformance(_ check: CatalogStoreCheck) async throws {
        try await TestPostgres.withDatabase { url in
            try await check.run { try await PostgresCatalogStore(url: url) }
        }
    }

    @Test func schemaIsVersionedInItsOwnSchema() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresCatalogStore(url: url).close()
            // A second open finds the schema and changes nothing.
            let store = try await PostgresCatalogStore(url: url)
            #expect(try await store.snapshot() == .empty)
            await store.close()
            try await TestPostgres.runSQL(
                "DO $$ BEGIN IF (SELECT value FROM shardql.meta WHERE key = 'schema_version') <> "
                    + "\(PostgresCatalogStore.schemaVersion) THEN RAISE 'wrong version'; END IF; END $$", url: url)
        }
    }

    @Test func olderSchemaIsMigratedKeepingData() async throws {
        try await TestPostgres.withDatabase { url in
            let configuration = try PostgresCatalogStore.Configuration(url: url)
            let v1 = PostgresCatalogMigration.all.filter { $0.version == 1 }
            let old = try await PostgresCatalogStore(configuration: configuration, migrations: v1)
            let (written, _, _) = try await SampleCatalog.withOrders(old)
            await old.close()

            let step2 = PostgresCatalogMigration(
                version: 2, statements: ["CREATE TABLE shardql.added_in_2(x bigint)"])
            let upgraded = try await PostgresCatalogStore(configuration: configuration, migrations: v1 + [step2])
            #expect(try await upgraded.snapshot() == written)
            await upgraded.close()
            try await TestPostgres.runSQL(
                "DO $$ BEGIN IF (SELECT value FROM shardql.meta WHERE key = 'schema_version') <> 2 "
                    + "THEN RAISE 'not migrated'; END IF; PERFORM count(*) FROM shardql.added_in_2; END $$", url: url)
        }
    }

    @Test func newerSchemaIsRefused() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresCatalogStore(url: url).close()
            try await TestPostgres.runSQL("UPDATE shardql.meta SET value = 99 WHERE key = 'schema_version'", url: url)
            let error = await #expect(throws: ShardQLError.self) { try await PostgresCatalogStore(url: url) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("schema version 99") == true, "\(String(describing: error))")
            #expect(error?.message.contains("use a newer shardql") == true)
        }
    }

    @Test func foreignShardqlSchemaIsRefused() async throws {
        try await TestPostgres.withDatabase { url in
            try await TestPostgres.runSQL("CREATE SCHEMA shardql", url: url)
            let error = await #expect(throws: ShardQLError.self) { try await PostgresCatalogStore(url: url) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("is not a ShardQL catalog: it has no meta table") == true)
        }
    }

    @Test func twoCoordinatorsOpeningANewCatalogAtOnce() async throws {
        try await TestPostgres.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresCatalogStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresCatalogStore(url: url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for store in stores {
                #expect(try await store.snapshot() == .empty)
                await store.close()
            }
        }
    }

    // MARK: Failures: clear, and quick

    @Test func refusedConnectionNamesTheServer() async throws {
        let port = try unusedPort()
        let error = await #expect(throws: ShardQLError.self) {
            try await PostgresCatalogStore(url: "postgres://shardql:secret@127.0.0.1:\(port)/meta?connect_timeout=5")
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("cannot reach the PostgreSQL catalog at 127.0.0.1:\(port)/meta") == true,
            "\(String(describing: error))")
        #expect(error?.description.contains("secret") == false)
    }

    @Test func silentServerTimesOut() async throws {
        // A socket that accepts connections (the kernel does) but never answers a word.
        let (listener, port) = try silentListener()
        defer { close(listener) }
        let error = await #expect(throws: ShardQLError.self) {
            try await PostgresCatalogStore(url: "postgres://u@127.0.0.1:\(port)/meta?connect_timeout=1")
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("127.0.0.1:\(port)/meta") == true, "\(String(describing: error))")
    }

    @Test func unknownUserIsUnauthenticated() async throws {
        let url = TestPostgres.replacingDatabase(in: try #require(TestPostgres.url), with: "postgres")
        var components = try #require(URLComponents(string: url))
        components.user = "nobody_here"
        let error = await #expect(throws: ShardQLError.self) {
            try await PostgresCatalogStore(url: components.string!)
        }
        #expect(error?.code == .unauthenticated)
        #expect(error?.message.contains("refused user 'nobody_here'") == true, "\(String(describing: error))")
    }

    @Test func wrongPasswordIsUnauthenticated() async throws {
        // The test server trusts loopback; a role whose login is refused stands in for a bad password.
        try await TestPostgres.runAdmin("DROP ROLE IF EXISTS shardql_nologin")
        try await TestPostgres.runAdmin("CREATE ROLE shardql_nologin NOLOGIN PASSWORD 'x'")
        let base = try #require(TestPostgres.url)
        var components = try #require(URLComponents(string: base))
        components.user = "shardql_nologin"
        components.password = "wrong"
        let error = await #expect(throws: ShardQLError.self) {
            try await PostgresCatalogStore(url: components.string!)
        }
        #expect(error?.code == .unauthenticated)
        #expect(error?.description.contains("wrong") == false)
    }

    @Test func missingDatabaseSaysSo() async throws {
        let url = TestPostgres.replacingDatabase(in: try #require(TestPostgres.url), with: "no_such_database_here")
        let error = await #expect(throws: ShardQLError.self) { try await PostgresCatalogStore(url: url) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("\"no_such_database_here\" does not exist") == true, "\(String(describing: error))")
    }

    @Test func callsFailOnceTheServerIsGone() async throws {
        // A database dropped under an open store stands in for a server going away: its
        // sessions are ended, and every later call must fail (not hang: the timeout bounds it).
        let (name, url) = try await TestPostgres.createDatabase()
        let store = try await PostgresCatalogStore(url: url + "?connect_timeout=3")
        _ = try await store.snapshot()
        try await TestPostgres.drop(name)
        await #expect(throws: ShardQLError.self) { _ = try await store.apply([]) }
        #expect(store.mayHaveChanged(since: 0))
        await store.close()
    }

    @Test func urlsAreParsedAndCheckedWithoutLeakingPasswords() throws {
        let configuration = try PostgresCatalogStore.Configuration(
            url: "postgresql://ada:p%40ss@db.example:6543/meta?sslmode=require&connect_timeout=2.5")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "ada")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == "meta")
        #expect(configuration.tls == .require)
        #expect(configuration.timeout == .milliseconds(2500))
        #expect(configuration.endpoint == "db.example:6543/meta")
        for (url, fragment) in [
            ("postgres://ada:secret@db/", "names no database"),
            ("postgres://ada:secret@db/meta?sslmode=sometimes", "sslmode=sometimes"),
            ("postgres://ada:secret@db/meta?color=blue", "unknown parameter 'color'"),
            ("postgres://ada:secret@db/meta?connect_timeout=-1", "connect_timeout=-1"),
        ] {
            let error = #expect(throws: ShardQLError.self) { try PostgresCatalogStore.Configuration(url: url) }
            #expect(error?.message.contains(fragment) == true, "\(url): \(String(describing: error))")
            #expect(error?.message.contains("secret") == false)
        }
        // How the shell's banner and slt's messages print a location.
        #expect(
            try CatalogLocation(url: "postgres://ada:s3cr%40t@db:5432/meta?sslmode=require").description
                == "postgres://ada:***@db:5432/meta?sslmode=require")
        #expect(try CatalogLocation(url: "postgres://ada@db/meta").description == "postgres://ada@db/meta")
        #expect(try CatalogLocation(url: "sqlite:/tmp/c.sqlite").description == "/tmp/c.sqlite")
    }
}

/// A port nothing listens on (bound, then released).
private func unusedPort() throws -> Int {
    let (socket, port) = try silentListener()
    close(socket)
    return port
}

/// A listening TCP socket on 127.0.0.1 that never accepts: connections complete in the kernel's
/// backlog and then hear nothing.
private func silentListener() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EMFILE) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else {
        close(fd)
        throw POSIXError(.EADDRINUSE)
    }
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}
