"""Running tasks on a Dask cluster (`coopsim run --scheduler ADDRESS`).

Each task is `simulate(scenario, replication, seed)` on a worker; scenarios are sent once
(scattered to every worker). Results depend only on the task, so a cluster gives the same
bytes as a laptop. Needs the `dask` extra: `pip install -e ".[dask]"`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sim import schema
from sim.engine import ReplicationResult, simulate
from sim.experiment import Task


class DaskExecutor:
    """Runs tasks on the Dask scheduler at `address` (e.g. tcp://10.0.0.5:8786)."""

    def __init__(self, address: str):
        self.address = address

    def run(self, scenarios: dict[str, schema.Scenario], tasks: Sequence[Task], seed: int,
            events: bool = False) -> Iterator[tuple[Task, ReplicationResult]]:
        from dask.distributed import Client, as_completed

        with Client(self.address) as client:
            shared = client.scatter(scenarios, broadcast=True)
            futures = {
                client.submit(simulate, shared[t.variant], t.replication, seed, events=events, pure=False,
                              key=f"coopsim-{t.variant}-{t.replication}-{seed}"): t
                for t in tasks
            }
            try:
                for future in as_completed(futures):
                    yield futures[future], future.result()
            except BaseException:
                client.cancel(list(futures))
                raise
