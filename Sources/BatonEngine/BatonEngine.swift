/// The runtime around the core: scheduler, dispatchers, monitors, reconciler, recovery. It appends what the deciders return and calls platforms; it decides nothing.
///
/// This module is being built; see the README for what exists today.
public enum BatonEngineModule {}
