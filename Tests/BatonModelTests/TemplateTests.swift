import BatonModel
import Testing

@Suite struct TemplateTests {
    static let values = TemplateValues(
        runLogicalDate: "2025-03-01", runID: "r-42", params: ["region": "eu"],
        taskOutputs: ["load": ["rows": "1200"]], secrets: ["token": "s3cr3t"]
    )

    @Test(arguments: [
        ("plain", "plain", "plain"),
        ("{{ run.logical_date }}", "2025-03-01", "2025-03-01"),
        ("id={{run.id}}", "id=r-42", "id=r-42"),
        ("{{ params.region }}-{{ tasks.load.output.rows }}", "eu-1200", "eu-1200"),
        ("--token={{ secrets.token }}", "--token=s3cr3t", "--token=***"),
        ("$(rm -rf /) {{ params.region }}", "$(rm -rf /) eu", "$(rm -rf /) eu"),
    ])
    func rendersValueAndRedactedForm(source: String, value: String, redacted: String) throws {
        let rendered = try Template(parsing: source).render(with: Self.values)
        #expect(rendered == RenderedTemplate(value: value, redacted: redacted))
    }

    @Test func parsesReferencesInOrder() throws {
        let template = try Template(parsing: "a {{ params.x }} b {{ secrets.y }} {{ tasks.t.output.k }}")
        #expect(template.references == [.param("x"), .secret("y"), .taskOutput(task: "t", key: "k")])
    }

    @Test(arguments: [
        ("{{ run.logical_date", "unclosed"),
        ("x }} y", "without a matching"),
        ("{{ }}", "empty placeholder"),
        ("{{ run.date }}", "unknown run field"),
        ("{{ params }}", "wrong shape"),
        ("{{ tasks.t.rows }}", "wrong shape"),
        ("{{ env.HOME }}", "unknown namespace \"env\""),
        ("{{ params.a b }}", "not a dotted path"),
    ])
    func rejectsBadTemplates(source: String, problem: String) {
        do {
            _ = try Template(parsing: source)
            Issue.record("\(source) parsed")
        } catch {
            #expect(error.description.contains(problem), "\(error)")
            #expect(error.description.contains(source), "\(error)")
        }
    }

    @Test func renderNamesTheMissingValue() throws {
        let template = try Template(parsing: "{{ secrets.absent }}")
        let error = try #require(throws: TemplateError.self) { try template.render(with: Self.values) }
        #expect(error.description == "template \"{{ secrets.absent }}\": no value for {{ secrets.absent }}")
    }
}
