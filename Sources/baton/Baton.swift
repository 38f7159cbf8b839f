import ArgumentParser

@main
struct Baton: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "An event-sourced workflow engine for data pipelines.",
        discussion: """
            Every state transition is appended to a durable, hash-chained log in the data \
            directory (--data, default ./baton-data); the current state is a projection of it.
            """,
        subcommands: [ValidateCommand.self, RunCommand.self, StatusCommand.self, LogsCommand.self, ConnectionsCommand.self, DispatchCommand.self, ReplayCommand.self, SnapshotCommand.self, CompactCommand.self, ServeCommand.self, TriggerCommand.self, BackfillCommand.self, CancelCommand.self, RetryCommand.self, ClearCommand.self, LogDemoCommand.self, DebugAppendCommand.self]
    )
}
