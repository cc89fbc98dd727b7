"""The methods section, STRESS-DES style, written from the manifest and scenario.resolved.yaml.

STRESS-DES (Monks et al., 2019) lists what a reader needs to judge and reproduce a discrete-event
simulation: objectives, model logic, data and inputs, experimentation, implementation. Each part
here is generated from what was run, so it cannot drift from the model.

Blocks are plain text: a string is a paragraph, a list is a bulleted list whose items are
strings or (text, sub-items) pairs. The page escapes and lays them out.
"""

from __future__ import annotations

from typing import Any

from sim.report.data import Results
from sim.report.wording import day_name, decimal, duration, number, percent
from sim.results.precision import precision_summary
from sim.results.words import pick
from sim.scenario import schema
from sim.scenario.merge import item_name
from sim.scenario.walk import nested

Item = str | tuple[str, list["Item"]]
Block = str | list[Item]
Section = tuple[str, list[Block]]

SECTOR = {"public": ("public", "public"), "private": ("private", "privé"), "foreign": ("across the border", "transfrontalier")}
"""A site's sector, in English then French."""

PHRASES: dict[str, tuple[str, str]] = {
    # sections
    "objectives": ("Objectives and outputs", "Objectifs et résultats produits"),
    "model_logic": ("Model logic", "Logique du modèle"),
    "inputs": ("Inputs and data", "Entrées et données"),
    "experimentation": ("Experimentation", "Expérimentation"),
    "random_numbers": ("Random numbers", "Nombres aléatoires"),
    "implementation": ("Implementation", "Mise en œuvre"),
    "no_description": ("The scenario states no description.", "Le scénario ne comporte pas de description."),
    "outputs": ("Outputs: {outputs}, per variant, compared with {baseline}.",
                "Résultats produits : {outputs}, par variante, comparés à {baseline}."),
    # distributions
    "fixed": ("{duration} (fixed)", "{duration} (fixe)"),
    "distribution": ("{kind} ({parameters})", "une durée suivant une loi {kind} ({parameters})"),
    # steps
    "holds": ("holds one {resource}", "mobilise une unité de la ressource {resource}"),
    "reported": ("its wait is reported as '{name}'", "son attente est rapportée sous le nom « {name} »"),
    "priority": ("queue served by lowest {priority} first", "file servie par ordre croissant de {priority}"),
    "rank": ("priority {priority} in the queue, the lowest served first", "priorité {priority} dans la file, la plus petite servie d'abord"),
    "keep": ("once care there is over, the patient keeps the unit until it gets the unit of its next step",
             "une fois les soins terminés, le patient garde l'unité jusqu'à obtenir celle de son étape suivante (attente d'aval)"),
    "fifo": ("queue served first come, first served", "file servie dans l'ordre d'arrivée"),
    "patience": ("a patient still waiting after {patience} leaves unseen", "un patient encore en attente après {patience} part sans être vu"),
    "while": ("{holds} while ({notes}):", "{holds} pendant les étapes suivantes ({notes}) :"),
    "for": ("{holds} for {duration} ({notes})", "{holds} pendant {duration} ({notes})"),
    "books": ("books {calendar}: the earliest slot allowed", "réserve {calendar} : le premier créneau autorisé"),
    "lead": ("no earlier than {lead} after the request", "pas avant {lead} après la demande"),
    "urgent": ("{share} of requests are urgent and get a slot within {within}",
               "{share} des demandes sont urgentes et obtiennent un créneau sous {within}"),
    "uses_slot": ("then uses it for {duration}", "puis l'occupe pendant {duration}"),
    "one_slot": ("one slot", "un créneau"),
    "elsewhere": ("a request offered a slot later than {patience} goes elsewhere",
                  "une demande à laquelle on ne propose un créneau qu'après {patience} part ailleurs"),
    "access_reported": ("the access delay (request to appointment) is reported as '{name}'",
                        "le délai d'accès (de la demande au rendez-vous) est rapporté sous le nom « {name} »"),
    "otherwise": ("otherwise", "sinon"),
    "in": ("{attribute} in {values}", "{attribute} parmi {values}"),
    "and": (" and ", " et "),
    "if": ("if {condition}", "si {condition}"),
    "probability": ("with probability {p}", "avec une probabilité de {p}"),
    "option": ("{head}:", "{head} :"),
    "leaves": ("{head}: leaves (discharged)", "{head} : quitte le parcours (sortie)"),
    "one_of": ("one of (a single uniform draw of the patient's own stream picks the option):",
               "une des options suivantes (un seul tirage uniforme dans le flux aléatoire propre au patient choisit l'option) :"),
    "delay": ("spends {duration} with no resource held", "passe {duration} sans occuper de ressource"),
    "goto": ("continues with pathway {pathway}", "poursuit avec le parcours {pathway}"),
    "transfer": ("is transferred to {site}, taking the transport time", "est transféré vers {site}, avec le temps de transport"),
    # sites and resources
    "calendar": ("{role}: booked by appointment, slots of {slot}, {machines}, open {hours}",
                 "{role} : sur rendez-vous, créneaux de {slot}, {machines}, ouvert {hours}"),
    "scanner": ("{n} scanner", "{n} appareil"),
    "scanners": ("{n} scanners", "{n} appareils"),
    "window": ("{capacity} on {days} {start}–{end}", "{capacity} le {days} {start}–{end}"),
    "capacity": ("{role}: {capacity}", "{role} : {capacity}"),
    "schedule": (" ({windows}, {capacity} otherwise)", " ({windows}, {capacity} sinon)"),
    "at": (", at {lat}° N {lon}° E", ", à {lat}° N {lon}° E"),
    "site": ("{name} ({site}; {sector}{where})", "{name} ({site} ; {sector}{where})"),
    "no_resources": ("no resources of its own", "aucune ressource propre"),
    # arrivals
    "from_file": ("from {file}", "d'après {file}"),
    "over_days": ("over {n} days", "sur {n} jours"),
    "daily_rates": ("daily rates {source} × {scale}", "taux journaliers {source} × {scale}"),
    "weekly_mean": ("{rate} on average over a week", "{rate} en moyenne sur la semaine"),
    "hourly": ("hour of day", "heure de la journée"),
    "weekly": ("day of the week", "jour de la semaine"),
    "stream": ("{name} at {site}: {rate}", "{name} à {site} : {rate}"),
    "shaped": (", shaped by {shape} (weights normalised to mean 1)", ", modulé selon {shape} (poids normalisés à une moyenne de 1)"),
    "curve": ("multiplied by the piecewise-linear curve {curve} (time from the start of the warm-up)",
              "multiplié par la courbe linéaire par morceaux {curve} (temps depuis le début du préchauffage)"),
    "attributes": ("attributes drawn at arrival: ", "attributs tirés à l'arrivée : "),
    "follows": ("follows pathway {pathway}", "suit le parcours {pathway}"),
    # cooperation, variants and targets
    "rule": ("{kind} ({meaning}): {details}", "{kind} ({meaning}) : {details}"),
    "absent": ("(absent)", "(absent)"),
    "removed": ("(removed)", "(supprimé)"),
    "wait_target": ("{step} within {within} (share of patients)", "{step} : attente d'au plus {within} (part des patients)"),
    "occupancy_target": ("{resource} occupancy below {below} (share of time)",
                         "{resource} : taux d'occupation inférieur à {below} (part du temps)"),
    "entities": ("Patients are individual entities. Each arrival stream creates patients at a site; each patient draws its "
                 "attributes at arrival and follows its pathway step by step, waiting in a queue when the resource it needs is "
                 "busy. Resources are named by role and resolved at the patient's current site.",
                 "Les patients sont des entités individuelles. Chaque flux d'arrivées crée des patients sur un site ; chaque patient "
                 "tire ses attributs à l'arrivée et suit son parcours étape par étape, en attendant dans une file quand la ressource "
                 "dont il a besoin est occupée. Les ressources sont désignées par leur rôle et résolues sur le site où se trouve le patient."),
    "sites": ("Sites and their resources (capacities in force; a schedule changes the capacity during its windows):",
              "Sites et ressources (capacités en vigueur ; un planning modifie la capacité pendant ses plages horaires) :"),
    "pathways": ("Pathways:", "Parcours :"),
    "the_patient": ("{name}: the patient", "{name} : le patient"),
    "rules": ("Cooperation rules in force in the baseline:", "Règles de coopération en vigueur dans le scénario de référence :"),
    "no_rule": ("No cooperation rule is in force in the baseline.", "Aucune règle de coopération n'est en vigueur dans le scénario de référence."),
    "time": ("{pair}: {duration}", "{pair} : {duration}"),
    "transport": ("Transport between sites: great-circle distance × detour {detour} at {speed}km/h, plus a handover of {handover}",
                  "Transport entre sites : distance orthodromique × détour {detour} à {speed} km/h, plus une passation de {handover}"),
    "explicit": ("; explicit times {times}", " ; temps explicites {times}"),
    "targets": ("Targets:", "Objectifs :"),
    "differs": ("{variant}: differs from {baseline} in", "{variant} : diffère de {baseline} sur"),
    "identical": ("{variant}: identical to {baseline}", "{variant} : identique à {baseline}"),
    "variants": ("Variants (scenario logic), each compared with {baseline}:", "Variantes (logique du scénario), chacune comparée à {baseline} :"),
    # inputs
    "arrivals": ("Arrivals are non-homogeneous Poisson processes: the rate is the weekly mean × hour-of-day and weekday weights × "
                 "the curve, and arrival times are drawn exactly by inverting the integrated rate (no thinning). Service and "
                 "delay durations follow the distributions stated with each step; lognormal and gamma are given by the mean and "
                 "standard deviation of the duration itself, normal is truncated at 0.",
                 "Les arrivées suivent des processus de Poisson non homogènes : le taux est la moyenne hebdomadaire × les poids par "
                 "heure de la journée et par jour de la semaine × la courbe, et les instants d'arrivée sont tirés exactement en "
                 "inversant le taux intégré (sans amincissement). Les durées de soins et de délais suivent les lois indiquées à "
                 "chaque étape ; les lois log-normale et gamma sont données par la moyenne et l'écart-type de la durée elle-même, "
                 "la loi normale est tronquée en 0."),
    "sources": ("Sources and assumptions, as stated in the scenario:", "Sources et hypothèses, telles que le scénario les énonce :"),
    "no_sources": ("The scenario states no sources.", "Le scénario n'indique aucune source."),
    # experimentation
    "run": ("Each replication starts empty, simulates a warm-up of {warmup} that is excluded from every statistic, then a measured "
            "period of {horizon}. A patient counts if it arrives after the warm-up; time-weighted measures (occupancy, queues) "
            "integrate from the end of the warm-up. A wait counts when it ended (served or left unseen) before the end of the run; "
            "patients still inside at the end are counted as such.",
            "Chaque réplication démarre à vide, simule un préchauffage de {warmup} exclu de toutes les statistiques, puis une "
            "période mesurée de {horizon}. Un patient est compté s'il arrive après le préchauffage ; les mesures pondérées par le "
            "temps (taux d'occupation, files d'attente) sont intégrées à partir de la fin du préchauffage. Une attente est comptée "
            "si elle s'est terminée (prise en charge ou départ sans être vu) avant la fin de la simulation ; les patients encore "
            "présents à la fin sont comptés comme tels."),
    "replications": ("{replications} independent replications of each of the {variants} variants, root seed {seed}. Across "
                     "replications, each statistic is reported as its mean with a Student-t 95% confidence interval; each variant "
                     "is compared with {baseline} by the paired difference, replication by replication, with its own 95% interval.",
                     "{replications} réplications indépendantes de chacune des {variants} variantes, graine racine {seed}. Sur "
                     "l'ensemble des réplications, chaque statistique est donnée par sa moyenne avec un intervalle de confiance à "
                     "95 % (loi de Student) ; chaque variante est comparée à {baseline} par la différence appariée, réplication par "
                     "réplication, avec son propre intervalle de confiance à 95 %."),
    "precision": ("Precision: {summary}{widest}", "Précision : {summary}{widest}"),
    "widest": (". The widest is that of {scope} {metric} {stat} in {variant} (half-width {share} of its mean; ",
               ". La plus large est celle de {scope} {metric} {stat} dans {variant} (demi-largeur de {share} de sa moyenne ; "),
    "needed": ("about {needed} replications would be needed).", "il faudrait environ {needed} réplications)."),
    "never": ("no replication count would do).", "aucun nombre de réplications ne suffirait)."),
    # random numbers
    "streams": ("Every random quantity comes from its own named stream: a numpy PCG64 generator seeded by a SeedSequence of "
                "(root seed {seed}, replication, a BLAKE2b hash of the stream's name). Names say what a stream "
                "drives: the arrival times of a stream; each attribute of a stream; each random quantity of each step of a "
                "pathway (durations, patience, branch choices, urgency). Streams are keyed by name, never by position, so adding "
                "a stream or a variant shifts no other number.",
                "Chaque quantité aléatoire provient de son propre flux de nombres aléatoires, nommé : un générateur numpy PCG64 "
                "initialisé par une SeedSequence de (graine racine {seed}, réplication, empreinte BLAKE2b du nom du flux). Le nom "
                "dit ce que le flux pilote : les instants d'arrivée d'un flux d'arrivées ; chaque attribut d'un flux d'arrivées ; "
                "chaque quantité aléatoire de chaque étape d'un parcours (durées, patience, choix de branche, urgence). Les flux "
                "sont repérés par leur nom, jamais par leur position : ajouter un flux ou une variante ne décale aucun autre nombre."),
    "common": ("Common random numbers: the i-th patient of a stream takes the i-th number of each of its stream's sequences, in "
               "every variant of a replication. The same patients therefore arrive at the same times with the same attributes "
               "and needs in every variant, and the paired differences reflect the changes between variants, not chance. "
               "Replications use independent streams.",
               "Nombres aléatoires communs : le i-ème patient d'un flux d'arrivées prend le i-ème nombre de chacune des séquences "
               "de son flux, dans chaque variante d'une réplication. Les mêmes patients arrivent donc aux mêmes instants avec les "
               "mêmes attributs et les mêmes besoins dans toutes les variantes, et les différences appariées reflètent les "
               "changements entre variantes, non le hasard. Les réplications utilisent des flux indépendants."),
    # implementation
    "software": ("coopsim {coopsim} (discrete-event engine on SimPy), Python {python}; {dependencies}.",
                 "coopsim {coopsim} (moteur à événements discrets sur SimPy), Python {python} ; {dependencies}."),
    "scenario_file": ("Scenario file {file}, SHA-256 {sha256}; scenario.resolved.yaml in this folder holds every variant as it was run.",
                      "Fichier de scénario {file}, SHA-256 {sha256} ; scenario.resolved.yaml, dans ce dossier, contient chaque "
                      "variante telle qu'elle a été simulée."),
    "command": ("Command: {command}", "Commande : {command}"),
    "unknown_platform": ("unknown platform", "plateforme inconnue"),
    "machine": ("Run in {seconds} s on {workers} worker(s), {platform}, {cpus} CPUs. The same scenario file, seed and coopsim "
                "version give the same result files, byte for byte.",
                "Exécuté en {seconds} s sur {workers} processus de calcul, {platform}, {cpus} processeurs. Le même fichier de "
                "scénario, la même graine et la même version de coopsim donnent les mêmes fichiers de résultats, octet pour octet."),
}
"""Every title and sentence of the methods, in English then French."""

