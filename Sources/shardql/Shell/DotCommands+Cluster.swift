import Coordinator
import Import
import ShardQLBase

/// ShardQL's own dot-commands: where the data is (`.shards`, `.nodes`) and how a query runs
/// (`.explain`).
extension Shell {
    /// `.shards ?TABLE?`: a result with one row per shard of each distributed table (or of the
    /// named table, reference tables included), then a line per table with its rows and skew.
    func showShards(of table: String?) async throws {
        let tables = try await cluster.shardFigures(of: table)
        guard !tables.isEmpty else {
            output.note("(no distributed tables)")
            return
        }
        for figures in tables {
            let range: (ShardFigures) -> String
            switch figures.distribution {
            case "hash":
                range = { "\(Self.hex($0.hashRange.lowerBound))-\(Self.hex($0.hashRange.upperBound))" }
            case "none":
                range = { _ in "(replicated)" }
            default:
                range = { _ in "(\(figures.distribution))" }
            }
            let rows = figures.shards.map { shard -> [SQLValue] in
                [
                    .text(figures.table), .integer(Int64(shard.index)), .text(range(shard)),
                    .text(shard.nodes.joined(separator: ",")), .integer(shard.rows), .integer(shard.bytes),
                ]
            }
            writeResult(columns: ["table", "shard", "hash_range", "node", "rows", "bytes"], rows: rows)
            let layout: String
            switch figures.distribution {
            case "hash": layout = "hash on \(figures.distributionColumn ?? "?")"
            case "none": layout = "replicated"
            default: layout = figures.distribution
            }
            let skew = figures.skew.map { "skew \(Self.twoDecimals($0)) (max/mean rows)" } ?? "empty"
            output.note(
                "-- \(figures.table): \(layout), \(figures.shards.count) shard\(figures.shards.count == 1 ? "" : "s"), "
                    + "\(figures.rows) row\(figures.rows == 1 ? "" : "s"), \(skew)")
        }
    }

    /// `.nodes`: the catalog's nodes (as `shardql node list` shows them) with the shard files
    /// each holds; an embedded cluster's only node is the worker in this process.
    func showNodes() async {
        await cluster.checkNodeHealth()
        let nodes = cluster.nodeFigures()
        let rows = nodes.map { node -> [SQLValue] in
            [
                .text(node.address), .text(node.state), .text(node.health), .integer(Int64(node.shards)),
                .text(node.isInProcess ? "in-process worker (\(clusterDescription))" : "remote worker"),
                node.lastContact.map { .text(WallClock.utcText(milliseconds: $0)) } ?? .null,
                .text(node.shardFiles.joined(separator: ",")),
            ]
        }
        writeResult(columns: ["node", "state", "health", "shards", "kind", "last_contact", "files"], rows: rows)
    }

    /// `.import FILE TABLE ?OPTIONS?`: `shardql import` from the shell, same pipeline and options;
    /// like sqlite3's, it creates a missing table from the file (its header, inferred types).
    func importFile(_ arguments: [String], _ command: DotCommand) async throws {
        guard arguments.count >= 2 else { throw command.usageError }
        var flags: ImportFlags
        do {
            flags = try ImportFlags.parse(Array(arguments.dropFirst(2)))
        } catch {
            throw ShardQLError(.invalidArgument, ImportFlags.message(for: error))
        }
        if !flags.create, (try? cluster.columnNames(ofTable: arguments[1])) == nil { flags.create = true }
        let report = try await ImportRunner.run(
            cluster: cluster, table: arguments[1], files: [arguments[0]], flags: flags, handlingInterrupts: false)
        output.note(ImportRunner.summary(report))
    }

    /// `.explain ?ANALYZE? QUERY`: the distributed plan, from the engine's `EXPLAIN [ANALYZE]`.
    func explain(_ query: String, _ command: DotCommand) async throws {
        guard !query.isEmpty, query.uppercased() != "ANALYZE" else { throw command.usageError }
        try await runStatements(Substring("EXPLAIN " + query))
    }

    /// A small result of the shell's own, in the current mode, always with its header (a row of
    /// figures means nothing without it).
    private func writeResult(columns: [String], rows: [[SQLValue]]) {
        let showedHeader = output.showsHeader
        output.showsHeader = true
        defer { output.showsHeader = showedHeader }
        output.begin(columns: columns)
        for row in rows { output.write(row: row) }
        output.end()
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
