import ArgumentParser
import BatonEngine
import BatonLog
import BatonModel
import BatonState
import Foundation

/// `baton compact`: bounded disk. Moves old events into sealed archive segments, expires old
/// finished runs, and (with the log closed everywhere) rewrites the data file smaller.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Archive old events into sealed segment files, expire old runs, shrink the log file.",
        discussion: """
            With --archive: writes a snapshot of the head, moves every event up to it into sealed \
            segment files in the archive directory (each written under a temporary name, fsync'd, \
            renamed, verified by reading it back), and only then removes those events from the \
            live log. Safe while a host, run or dispatcher appends. Interrupted at any point (even \
            by SIGKILL), it leaves one valid chain, and the next compaction finishes the job. \
            `baton replay` and start-up read the archive and live log as one chain; the archive \
            directory is recorded in the log, so keep it where it is (or pass --archive to replay).

            With --retain: finished runs older than that (by finish time) leave the projections \
            through a RunsExpired event, so status and the host forget them but replay stays exact.

            With --shrink: LMDB never gives freed pages back to the file system; this rewrites the \
            data file compacted and swaps it in atomically. Stop every process using the data \
            directory first (it refuses while one has the log open).

            Examples:
              baton compact --data ./baton-data --archive ./baton-archive
              baton compact --archive /backups/baton-archive --retain 30d
              baton compact --shrink                       # host stopped
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .long, help: "The archive directory for sealed segments (created if missing).")
    var archive: String?

    @Option(name: .long, help: "Expire finished runs older than this (e.g. 30d, 12h) from the projections.")
    var retain: String?

    @Flag(name: .long, help: "Rewrite the data file without free pages (every process using the log must be stopped).")
    var shrink = false

    @Option(name: .long, help: .hidden)
    var segmentBytes = 64 << 20

    @Option(name: .long, help: .hidden)
    var pruneChunk = EventLog.pruneChunkEventsMax

    func validate() throws {
        guard archive != nil || shrink else { throw ValidationError("give --archive DIR (to compact) and/or --shrink") }
        if retain != nil && archive == nil { throw ValidationError("--retain needs --archive: runs expire as part of a compaction") }
        if let retain, DurationText.parse(retain) == nil { throw ValidationError("--retain \(retain): expected a duration such as 30d, 12h or 90m") }
    }

    func run() async throws {
        let directory = DataDirectory(path: data)
        if let archive { try await compact(directory, archive: archive) }
        if shrink { try shrinkLog(directory) }
    }

    private func compact(_ directory: DataDirectory, archive: String) async throws {
        let log = try directory.openLog()
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: .init([:]), clock: SystemEngineClock(), options: RuntimeOptions(dispatcherID: "compact"))
        let start = ContinuousClock.now
        do {
            for warning in try runtime.recover() { printError("baton: warning: skipped \(warning)") }
            let retainMicros = retain.flatMap(DurationText.parse).map(EngineState.micros)
            let outcome = try await runtime.compact(archive: archive, retainMicros: retainMicros, segmentBytesMax: segmentBytes, pruneChunkEvents: pruneChunk, actor: "compact") { step in
                switch step {
                case .sealed(let path, let seq): printError("baton: sealed \(path) (through seq \(seq))")
                case .verified(let events): printError("baton: verified \(events) archived events by reading them back")
                case .pruned(let first): printError("baton: live log now starts at seq \(first)")
                }
            }
            guard outcome.snapshotSeq > 0 else { return print("nothing to compact: the log is empty") }
            let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
            let rate = seconds > 0 ? Int(Double(outcome.log.archivedEvents) / seconds) : 0
            print("""
                compacted through seq \(outcome.snapshotSeq) (snapshot): archived \(outcome.log.archivedEvents) events \
                in \(outcome.log.segments.count) new segment(s), removed \(outcome.log.removedEvents) from the live log \
                (now from seq \(outcome.log.firstLiveSeq)); expired \(outcome.expiredRuns) runs; \(String(format: "%.2f", seconds)) s, \(rate) events/s
                """)
        } catch {
            printError("baton: compact \(data): \(error)")
            throw BatonExit.storage
        }
    }

    private func shrinkLog(_ directory: DataDirectory) throws {
        do {
            let report = try EventLog.shrink(directory: directory.logPath)
            print("shrank \(directory.logPath)/data.mdb from \(report.bytesBefore) to \(report.bytesAfter) bytes (head seq \(report.head) checked)")
        } catch {
            printError("baton: shrink \(data): \(error)")
            throw BatonExit.storage
        }
    }
}
