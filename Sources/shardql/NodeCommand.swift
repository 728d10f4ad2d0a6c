import ArgumentParser
import ShardQLBase
import Coordinator

/// `shardql node add|remove|list [HOST:PORT] [--data DIR | --catalog URL]`: the worker nodes
/// the catalog knows (DESIGN §8, issue #7). Tables created after a node is added place their
/// shard files round-robin over the active nodes; with none, everything stays in-process.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Register, unregister and list worker nodes.",
        discussion: """
            A node is a 'shardql worker' process at HOST:PORT. Registering one changes only the \
            catalog: tables created afterwards spread their shard files round-robin over the \
            active nodes; existing shard files stay where they are.
            """,
        subcommands: [Add.self, Remove.self, List.self]
    )

    /// `shardql node add HOST:PORT`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a worker node; new tables place shard files on it.")

        @Argument(help: ArgumentHelp("The worker's address (port 1–65535).", valueName: "HOST:PORT"))
        var address: String

        @Flag(help: "Then move shard files onto it (see 'shardql rebalance').")
        var rebalance = false

        @OptionGroup var location: ClusterOptions

        func run() async throws {
            try await NodeCommand.withCluster(location) { cluster in
                let node = try await cluster.addNode(address: address)
                print("added node \(node.address) (\(node.state))")
                if rebalance { try await RebalanceCommand.rebalance(cluster, dryRun: false) }
            }
        }
    }

    /// `shardql node remove HOST:PORT`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unregister a worker node that holds no shard files.")

        @Argument(help: ArgumentHelp("The worker's address as registered.", valueName: "HOST:PORT"))
        var address: String

        @OptionGroup var location: ClusterOptions

        func run() async throws {
            try await NodeCommand.withCluster(location) { cluster in
                try await cluster.removeNode(address: address)
                print("removed node \(address)")
            }
        }
    }

    /// `shardql node list`: one line per node,
    /// `address|state|health|last contact|shard files|file names`, after asking every node.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the nodes: address, state, health, last contact, and the shard files each holds.",
            discussion: """
                state is the catalog's (active, draining, dead); health is what a health check \
                made now found (up, down, draining; in-process for this process's own worker); \
                last_contact is when the node last answered, in UTC.
                """)

        @OptionGroup var location: ClusterOptions

        func run() async throws {
            try await NodeCommand.withCluster(location) { cluster in
                await cluster.checkNodeHealth()
                print("node|state|health|last_contact|shards|files")
                for node in cluster.nodeFigures() {
                    let contact = node.isInProcess ? "" : node.lastContact.map(WallClock.utcText(milliseconds:)) ?? "never"
                    print(
                        "\(node.address)|\(node.state)|\(node.health)|\(contact)|\(node.shards)|"
                            + node.shardFiles.joined(separator: ","))
                }
            }
        }
    }

    /// Opens the cluster without recovering (that needs every node; `shardql recover` does it),
    /// runs `body`, reports its error on stderr and fails the command.
    static func withCluster(_ location: ClusterOptions, _ body: (Cluster) async throws -> Void) async throws {
        let cluster = try await location.open(recovering: false)
        do {
            try await body(cluster)
        } catch {
            printError("Error: \(error)")
            await cluster.close()
            throw ExitCode.failure
        }
        await cluster.close()
    }
}
