import ArgumentParser

@main
struct BatonBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton-bench",
        abstract: "Benchmarks for Baton (run a release build: swift run -c release baton-bench ...).",
        subcommands: [LogBench.self, ModelBench.self, EngineBench.self, OpsBench.self, ClaimBench.self]
    )
}
