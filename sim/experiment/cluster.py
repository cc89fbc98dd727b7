"""Running tasks on a Dask cluster (`coopsim run --scheduler ADDRESS`).

Tasks go to the cluster in batches (`batches`): about `BATCHES_PER_THREAD` per worker thread, so
that Dask's per-task cost (scheduling, a round trip, a result sent back) is paid once a batch
while the batches still balance the load. Each batch runs `simulate(scenario, replication,
seed)` for its tasks on a worker; scenarios are sent once (scattered to every worker). Results
depend only on the task, so a cluster gives the same bytes as a laptop. A batch's key names the
digests of the resolved variants it runs, so two scenarios run at once on one cluster never
share a result. The scheduler is reached when the executor is made, before anything is
simulated. Needs the `dask` extra: `pip install -e ".[dask]"`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any

from sim.engine import ReplicationResult, simulate
from sim.experiment.tasks import Task, scenario_digest
from sim.scenario import schema

BATCHES_PER_THREAD = 4
"""Batches sent per worker thread of the cluster: enough for the last ones to balance the load."""

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
        threads = sum(self.client.nthreads().values())
        futures = {}
        for batch in batches(tasks, max(threads, 1) * BATCHES_PER_THREAD):
            variants = {t.variant: shared[f"coopsim-scenario-{digests[t.variant]}"] for t in batch}
            named = ",".join(f"{digests[t.variant]}-r{t.replication}" for t in batch)
            key = f"coopsim-{hashlib.sha256(named.encode()).hexdigest()[:24]}-s{seed}{'-events' if events else ''}"
            futures[self.client.submit(run_batch, batch, variants, seed, events, pure=False, key=key)] = batch
        try:
            for future in as_completed(futures, loop=self.client.loop):
                yield from zip(futures[future], future.result(), strict=True)
        except BaseException:
            self.client.cancel(list(futures))
            raise

    def close(self) -> None:
        """Leave the cluster (the scheduler and its workers go on)."""
        self.client.close()


def batches(tasks: Sequence[Task], count: int) -> list[list[Task]]:
    """The tasks in at most `count` batches of consecutive tasks, of sizes differing by one at most."""
    size = math.ceil(len(tasks) / count) if tasks else 1
    pieces = math.ceil(len(tasks) / size) if tasks else 0
    return [list(tasks[k * len(tasks) // pieces:(k + 1) * len(tasks) // pieces]) for k in range(pieces)]


def run_batch(batch: list[Task], scenarios: dict[str, schema.Scenario], seed: int, events: bool) -> list[ReplicationResult]:
    """The results of a batch of tasks, in order (on a Dask worker)."""
    return [simulate(scenarios[task.variant], task.replication, seed, events=events) for task in batch]
