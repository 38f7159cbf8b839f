import BatonModel
import BatonTestSupport
import Testing

/// The non-ancestor check on random files (cycles, self-edges, repeated names and unknown tasks
/// included) against a plain upstream walk per task, the definition it must agree with.
@Suite struct TemplateAncestryTests {
    /// A random file: task `i` has up to three edges to any task (so cycles happen) and up to two
    /// templates naming random tasks, some of them unknown; a few names repeat in list form.
    static func randomFile(size: Int, seed: Int) -> (yaml: String, names: [String], after: [[String]], refs: [[String]]) {
        var random = SeededGenerator(seed: UInt64(seed))
        var yaml = "name: w\ntasks:\n"
        var names: [String] = []
        var after: [[String]] = []
        var refs: [[String]] = []
        for index in 0..<size {
            let repeats = index > 0 && Int.random(in: 0..<20, using: &random) == 0
            let name = repeats ? names[Int.random(in: 0..<index, using: &random)] : "t\(index)"
            let edges = (0..<Int.random(in: 0...3, using: &random)).map { _ in "t\(Int.random(in: 0..<size, using: &random))" }
            let named = (0..<Int.random(in: 0...2, using: &random)).map { _ in "t\(Int.random(in: 0..<(size + 3), using: &random))" }
            names.append(name)
            after.append(edges)
            refs.append(named)
            let command = named.map { "\"{{ tasks.\($0).output.k }}\"" }.joined(separator: ", ")
            yaml += "  - { id: \(name), command: [\(command)], after: [\(edges.joined(separator: ", "))] }\n"
        }
        return (yaml, names, after, refs)
    }

    /// What the check should report, from one upstream walk per referencing task.
    static func expectedMessages(names: [String], after: [[String]], refs: [[String]]) -> [String] {
        var firstPosition: [String: Int] = [:]
        for (position, name) in names.enumerated() where firstPosition[name] == nil { firstPosition[name] = position }
        var messages: [String] = []
        for position in names.indices where !refs[position].isEmpty {
            var seen: Set<String> = []
            var stack = after[position]
            while let name = stack.popLast() {
                guard let upstream = firstPosition[name], seen.insert(name).inserted else { continue }
                stack.append(contentsOf: after[upstream])
            }
            for upstream in refs[position] where !seen.contains(upstream) {
                let why = firstPosition[upstream] == nil ? "unknown task" : "task that is not an ancestor of \(names[position])"
                messages.append("task \(names[position]): template \"{{ tasks.\(upstream).output.k }}\" names \(why) \"\(upstream)\"")
            }
        }
        return messages
    }

    @Test(arguments: [(5, 1), (12, 2), (40, 3), (40, 4), (150, 5), (1_500, 6)])
    func agreesWithAnUpstreamWalk(size: Int, seed: Int) throws {
        let file = Self.randomFile(size: size, seed: seed)
        let expected = Self.expectedMessages(names: file.names, after: file.after, refs: file.refs)
        let problems: [Problem]
        do {
            _ = try WorkflowLoader.parse(file.yaml, file: "random.yaml")
            problems = []
        } catch {
            problems = error.problems
        }
        let reported = problems
            .filter { $0.message.contains("names unknown task") || $0.message.contains("not an ancestor") }
            .map { "task \($0.task ?? "-"): \($0.message)" }
        #expect(reported == expected, "seed \(seed)")
    }
}
