// swift-tools-version: 6.1
import PackageDescription

// Programs that use ShardQL as an application would: through the `ShardQL` product only.
let package = Package(
    name: "ShardQLExamples",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ShardQL", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "QuickStart",
            dependencies: [.product(name: "ShardQL", package: "ShardQL")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
