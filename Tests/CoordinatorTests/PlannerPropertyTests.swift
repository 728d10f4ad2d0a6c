import Foundation
import SQLSyntax
import ShardQLBase
import Testing

@testable import Coordinator

/// The planner's tiers against the general path: random schemas, rows and queries (the
/// generator of ``RandomDifferentialTests``) run through the plan the planner chooses and
/// through the general path, forced, on the same cluster; every answer must match. The tiers
/// chosen are counted, so the test fails if the planner stops choosing the faster ones.
@Suite("Planner property: the chosen plan answers as the general path does")
struct PlannerPropertyTests {
    static let seed: UInt64 = 0x504C_414E_4E45_5201
    static let cases = 16

    @Test(arguments: [3, 8])
    func chosenPlansMatchTheGeneralPath(shards: Int) async throws {
        var tiers: [DistributedPlan.Tier: Int] = [:]
        var log = DiffLog(seed: Self.seed, shards: shards)
        for index in 0..<Self.cases {
            let testCase = DiffCase.make(seed: Self.seed, index: index, queries: 40, writes: 4)
            try await DifferentialTests.withCluster(shards: shards) { cluster in
                for statement in testCase.schema(forCluster: true) { _ = try await cluster.execute(statement) }
                for (number, step) in testCase.steps.enumerated() {
                    switch step {
                    case .write(let sql):
                        _ = try? await cluster.execute(sql)
                    case .query(let query):
                        guard case .select(let select) = try SQLParser.parseStatement(query.sql).kind else { continue }
                        tiers[cluster.plan(for: select).tier, default: 0] += 1
                        let chosen = await DifferentialTests.cluster(cluster, query.sql)
                        cluster.settings.withLock { $0.forceGeneralPath = true }
                        let general = await DifferentialTests.cluster(cluster, query.sql)
                        cluster.settings.withLock { $0.forceGeneralPath = false }
                        switch (general, chosen) {
                        case (.success(let expected), .success(let got)):
                            if let difference = DiffCompare.difference(expected: expected, got: got, query: query) {
                                log.record(testCase, step: number, "query: \(query.sql)\n\(difference)")
                            }
                        case (.failure, .failure):
                            break
                        case (.success(let expected), .failure(let error)):
                            log.record(testCase, step: number, "query: \(query.sql)\n  general path: \(expected.count) rows; chosen plan failed: \(error)")
                        case (.failure(let error), .success(let got)):
                            log.record(testCase, step: number, "query: \(query.sql)\n  general path failed (\(error)); chosen plan: \(got.count) rows")
                        }
                    }
                }
            }
        }
        let total = tiers.values.reduce(0, +)
        // The generator's queries are pushable often enough that a planner falling back
        // everywhere is a regression, not luck.
        #expect(tiers[.pushdown, default: 0] * 5 >= total, "tiers: \(tiers)")
        #expect(tiers[.router, default: 0] > 0, "tiers: \(tiers)")
    }
}