KINDS = {"exponential": "exponentielle", "lognormal": "log-normale", "normal": "normale", "triangular": "triangulaire",
         "uniform": "uniforme", "weibull": "de Weibull", "empirical": "empirique"}
"""Distributions as French names them (a kind not here keeps its name)."""
PARAMETERS = {"mean": "moyenne", "sd": "écart-type", "shape": "forme", "scale": "échelle", "values": "valeurs", "weights": "poids"}
"""Parameters of distributions as French names them (a parameter not here keeps its name)."""
OUTPUTS = {"wait": "attente", "blocked_time": "attente d'aval", "access_delay": "délai d'accès",
           "time_to_handover": "durée de passage dans la première unité", "time_in_system": "durée totale de prise en charge",
           "occupancy": "taux d'occupation", "queue": "file d'attente", "nights_blocked": "nuits en attente d'aval",
           "patients": "patients", "transfers": "transferts"}
"""The metrics of summary.csv as French names them (English says the metric's name in words)."""
def _say(key: str, lang: str, **values: object) -> str:
    return pick(PHRASES[key], lang, **values)


def _joined(parts: list[str], lang: str, comma: bool = False) -> str:
    """Parts of a sentence separated by `; ` (or `, `); in French by ` ; `, as its numbers have decimal commas."""
    return pick((", ", " ; ") if comma else ("; ", " ; "), lang).join(parts)


