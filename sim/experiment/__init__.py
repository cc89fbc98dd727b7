"""Experiments: every (variant, replication) task run by an executor, then tables, intervals and advice.

The package imports nothing itself, so that a command may start its worker processes
(`pool.start_early`) before it imports the engine."""
