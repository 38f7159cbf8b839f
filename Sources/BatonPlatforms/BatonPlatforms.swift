/// The Platform protocol and its adapters (sim, process, HTTP and cloud job APIs).
///
/// This module is being built; see the README for what exists today.
public enum BatonPlatformsModule {}
