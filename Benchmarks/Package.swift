// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so the main package's build and CI never pull in
// ordo-one/benchmark. Run with `swift package benchmark` from this folder (see README.md).
// SwiftPM names a path dependency after its folder ("main" here, something else in another clone).
let mainPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

let package = Package(
    name: "ShardQLBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // Only resolves with this trait here (the default traits need a package that is not mirrored).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ParserBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SQLSyntax", package: mainPackage),
                .product(name: "SQLLogicTest", package: mainPackage),
            ],
            path: "Benchmarks/ParserBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RouterBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Coordinator", package: mainPackage),
                .product(name: "SQLiteCore", package: mainPackage),
                .product(name: "ShardQLBase", package: mainPackage),
            ],
            path: "Benchmarks/RouterBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
