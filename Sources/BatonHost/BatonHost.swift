/// The long-running service: lifecycle, cron schedules, HTTP API, metrics, alerts.
///
/// This module is being built; see the README for what exists today.
public enum BatonHostModule {}
