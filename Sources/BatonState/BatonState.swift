/// The functional core: projections (pure folds of events) and deciders (pure functions of projection and now). No I/O, no clock.
///
/// This module is being built; see the README for what exists today.
public enum BatonStateModule {}
