// swift-tools-version: 6.1
import PackageDescription

/// Swift 6 mode everywhere, with the two upcoming features the style guide asks for.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Lets generic hot paths (replay's page transform, the projection fold) specialise across
    // module boundaries in release builds.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "Baton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "baton", targets: ["baton"]),
        .executable(name: "baton-bench", targets: ["baton-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already under Hummingbird; named for the channel handler that shapes parse errors.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // The only target that sees LMDB's C API.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(
            name: "BatonLog",
            dependencies: ["CLMDB", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The event catalogue: code generated from Specs/events.proto plus its codec.
        .target(
            name: "BatonEvents",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strict
        ),
        .target(
            name: "BatonModel",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(name: "BatonState", dependencies: ["BatonModel", "BatonEvents"], swiftSettings: strict),
        .target(name: "BatonPlatforms", dependencies: ["BatonModel", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .target(
            name: "BatonEngine",
            dependencies: [
                "BatonState", "BatonLog", "BatonPlatforms", "BatonEvents", "BatonModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "BatonHost",
            dependencies: [
                "BatonEngine", "BatonModel", "BatonState", "BatonLog", "BatonPlatforms",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonHost", "BatonEngine", "BatonState", "BatonPlatforms", "BatonLog", "BatonEvents", "BatonModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "baton-bench",
            dependencies: [
                "BatonLog", "BatonEvents", "BatonModel", "BatonEngine", "BatonState", "BatonPlatforms",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/baton-bench",
            swiftSettings: strict
        ),
        // The C baseline the benchmark compares against: LMDB's own ceiling on this machine.
        .executableTarget(
            name: "lmdb-baseline",
            path: "Tools/lmdb-baseline",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("lmdb")]
        ),
        .target(
            name: "BatonTestSupport",
            dependencies: ["BatonLog", "BatonEvents"],
            path: "Tests/BatonTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonLogTests",
            dependencies: ["BatonLog", "BatonEvents", "BatonTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonModelTests",
            dependencies: [
                "BatonModel", "BatonTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonEngineTests",
            dependencies: ["BatonEngine", "BatonState", "BatonPlatforms", "BatonModel", "BatonEvents", "BatonLog", "BatonTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonHostTests",
            dependencies: [
                "BatonHost", "BatonEngine", "BatonState", "BatonModel", "BatonLog", "BatonPlatforms", "BatonTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonPlatformsTests",
            dependencies: ["BatonPlatforms", "BatonTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BatonEndToEndTests",
            dependencies: ["BatonTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ]
)
