import Foundation
import ShardQL

/// A tour of the Swift API on a throwaway embedded cluster: a distributed table and a reference
/// table, filled in one transaction, then queried every way the API offers. Each answer is checked
/// against the same figure computed here in Swift; any difference makes the program exit 1.
@main
struct QuickStart {
    /// A row of `orders`, decoded by column name.
    struct Order: Decodable, Equatable {
        var id: Int
        var item: String
        var amount: Int
    }

    static let regions = ["Africa", "America", "Asia", "Europe", "Oceania"]
    static let items = ["anvil", "bolt", "crate", "drill", "easel", "funnel", "gear"]
    static let orderCount = 300

    /// The rows inserted, so every answer can be checked without the database.
    static let orders: [(id: Int, regionID: Int, item: String, amount: Int)] = (1...orderCount).map { id in
        (id, id % regions.count + 1, items[id % items.count], id * 37 % 1000 + 1)
    }

    static func main() async {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("shardql-quickstart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var checks = Checks()
        do {
            let database = try await Database.open(directory: directory, options: .init(shardCount: 4))
            do {
                try await tour(database, &checks)
            } catch {
                checks.fail("unexpected error: \(error)")
            }
            await database.close()
        } catch {
            checks.fail("cannot open the cluster in \(directory): \(error)")
        }
        // Not "N passed, N failed": CI reads that line as the whole run's test count.
        let total = checks.passed + checks.failed
        print(
            checks.failed == 0
                ? "QuickStart: all \(total) checks held" : "QuickStart: \(checks.failed) of \(total) checks FAILED")
        exit(checks.failed == 0 ? 0 : 1)
    }

    static func tour(_ database: Database, _ checks: inout Checks) async throws {
        print("== Schema: orders distributed by hash of id, regions replicated to every shard")
        try await database.execute(
            """
            CREATE TABLE orders (id INTEGER PRIMARY KEY, region_id INT, item TEXT, amount INT)
                DISTRIBUTED BY HASH (id);
            CREATE TABLE regions (id INTEGER PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;
            """)

        print("== Filling both tables in one transaction")
        try await database.withTransaction { transaction in
            for (index, name) in regions.enumerated() {
                let inserted = try await transaction.execute(
                    "INSERT INTO regions VALUES (:id, :name)", parameters: ["id": index + 1, "name": name])
                checks.expect(inserted == 1, "inserting region \(name) changed \(inserted) rows")
            }
            let insert = try transaction.prepare("INSERT INTO orders VALUES (?, ?, ?, ?)")
            for order in orders {
                try await insert.execute(parameters: [order.id, order.regionID, order.item, order.amount])
            }
        }

        print("== An aggregate over every shard")
        let totals = try require(await database.fetchOne("SELECT count(*) AS n, sum(amount) AS total FROM orders"))
        let count: Int = try totals.get("n")
        let total: Int = try totals.get("total")
        print("orders: \(count), total amount: \(total)")
        checks.expect(count == orderCount, "count(*) is \(count), expected \(orderCount)")
        let expectedTotal = orders.map(\.amount).reduce(0, +)
        checks.expect(total == expectedTotal, "sum(amount) is \(total), expected \(expectedTotal)")

        print("== A join with the reference table, grouped by region")
        var seen: [String: (orders: Int, amount: Int)] = [:]
        for try await row in try await database.query(
            """
            SELECT r.name AS region, count(*) AS orders, sum(o.amount) AS amount
            FROM orders o JOIN regions r ON r.id = o.region_id
            GROUP BY r.name ORDER BY r.name
            """)
        {
            let region: String = try row.get("region")
            let (regionOrders, amount): (Int, Int) = (try row.get("orders"), try row.get("amount"))
            seen[region] = (regionOrders, amount)
            let name = region.padding(toLength: 8, withPad: " ", startingAt: 0)
            print("  \(name) \(regionOrders) orders, \(amount) in all")
        }
        for (index, name) in regions.enumerated() {
            let mine = orders.filter { $0.regionID == index + 1 }
            let expected = (mine.count, mine.map(\.amount).reduce(0, +))
            checks.expect(
                seen[name].map { $0 == expected } == true,
                "region \(name): got \(String(describing: seen[name])), expected \(expected)")
        }

        print("== Decoded rows: the orders over 990")
        let large = try await database.fetchAll(
            Order.self, "SELECT id, item, amount FROM orders WHERE amount > ? ORDER BY id", parameters: [990])
        for order in large { print("  #\(order.id) \(order.item): \(order.amount)") }
        let expectedLarge = orders.filter { $0.amount > 990 }.map { Order(id: $0.id, item: $0.item, amount: $0.amount) }
        checks.expect(large == expectedLarge, "orders over 990: got \(large), expected \(expectedLarge)")

        print("== A prepared lookup, run for several keys")
        let lookup = try database.prepare("SELECT item, amount FROM orders WHERE id = ?")
        for id in [1, 150, 300] {
            let row = try require(await lookup.fetchOne(parameters: [id]))
            let item: String = try row.get("item")
            let amount: Int = try row.get("amount")
            print("  #\(id): \(item), \(amount)")
            let expected = orders[id - 1]
            checks.expect(item == expected.item && amount == expected.amount, "order \(id): got \(item), \(amount)")
        }
        checks.expect(try await lookup.fetchOne(parameters: [orderCount + 1]) == nil, "a missing id returns no row")

        print("== The plan of a lookup by the distribution key")
        let plan = try await database.explain("SELECT item FROM orders WHERE id = ?", parameters: [150])
        print(plan.description.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        checks.expect(plan.tier == .router, "a lookup by id runs on one shard; the plan's tier is \(plan.tier)")
        checks.expect(plan.fragments.count == 1, "a lookup by id keeps one shard, not \(plan.fragments.count)")

        print("== Errors carry a code to switch on")
        do throws(ShardQLError) {
            try await database.execute("SELECT * FORM orders")
            checks.fail("a misspelt statement ran")
        } catch {
            switch error.code {
            case .syntaxError: print("  \(error)")
            default: checks.fail("expected a syntax error, got \(error)")
            }
        }
    }
}

/// Counts what held and what did not, printing each failure.
struct Checks {
    var passed = 0
    var failed = 0

    mutating func expect(_ condition: Bool, _ message: @autoclosure () -> String) {
        if condition {
            passed += 1
        } else {
            fail(message())
        }
    }

    mutating func fail(_ message: String) {
        failed += 1
        print("FAILED: \(message)")
    }
}

/// The value, or an error naming what was missing (a tiny stand-in for Swift Testing's `#require`).
func require<T>(_ value: T?, _ what: String = "a row") throws -> T {
    guard let value else { throw MissingValue(what: what) }
    return value
}

struct MissingValue: Error, CustomStringConvertible {
    var what: String
    var description: String { "expected \(what), got none" }
}
