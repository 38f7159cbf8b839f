/// The supervisor: a fixed `/bin/sh` script that the platform spawns in a new session.
///
/// The script text never changes and never contains request data: the attempt directory, the
/// working directory and the argv arrive as positional parameters and the command runs as
/// `"$@"` with an absolute `argv[0]`, so no argument is ever parsed by the shell and no shell
/// function or builtin can shadow the executable.
///
/// Files it writes in the attempt directory (its working directory, so they follow the
/// directory if it is moved aside):
/// - `pid`: `<pid> <start time in clock ticks since boot> <boot id>`, written to `pid.tmp` and
///   renamed, before the command starts (its presence means "spawned").
/// - `stdout`, `stderr`: the command's output.
/// - `exit`: the command's exit status (128 + N when killed by signal N), written to
///   `exit.tmp`, fsynced and renamed.
/// Its own errors go to `supervisor.log` (set up by the spawner).
enum SupervisorScript {
    /// The script. It exits 120-124 when it cannot set up (no directory, no `/proc`, cannot
    /// write `pid`); `submit` sees that through `waitpid` and quotes `supervisor.log`.
    static let text = #"""
    cd -- "$1" || exit 120
    shift
    BATON_SV_WD=$1
    shift
    read -r BATON_SV_STAT < /proc/self/stat || exit 121
    read -r BATON_SV_BOOT < /proc/sys/kernel/random/boot_id || exit 122
    baton_sv_pid() { printf '%s %s %s\n' "${BATON_SV_STAT%% *}" "${20}" "$BATON_SV_BOOT"; }
    set -f
    baton_sv_pid ${BATON_SV_STAT##*') '} > pid.tmp || exit 123
    set +f
    unset -f baton_sv_pid
    /bin/mv -f pid.tmp pid || exit 124
    if [ -e cancelled ]; then exit 0; fi
    (cd -- "$BATON_SV_WD" && exec "$@") < /dev/null > stdout 2> stderr
    BATON_SV_CODE=$?
    printf '%s\n' "$BATON_SV_CODE" > exit.tmp && /bin/sync exit.tmp && /bin/mv -f exit.tmp exit && /bin/sync .
    """#

    /// Environment names the script assigns; a request may not set them.
    static let reservedEnvironmentPrefix = "BATON_SV_"

    /// `$0` of the script, visible in `ps`.
    static let processName = "baton-supervisor"

    /// The full argv for `posix_spawn` of `/bin/sh`.
    static func argv(attemptDirectory: String, workingDirectory: String, executable: String, arguments: [String]) -> [String] {
        ["/bin/sh", "-c", text, processName, attemptDirectory, workingDirectory, executable] + arguments
    }
}
