import Glibc
import Synchronization

/// Reaps the supervisors this process spawned once they exit, so a long-lived host does not
/// collect zombies. After a host restart the supervisors belong to init, which reaps them.
final class ChildReaper: Sendable {
    /// The most children tracked; beyond it a child is left for the host's exit to reap.
    static let trackedChildrenMax = 65_536

    private let children = Mutex<Set<pid_t>>([])

    /// Remembers a spawned child.
    func track(_ pid: pid_t) {
        children.withLock { set in
            if set.count < Self.trackedChildrenMax { set.insert(pid) }
        }
    }

    /// Collects every tracked child that has exited, without blocking.
    /// - Complexity: O(n) `waitpid` calls in the number of live children.
    func reapExited() {
        children.withLock { set in
            for pid in set where Self.hasExited(pid) { set.remove(pid) }
        }
    }

    /// Waits, without blocking, for `pid`; true once it is gone (exited and reaped, or not ours).
    /// Returns its raw wait status in `status` when it was reaped here.
    static func hasExited(_ pid: pid_t, status: UnsafeMutablePointer<Int32>? = nil) -> Bool {
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, WNOHANG)
        if result == pid { status?.pointee = raw }
        return result == pid || (result == -1 && errno == ECHILD)
    }

    /// Reaps `pid` if it exited; forgets it either way when it is gone.
    func reapIfExited(_ pid: pid_t) -> (exited: Bool, status: Int32) {
        var raw: Int32 = -1
        let exited = Self.hasExited(pid, status: &raw)
        if exited { children.withLock { _ = $0.remove(pid) } }
        return (exited, raw)
    }
}