def readable(value: Any, lang: str = "en") -> str:
    """A YAML value on one line, as YAML's flow style writes it without quotes (French: decimal
    commas, items separated by `;`)."""
    sep = " ; " if lang == "fr" else ", "
    if isinstance(value, dict):
        return "{" + sep.join(f"{k}: {readable(v, lang)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + sep.join(readable(v, lang) for v in value) + "]"
    if isinstance(value, float):
        return number(value, lang)
    return str(value)


def compact(value: Any, limit: int = 160, lang: str = "en") -> str:
    """`readable`, cut at `limit` characters."""
    text = readable(value, lang)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def days(indices: tuple[int, ...], lang: str = "en") -> str:
    """Weekdays as a scenario writes them: `mon-fri`, `sat,sun`, `mon` (French `lun-ven`)."""
    runs: list[list[int]] = []
    for day in sorted(indices):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(day_name(r[0], lang) if len(r) == 1 else f"{day_name(r[0], lang)}-{day_name(r[-1], lang)}" for r in runs)


def clock(minutes: float) -> str:
    """A time of day, `08:30`."""
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def rate(per_minute: float, lang: str = "en") -> str:
    """A rate in the unit that reads best: per day (French `/j`), or per hour when large."""
    per_day = per_minute * 1440
    return f"{number(per_day, lang)}/{pick(('d', 'j'), lang)}" if per_day < 10_000 else f"{number(per_minute * 60, lang)}/h"


