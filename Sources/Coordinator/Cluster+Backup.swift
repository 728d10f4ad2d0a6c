import Catalog
import SQLiteCore
import ShardQLBase
import Worker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``Cluster/backup(to:progress:)`` wrote.
public struct BackupSummary: Sendable, Hashable {
    /// The backup's directory.
    public var directory: String
    /// The tables and the shard files (one per shard group) it holds, and their bytes.
    public var tables: Int
    public var files: Int
    public var bytes: Int64
    /// When the consistent point was taken (milliseconds since the Unix epoch).
    public var point: Int64
    /// Transactions prepared in a copied file and decided by the point: applied in the backup
    /// (committed) or dropped from it (undecided or aborted).
    public var resolvedTransactions: Int
}

/// What ``Cluster/restore(from:replicas:progress:)`` rebuilt.
public struct RestoreSummary: Sendable, Hashable {
    public var tables: Int
    /// Shard files installed (copies included).
    public var files: Int
    public var bytes: Int64
}

/// A backup directory's layout: `catalog.sqlite` (an embedded catalog with the backup's tables,
/// groups, nodes and placements, IDs as they were), `manifest.sqlite` (the point, the files and
/// each table's last allocated key) and `shards/gG-sS.sqlite`, one consistent copy per shard group.
enum BackupLayout {
    static let format: Int64 = 1
    static let catalog = "catalog.sqlite"
    static let manifest = "manifest.sqlite"
    static let shards = "shards"
}

