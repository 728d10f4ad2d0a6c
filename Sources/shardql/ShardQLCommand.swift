import ArgumentParser
import Coordinator
import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `shardql`: the root command. Without a subcommand it runs SQL (``Run``), so
/// `shardql -c "SELECT 1"`, `shardql --data DIR file.sql`, piped input and the terminal prompt
/// work as they always have; `shardql slt FILE…` runs sqllogictest files (``SLT``).
@main
struct ShardQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shardql",
        abstract: "ShardQL: SQL over SQLite shards.",
        usage: """
            shardql [--data DIR] [--catalog URL] [--shards N] [-c SQL] [--mode MODE] [--[no-]header] [--null-value S] [--bail] [FILE]
              shardql <subcommand> [options]
            """,
        discussion: """
            Without a subcommand, shardql runs SQL on the cluster in --data DIR (default ./shardql-data): \
            the SQL given with -c, else the SQL in FILE, else standard input; on a terminal it opens \
            the interactive shell (type .help there). 'shardql help run' lists every option.
            """,
        version: ShardQLVersion.current,
        subcommands: [
            Run.self, ImportCommand.self, SLT.self, Recover.self, NodeCommand.self, ShardCommand.self,
            RebalanceCommand.self, BackupCommand.self, RestoreCommand.self, WorkerCommand.self,
        ],
        defaultSubcommand: Run.self
    )
}

/// `shardql [run] [--data DIR] [--catalog URL] [--shards N] [-c SQL] [--mode M] [FILE]`: runs SQL on the embedded
/// cluster in `DIR`, in batch like `sqlite3`.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run SQL (the default command).",
        discussion: """
            Runs the SQL given with -c, else the SQL in FILE, else the SQL read from standard input, \
            statement by statement like the sqlite3 shell: each error is reported on stderr, and the \
            exit status is non-zero if any statement failed. On a terminal it prompts for statements \
            and runs each as soon as its closing ';' is typed.
            """
    )

    @OptionGroup var location: ClusterOptions

    @Option(name: .long, help: "Shards of tables created without SHARDS n (1–4096).")
    var shards: Int = 4

    @Option(
        name: .long,
        help: "Copies of each shard of tables created without REPLICAS r, on distinct worker nodes (1–16).")
    var replicas: Int = 1

    @Option(name: .customShort("c"), help: "Run this SQL and exit.")
    var command: String?

    @Option(
        name: .long,
        help: "Output mode: \(OutputMode.allValueStrings.joined(separator: ", ")) (default: box on a terminal, else list).")
    var mode: OutputMode?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Print a header row with the column names (default: on a terminal, yes).")
    var header: Bool?

    @Option(name: .long, help: "Text to print for NULL.")
    var nullValue: String = ""

    @Flag(name: .long, help: "Stop at the first error.")
    var bail: Bool = false

    @Argument(help: "A file of SQL to run (default: standard input).")
    var file: String?

    func run() async throws {
        // A person at a terminal gets a streamed box with a header and row counts; anything else
        // prints as sqlite3 would, byte for byte, so scripts can compare.
        let terminal = TerminalLayout.standardOutput()
        let output = ResultWriter(
            mode: mode ?? (terminal != nil ? .box : .list), showsHeader: header ?? (terminal != nil),
            nullValue: nullValue, terminal: terminal)
        output.showsFooter = terminal != nil
        let cluster = try await location.open(shards: shards, replicas: replicas)
        let interactive = command == nil && file == nil && isatty(STDIN_FILENO) != 0
        let shell = Shell(
            cluster: cluster,
            // The catalog as CatalogLocation prints it: a PostgreSQL URL without its password.
            clusterDescription: ((try? location.catalogLocation()) ?? nil).map { "catalog \($0), data \(location.data)" }
                ?? location.data,
            output: output, bail: bail, isInteractive: interactive)
        if interactive {
            await shell.runInteractively()
            await cluster.close()
            return
        }
        let source: String
        if let command {
            source = command
        } else if let file {
            guard let contents = readFile(file) else {
                printError("Error: cannot read '\(file)'")
                throw ExitCode.failure
            }
            source = contents
        } else {
            source = readStandardInput()
        }
        let failures = await shell.run(script: source)
        await cluster.close()
        if failures > 0 { throw ExitCode.failure }
    }
}

enum ShardQLVersion {
    static let current = "0.1.0"
}