NUMBERS = ("shape", "weights")
"""Parameters of distributions that are plain numbers; every other one is a duration."""


def distribution(dist: schema.Distribution, lang: str = "en") -> str:
    """A duration distribution in words: `lognormal (mean 25min, sd 15min)` (French `une durée suivant
    une loi log-normale (moyenne 25 min ; écart-type 15 min)`)."""
    kind = next(iter(type(dist).model_fields))
    params = getattr(dist, kind)
    if isinstance(params, float):
        return _say("fixed", lang, duration=duration(params, lang))
    shown = []
    for name in type(params).model_fields:
        value = getattr(params, name)
        if value is None:
            continue
        said = PARAMETERS.get(name, name) if lang == "fr" else name
        if name in NUMBERS:
            shown.append(f"{said} {compact(value, 60, lang)}")
        elif isinstance(value, tuple):
            shown.append(f"{said} {compact([duration(v, lang) for v in value], 60, lang)}")
        else:
            shown.append(f"{said} {duration(value, lang)}")
    return _say("distribution", lang, kind=KINDS.get(kind, kind) if lang == "fr" else kind, parameters=_joined(shown, lang, comma=True))


def _use(step: schema.UseStep, body: tuple[schema.Step, ...] | None, results: Results) -> Item:
    lang = results.lang
    holds = _say("holds", lang, resource=step.use)
    notes = []
    if step.name:
        notes.append(_say("reported", lang, name=step.name))
    notes.append(_queue(step.priority, lang))
    if step.patience is not None:
        notes.append(_say("patience", lang, patience=distribution(step.patience, lang)))
    if step.keep is not None:
        notes.append(_say("keep", lang))
    if body is not None:
        return _say("while", lang, holds=holds, notes=_joined(notes, lang)), steps(body, results)
    assert step.for_ is not None
    return _say("for", lang, holds=holds, duration=distribution(step.for_, lang), notes=_joined(notes, lang))


