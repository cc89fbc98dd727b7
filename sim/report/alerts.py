"""What a reader must be told before any figure: the replications that ended in a deadlock.

A deadlock (docs/semantics.md, Blocking) is a cycle of full resources whose every unit is kept
by a patient waiting for the next resource on the cycle: nobody on it can ever move again, so
the waits and occupancies of that run describe a jam, not the hospitals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.results.words import pick

SENTENCE = (
    "{variant}: {replications} of {of} replications ended in a deadlock, up to {most} patients each keeping a unit while waiting "
    "for another on a cycle of full resources, which nobody can leave again. The waits and occupancies of those replications "
    "describe a jam, not the hospitals: look at which steps keep their unit (patients deadlocked, replications.csv).",
    "{variant} : {replications} réplications sur {of} se sont terminées par un interblocage, jusqu'à {most} patients occupant "
    "chacun une unité en attendant une autre sur un cycle de ressources pleines, que plus personne ne peut quitter. Les attentes "
    "et taux d'occupation de ces réplications décrivent un embouteillage, pas les hôpitaux : regardez quelles étapes conservent "
    "leur unité (patients deadlocked, replications.csv).")
"""The deadlock warning, in English then French."""


@dataclass(frozen=True)
class Deadlock:
    """A variant some of whose replications ended with patients jammed in a cycle."""

    variant: str
    replications: int
    """Replications that ended jammed."""
    of: int
    most: int
    """Patients jammed at the end of the worst replication."""

    def sentence(self, lang: str = "en") -> str:
        """The warning, in words a planner reads, in `lang`."""
        return pick(SENTENCE, lang, variant=self.variant, replications=self.replications, of=self.of, most=self.most)


def jammed(summary: Iterable[dict[str, str]]) -> set[str]:
    """The variants whose mean count of deadlocked patients (summary.csv) is above zero."""
    return {r["variant"] for r in summary if (r["metric"], r["scope"], r["stat"]) == ("patients", "deadlocked", "count")
            and r["mean"] not in ("", "0") and float(r["mean"]) > 0}


def deadlocks(counts: Iterable[tuple[str, float]], variants: list[str]) -> list[Deadlock]:
    """Per variant, in the manifest's order, the deadlocks among `(variant, patients deadlocked)`
    pairs, one per replication (replications.csv)."""
    found: dict[str, list[float]] = {}
    for variant, count in counts:
        found.setdefault(variant, []).append(count)
    return [Deadlock(v, sum(c > 0 for c in found[v]), len(found[v]), int(max(found[v])))
            for v in variants if v in found and max(found[v]) > 0]
