import Glibc

/// Starts the supervisor with `posix_spawn`, detached in a new session so it outlives Baton.
///
/// The child gets stdin from `/dev/null`, stdout and stderr appended to
/// `<attempt>/supervisor.log`, no inherited descriptor above 2, default signal dispositions and
/// an empty signal mask (Baton may ignore SIGPIPE; the job must not inherit that).
enum SupervisorSpawner {
    /// glibc's `POSIX_SPAWN_SETSID` (glibc 2.26+); Swift does not import the `__USE_GNU` macro.
    static let spawnSetSID: Int32 = 0x80
    /// Name of the supervisor's own log in the attempt directory.
    static let logName = "supervisor.log"

    /// Why a spawn failed: the `errno` that `posix_spawn` (or its setup) returned.
    struct Failure: Error {
        let code: Int32
    }

    /// Spawns `argv` (`argv[0]` is the program path) with exactly `environment` ("K=V" entries).
    /// - Returns: the supervisor's pid, or the `errno` of the failed step.
    static func spawn(argv: [String], environment: [String], logPath: String) -> Result<pid_t, Failure> {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        guard posix_spawn_file_actions_init(&actions) == 0 else { return .failure(Failure(code: ENOMEM)) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        guard posix_spawnattr_init(&attributes) == 0 else { return .failure(Failure(code: ENOMEM)) }
        defer { posix_spawnattr_destroy(&attributes) }

        var code = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if code == 0 { code = posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600) }
        if code == 0 { code = posix_spawn_file_actions_adddup2(&actions, 1, 2) }
        if code == 0 { code = closeInheritedDescriptors(&actions) }
        if code == 0 { code = configure(&attributes) }
        guard code == 0 else { return .failure(Failure(code: code)) }

        let cArguments = argv.map { strdup($0) }
        let cEnvironment = environment.map { strdup($0) }
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        guard !cArguments.contains(nil), !cEnvironment.contains(nil), let program = argv.first else {
            return .failure(Failure(code: ENOMEM))
        }
        var pid: pid_t = 0
        code = posix_spawn(&pid, program, &actions, &attributes, cArguments + [nil], cEnvironment + [nil])
        guard code == 0 else { return .failure(Failure(code: code)) }
        return .success(pid)
    }

    private static func configure(_ attributes: inout posix_spawnattr_t) -> Int32 {
        var defaults = sigset_t()
        var mask = sigset_t()
        sigfillset(&defaults)
        sigemptyset(&mask)
        var code = posix_spawnattr_setsigdefault(&attributes, &defaults)
        if code == 0 { code = posix_spawnattr_setsigmask(&attributes, &mask) }
        let flags = spawnSetSID | Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)
        if code == 0 { code = posix_spawnattr_setflags(&attributes, Int16(flags)) }
        return code
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// Adds "close every descriptor from 3 up" via glibc's `posix_spawn_file_actions_addclosefrom_np`
    /// (2.34+), looked up at run time because Swift does not import `__USE_GNU` declarations.
    /// Without it, descriptors opened with `O_CLOEXEC` (Swift and Foundation use it) still close.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) -> Int32 {
        guard let handle = dlopen(nil, RTLD_NOW) else { return 0 }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return 0 }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        return closeFrom(&actions, 3)
    }
}