def _queue(priority: str | float | None, lang: str) -> str:
    """How a step's queue is served: first come first served, by an attribute, or at a fixed priority."""
    if priority is None:
        return _say("fifo", lang)
    if isinstance(priority, str):
        return _say("priority", lang, priority=priority)
    return _say("rank", lang, priority=number(priority, lang))


def _book(step: schema.BookStep, lang: str) -> str:
    parts = [_say("books", lang, calendar=step.book)]
    if step.lead is not None:
        parts.append(_say("lead", lang, lead=distribution(step.lead, lang)))
    if step.urgent is not None:
        parts.append(_say("urgent", lang, share=percent(f"{step.urgent.p:.0%}", lang), within=duration(step.urgent.within, lang)))
    parts.append(_say("uses_slot", lang, duration=distribution(step.for_, lang) if step.for_ is not None else _say("one_slot", lang)))
    if step.patience is not None:
        parts.append(_say("elsewhere", lang, patience=distribution(step.patience, lang)))
    if step.name:
        parts.append(_say("access_reported", lang, name=step.name))
    return _joined(parts, lang)


def _head(option: schema.BranchOption | schema.OtherwiseOption, lang: str) -> str:
    """What picks a branch option: `otherwise`, `if acuity in [1]`, `with probability 0.2`."""
    if isinstance(option, schema.OtherwiseOption):
        return _say("otherwise", lang)
    when = _say("and", lang).join(_say("in", lang, attribute=k, values=compact(v, 60)) for k, v in (option.when or {}).items())
    return " ".join(filter(None, [_say("if", lang, condition=when) if when else "",
                                  _say("probability", lang, p=number(option.p, lang)) if option.p is not None else ""]))


