import ArgumentParser
import Coordinator
import Foundation
import Import
import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `shardql import FILE… --table T [options]`: bulk load (DESIGN §8).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load CSV, TSV, JSON Lines or a SQLite table into a table, all or nothing.",
        discussion: """
            Rows are routed by the table's distribution and written by one writer per shard. A new \
            table (--create) appears at once when every shard is written; an append commits on every \
            shard at once (two-phase). An error, Ctrl-C or a crash leaves the table as it was. \
            Files ending in .gz are decompressed on the way; the format is guessed from the name.
            """
    )

    @Argument(help: "Files to load (all into one table).")
    var files: [String]

    @Option(name: .long, help: "The table to load into.")
    var table: String

    @OptionGroup var location: ClusterOptions

    @OptionGroup var flags: ImportFlags

    func run() async throws {
        let cluster = try await location.open(shards: flags.shards ?? 4, replicas: flags.replicas ?? 1)
        do {
            let report = try await ImportRunner.run(
                cluster: cluster, table: table, files: files, flags: flags, handlingInterrupts: true)
            print(ImportRunner.summary(report))
        } catch {
            printError("Error: \(error)")
            await cluster.close()
            throw ExitCode.failure
        }
        await cluster.close()
    }
}

/// The options `shardql import` and the REPL's `.import` share.
struct ImportFlags: ParsableArguments {
    @Option(name: .long, help: "csv, tsv, jsonl or sqlite (default: from the file name).")
    var format: String?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "The first CSV/TSV record names the columns (default: yes).")
    var header: Bool?

    @Option(name: .long, help: "The field delimiter: one character, or \\t (default: , for csv, tab for tsv).")
    var delimiter: String?

    @Option(name: .long, help: "The quote character, or none (default: \" for csv, none for tsv).")
    var quote: String?

    @Option(name: .long, help: "Unquoted fields equal to this are NULL (e.g. NA).")
    var null: String?

    @Option(name: .long, help: "The table columns the fields go to, in order: a,b,c.")
    var columns: String?

    @Flag(name: .long, help: "Create the table: column types inferred from the first rows, or --schema.")
    var create = false

    @Option(name: .long, help: "The CREATE TABLE statement for --create.")
    var schema: String?

    @Option(name: .customLong("distribute-by"), help: "Hash-distribute the new table on this column.")
    var distributeBy: String?

    @Option(name: .long, help: "Shards of the new table (default 4).")
    var shards: Int?

    @Option(name: .long, help: "Copies of each shard of the new table, on distinct worker nodes (default 1).")
    var replicas: Int?

    @Flag(name: .long, help: "Create a reference table (a copy on every node).")
    var reference = false

    @Option(name: .customLong("max-errors"), help: "Bad rows to skip before aborting (default 0).")
    var maxErrors = 0

    @Option(name: .customLong("errors-file"), help: "Write every bad row's error to this file.")
    var errorsFile: String?

    @Flag(name: .customLong("dry-run"), help: "Read, check and route everything, then roll back.")
    var dryRun = false

    @Option(name: .customLong("source-table"), help: "With --format sqlite: the table to copy (default: --table).")
    var sourceTable: String?

    func options() throws -> ImportOptions {
        var options = ImportOptions()
        if let format {
            guard let known = ImportOptions.Format(rawValue: format.lowercased()) else {
                throw ShardQLError(.invalidArgument, "unknown --format \(format): csv, tsv, jsonl or sqlite")
            }
            options.format = known
        }
        options.header = header
        if let delimiter { options.delimiter = try Self.character(delimiter, "--delimiter") }
        if let quote { options.quote = quote.lowercased() == "none" ? .some(nil) : try Self.character(quote, "--quote") }
        options.nullText = null
        options.columns = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        options.create = create
        options.schema = schema
        options.distributeBy = distributeBy
        options.shards = shards
        options.replicas = replicas
        options.reference = reference
        options.maxErrors = maxErrors
        options.errorsFile = errorsFile
        options.dryRun = dryRun
        options.sourceTable = sourceTable
        return options
    }

    private static func character(_ text: String, _ option: String) throws -> UInt8 {
        let unescaped = text == "\\t" || text.lowercased() == "tab" ? "\t" : text
        guard unescaped.utf8.count == 1, let byte = unescaped.utf8.first else {
            throw ShardQLError(.invalidArgument, "\(option) must be one ASCII character, not '\(text)'")
        }
        return byte
    }
}

