"""Running tasks on a Dask cluster (`coopsim run --scheduler ADDRESS`).

Each task is `simulate(scenario, replication, seed)` on a worker; scenarios are sent once
(scattered to every worker). Results depend only on the task, so a cluster gives the same
bytes as a laptop. A task's key names the digest of the resolved variant it runs, so two
scenarios run at once on one cluster never share a result. The scheduler is reached when
the executor is made, before anything is simulated. Needs the `dask` extra:
`pip install -e ".[dask]"`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sim.engine import ReplicationResult, simulate
from sim.experiment.tasks import Task, scenario_digest
from sim.scenario import schema

CONNECT_SECONDS = 10
"""How long to try to reach the scheduler before giving up."""

ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx|inproc)://\S+$|^[A-Za-z0-9.\-\[\]:]+:\d+$")
"""A scheduler address: tcp://10.0.0.5:8786, or host:port."""


class SchedulerError(ValueError):
    """The Dask scheduler cannot be used: Dask missing, a malformed address, or no answer."""


class DaskExecutor:
    """Runs tasks on the Dask scheduler at `address` (e.g. tcp://10.0.0.5:8786)."""

    def __init__(self, address: str, timeout: float | None = None):
        try:
            from dask.distributed import Client
        except ImportError:
            raise SchedulerError("--scheduler needs Dask: pip install -e '.[dask]'") from None
        if not ADDRESS.match(address):
            raise SchedulerError(f"--scheduler '{address}' is not an address (expected e.g. tcp://10.0.0.5:8786)")
        self.address = address
        timeout = CONNECT_SECONDS if timeout is None else timeout
        try:
            self.client: Any = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise SchedulerError(f"cannot reach the Dask scheduler at {address} within {timeout:g}s ({err})") from None

    def run(self, scenarios: dict[str, schema.Scenario], tasks: Sequence[Task], seed: int,
            events: bool = False) -> Iterator[tuple[Task, ReplicationResult]]:
        from dask.distributed import as_completed

        digests = {name: scenario_digest(scenario)[:24] for name, scenario in scenarios.items()}
        # scattered data is keyed too: by the variant's digest, never by its name, which another scenario may share
        shared = self.client.scatter({f"coopsim-scenario-{digests[name]}": scenario for name, scenario in scenarios.items()},
                                     broadcast=True)
        futures = {
            self.client.submit(simulate, shared[f"coopsim-scenario-{digests[t.variant]}"], t.replication, seed, events=events, pure=False,
                               key=f"coopsim-{digests[t.variant]}-r{t.replication}-s{seed}{'-events' if events else ''}"): t
            for t in tasks
        }
        try:
            for future in as_completed(futures, loop=self.client.loop):
                yield futures[future], future.result()
        except BaseException:
            self.client.cancel(list(futures))
            raise

    def close(self) -> None:
        """Leave the cluster (the scheduler and its workers go on)."""
        self.client.close()