def _branch(step: schema.BranchStep, results: Results) -> Item:
    lang = results.lang
    items: list[Item] = []
    for option, (_, body) in zip(step.branch, nested((), step)):
        head = _head(option, lang)
        items.append((_say("option", lang, head=head), steps(body, results)) if body else _say("leaves", lang, head=head))
    return _say("one_of", lang), items


def steps(pathway: tuple[schema.Step, ...], results: Results) -> list[Item]:
    """A pathway's steps in words, nested steps as sub-items."""
    lang = results.lang
    items: list[Item] = []
    for step in pathway:
        match step:
            case schema.UseStep():
                items.append(_use(step, step.during, results))
            case schema.DelayStep():
                items.append(_say("delay", lang, duration=distribution(step.delay, lang)))
            case schema.BookStep():
                items.append(_book(step, lang))
            case schema.BranchStep():
                items.append(_branch(step, results))
            case schema.GotoStep():
                items.append(_say("goto", lang, pathway=step.goto))
            case schema.TransferStep():
                items.append(_say("transfer", lang, site=results.site_name(step.transfer)))
    return items


def _resource(role: str, spec: schema.Resource, lang: str) -> str:
    if isinstance(spec, schema.CalendarResource):
        cal = spec.calendar
        hours = ", ".join(f"{days(w.days, lang)} {clock(w.start)}–{clock(w.end)}" for w in cal.open)
        machines = _say("scanner" if cal.scanners == 1 else "scanners", lang, n=cal.scanners)
        return _say("calendar", lang, role=role, slot=duration(cal.slot, lang), machines=machines, hours=hours)
    windows = _joined([_say("window", lang, capacity=w.capacity, days=days(w.days, lang), start=clock(w.from_), end=clock(w.to))
                       for w in spec.schedule], lang)
    return _say("capacity", lang, role=role, capacity=spec.capacity) + (_say("schedule", lang, windows=windows, capacity=spec.capacity)
                                                                        if windows else "")


def _site(site: str, spec: schema.Site, lang: str) -> Item:
    where = _say("at", lang, lat=number(spec.location[0], lang), lon=number(spec.location[1], lang)) if spec.location else ""
    head = _say("site", lang, name=spec.name or site, site=site, sector=pick(SECTOR[spec.sector], lang), where=where)
    resources = [_resource(role, r, lang) for role, r in spec.resources.items()]
    return head, resources or [_say("no_resources", lang)]


def _arrival(arrival: schema.Arrival, results: Results) -> Item:
    lang = results.lang
    if arrival.series is not None:
        series = arrival.series
        source = _say("from_file", lang, file=series.file) if series.file else _say("over_days", lang, n=len(series.per_day))
        shown = _say("daily_rates", lang, source=source, scale=number(series.scale, lang))
    else:
        assert arrival.rate is not None
        shown = _say("weekly_mean", lang, rate=rate(arrival.rate, lang))
    shape = [_say(key, lang) for key in ("hourly", "weekly") if getattr(arrival, key) is not None]
    parts = [_say("stream", lang, name=arrival.name, site=results.site_name(arrival.at), rate=shown)
             + (_say("shaped", lang, shape=_say("and", lang).join(shape)) if shape else "")]
    if arrival.curve:
        curve = [[duration(t, lang), factor] for t, factor in arrival.curve]
        parts.append(_say("curve", lang, curve=compact(curve, lang=lang)))
    attributes = [f"{name} {categorical(spec, lang)}" for name, spec in arrival.attributes.items()]
    if attributes:
        parts.append(_say("attributes", lang) + _joined(attributes, lang))
    parts.append(_say("follows", lang, pathway=arrival.pathway))
    return _joined(parts, lang)


