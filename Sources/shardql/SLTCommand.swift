import ArgumentParser
import Catalog
import Coordinator
import ShardQLBase
import SQLLogicTest
import WorkerClient
import WorkerProtocol

/// `shardql slt [--shards N] [--distribution D] [--workers H:P,…] [--catalog URL] FILE…`: runs sqllogictest files
/// and reports every record that does not behave as the file says.
///
/// Each file runs on a fresh cluster (``ClusterSLTDatabase``) with `--shards` shards per table and
/// `--distribution` for tables created without a distribution clause; with `--workers`, the
/// worker processes at those addresses are its nodes and hold every shard file; with `--catalog`,
/// every file's cluster keeps its catalog there (PostgreSQL, say) instead of in a new file.
struct SLT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slt",
        abstract: "Run sqllogictest files.",
        discussion: """
            Runs each FILE (a directory stands for every .test file under it) on a fresh database, \
            as SQLite's sqllogictest does with -verify and the dialect 'sqlite': records excluded \
            by skipif/onlyif, or after a halt, count as skipped. Prints each failure with its \
            file:line, SQL, expected and actual result, a summary line per file, and the totals \
            'N passed, N failed, N skipped'; the exit status is non-zero if any record failed.
            """
    )

    static let maximumShards = 4096

    @Option(name: .long, help: "Shards per distributed table (1–\(maximumShards)).")
    var shards: Int?

    @Option(
        name: .long,
        help: """
            How tables without a distribution clause are spread: default (PRIMARY KEY, else first \
            UNIQUE column, else round-robin), hash-first (first column), round-robin.
            """
    )
    var distribution: Cluster.DefaultDistribution?

    @Option(name: .long, help: "Override every hash-threshold record (0 compares every value).")
    var hashThreshold: Int?

    @Flag(name: .long, help: "Print every failure (default: the first \(failuresPerFile) of each file).")
    var verbose: Bool = false

    @Option(
        name: .long,
        help: """
            A record known to fail, as FILE:LINE (FILE matched by its path's ending); it is reported \
            but does not fail the run. Repeatable. A known failure that passes is reported too.
            """)
    var knownFailure: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Worker nodes (comma-separated HOST:PORT) that hold the shard files; each file's tables are dropped from them when it ends.",
            valueName: "H:P,…"))
    var workers: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A catalog every file's cluster uses instead of a new embedded one (e.g. postgres://…); it must be empty, and each file drops what it created.",
            valueName: "URL"))
    var catalog: String?

    @OptionGroup var connection: WorkerConnectionOptions

    @Argument(help: "sqllogictest files, or directories of them.")
    var files: [String] = []

    static let failuresPerFile = 10

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one sqllogictest file.") }
        if let shards, !(1...Self.maximumShards).contains(shards) {
            throw ValidationError("--shards must be between 1 and \(Self.maximumShards), got \(shards).")
        }
        for address in workerAddresses {
            do {
                _ = try WorkerAddress(parsing: address)
            } catch {
                throw ValidationError("--workers: \(error.message)")
            }
        }
        if let hashThreshold, hashThreshold < 0 {
            throw ValidationError("--hash-threshold must not be negative, got \(hashThreshold).")
        }
    }

    private var workerAddresses: [String] {
        (workers ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        let runner: SLTRunner
        let nodes: ClusterSLTDatabase.Nodes
        let catalogLocation: CatalogLocation?
        do {
            runner = try SLTRunner(dialect: "sqlite", hashThresholdOverride: hashThreshold)
            catalogLocation = try catalog.map(CatalogLocation.init(url:))
            nodes = ClusterSLTDatabase.Nodes(addresses: workerAddresses, options: try connection.remoteWorkerOptions())
        } catch {
            printError("Error: \(error)")
            throw ExitCode.failure
        }

        let clock = ContinuousClock()
        let start = clock.now
        var total = SLTFileReport(path: "")
        var failures: [SLTFailure] = []
        var unreadable = 0
        for path in try expandedFiles() {
            let fileStart = clock.now
            let records: [SLTRecord]
            do {
                records = try SQLLogicTestFile.parse(fileAtPath: path)
            } catch {
                printError("Error: \(path): \(error)")
                unreadable += 1
                continue
            }
            var database: ClusterSLTDatabase
            do {
                database = try await ClusterSLTDatabase(
                    shards: shards ?? 4, distribution: distribution ?? .keys, nodes: nodes, catalog: catalogLocation)
            } catch {
                printError("Error: \(error)")
                throw ExitCode.failure
            }
            let report = await runner.run(records, path: path, on: &database)
            do {
                try await database.remove()
            } catch {
                // The next file would meet this one's shard files on the workers.
                printError("Error: \(path): cannot clean up the workers: \(error)")
                throw ExitCode.failure
            }

            let shown = verbose ? report.failures : Array(report.failures.prefix(Self.failuresPerFile))
            for failure in shown {
                printLine(failure.description)
            }
            if shown.count < report.failures.count {
                printLine("\(path): \(report.failures.count - shown.count) more failures (--verbose prints all)")
            }
            printLine("\(path): \(report.summary) (\(Self.seconds(clock.now - fileStart)))")
            total.passed += report.passed
            total.failed += report.failed
            failures += report.failures
            total.skipped += report.skipped
        }
        var summary = total.summary
        if unreadable > 0 { summary += ", \(unreadable) \(unreadable == 1 ? "file" : "files") unreadable" }
        printLine("\(summary) (\(Self.seconds(clock.now - start)))")
        let unexpected = failures.filter { !isKnown($0) }
        let stale = knownFailure.filter { known in !failures.contains { Self.matches(known, $0) } }
        if !knownFailure.isEmpty {
            printLine("\(failures.count - unexpected.count) known failures, \(unexpected.count) unexpected")
        }
        for known in stale { printLine("known failure \(known) did not fail: remove it from the list") }
        if !unexpected.isEmpty || !stale.isEmpty || unreadable > 0 { throw ExitCode.failure }
    }

    private func isKnown(_ failure: SLTFailure) -> Bool {
        knownFailure.contains { Self.matches($0, failure) }
    }

    /// `known` is `FILE:LINE`; FILE matches the end of the failure's path.
    static func matches(_ known: String, _ failure: SLTFailure) -> Bool {
        guard let colon = known.lastIndex(of: ":"), let line = Int(known[known.index(after: colon)...]) else {
            return false
        }
        return failure.line == line && failure.path.hasSuffix(String(known[..<colon]))
    }

    /// The files to run: each argument, or every `.test` file under it when it is a directory.
    private func expandedFiles() throws -> [String] {
        var paths: [String] = []
        for argument in files {
            if let corpus = SQLLogicTestCorpus(directory: argument) {
                guard !corpus.files.isEmpty else {
                    throw ValidationError("No .test files under '\(argument)'.")
                }
                paths += corpus.files.map(corpus.path(of:))
            } else {
                paths.append(argument)
            }
        }
        return paths
    }

    /// `1.23 s`.
    static func seconds(_ duration: Duration) -> String {
        let hundredths = duration.components.seconds * 100 + duration.components.attoseconds / 10_000_000_000_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }
}

func printLine(_ text: String) {
    writeFully(Array((text + "\n").utf8), to: standardOutput)
}

extension Cluster.DefaultDistribution: ExpressibleByArgument {}
