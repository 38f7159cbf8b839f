@testable import BatonLog
import BatonTestSupport
import Foundation
import Glibc
import Testing

@Suite struct FileLockTests {
    /// A child forked while the lock is held keeps a copy of its descriptor until it execs; the
    /// release must still free the lock at once (a spawn by another thread of the same process
    /// made a compaction right after another one find the lock taken).
    @Test func aReleaseFreesTheLockThatAForkedChildStillHoldsACopyOf() throws {
        let dir = TemporaryDirectory("file-lock")
        defer { dir.remove() }
        let busy: (String) -> LogError = { .directoryUnusable(path: $0, reason: "busy") }
        let first = try FileLock.exclusive(directory: dir.path, name: FileLock.compactFile, busy: busy)
        var gate: [Int32] = [0, 0]
        #expect(pipe(&gate) == 0)
        let child = fork()
        if child == 0 {
            // Only async-signal-safe calls: wait for the parent to close the pipe, then leave.
            close(gate[1])
            var byte: UInt8 = 0
            _ = read(gate[0], &byte, 1)
            _exit(0)
        }
        #expect(child > 0)
        close(gate[0])
        first.release()
        let second = Result { try FileLock.exclusive(directory: dir.path, name: FileLock.compactFile, busy: busy) }
        close(gate[1])
        var status: Int32 = 0
        _ = waitpid(child, &status, 0)
        let held = try #require(try? second.get(), "the lock stayed taken after its release: \(second)")
        held.release()
    }

    @Test func aHeldLockIsBusyForASecondTaker() throws {
        let dir = TemporaryDirectory("file-lock-busy")
        defer { dir.remove() }
        let busy: (String) -> LogError = { .directoryUnusable(path: $0, reason: "busy") }
        let first = try FileLock.exclusive(directory: dir.path, name: FileLock.compactFile, busy: busy)
        defer { first.release() }
        #expect(throws: LogError.self) { try FileLock.exclusive(directory: dir.path, name: FileLock.compactFile, busy: busy) }
    }
}