/// Runs an import with its progress (a live bar on a terminal, else a line every few seconds, on
/// stderr); the first bad rows are shown on stderr as they are found.
enum ImportRunner {
    /// With `handlingInterrupts`, Ctrl-C cancels the import (which then rolls back) instead of
    /// ending the process; the REPL passes `false`, its own handler cancels the running command.
    static func run(cluster: Cluster, table: String, files: [String], flags: ImportFlags, handlingInterrupts: Bool)
        async throws -> ImportReport
    {
        let progress = ProgressLine(isTerminal: isatty(STDERR_FILENO) != 0, table: table)
        defer { progress.clear() }
        let importer = try Importer(
            cluster: cluster, table: table, files: files, options: try flags.options(),
            showError: { message in
                progress.clear()
                printError(message)
            },
            progress: { progress.show($0) })
        do {
            guard handlingInterrupts else { return try await importer.run() }
            let task = Task { try await importer.run() }
            let interrupts = InterruptSignal { task.cancel() }
            defer { interrupts.uninstall() }
            return try await task.value
        } catch is CancellationError {
            throw ShardQLError(.cancelled, "import into \(table) interrupted; nothing was imported")
        } catch let error as ShardQLError where error.code == .cancelled {
            throw ShardQLError(.cancelled, "import into \(table) interrupted; nothing was imported", cause: error)
        }
    }

    static func summary(_ report: ImportReport) -> String {
        let verb = report.dryRun ? "dry run: would import" : "imported"
        var text = "\(verb) \(grouped(report.rows)) rows into \(report.table)\(report.created ? " (new table)" : "")"
            + " in \(String(format: "%.2f", report.seconds)) s (\(grouped(Int(report.rowsPerSecond))) rows/s)"
            + ", \(grouped(report.rejected)) rejected"
        if report.dryRun { text += "; nothing was written" }
        if report.rowsPerShard.count > 1 {
            text += "\nrows per shard: " + report.rowsPerShard.map(grouped).joined(separator: ", ")
                + " (skew \(String(format: "%.2f", report.skew)), max/mean)"
        }
        return text
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }
}

/// The progress display: on a terminal one line redrawn at most ten times a second (a bar, %,
/// rows, MB, rows/s, ETA); elsewhere a plain line every five seconds.
final class ProgressLine: @unchecked Sendable {
    private let isTerminal: Bool
    private let table: String
    private let lock = NSLock()
    private var lastShown: Double = -1
    private var visible = false

    init(isTerminal: Bool, table: String) {
        self.isTerminal = isTerminal
        self.table = table
    }

    func show(_ progress: ImportProgress) {
        lock.lock()
        defer { lock.unlock() }
        let interval = isTerminal ? 0.1 : 5
        guard progress.seconds - lastShown >= interval else { return }
        lastShown = progress.seconds
        let rate = progress.seconds > 0 ? Double(progress.rows) / progress.seconds : 0
        let megabytes = String(format: "%.1f MB", Double(progress.bytes) / 1_048_576)
        var fraction: Double?
        if let done = progress.fileBytes, progress.totalFileBytes > 0 {
            fraction = min(1, Double(done) / Double(progress.totalFileBytes))
        }
        var parts = ["\(ImportRunner.grouped(progress.rows)) rows", megabytes, "\(ImportRunner.grouped(Int(rate))) rows/s"]
        if let fraction {
            parts.insert(String(format: "%3.0f%%", fraction * 100), at: 0)
            if fraction > 0.01 {
                let remaining = progress.seconds * (1 - fraction) / fraction
                parts.append("ETA \(Int(remaining) / 60):" + String(format: "%02d", Int(remaining) % 60))
            }
        }
        if isTerminal {
            let width = 24
            let filled = Int((fraction ?? 0) * Double(width))
            let bar = fraction == nil ? "" : String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + " "
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + "\(table) " + bar + parts.joined(separator: "  ")).utf8))
            visible = true
        } else {
            FileHandle.standardError.write(Data(("import \(table): " + parts.joined(separator: ", ") + "\n").utf8))
        }
    }

    /// Removes the live line (before a message or the summary).
    func clear() {
        lock.lock()
        defer { lock.unlock() }
        guard visible else { return }
        visible = false
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
