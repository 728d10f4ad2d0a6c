import Foundation
import Testing

/// `shardql node add|remove|list` against one data directory, as a user would run them.
@Suite("shardql node")
struct NodeCommandTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-node-\(UUID().uuidString)").path

    func shardql(_ arguments: [String], stdin: String = "") throws -> BoundedProcess.Outcome {
        try BoundedProcess.run(CommandLineTests.binary, arguments + ["--data", data], stdin: Array(stdin.utf8), limit: .seconds(60))
    }

    @Test func addListRemove() throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        let empty = try shardql(["node", "list"])
        #expect(empty.status == 0, "\(empty.summary)")
        #expect(empty.stdoutText == "node|state|health|last_contact|shards|files\nlocal|active|in-process||0|\n")

        let added = try shardql(["node", "add", "127.0.0.1:1"])
        #expect(added.status == 0, "\(added.summary)")
        #expect(added.stdoutText == "added node 127.0.0.1:1 (active)\n")
        #expect(try shardql(["node", "add", "worker-2.example:65535"]).status == 0)

        // Nothing answers at either address (port 1 is never a worker's; the host does not
        // resolve): the listing's health check finds both down, never contacted.
        let listed = try shardql(["node", "list"])
        #expect(
            listed.stdoutText
                == "node|state|health|last_contact|shards|files\n127.0.0.1:1|active|down|never|0|\n"
                + "local|active|in-process||0|\nworker-2.example:65535|active|down|never|0|\n",
            "\(listed.summary)")

        // The shell's .nodes shows the same nodes.
        let shell = try shardql([], stdin: ".nodes\n")
        #expect(shell.status == 0, "\(shell.summary)")
        #expect(shell.stdoutText.contains("node|state|health|shards|kind|last_contact|files\n"))
        #expect(shell.stdoutText.contains("127.0.0.1:1|active|down|0|remote worker||\n"), "\(shell.summary)")

        let duplicate = try shardql(["node", "add", "127.0.0.1:1"])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderrText.contains("node 127.0.0.1:1 is already registered"), "\(duplicate.summary)")

        let removed = try shardql(["node", "remove", "127.0.0.1:1"])
        #expect(removed.status == 0, "\(removed.summary)")
        #expect(removed.stdoutText == "removed node 127.0.0.1:1\n")
        let after = try shardql(["node", "list"])
        #expect(
            after.stdoutText
                == "node|state|health|last_contact|shards|files\nlocal|active|in-process||0|\n"
                + "worker-2.example:65535|active|down|never|0|\n")

        let unknown = try shardql(["node", "remove", "127.0.0.1:1"])
        #expect(unknown.status != 0)
        #expect(unknown.stderrText.contains("no such node: 127.0.0.1:1"), "\(unknown.summary)")
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":7001", "host:port", "local"])
    func malformedAddressesAreRefused(_ address: String) throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        let outcome = try shardql(["node", "add", address])
        #expect(outcome.status != 0)
        #expect(outcome.stderrText.contains("Error: "), "\(outcome.summary)")
        #expect(try shardql(["node", "list"]).stdoutText == "node|state|health|last_contact|shards|files\nlocal|active|in-process||0|\n")
    }

    @Test func theInProcessWorkerAndNodesHoldingShardsStay() throws {
        defer { try? FileManager.default.removeItem(atPath: data) }
        #expect(try shardql(["-c", "CREATE TABLE t(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) SHARDS 2"]).status == 0)
        let local = try shardql(["node", "remove", "local"])
        #expect(local.status != 0)
        #expect(local.stderrText.contains("cannot be removed"), "\(local.summary)")
        let listed = try shardql(["node", "list"])
        #expect(listed.stdoutText.hasPrefix("node|state|health|last_contact|shards|files\nlocal|active|in-process||2|g"), "\(listed.summary)")
    }
}
