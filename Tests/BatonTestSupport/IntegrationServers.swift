import Foundation

/// The real servers the integration suites run against (`make integration` installs them into
/// virtualenvs under `.build/venvs` and sets `BATON_INTEGRATION=1`). Each is started once per
/// test process, on first use, and stops when the process ends.
public enum IntegrationServers {
    /// Whether this test process runs the real-server suites (`make integration`).
    public static let enabled = ProcessInfo.processInfo.environment["BATON_INTEGRATION"] == "1"

    /// The virtualenv's executable `name` (for example `ray`).
    public static func venvTool(_ venv: String, _ name: String) -> String {
        LoopbackServer.repositoryRoot + "/.build/venvs/\(venv)/bin/\(name)"
    }

    /// The password of Airflow's user `baton` (a test value; the tests grep for it).
    public static let airflowPassword = "airflow-pass-MARKER-3c9d"

    /// One Airflow 3 (`Tools/servers/airflow_server.py`) with the DAGs of `Tools/servers/airflow_dags`; its API port.
    public static let airflow = Task { () throws -> LoopbackServer in
        try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/servers/airflow_server.py",
                                                        venvTool("airflow", "airflow"), airflowPassword], startMax: 900)
    }

    /// One single-node Ray cluster (`Tools/servers/ray_head.py`); its dashboard port.
    public static let ray = Task { () throws -> LoopbackServer in
        try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/servers/ray_head.py", venvTool("ray", "ray")],
                                       startMax: 600)
    }
}