def categorical(spec: Any, lang: str = "en") -> str:
    """An attribute's values: `1 (30%), 2 (70%)` (French `1 (30 %), 2 (70 %)`), or its constant value."""
    if not isinstance(spec, dict):
        return readable(spec)
    return ", ".join(f"{value} ({percent(f'{100 * p:.3g}%', lang)})" for value, p in spec.items())


MEANINGS = {
    "overflow": ("patients go to a partner site when the home resource is saturated",
                 "les patients sont orientés vers un site partenaire quand la ressource de leur site est saturée"),
    "route": ("patients choose a site at arrival", "les patients choisissent un site à l'arrivée"),
    "share_staff": ("capacity of a role moves from one site to another during sessions",
                    "une partie de la capacité d'un rôle passe d'un site à l'autre pendant des vacations"),
    "share_calendar": ("partner sites book on one shared calendar", "les sites partenaires réservent sur un planning commun"),
}
"""What each kind of cooperation rule does, in a few words, in English then French."""


def _rule(rule: schema.Rule, document: dict[str, Any], lang: str) -> str:
    kind = schema.rule_kind(rule)
    details = ", ".join(f"{k}: {compact(v, 80)}" for k, v in document[kind].items())
    return _say("rule", lang, kind=kind, meaning=pick(MEANINGS[kind], lang), details=details)


def _segment(item: Any, index: int) -> str:
    """How a dotted path names a list element: its `name`, or its position."""
    name = item_name(item)
    return name if name is not None else str(index)


def changes(base: Any, other: Any, path: str = "", lang: str = "en") -> list[str]:
    """Dotted paths where a variant differs from the baseline, with both values (as the scenario
    writes them; only `(absent)` and `(removed)` are said in `lang`).

    Lists of the same length are compared element by element (an arrival stream by its name),
    so a changed curve reads as `arrivals.ed.curve`, not as the whole arrivals list."""
    if base == other:
        return []
    join = (lambda key: f"{path}.{key}") if path else str
    if isinstance(base, dict) and isinstance(other, dict):
        keys = [k for k in [*base, *(k for k in other if k not in base)] if k not in ("variants", "baseline", "sweep")]
        return [line for key in keys for line in changes(base.get(key), other.get(key), join(key), lang)]
    if isinstance(base, list) and isinstance(other, list) and len(base) == len(other):
        return [line for k, (a, b) in enumerate(zip(base, other)) for line in changes(a, b, join(_segment(a, k)), lang)]
    before = compact(base, 300) if base is not None else _say("absent", lang)
    return [f"{path}: {before} → {compact(other, 300) if other is not None else _say('removed', lang)}"]


def _target(target: schema.Target, lang: str) -> str:
    if isinstance(target, schema.WaitTarget):
        return _say("wait_target", lang, step=target.wait, within=duration(target.within, lang))
    return _say("occupancy_target", lang, resource=target.occupancy, below=percent(f"{target.below:.0%}", lang))


def _transport(results: Results) -> str:
    """How long a transfer takes between sites."""
    lang, transport = results.lang, results.scenario.transport
    times = _joined([_say("time", lang, pair=pair, duration=duration(minutes, lang)) for pair, minutes in transport.times.items()], lang, True)
    return (_say("transport", lang, detour=number(transport.detour, lang), speed=number(transport.speed * 60, lang),
                 handover=duration(transport.handover, lang)) + (_say("explicit", lang, times=times) if times else "") + ".")


def _variants(results: Results) -> list[Item]:
    """What each variant changes in the baseline's scenario."""
    lang, document, variants = results.lang, results.documents[results.baseline], []
    for v in results.others:
        diff = changes(document, results.documents[v], lang=lang)
        variants.append((_say("differs", lang, variant=v, baseline=results.baseline), diff) if diff
                        else _say("identical", lang, variant=v, baseline=results.baseline))
    return variants


