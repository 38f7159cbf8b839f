import BatonModel
import Testing

@Suite struct WorkflowGraphTests {
    @Test func expandsReplicasOnBothSidesOfEdges() throws {
        let workflow = try WorkflowLoader.parse("""
            name: r
            tasks:
              a: {}
              t: { after: [a], replicas: [{ region: eu }, { region: us }] }
              b: { after: { t: failure } }
            """, file: "r.yaml")
        let graph = WorkflowGraph(workflow)
        #expect(graph.names == ["a", "t[0]", "t[1]", "b"])
        #expect(graph.replicaNumbers == [nil, 0, 1, nil])
        #expect(graph.taskPositions == [0, 1, 1, 2])
        let b = try #require(graph.index(named: "b"))
        #expect(graph.upstreams(of: b).map(\.task) == [TaskIndex(1), TaskIndex(2)])
        #expect(graph.upstreams(of: b).allSatisfy { $0.condition == .failure })
        #expect(graph.downstreams(of: TaskIndex(0)).map(\.task) == [TaskIndex(1), TaskIndex(2)])
        #expect(workflow.tasks[1].replicas?.params(ofReplica: 1) == ["region": "us"])
        #expect(graph.summary == "4 tasks, 4 edges, 1 roots, 1 leaves, depth 3")
    }

    @Test func ordersTopologicallyAndMeasuresDepth() throws {
        let workflow = try WorkflowLoader.load(contentsOf: TestPaths.examples + "/daily_revenue.yaml")
        let graph = WorkflowGraph(workflow)
        var position: [TaskIndex: Int] = [:]
        for (offset, task) in graph.topologicalOrder.enumerated() { position[task] = offset }
        for task in graph.indices {
            for upstream in graph.upstreams(of: task) {
                #expect(try #require(position[upstream.task]) < #require(position[task]))
            }
        }
        #expect(graph.roots.map(graph.name(of:)) == ["extract_orders", "extract_refunds"])
        #expect(graph.leaves.map(graph.name(of:)) == ["alert_owner", "cleanup"])
        #expect(graph.depth == 5)
    }

    @Test func skipReasonNamesTheDecidingEdge() throws {
        let workflow = try WorkflowLoader.parse("name: s\ntasks: { a: {}, b: { after: [a] }, c: { after: { b: completion } } }", file: "s.yaml")
        let graph = WorkflowGraph(workflow)
        var resolution = RunResolution(graph: graph)
        #expect(resolution.start() == ResolutionStep(ready: [TaskIndex(0)]))
        let step = resolution.record(TaskIndex(0), .failed)
        #expect(step.ready.isEmpty)
        #expect(step.skipped == [
            SkippedTask(task: TaskIndex(1), reason: SkipReason(upstream: TaskIndex(0), condition: .success, upstreamState: .failed)),
            SkippedTask(task: TaskIndex(2), reason: SkipReason(upstream: TaskIndex(1), condition: .completion, upstreamState: .skipped)),
        ])
        #expect(step.runOutcome == .failed)
        #expect(resolution.runOutcome == .failed)
        resolution.checkInvariants()
    }

    @Test func anyJoinIsReadyWhileOtherUpstreamsRun() throws {
        let workflow = try WorkflowLoader.parse("name: s\ntasks: { a: {}, b: {}, x: { after: [a, b], join: any } }", file: "s.yaml")
        var resolution = RunResolution(graph: WorkflowGraph(workflow))
        _ = resolution.start()
        #expect(resolution.record(TaskIndex(1), .succeeded).ready == [TaskIndex(2)])
        #expect(resolution.state(of: TaskIndex(0)) == .ready)
        _ = resolution.record(TaskIndex(2), .succeeded)
        #expect(resolution.runOutcome == nil)
        #expect(resolution.record(TaskIndex(0), .failed).runOutcome == .succeeded)
    }
}
