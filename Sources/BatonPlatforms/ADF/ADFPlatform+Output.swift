import Foundation

extension ADFPlatform {
    /// A succeeded run's output: the `output` of its activity named `activity`
    /// (`queryActivityruns`); an Execute Pipeline activity's `pipelineReturnValue` when it has one.
    /// A missing activity is no output; an output over 1 MiB fails the attempt.
    func output(of runID: String, activity: String) async throws(PlatformError) -> PlatformRunStatus.State {
        let now = connection.now
        let body: [String: Any] = ["lastUpdatedAfter": Self.iso(now.addingTimeInterval(-Double(Self.lookUpWindow.components.seconds))),
                                   "lastUpdatedBefore": Self.iso(now.addingTimeInterval(3_600)),
                                   "filters": [["operand": "ActivityName", "operator": "Equals", "values": [activity]]]]
        let answer = try await call("POST", "pipelineruns/\(runID)/queryActivityruns", json: body, what: "the activities of pipeline run \(runID)")
        let runs = (answer.object?["value"] as? [[String: Any]]) ?? []
        guard let found = runs.last(where: { $0["activityName"] as? String == activity }), let output = found["output"] else {
            return .succeeded(outputJSON: "")
        }
        let value = (output as? [String: Any])?["pipelineReturnValue"] ?? output
        let object: Any = value is [String: Any] ? value : ["result": value]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return .succeeded(outputJSON: "") }
        guard data.count <= ProcessPlatform.outputBytesMax else {
            return .failed(message: "the output of activity \(activity) is larger than \(ProcessPlatform.outputBytesMax) bytes")
        }
        return .succeeded(outputJSON: String(decoding: data, as: UTF8.self))
    }
}
