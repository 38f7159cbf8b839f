import ArgumentParser
import BatonModel

/// `baton validate FILE...`: checks workflow files without running anything.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check workflow files and report every problem at once.",
        discussion: """
            Parses each YAML or JSON workflow file and checks it completely: keys, names, durations, \
            rates, cron and time zone, connections, edges (unknown upstreams, self-edges, cycles with \
            their path), and templates. Every problem is printed as FILE:LINE:COLUMN: task T: after U: \
            message. A valid file prints a one-line summary of its DAG (tasks, edges, roots, leaves, depth). \
            Nothing is run.

            Exit status: 0 when every file is valid, 2 when any file has problems.
            """
    )

    @Argument(help: "Workflow files to check (.yaml, .yml or .json).")
    var files: [String]

    @Option(name: .long, help: ArgumentHelp(RegistryFile.help + " Checked first; the workflows may name its connections.", valueName: "file"))
    var connections: String?

    func run() throws {
        var failed = false
        var registry: ConnectionRegistry?
        if let connections {
            do {
                let loaded = try ConnectionRegistryLoader.load(contentsOf: connections)
                print("\(connections): ok: \(loaded.connections.count) connection(s), \(loaded.secretStores.count) secret store(s)")
                registry = loaded
            } catch {
                print(error.description)
                throw ExitCode(2)
            }
        }
        for file in files {
            do {
                let workflow = try WorkflowLoader.load(contentsOf: file, registry: registry)
                let graph = WorkflowGraph(workflow)
                print("\(file): ok: workflow \(workflow.name): \(graph.summary)")
            } catch {
                failed = true
                print(error.description)
            }
        }
        if failed { throw ExitCode(2) }
    }
}