extension Cluster {
    /// Takes a consistent backup of the whole cluster into the new directory `directory`: the
    /// catalog and every shard group's file as of one point, with no transaction in doubt.
    ///
    /// The point is where no transaction can reach its commit point
    /// (``CatalogStore/withDecisionsPaused(_:)``, a few milliseconds: while it lasts every shard
    /// group's file is pinned on one of its copies by a read transaction, and the catalog and the
    /// decision log are read). Writes go on throughout. A copied file may hold transactions
    /// prepared there: those the log had committed at the point are applied in the backup, the
    /// others dropped — so the backup holds exactly the transactions committed by the point.
    /// The files stream from the nodes (SQLite's backup API) into a sibling directory renamed
    /// to `directory` once complete, so a failed backup leaves nothing behind.
    ///
    /// - Throws: ``ShardQLError/Code/invalidArgument`` when `directory` exists;
    ///   ``ShardQLError/Code/unavailable`` when no copy of some shard group can be reached.
    public func backup(to directory: String, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws
        -> BackupSummary
    {
        guard access(directory, F_OK) != 0 else {
            throw ShardQLError(.invalidArgument, "the backup directory '\(directory)' exists: name a new one")
        }
        let partial = "\(directory).partial-\(UInt64.random(in: 0...UInt64.max))"
        let vault = try LocalWorker(directory: partial + "/" + BackupLayout.shards)
        do {
            let summary = try await backUp(into: vault, partial: partial, directory: directory, progress: progress)
            await vault.close()
            guard rename(partial, directory) == 0 else {
                throw ShardQLError(.io, "cannot rename '\(partial)' to '\(directory)': \(String(cString: strerror(errno)))")
            }
            return summary
        } catch {
            await vault.close()
            Self.removeTree(partial)
            throw error
        }
    }

    private func backUp(
        into vault: LocalWorker, partial: String, directory: String, progress: @escaping @Sendable (String) -> Void
    ) async throws -> BackupSummary {
        let point = WallClock.milliseconds()
        // The point: every file pinned, the catalog and the log read, while nothing is decided.
        let executor = self.executor
        let (catalog, log, exports) = try await store.withDecisionsPaused { catalog, log in
            let exports = try await withThrowingTaskGroup(of: (ShardFileID, String, ShardFileExport).self) { group in
                for shardGroup in catalog.allShardGroups {
                    let file = ShardFileID(group: shardGroup.group.rawValue, index: shardGroup.index)
                    let copies = catalog.usablePlacements(of: shardGroup.id).compactMap { catalog.node($0.node)?.address }
                    group.addTask { try await Self.pin(file, on: copies, executor) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            return (catalog, log, exports.sorted { $0.0 < $1.0 })
        }
        progress("point taken: \(exports.count) shard files pinned, catalog version \(catalog.version)")
        let committed = Set(log.filter { $0.state == .committed }.map(\.id))
        var bytes: Int64 = 0
        var resolved = 0
        var files: [(file: ShardFileID, source: String, bytes: Int64)] = []
        for (file, source, export) in exports {
            try await vault.storeShard(file, from: export)
            // The copy as it was, without the bookkeeping of a move under way, and with every
            // transaction the point decided: committed ones applied, the others dropped.
            try await vault.controlShard(file, .unfence)
            try await vault.controlShard(file, .stopChangeLog)
            try await vault.controlShard(file, .finishCopy)
            for transaction in try await vault.preparedTransactions(on: file) {
                if committed.contains(transaction.rawValue) {
                    try await vault.commitPrepared(transaction, on: file)
                } else {
                    try await vault.abort(transaction, on: file)
                }
                resolved += 1
            }
            bytes += export.byteCount
            files.append((file, source, export.byteCount))
            progress("\(file.fileName) from \(source): \(export.byteCount) bytes")
        }

        let backupCatalog = try await SQLiteCatalogStore(path: partial + "/" + BackupLayout.catalog)
        do {
            _ = try await backupCatalog.apply(Self.creationChanges(of: catalog))
            await backupCatalog.close()
        } catch {
            await backupCatalog.close()
            throw error
        }
        var floors: [(TableID, Int64)] = []
        for table in catalog.tables.values.sorted(by: { $0.id < $1.id }) {
            // At or above the point's: keys allocated after it skip a few, never repeat one.
            floors.append((table.id, try await store.allocateKeys(table: table.id, count: 1).lowerBound))
        }
        try Self.writeManifest(
            partial + "/" + BackupLayout.manifest, point: point, catalogVersion: catalog.version, files: files,
            floors: floors)
        return BackupSummary(
            directory: directory, tables: catalog.tables.count, files: files.count, bytes: bytes, point: point,
            resolvedTransactions: resolved)
    }

    /// Pins `file` on the first of `copies` that answers.
    private static func pin(_ file: ShardFileID, on copies: [String], _ executor: PlacementExecutor) async throws
        -> (ShardFileID, String, ShardFileExport)
    {
        var failures: [any Error] = []
        for address in copies {
            do {
                return (file, address, try await executor.maintenance(at: address).exportShard(file))
            } catch where PlacementExecutor.isUnreachable(error) {
                failures.append(error)
            }
        }
        throw PlacementExecutor.noCopyReachable(file, failures)
    }
}

extension Cluster {
    /// Rebuilds the cluster's tables from the backup in `directory` (``backup(to:progress:)``)
    /// into this cluster, which must hold no table or view yet: the same or other nodes, or the
    /// in-process worker when none is registered. Each shard group's copies go where a new table's
    /// would (``PlaceShardGroups``), as many as the backup's group had (or `replicas` for every
    /// distributed group); tables get new IDs and their key counters continue past the backup's.
    ///
    /// The files are installed first and the catalog changes in one transaction last, so a
    /// failed restore leaves the catalog as it was (and deletes the files it installed).
    public func restore(
        from directory: String, replicas: Int? = nil, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> RestoreSummary {
        if let replicas, replicas < 1 {
            throw ShardQLError(.invalidArgument, "--replicas must be at least 1, got \(replicas)")
        }
        let manifest = try BackupManifest(path: directory + "/" + BackupLayout.manifest)
        let backupCatalog = try await SQLiteCatalogStore(path: directory + "/" + BackupLayout.catalog)
        let backup: CatalogSnapshot
        do {
            backup = try await backupCatalog.snapshot()
            await backupCatalog.close()
        } catch {
            await backupCatalog.close()
            throw error
        }
        let target = try await store.snapshot()
        guard target.tables.isEmpty, target.views.isEmpty else {
            throw ShardQLError(
                .invalidArgument,
                "restore needs a cluster without tables or views; this one has \(target.tables.count) tables and \(target.views.count) views")
        }

        // New IDs for groups and tables; placements as for new tables, group after group.
        let groups = backup.colocationGroups.values.sorted { $0.id < $1.id }
        let tables = backup.tables.values.sorted { $0.id < $1.id }
        var ids = CatalogIDAllocator(
            startingAt: try await store.reserveIDs(count: max(1, groups.count + tables.count)).lowerBound)
        var working = target
        var changes: [CatalogChange] = []
        var newGroups: [ColocationGroupID: ColocationGroupID] = [:]
        var installs: [(from: String, file: ShardFileID, node: String)] = []
        for group in groups {
            var restored = group
            restored.id = ids.colocationGroupID()
            newGroups[group.id] = restored.id
            let shardGroups = backup.shardGroups(of: group.id).map {
                ShardGroup(id: ShardGroupID(group: restored.id, index: $0.index), hashRange: $0.hashRange)
            }
            let placements = try PlaceShardGroups.placements(
                for: shardGroups, kind: group.kind, replicas: replicas ?? backup.replicationFactor(of: group.id),
                in: working, localNode: localNode)
            let change = CatalogChange.createColocationGroup(restored, shardGroups: shardGroups, placements: placements)
            working = try working.applying([change])
            changes.append(change)
            for placement in placements {
                let file = ShardFileID(group: restored.id.rawValue, index: placement.shardGroup.index)
                let original = ShardFileID(group: group.id.rawValue, index: placement.shardGroup.index)
                installs.append(
                    (directory + "/" + BackupLayout.shards + "/" + original.fileName, file, working.node(placement.node)!.address))
            }
        }
        var newTables: [TableID: TableID] = [:]
        for table in tables {
            var restored = table
            restored.id = ids.tableID()
            if let replicas, table.kind != .reference { restored.replicationFactor = replicas }
            restored.colocationGroup = newGroups[table.colocationGroup]!
            newTables[table.id] = restored.id
            changes.append(.createTable(restored))
        }
        for index in backup.indexes {
            var restored = index
            restored.table = newTables[index.table]!
            changes.append(.createIndex(restored))
        }
        changes += backup.views.map { .createView($0) }
        for trigger in backup.triggers {
            var restored = trigger
            restored.table = newTables[trigger.table]!
            changes.append(.createTrigger(restored))
        }

        var installed: [(file: ShardFileID, node: String)] = []
        var bytes: Int64 = 0
        do {
            for install in installs {
                let node = try await executor.maintenance(at: install.node)
                let export = try ShardFileExport.reading(install.from)
                installed.append((install.file, install.node))
                _ = try await node.installShard(install.file, from: export)
                try await node.controlShard(install.file, .finishCopy)
                bytes += export.byteCount
                progress("\(install.file.fileName) on \(install.node): \(export.byteCount) bytes")
            }
            adopt(try await store.apply(changes, expectedVersion: target.version))
        } catch {
            for copy in installed { try? await executor.maintenance(at: copy.node).dropShard(copy.file) }
            throw error
        }
        for (table, key) in manifest.keyFloors {
            if let restored = newTables[table] { try await store.raiseKeyFloor(table: restored, atLeast: key) }
        }
        return RestoreSummary(tables: tables.count, files: installs.count, bytes: bytes)
    }

    /// The changes that create `snapshot`'s nodes, groups (with their shard groups and
    /// placements), tables, indexes, views and triggers in an empty catalog, IDs kept (in ID
    /// order, as the catalog requires).
    static func creationChanges(of snapshot: CatalogSnapshot) -> [CatalogChange] {
        var numbered: [(Int64, CatalogChange)] = snapshot.nodes.values.map { ($0.id.rawValue, .addNode($0)) }
        for group in snapshot.colocationGroups.values {
            let shardGroups = snapshot.shardGroups(of: group.id)
            numbered.append((
                group.id.rawValue,
                .createColocationGroup(
                    group, shardGroups: shardGroups, placements: shardGroups.flatMap { snapshot.placements(of: $0.id) })
            ))
        }
        numbered += snapshot.tables.values.map { ($0.id.rawValue, .createTable($0)) }
        return numbered.sorted { $0.0 < $1.0 }.map(\.1)
            + snapshot.indexes.map { .createIndex($0) }
            + snapshot.views.map { .createView($0) }
            + snapshot.triggers.map { .createTrigger($0) }
    }

    static func writeManifest(
        _ path: String, point: Int64, catalogVersion: Int64, files: [(file: ShardFileID, source: String, bytes: Int64)],
        floors: [(TableID, Int64)]
    ) throws {
        let connection = try SQLiteConnection(path: path, configuration: SQLiteConfiguration(walMode: false))
        defer { connection.close() }
        try connection.transaction {
            try connection.execute(
                """
                CREATE TABLE backup(format INTEGER NOT NULL, point INTEGER NOT NULL, catalog_version INTEGER NOT NULL);
                CREATE TABLE files(file TEXT PRIMARY KEY, source TEXT NOT NULL, bytes INTEGER NOT NULL);
                CREATE TABLE key_floors(table_id INTEGER PRIMARY KEY, key INTEGER NOT NULL);
                """)
            let backup = try connection.prepare("INSERT INTO backup VALUES (?, ?, ?)")
            try backup.bind([.integer(BackupLayout.format), .integer(point), .integer(catalogVersion)])
            try backup.run()
            let file = try connection.prepare("INSERT INTO files VALUES (?, ?, ?)")
            for item in files {
                file.reset()
                try file.bind([.text(item.file.fileName), .text(item.source), .integer(item.bytes)])
                try file.run()
            }
            let floor = try connection.prepare("INSERT INTO key_floors VALUES (?, ?)")
            for (table, key) in floors {
                floor.reset()
                try floor.bind([.integer(table.rawValue), .integer(key)])
                try floor.run()
            }
        }
    }

    /// Deletes a directory tree made by ``backup(to:progress:)`` (files and directories only).
    static func removeTree(_ path: String) {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                removeTree(path + "/" + name)
            }
            closedir(directory)
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// A backup's `manifest.sqlite`, read.
struct BackupManifest {
    var point: Int64
    var keyFloors: [(TableID, Int64)]

    init(path: String) throws {
        guard access(path, F_OK) == 0 else {
            throw ShardQLError(.invalidArgument, "'\(path)' is missing: not a ShardQL backup directory")
        }
        let connection = try SQLiteConnection(path: path, configuration: SQLiteConfiguration(readOnly: true))
        defer { connection.close() }
        guard let row = try connection.prepare("SELECT format, point FROM backup").rows().first,
            case .integer(let format) = row[0], case .integer(let point) = row[1]
        else { throw ShardQLError(.invalidArgument, "'\(path)' is not a ShardQL backup manifest") }
        guard format <= BackupLayout.format else {
            throw ShardQLError(.unsupported, "the backup has format \(format); this ShardQL reads up to \(BackupLayout.format)")
        }
        self.point = point
        keyFloors = try connection.prepare("SELECT table_id, key FROM key_floors").rows().compactMap { row in
            guard case .integer(let table) = row[0], case .integer(let key) = row[1] else { return nil }
            return (TableID(rawValue: table), key)
        }
    }
}
