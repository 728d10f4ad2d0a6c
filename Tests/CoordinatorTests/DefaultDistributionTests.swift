import Foundation
import Testing

@testable import Coordinator

@Suite("Default distribution policies")
struct DefaultDistributionTests {
    @Test(arguments: [
        (Cluster.DefaultDistribution.keys, [nil, "id", "x"]),
        (.firstColumn, ["x", "id", "x"]),
        (.roundRobin, [nil, "id", "x"]),
    ] as [(Cluster.DefaultDistribution, [String?])])
    func tablesWithoutAClause(policy: Cluster.DefaultDistribution, expected: [String?]) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = try await Cluster.open(directory: directory, defaultDistribution: policy)
        _ = try await cluster.execute(
            "CREATE TABLE a(x, y); CREATE TABLE b(x, id INTEGER PRIMARY KEY); CREATE TABLE c(x PRIMARY KEY, y)")
        let snapshot = cluster.snapshot
        #expect(["a", "b", "c"].map { snapshot.table(named: $0)?.distributionColumn } == expected)
        await cluster.close()
    }
}
