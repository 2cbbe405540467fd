"""Reconciling: the engine (one pass of one object), the lifecycle of each AWS resource,
the resource clients, the three kinds' managers, and how handlers converge and resync.
See docs/architecture.md."""