def model_logic(results: Results) -> list[Block]:
    """Sites, resources, arrivals, pathways, cooperation and targets of the baseline, then the variants."""
    lang, scenario, document = results.lang, results.scenario, results.documents[results.baseline]
    blocks: list[Block] = [
        _say("entities", lang),
        _say("sites", lang),
        [_site(site, spec, lang) for site, spec in scenario.sites.items()],
        _say("pathways", lang),
        [(_say("the_patient", lang, name=name), steps(pathway, results)) for name, pathway in scenario.pathways.items()],
    ]
    if scenario.cooperation:
        rules = [_rule(rule, raw, lang) for rule, raw in zip(scenario.cooperation, document.get("cooperation") or [])]
        blocks += [_say("rules", lang), rules]
    else:
        blocks.append(_say("no_rule", lang))
    if len(scenario.sites) > 1:
        blocks.append(_transport(results))
    if scenario.targets:
        blocks += [_say("targets", lang), [_target(t, lang) for t in scenario.targets]]
    variants = _variants(results)
    if variants:
        blocks += [_say("variants", lang, baseline=results.baseline), variants]
    return blocks


def inputs(results: Results) -> list[Block]:
    """Arrival processes, attributes and the sources of the numbers."""
    lang, scenario = results.lang, results.scenario
    blocks: list[Block] = [_say("arrivals", lang), [_arrival(a, results) for a in scenario.arrivals]]
    if scenario.sources:
        blocks += [_say("sources", lang), list(scenario.sources)]
    else:
        blocks.append(_say("no_sources", lang))
    return blocks


def _widest(metrics: list[dict[str, Any]], lang: str) -> str:
    """The end of the precision sentence: the least precise key mean and the replications it would need."""
    rows = [a for a in metrics if a.get("relative_half_width") is not None and not a.get("precise", False)
            and not a.get("saturation_driven")]
    if not rows:
        return "."
    worst = max(rows, key=lambda a: a["relative_half_width"])
    needed = worst["replications_needed"]
    return (_say("widest", lang, scope=worst["scope"], metric=worst["metric"], stat=worst["stat"], variant=worst["variant"],
                 share=percent(f"{worst['relative_half_width']:.1%}", lang))
            + (_say("needed", lang, needed=needed) if needed is not None else _say("never", lang)))


def experimentation(results: Results) -> list[Block]:
    """Warm-up, run length, replications, estimation and the replication advice."""
    lang, manifest = results.lang, results.manifest
    blocks: list[Block] = [
        _say("run", lang, warmup=duration(results.warmup, lang), horizon=duration(results.horizon, lang)),
        _say("replications", lang, replications=manifest["replications"], variants=len(results.variants), seed=manifest["seed"],
             baseline=results.baseline),
    ]
    advice = manifest.get("replication_advice") or {}
    if advice.get("metrics"):
        blocks.append(_say("precision", lang, summary=precision_summary(advice, lang), widest=_widest(advice["metrics"], lang)))
    return blocks


def random_numbers(results: Results) -> list[Block]:
    """Streams, seeds and common random numbers."""
    return [_say("streams", results.lang, seed=results.manifest["seed"]), _say("common", results.lang)]


def implementation(results: Results) -> list[Block]:
    """Software, versions, command and machine."""
    lang, manifest = results.lang, results.manifest
    deps = ", ".join(f"{k} {v}" for k, v in manifest.get("dependencies", {}).items())
    timing, host = manifest.get("timing", {}), manifest.get("host", {})
    return [[
        _say("software", lang, coopsim=manifest.get("coopsim"), python=manifest.get("python"), dependencies=deps),
        _say("scenario_file", lang, file=manifest["scenario"]["file"], sha256=manifest["scenario"]["sha256"]),
        _say("command", lang, command=" ".join(manifest.get("command", []))),
        _say("machine", lang, seconds=decimal(str(timing.get("wall_seconds", "?")), lang), workers=timing.get("workers", "?"),
             platform=host.get("platform", _say("unknown_platform", lang)), cpus=host.get("cpus", "?")),
    ]]


def sections(results: Results) -> list[Section]:
    """The methods, in STRESS-DES order, in the language of `results`."""
    lang, description = results.lang, results.scenario.description.strip()
    metrics = dict.fromkeys(line.key[0] for line in results.lines)
    outputs = [OUTPUTS.get(m, m.replace("_", " ")) if lang == "fr" else m.replace("_", " ") for m in metrics]
    return [
        (_say("objectives", lang), [
            description or _say("no_description", lang),
            _say("outputs", lang, outputs=", ".join(outputs), baseline=results.baseline),
        ]),
        (_say("model_logic", lang), model_logic(results)),
        (_say("inputs", lang), inputs(results)),
        (_say("experimentation", lang), experimentation(results)),
        (_say("random_numbers", lang), random_numbers(results)),
        (_say("implementation", lang), implementation(results)),
    ]
