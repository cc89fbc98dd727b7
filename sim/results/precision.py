"""The replication advice in one sentence, as the terminal and the report say it: how many key
means meet the precision, and how many more are driven by saturation (they do not count against it)."""

from __future__ import annotations

from typing import Any

from sim.results.numbers import plain
from sim.results.words import pick

PHRASES = {
    "precise": ("{precise} of {counted} key means have a 95% half-width under {share} of the mean",
                "{precise} des {counted} moyennes clés ont une demi-largeur d'intervalle à 95 % inférieure à {share} de la moyenne"),
    "tolerances": (" or under {tolerances}", " ou inférieure à {tolerances}"),
    "driven": ("; {driven} more are driven by saturation (a resource full in some replications and not in others: read them with "
               "the share of replications saturated and the hours full)",
               " ; {driven} autres dépendent de la saturation (une ressource pleine dans certaines réplications et pas dans "
               "d'autres : à lire avec la part des réplications saturées et les heures à pleine capacité)"),
    "and": (", ", " / "),
}
TOLERANCES = {"d": "j", "share": "(part)"}
"""Units of the replication advice's tolerances as French writes them."""


def precision_summary(advice: dict[str, Any], lang: str = "en") -> str:
    """How many key means of a manifest's replication advice meet its precision, what that is, and
    how many of the others are driven by saturation, in `lang`."""
    units = TOLERANCES if lang == "fr" else {}
    tolerances = pick(PHRASES["and"], lang).join(f"{plain(v, lang)} {units.get(unit, unit)}"
                                                 for unit, v in advice.get("absolute_tolerance", {}).items())
    driven = [a for a in advice["metrics"] if a.get("saturation_driven")]
    counted = [a for a in advice["metrics"] if not a.get("saturation_driven")]
    share = f"{advice['precision']:.0%}"
    text = pick(PHRASES["precise"], lang, precise=sum(a.get("precise", False) for a in counted), counted=len(counted),
                share=share.replace("%", " %") if lang == "fr" else share)
    return (text + (pick(PHRASES["tolerances"], lang, tolerances=tolerances) if tolerances else "")
            + (pick(PHRASES["driven"], lang, driven=len(driven)) if driven else ""))
