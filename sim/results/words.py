"""What tables, reports and summaries say, in English and French: one phrase book, so that the
terminal, the report, the one-page summary and results.xlsx use the same words.

A phrase is a `str.format` template; `say(key, lang, **values)` fills it. French is written for
ARS and hospital readers (the vocabulary of French hospital statistics: taux d'occupation,
attente d'aval, patients partis sans être vus).
"""

from __future__ import annotations

LANGS = ("en", "fr")
"""The languages of the reports; English is the default."""

PHRASES: dict[str, tuple[str, str]] = {
    # key metrics: (English, French)
    "wait.mean": ("Wait for {step}, mean", "Attente : {step}, moyenne"),
    "wait.p90": ("Wait for {step}, 9 in 10 patients within", "Attente : {step}, 9 patients sur 10 en deçà de"),
    "wait.within_target": ("Wait for {step}: patients within the target", "Attente : {step}, patients dans l'objectif"),
    "wait.beyond_target": ("Wait for {step}: patients beyond the target", "Attente : {step}, patients au-delà de l'objectif"),
    "wait_at.mean": ("Wait for {step} at {site}, mean", "Attente : {step} à {site}, moyenne"),
    "blocked_time.mean": ("Held in the previous unit until {step}, mean", "Attente d'aval (maintien dans l'unité) : {step}, moyenne"),
    "blocked_time.p90": ("Held in the previous unit until {step}, 9 in 10 within",
                         "Attente d'aval : {step}, 9 patients sur 10 en deçà de"),
    "blocked_time.within_target": ("Held until {step}: patients within the target", "Attente d'aval : {step}, patients dans l'objectif"),
    "blocked_time.beyond_target": ("Held until {step}: patients beyond the target",
                                   "Attente d'aval : {step}, patients au-delà de l'objectif"),
    "access_delay.mean": ("Delay to {step}, mean", "Délai d'accès : {step}, moyenne"),
    "access_delay.p90": ("Delay to {step}, 9 in 10 within", "Délai d'accès : {step}, 9 patients sur 10 en deçà de"),
    "access_delay.within_target": ("Delay to {step}: patients within the target", "Délai d'accès : {step}, patients dans l'objectif"),
    "access_delay.beyond_target": ("Delay to {step}: patients beyond the target",
                                   "Délai d'accès : {step}, patients au-delà de l'objectif"),
    "access_delay_at.mean": ("Delay to {step} at {site}, mean", "Délai d'accès : {step} à {site}, moyenne"),
    "time_to_handover.mean": ("{stream}: length of stay in the first unit, boarding included, mean",
                              "{stream} : durée de passage dans la première unité, attente d'aval incluse, moyenne"),
    "time_in_system.mean": ("{stream}: arrival to discharge, later stays included, mean",
                            "{stream} : de l'arrivée à la sortie, séjours suivants inclus, moyenne"),
    "occupancy.mean": ("{resource}: occupancy", "{resource} : taux d'occupation"),
    "occupancy.within_target": ("{resource}: time below the occupancy target", "{resource} : temps sous l'objectif d'occupation"),
    "occupancy.saturated": ("{resource}: replications in which it saturates", "{resource} : réplications où la ressource sature"),
    "occupancy.full_hours": ("{resource}: time full", "{resource} : temps à pleine capacité"),
    "queue.max": ("{resource}: longest queue", "{resource} : file d'attente la plus longue"),
    "occupancy.blocked": ("{resource}: share held by patients waiting for their next unit",
                          "{resource} : part occupée par des patients en attente d'aval"),
    "nights_blocked.count": ("{resource}: nights spent waiting for the next unit", "{resource} : nuits passées en attente d'aval"),
    "patients.left_waiting": ("Patients who left before being seen", "Patients partis sans être vus"),
    "patients.went_elsewhere": ("Requests that went to another provider", "Demandes parties vers un autre prestataire"),
    "patients.left_unseen": ("Patients who left unseen", "Patients partis sans être vus"),
    "patients.still_inside": ("Patients still in care at the end", "Patients encore pris en charge à la fin"),
    "patients.deadlocked": ("Patients caught in a deadlock", "Patients pris dans un interblocage"),
    "transfers.count": ("Transfers between sites", "Transferts entre sites"),
    # units as a reader says them
    "unit.min": ("min", "min"),
    "unit.h": ("hours", "heures"),
    "unit.days": ("days", "jours"),
    "unit.%": ("%", "%"),
    "unit.patients": ("patients", "patients"),
    "unit.units": ("units", "unités"),
    "unit.times": ("times", "fois"),
    "unit.appointments": ("appointments", "rendez-vous"),
    "unit.patients/d": ("patients/day", "patients/jour"),
    "unit.pp": ("pp", "pts"),
}
"""Every phrase, in English then French."""


def pick(phrase: tuple[str, str], lang: str = "en", **values: object) -> str:
    """An (English, French) phrase in `lang`, filled with `values`."""
    english, french = phrase
    return (french if lang == "fr" else english).format(**values)


def say(key: str, lang: str = "en", **values: object) -> str:
    """The phrase `key` of the phrase book in `lang`, filled with `values` (an unknown unit is said
    as it is written)."""
    if key not in PHRASES and key.startswith("unit."):
        return key[5:]
    return pick(PHRASES[key], lang, **values)


def unit_word(shown: str, lang: str = "en") -> str:
    """A shown unit as a reader says it: `h` is "hours" ("heures")."""
    return say(f"unit.{shown}", lang)
