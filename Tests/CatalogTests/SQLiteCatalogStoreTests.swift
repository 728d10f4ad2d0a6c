import Foundation
import SQLiteCore
import ShardQLBase
import Testing

@testable import Catalog

@Suite("SQLiteCatalogStore: the shared store checks, file format and migrations")
struct SQLiteCatalogStoreTests {
    @Test(arguments: CatalogStoreCheck.allCases)
    func conformance(_ check: CatalogStoreCheck) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/" + SQLiteCatalogStore.defaultFileName
            try await check.run { try await SQLiteCatalogStore(path: path) }
        }
    }

    @Test func fileIsMarkedAsACatalog() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            try await SQLiteCatalogStore(path: path).close()
            let connection = try SQLiteConnection(path: path)
            #expect(try connection.prepare("PRAGMA application_id").rows() == [[.integer(0x5368_514C)]])
            #expect(
                try connection.prepare("SELECT value FROM meta WHERE key = 'schema_version'").rows()
                    == [[.integer(SQLiteCatalogStore.schemaVersion)]])
        }
    }

    @Test func olderSchemaIsMigratedKeepingData() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let v1 = SQLiteCatalogMigration.all.filter { $0.version == 1 }
            let old = try await SQLiteCatalogStore(path: path, migrations: v1)
            let (written, _, _) = try await SampleCatalog.withOrders(old)
            await old.close()

            let step2 = SQLiteCatalogMigration(version: 2, sql: "CREATE TABLE added_in_2(x INTEGER) STRICT")
            let upgraded = try await SQLiteCatalogStore(path: path, migrations: v1 + [step2])
            #expect(try await upgraded.snapshot() == written)
            await upgraded.close()

            let connection = try SQLiteConnection(path: path)
            #expect(
                try connection.prepare("SELECT value FROM meta WHERE key = 'schema_version'").rows() == [[.integer(2)]])
            #expect(try connection.prepare("SELECT count(*) FROM added_in_2").rows() == [[.integer(0)]])
        }
    }

    @Test func version1FileGainsTheDecisionLog() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let v1 = SQLiteCatalogMigration.all.filter { $0.version == 1 }
            let old = try await SQLiteCatalogStore(path: path, migrations: v1)
            let (written, _, table) = try await SampleCatalog.withOrders(old)
            _ = try await old.allocateKeys(table: table, count: 3)
            await old.close()

            let upgraded = try await SQLiteCatalogStore(path: path)
            #expect(try await upgraded.snapshot() == written)
            #expect(try await upgraded.allocateKeys(table: table, count: 1) == 4...4)
            #expect(try await upgraded.transactions().isEmpty)
            let shard = ShardGroupID(group: written.table(table)!.colocationGroup, index: 1)
            let record = TransactionRecord(id: "t", state: .pending, participants: [shard], owner: "c", startedAt: 1)
            try await upgraded.logTransaction(record, forgetting: [])
            #expect(
                try await upgraded.decide("t", commit: true, applying: [], expectedVersion: nil).state == .committed)
            await upgraded.close()

            let connection = try SQLiteConnection(path: path)
            #expect(
                try connection.prepare("SELECT value FROM meta WHERE key = 'schema_version'").rows() == [[.integer(2)]])
            #expect(
                try connection.prepare("SELECT id, state, participants, owner, started_at FROM transactions").rows()
                    == [[.text("t"), .text("committed"), .text("\(shard.group.rawValue):1"), .text("c"), .integer(1)]])
        }
    }

    @Test func damagedDecisionLogIsReported() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let store = try await SQLiteCatalogStore(path: path)
            let record = TransactionRecord(
                id: "t", state: .pending, participants: [ShardGroupID(group: ColocationGroupID(12), index: 3)],
                owner: "c", startedAt: 1)
            try await store.logTransaction(record, forgetting: [])
            #expect(try await store.transactions() == [record])
            try SQLiteConnection(path: path).execute("UPDATE transactions SET participants = '12:3,x'")
            let error = await #expect(throws: ShardQLError.self) { _ = try await store.transactions() }
            #expect(error?.message.contains("is damaged") == true, "\(String(describing: error))")
            await store.close()
        }
    }

    @Test func failingMigrationLeavesTheFileAsItWas() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let v1 = SQLiteCatalogMigration.all.filter { $0.version == 1 }
            try await SQLiteCatalogStore(path: path, migrations: v1).close()
            let broken = [
                SQLiteCatalogMigration(version: 2, sql: "CREATE TABLE fine(x)"),
                SQLiteCatalogMigration(version: 3, sql: "CREATE TABLE broken(x"),
            ]
            await #expect(throws: ShardQLError.self) {
                _ = try await SQLiteCatalogStore(path: path, migrations: v1 + broken)
            }
            let connection = try SQLiteConnection(path: path)
            #expect(
                try connection.prepare("SELECT value FROM meta WHERE key = 'schema_version'").rows() == [[.integer(1)]])
            #expect(
                try connection.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'fine'").rows() == [
                    [.integer(0)]
                ])
        }
    }

    @Test func newerSchemaIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            try await SQLiteCatalogStore(path: path).close()
            let newer = SQLiteCatalogStore.schemaVersion + 7
            try SQLiteConnection(path: path).execute("UPDATE meta SET value = \(newer) WHERE key = 'schema_version'")

            let error = await #expect(throws: ShardQLError.self) { _ = try await SQLiteCatalogStore(path: path) }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("schema version \(newer)") == true)
            #expect(error?.message.contains("up to \(SQLiteCatalogStore.schemaVersion)") == true)
        }
    }

    @Test func otherSQLiteDatabaseIsRefusedAndLeftAlone() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/app.sqlite"
            try SQLiteConnection(path: path).execute("CREATE TABLE mine(a); INSERT INTO mine VALUES (1)")

            let error = await #expect(throws: ShardQLError.self) { _ = try await SQLiteCatalogStore(path: path) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("is not a ShardQL catalog") == true)
            let connection = try SQLiteConnection(path: path)
            #expect(try connection.prepare("SELECT count(*) FROM sqlite_schema").rows() == [[.integer(1)]])
            #expect(try connection.prepare("PRAGMA application_id").rows() == [[.integer(0)]])
        }
    }

    @Test func garbageFileIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/garbage.sqlite"
            let bytes = (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            let error = await #expect(throws: ShardQLError.self) { _ = try await SQLiteCatalogStore(path: path) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("is not a ShardQL catalog") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        }
    }

    @Test func twoStoresOnOneFileSeeEachOthersChanges() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/catalog.sqlite"
            let first = try await SQLiteCatalogStore(path: path)
            let second = try await SQLiteCatalogStore(path: path)
            #expect(try await second.snapshot() == .empty)
            let (written, node, table) = try await SampleCatalog.withOrders(first)
            #expect(try await second.snapshot() == written)
            let error = await #expect(throws: ShardQLError.self) {
                _ = try await second.apply([.setNodeState(node, .dead)], expectedVersion: 0)
            }
            #expect(error?.isCatalogVersionConflict == true)
            #expect(try await first.allocateKeys(table: table, count: 3) == 1...3)
            #expect(try await second.allocateKeys(table: table, count: 3) == 4...6)
            await first.close()
            await second.close()
        }
    }

    @Test func closedStoreFails() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await SQLiteCatalogStore(path: directory + "/catalog.sqlite")
            await store.close()
            await #expect(throws: ShardQLError.self) { _ = try await store.snapshot() }
        }
    }
}
