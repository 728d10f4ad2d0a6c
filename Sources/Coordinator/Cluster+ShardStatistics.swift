import Catalog
import ShardQLBase
import Worker

/// Where a table's rows are: one ``ShardFigures`` per shard, for the shell's `.shards`.
public struct TableShardFigures: Sendable, Hashable {
    /// The table's name as created.
    public var table: String
    /// `hash`, `round-robin`, or `none` for a reference table.
    public var distribution: String
    /// The distribution column of a hash-distributed table.
    public var distributionColumn: String?
    /// One entry per shard, by index.
    public var shards: [ShardFigures]

    /// Creates the value from its parts.
    public init(table: String, distribution: String, distributionColumn: String?, shards: [ShardFigures]) {
        self.table = table
        self.distribution = distribution
        self.distributionColumn = distributionColumn
        self.shards = shards
    }

    /// Rows in every shard.
    public var rows: Int64 { shards.reduce(0) { $0 + $1.rows } }

    /// The fullest shard's rows over the mean (1 is perfectly even); `nil` for an empty table.
    public var skew: Double? {
        guard !shards.isEmpty, rows > 0 else { return nil }
        let mean = Double(rows) / Double(shards.count)
        return Double(shards.map(\.rows).max() ?? 0) / mean
    }
}

/// One shard of a table: its hashes, where it lives, and what it holds.
public struct ShardFigures: Sendable, Hashable {
    /// The shard's number within its co-location group.
    public var index: Int
    /// The distribution hashes it holds (informational for round-robin and reference tables).
    public var hashRange: ClosedRange<UInt64>
    /// Addresses of the nodes holding a copy (`"local"` for the in-process worker).
    public var nodes: [String]
    /// The table's rows in the shard.
    public var rows: Int64
    /// The size of the shard file, which co-located tables share.
    public var bytes: Int64
    /// The shard file's name on its worker.
    public var fileName: String

    /// Creates the value from its parts.
    public init(index: Int, hashRange: ClosedRange<UInt64>, nodes: [String], rows: Int64, bytes: Int64, fileName: String) {
        self.index = index
        self.hashRange = hashRange
        self.nodes = nodes
        self.rows = rows
        self.bytes = bytes
        self.fileName = fileName
    }
}

/// A node of the catalog, with how many shard copies it holds.
public struct NodeFigures: Sendable, Hashable {
    /// `HOST:PORT`, or `"local"` for the in-process worker of an embedded cluster.
    public var address: String
    /// `active`, `draining` or `dead`.
    public var state: String
    /// Shard copies (placements) on the node.
    public var shards: Int
    /// The names of the shard files it holds (``ShardFileID/fileName``), by group and index; a
    /// copy that is not active has its state after the name: `g4-s0.sqlite (inactive)`.
    public var shardFiles: [String]
    /// What this coordinator's calls and health checks found: `up`, `down` (unreachable, or
    /// slower than a health check allows), `draining`, `unknown` (not asked yet), or
    /// `in-process` for the worker inside this process.
    public var health: String
    /// When it last answered this coordinator (or, before that, a health check recorded in the
    /// catalog), in milliseconds since the Unix epoch; nil: never.
    public var lastContact: Int64?

    /// Whether this is the worker inside this process.
    public var isInProcess: Bool { address == Node.localAddress }

    /// Creates the value from its parts.
    public init(
        address: String, state: String, shards: Int, health: String = "unknown", lastContact: Int64? = nil,
        shardFiles: [String] = []
    ) {
        self.address = address
        self.state = state
        self.shards = shards
        self.health = health
        self.lastContact = lastContact
        self.shardFiles = shardFiles
    }
}

extension Cluster {
    /// Rows and bytes per shard of each table (or only `table`), as last committed, tables in
    /// creation order. Each shard file is read once however many tables share it.
    ///
    /// - Parameter includingReference: list reference tables too (a named table is always listed).
    /// - Throws: ``ShardQLError`` (`no such table`) for an unknown `table`; the worker's errors.
    public func shardFigures(of table: String? = nil, includingReference: Bool = false) async throws
        -> [TableShardFigures]
    {
        let snapshot = self.snapshot
        let tables: [Table]
        if let table {
            guard let found = snapshot.table(named: table) else { throw ShardQLError(.sqlite, "no such table: \(table)") }
            tables = [found]
        } else {
            tables = snapshot.tables.values.filter { includingReference || $0.kind == .distributed }
                .sorted { $0.id < $1.id }
        }
        var statistics: [ShardFileID: ShardStatistics] = [:]
        var figures: [TableShardFigures] = []
        for table in tables {
            var shards: [ShardFigures] = []
            for shardGroup in snapshot.shardGroups(of: table) {
                let file = ShardFileID(group: shardGroup.group.rawValue, index: shardGroup.index)
                if statistics[file] == nil { statistics[file] = try await self.shards.statistics(of: file) }
                let figures = statistics[file]!
                // The file spells the name as the CREATE TABLE did; look it up as SQLite would.
                let rows = figures.rowsByTable.first { CatalogName.equal($0.key, table.name) }?.value ?? 0
                let nodes = snapshot.placements(of: shardGroup.id).compactMap { snapshot.node($0.node)?.address }
                shards.append(
                    ShardFigures(
                        index: shardGroup.index, hashRange: shardGroup.hashRange, nodes: nodes, rows: rows,
                        bytes: figures.bytes, fileName: file.fileName))
            }
            figures.append(
                TableShardFigures(
                    table: table.name, distribution: table.distribution.rawValue,
                    distributionColumn: table.distributionColumn, shards: shards))
        }
        return figures
    }

    /// The catalog's nodes by address, with the shard files each holds (its placements) and
    /// what this coordinator knows of their health (a health check runs every two seconds; see
    /// ``checkNodeHealth()``). An embedded cluster has one node: the in-process worker,
    /// `"local"`; `shardql node add` registers remote ones.
    public func nodeFigures() -> [NodeFigures] {
        let snapshot = self.snapshot
        let contacts = executor.contacts()
        return snapshot.nodes.values.sorted { $0.address < $1.address }.map {
            Self.figures(of: $0, in: snapshot, contact: contacts[$0.address])
        }
    }

    /// Asks every remote node whether it serves, now (each has a second to answer), for
    /// ``nodeFigures()`` to be current.
    public func checkNodeHealth() async {
        await Self.recordLastContact(of: executor.checkHealth(), in: store)
    }

    /// Records in the catalog when the nodes that went down (by address) last answered; a
    /// failure to record only leaves the figure out.
    static func recordLastContact(of wentDown: [String: Int64], in store: any CatalogStore) async {
        guard !wentDown.isEmpty, let catalog = try? await store.snapshot() else { return }
        var lastAnswers: [NodeID: Int64] = [:]
        for (address, time) in wentDown {
            if let node = catalog.node(address: address) { lastAnswers[node.id] = time }
        }
        try? await store.recordContact(lastAnswers)
    }
}
