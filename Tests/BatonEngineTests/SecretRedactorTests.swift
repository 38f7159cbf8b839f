@testable import BatonEngine
import BatonEvents
import BatonState
import Testing

@Suite struct SecretRedactorTests {
    let redactor = SecretRedactor(secrets: ["token": "s3cr3t", "long": "s3cr3t-and-more", "quote": #"a"b\c"#, "empty": ""])

    @Test(arguments: [
        ("executable not found: /nonexistent/s3cr3t", "executable not found: /nonexistent/***"),
        ("token=s3cr3t-and-more; again s3cr3t", "token=***; again ***"),
        (#"{"k": "a\"b\\c"}"#, #"{"k": "***"}"#),
        ("nothing to hide", "nothing to hide"),
        ("", ""),
    ])
    func masksEveryFormOfEverySecret(text: String, expected: String) {
        #expect(redactor.redact(text) == expected)
    }

    @Test func masksTheFieldsThatCarryPlatformText() {
        let failed = redactor.redact(EventFactory.taskFailed("r", "t", attempt: 1, errorClass: .task, message: "last stderr line: s3cr3t", retryable: true))
        #expect(failed.taskFailed.message == "last stderr line: ***")
        let output = redactor.redact(EventFactory.taskSucceeded("r", "t", attempt: 1, outputJSON: #"{"echo": "s3cr3t"}"#))
        #expect(output.taskSucceeded.outputJson == #"{"echo": "***"}"#)
        let observed = redactor.redact(EventFactory.platformObserved("r", "t", attempt: 1, platformRunID: "p", state: .failed, detail: "s3cr3t"))
        #expect(observed.platformObserved.detail == "***")
        let throttled = redactor.redact(EventFactory.connectionThrottled("c", until: 1, reason: "429 for s3cr3t"))
        #expect(throttled.connectionThrottled.reason == "429 for ***")
    }

    @Test func withoutSecretsNothingChanges() {
        let event = EventFactory.taskFailed("r", "t", attempt: 1, errorClass: .task, message: "s3cr3t", retryable: true)
        #expect(SecretRedactor(secrets: [:]).redact(event) == event)
    }
}
