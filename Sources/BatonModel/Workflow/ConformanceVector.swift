internal import Foundation

/// One conformance vector of `Specs/conformance/`: a workflow, the outcome of each task that runs, and
/// the expected final state of every task and of the run. Public so every module's tests can replay
/// the same vectors through their own machinery (resolution here, deciders in BatonState).
public struct ConformanceVector: Sendable {
    /// File name of the vector.
    public let file: String
    /// What the vector shows.
    public let summary: String
    /// The inline workflow, validated.
    public let workflow: Workflow
    /// Final outcome of each node that runs, by node name; nodes not listed succeed.
    public let outcomes: [String: TaskOutcome]
    /// Expected terminal state of every node, by node name.
    public let expectedStates: [String: TerminalState]
    /// Expected run outcome.
    public let expectedRun: RunOutcome

    /// Parses one vector file's text.
    /// - Throws: ``WorkflowError`` naming the file and the offending key or value.
    public static func parse(_ text: String, file: String) throws(WorkflowError) -> ConformanceVector {
        var decoder = WorkflowDecoder(file: file)
        func fail(_ decoder: WorkflowDecoder) -> WorkflowError { WorkflowError(problems: decoder.problems) }
        guard case .success(let node?) = YAMLComposer.compose(text),
              let entries = decoder.entries(of: node, in: "vector", known: ["description", "workflow", "outcomes", "expect"])
        else {
            decoder.report(.documentStart, "not a conformance vector mapping")
            throw fail(decoder)
        }
        let byKey = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let workflowNode = byKey["workflow"], let expectNode = byKey["expect"] else {
            decoder.report(.documentStart, "a vector needs \"workflow\" and \"expect\"")
            throw fail(decoder)
        }
        let workflow = try WorkflowLoader.validate(workflowNode, decoder: WorkflowDecoder(file: file), source: text)
        let outcomes = byKey["outcomes"].map { decoder.stateMap($0, "outcomes", as: TaskOutcome.self) } ?? [:]
        var states: [String: TerminalState] = [:]
        var run: RunOutcome?
        for entry in decoder.entries(of: expectNode, in: "expect", known: ["tasks", "run"]) ?? [] {
            if entry.key == "tasks" {
                states = decoder.stateMap(entry.value, "expect.tasks", as: TerminalState.self)
            } else if let raw = decoder.text(entry.value, "expect.run") {
                run = RunOutcome(rawValue: raw)
                if run == nil { decoder.report(entry.valueMark, "bad run outcome \"\(raw)\" (succeeded or failed)") }
            }
        }
        guard decoder.problems.isEmpty, let run else {
            if decoder.problems.isEmpty { decoder.report(SourceMark(expectNode), "expect needs \"run\"") }
            throw fail(decoder)
        }
        let summary = byKey["description"]?.scalar?.string ?? ""
        return ConformanceVector(file: file, summary: summary, workflow: workflow, outcomes: outcomes,
                                 expectedStates: states, expectedRun: run)
    }

    /// Reads every `*.yaml` vector in `directory`, sorted by file name.
    /// - Throws: ``WorkflowError`` for the first vector that cannot be read or parsed.
    public static func loadAll(in directory: String) throws(WorkflowError) -> [ConformanceVector] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        } catch {
            throw WorkflowError(problems: [Problem(file: directory, line: 1, column: 1, message: "cannot list conformance vectors: \(error)")])
        }
        var vectors: [ConformanceVector] = []
        for name in names {
            let path = directory + "/" + name
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw WorkflowError(problems: [Problem(file: path, line: 1, column: 1, message: "cannot read vector")])
            }
            vectors.append(try parse(text, file: name))
        }
        return vectors
    }
}

extension WorkflowDecoder {
    /// A mapping of node names to raw-value enum cases.
    mutating func stateMap<Value: RawRepresentable<String>>(_ node: YAMLNode, _ what: String, as: Value.Type) -> [String: Value] {
        var result: [String: Value] = [:]
        for entry in entries(of: node, in: what) ?? [] {
            guard let raw = text(entry.value, "\(what).\(entry.key)") else { continue }
            guard let value = Value(rawValue: raw) else {
                report(entry.valueMark, task: entry.key, "bad state \"\(raw)\" in \(what)")
                continue
            }
            result[entry.key] = value
        }
        return result
    }
}
