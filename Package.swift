// swift-tools-version: 6.1
import PackageDescription

// One target per pipeline stage; dependencies point one way:
// ShardQLBase ← SQLSyntax ← … ← shardql, and ShardQLBase ← SQLiteCore (the only target importing the C API).
let package = Package(
    name: "ShardQL",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "shardql", targets: ["shardql"]),
        .library(name: "SQLSyntax", targets: ["SQLSyntax"]),
        .library(name: "SQLiteCore", targets: ["SQLiteCore"]),
        .library(name: "SQLLogicTest", targets: ["SQLLogicTest"]),
        // The Swift API: `import ShardQL`.
        .library(name: "ShardQL", targets: ["ShardQL"]),
        .library(name: "Coordinator", targets: ["Coordinator"]),
        .library(name: "WorkerProtocol", targets: ["WorkerProtocol"]),
        .library(name: "Worker", targets: ["Worker"]),
        .library(name: "WorkerServer", targets: ["WorkerServer"]),
        .library(name: "WorkerClient", targets: ["WorkerClient"]),
        .library(name: "ShardQLBase", targets: ["ShardQLBase"]),
        .library(name: "PostgresCatalog", targets: ["PostgresCatalog"]),
        .library(name: "Import", targets: ["Import"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // The worker process's life: signals, graceful shutdown with a drain deadline.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The catalog in PostgreSQL (`--catalog postgres://…`), linked only by PostgresCatalog.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // `swift package generate-documentation` (scripts/docs); a plugin only, nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "ShardQLBase"),
        .target(name: "SQLiteCore", dependencies: ["CSQLite", "ShardQLBase"]),
        .target(name: "SQLSyntax", dependencies: ["ShardQLBase"]),
        // Where a row lives: SQLite's affinity and collation rules, the fixed distribution hash, shard ranges.
        .target(name: "Partitioning", dependencies: ["ShardQLBase"]),
        // The cluster's metadata: model, CatalogStore protocol, the embedded SQLite store.
        .target(name: "Catalog", dependencies: ["ShardQLBase", "SQLiteCore", "Partitioning"]),
        // The catalog in PostgreSQL: a CatalogStore on postgres-nio, in its own target so the core
        // does not link it; also where a CatalogLocation becomes a store (for the CLI and the Swift API).
        .target(
            name: "PostgresCatalog",
            dependencies: [
                "ShardQLBase", "Catalog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Bulk loading (`shardql import`): readers of CSV/TSV, JSON Lines and SQLite files that
        // stream in constant memory and report bad input by file, line and column, feeding a
        // Coordinator BulkLoad shard by shard.
        .target(
            name: "Import",
            dependencies: ["ShardQLBase", "SQLSyntax", "SQLiteCore", "Catalog", "Coordinator", "Worker"]),
        // Shard files and fragment execution: the in-process worker now, the gRPC server later.
        .target(name: "Worker", dependencies: ["ShardQLBase", "SQLiteCore"]),
        // The coordinator–worker wire: generated protobuf/gRPC code (Protos/, scripts/generate-protos),
        // the row-batch encoding, and the mapping between messages (errors too) and Worker's types.
        .target(
            name: "WorkerProtocol",
            dependencies: [
                "ShardQLBase", "Worker",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        // A worker process: serves a ShardExecutor (the LocalWorker of its data directory) over gRPC.
        .target(
            name: "WorkerServer",
            dependencies: [
                "ShardQLBase", "Worker", "WorkerProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]),
        // The coordinator's side of the wire: RemoteWorker, a ShardExecutor talking to one worker node.
        .target(
            name: "WorkerClient",
            dependencies: [
                "ShardQLBase", "Worker", "WorkerProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            ]),
        // The coordinator: statements against the catalog, routing, and the general query path.
        .target(
            name: "Coordinator",
            dependencies: ["ShardQLBase", "SQLSyntax", "SQLiteCore", "Partitioning", "Catalog", "Worker"]),
        // The public Swift API: Database, rows, parameters, transactions.
        .target(
            name: "ShardQL",
            dependencies: [
                "ShardQLBase", "SQLSyntax", "Partitioning", "Catalog", "Coordinator", "Worker", "WorkerClient",
                "PostgresCatalog",
            ]),
        // Reads and runs sqllogictest files; SQLiteCore renders values exactly as SQLite converts them.
        .target(name: "SQLLogicTest", dependencies: ["ShardQLBase", "SQLiteCore", "SQLSyntax"]),
        // How the shell prints results: sqlite3's modes, and box/table/markdown laid out for a terminal.
        .target(name: "ShellOutput", dependencies: ["ShardQLBase"]),
        .executableTarget(
            name: "shardql",
            dependencies: [
                "ShardQLBase", "SQLSyntax", "SQLiteCore", "Catalog", "Coordinator", "SQLLogicTest", "ShellOutput", "Worker",
                "WorkerProtocol", "WorkerServer", "WorkerClient", "PostgresCatalog", "Import",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Examples/'s QuickStart, built from the same source as a target of this package so the
        // test command runs it from this build; Examples/ stays the standalone package an
        // application copies (scripts/test checks that its manifest resolves).
        .executableTarget(name: "QuickStartCheck", dependencies: ["ShardQL"], path: "Examples/Sources/QuickStart"),
        // What several test targets share (a seeded generator, open pipe counts); not shipped.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The behaviours every ShardExecutor shares, run on LocalWorker and on RemoteWorker; not shipped.
        .target(name: "WorkerTestSupport", dependencies: ["Worker", "ShardQLBase"], path: "Tests/WorkerTestSupport"),
        // A fresh PostgreSQL database per test, on the server scripts/with-postgres starts; not shipped.
        .target(
            name: "PostgresTestSupport",
            dependencies: ["PostgresCatalog", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/PostgresTestSupport"),
        .testTarget(name: "ShardQLBaseTests", dependencies: ["ShardQLBase"]),
        .testTarget(
            name: "ImportTests",
            dependencies: [
                "Import", "ShardQLBase", "SQLiteCore", "Coordinator", "Worker", "WorkerServer", "WorkerClient", "TestSupport",
            ]),
        .testTarget(name: "SQLiteCoreTests", dependencies: ["SQLiteCore"]),
        .testTarget(name: "SQLSyntaxTests", dependencies: ["TestSupport", "SQLSyntax", "ShardQLBase", "SQLLogicTest"]),
        .testTarget(name: "SQLLogicTestTests", dependencies: ["TestSupport", "SQLLogicTest", "SQLiteCore"]),
        .testTarget(name: "PartitioningTests", dependencies: ["TestSupport", "Partitioning", "SQLiteCore"]),
        .testTarget(
            name: "ShardQLTests",
            dependencies: ["ShardQL", "Coordinator", "Worker", "WorkerServer", "WorkerTestSupport", "PostgresTestSupport"]),
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "Catalog", "PostgresCatalog", "ShardQLBase", "PostgresTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "WorkerTestSupport"]),
        .testTarget(
            name: "WorkerServerTests",
            dependencies: ["WorkerServer", "WorkerClient", "Worker", "WorkerProtocol", "WorkerTestSupport", "ShardQLBase"]),
        .testTarget(name: "WorkerProtocolTests", dependencies: ["WorkerProtocol", "ShardQLBase"]),
        .testTarget(
            name: "CoordinatorTests", dependencies: ["TestSupport", "Coordinator", "SQLiteCore", "SQLSyntax"],
            exclude: ["Golden"]),
        .testTarget(name: "ShellOutputTests", dependencies: ["ShellOutput", "ShardQLBase"]),
        // Runs the built `shardql` binary as a user would; depending on it makes `swift test` build it.
        .testTarget(
            name: "ShardQLCLITests",
            dependencies: [
                "shardql", "SQLiteCore", "WorkerClient", "Worker", "WorkerTestSupport", "ShardQL", "PostgresTestSupport",
                "TestSupport",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
