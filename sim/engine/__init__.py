"""The simulation engine: one replication of a validated scenario, on SimPy."""

from sim.engine.metrics import ConservationError
from sim.engine.replication import EventColumns, ReplicationResult, simulate

__all__ = ["ConservationError", "EventColumns", "ReplicationResult", "simulate"]
