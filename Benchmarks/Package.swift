// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so the main package's build and CI never pull in
// ordo-one/benchmark. Run with `swift package benchmark` from this folder (see README.md).
// SwiftPM names a path dependency after its folder ("main" here, something else in another clone).
let mainPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

/// A benchmark executable in `Benchmarks/<name>` using products of the main package.
func benchmark(_ name: String, using products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")]
            + products.map { .product(name: $0, package: mainPackage) },
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "ShardQLBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // Only resolves with this trait here (the default traits need a package that is not mirrored).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        benchmark("ParserBenchmarks", using: ["SQLSyntax", "SQLLogicTest"]),
        benchmark("ImportBenchmarks", using: ["Import"]),
        benchmark("RouterBenchmarks", using: ["Coordinator", "SQLiteCore", "ShardQLBase", "PostgresCatalog"]),
        benchmark("WriteBenchmarks", using: ["Coordinator", "ShardQLBase"]),
        benchmark("WireBenchmarks", using: ["WorkerProtocol", "ShardQLBase"]),
        benchmark("OperatorBenchmarks", using: ["Coordinator", "ShardQLBase"]),
        benchmark("RemoteBenchmarks", using: ["Coordinator", "Worker", "WorkerServer", "WorkerClient", "ShardQLBase"]),
    ],
    swiftLanguageModes: [.v6]
)
