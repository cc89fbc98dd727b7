"""The methods section, STRESS-DES style, written from the manifest and scenario.resolved.yaml.

STRESS-DES (Monks et al., 2019) lists what a reader needs to judge and reproduce a discrete-event
simulation: objectives, model logic, data and inputs, experimentation, implementation. Each part
here is generated from what was run, so it cannot drift from the model.

Blocks are plain text: a string is a paragraph, a list is a bulleted list whose items are
strings or (text, sub-items) pairs. The page escapes and lays them out.
"""

from __future__ import annotations

from typing import Any

from sim.report.terminal import precision_summary
from sim.report.data import Results

Item = str | tuple[str, list["Item"]]
Block = str | list[Item]
Section = tuple[str, list[Block]]

SECTOR = {"public": "public", "private": "private", "foreign": "across the border"}


def readable(value: Any) -> str:
    """A YAML value on one line, as YAML's flow style writes it without quotes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {readable(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(readable(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def compact(value: Any, limit: int = 160) -> str:
    """`readable`, cut at `limit` characters."""
    text = readable(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def categorical(spec: Any) -> str:
    """An attribute's values: `1 (30%), 2 (70%)`, or its constant value."""
    if not isinstance(spec, dict):
        return readable(spec)
    return ", ".join(f"{value} ({100 * p:.3g}%)" for value, p in spec.items())


def distribution(spec: Any) -> str:
    """A duration distribution in words: `lognormal (mean 25min, sd 15min)`."""
    if not isinstance(spec, dict):
        return f"{spec} (fixed)"
    kind, params = next(iter(spec.items()))
    if not isinstance(params, dict):
        return f"{params} ({kind})"
    return f"{kind} ({', '.join(f'{k} {compact(v, 60)}' for k, v in params.items())})"


def _use(step: dict[str, Any], results: Results) -> Item:
    text = f"holds one {step['use']}"
    notes = []
    if step.get("name"):
        notes.append(f"its wait is reported as '{step['name']}'")
    priority = step.get("priority")
    notes.append(f"queue served by lowest {priority} first" if priority is not None else "queue served first come, first served")
    if step.get("patience"):
        notes.append(f"a patient still waiting after {distribution(step['patience'])} leaves unseen")
    if "during" in step:
        return f"{text} while ({'; '.join(notes)}):", steps(step["during"], results)
    return f"{text} for {distribution(step.get('for', '0min'))} ({'; '.join(notes)})"


def _book(step: dict[str, Any]) -> str:
    parts = [f"books {step['book']}: the earliest slot allowed"]
    if step.get("lead"):
        parts.append(f"no earlier than {distribution(step['lead'])} after the request")
    if step.get("urgent"):
        parts.append(f"{step['urgent']['p']:.0%} of requests are urgent and get a slot within {step['urgent']['within']}")
    parts.append(f"then uses it for {distribution(step['for']) if step.get('for') else 'one slot'}")
    if step.get("name"):
        parts.append(f"the access delay (request to appointment) is reported as '{step['name']}'")
    return "; ".join(parts)


def _branch(options: list[dict[str, Any]], results: Results) -> Item:
    items: list[Item] = []
    for option in options:
        if "otherwise" in option:
            head, body = "otherwise", option["otherwise"]
        else:
            when = " and ".join(f"{k} in {compact(v, 60)}" for k, v in (option.get("when") or {}).items())
            head = " ".join(filter(None, [f"if {when}" if when else "", f"with probability {option['p']:g}" if "p" in option else ""]))
            body = option.get("steps", [])
        items.append((f"{head}:", steps(body, results)) if body else f"{head}: leaves (discharged)")
    return "one of (a single uniform draw of the patient's own stream picks the option):", items


def steps(pathway: list[dict[str, Any]], results: Results) -> list[Item]:
    """A pathway's steps in words, nested steps as sub-items."""
    items: list[Item] = []
    for step in pathway:
        if "use" in step:
            items.append(_use(step, results))
        elif "delay" in step:
            items.append(f"spends {distribution(step['delay'])} with no resource held")
        elif "book" in step:
            items.append(_book(step))
        elif "branch" in step:
            items.append(_branch(step["branch"], results))
        elif "goto" in step:
            items.append(f"continues with pathway {step['goto']}")
        elif "transfer" in step:
            items.append(f"is transferred to {results.site_name(step['transfer'])}, taking the transport time")
    return items


def _resource(role: str, spec: Any) -> str:
    if isinstance(spec, int):
        return f"{role}: {spec}"
    if "calendar" in spec:
        cal = spec["calendar"]
        hours = ", ".join(f"{days} {span}" for days, span in cal["open"].items())
        scanners = cal.get("scanners", 1)
        return f"{role}: booked by appointment, slots of {cal['slot']}, {scanners} {'scanner' if scanners == 1 else 'scanners'}, open {hours}"
    windows = "; ".join(f"{w['capacity']} on {w['days']} {w['from']}–{w['to']}" for w in spec.get("schedule", []))
    return f"{role}: {spec.get('capacity', 0)}" + (f" ({windows}, {spec.get('capacity', 0)} otherwise)" if windows else "")


def _site(site: str, spec: dict[str, Any]) -> Item:
    where = f", at {spec['location'][0]:g}° N {spec['location'][1]:g}° E" if spec.get("location") else ""
    head = f"{spec.get('name') or site} ({site}; {SECTOR.get(spec.get('sector', 'public'), spec.get('sector'))}{where})"
    resources = [_resource(role, r) for role, r in (spec.get("resources") or {}).items()]
    return head, resources or ["no resources of its own"]


def _arrival(arrival: dict[str, Any], results: Results) -> Item:
    if arrival.get("series"):
        series = arrival["series"]
        source = f"from {series['file']}" if series.get("file") else f"over {len(series.get('per_day', []))} days"
        rate = f"daily rates {source} × {series.get('scale', 1):g}"
    else:
        rate = f"{arrival['rate']} on average over a week"
    shape = [name for key, name in (("hourly", "hour of day"), ("weekly", "day of the week")) if arrival.get(key)]
    parts = [f"{arrival['name']} at {results.site_name(arrival['at'])}: {rate}"
             + (f", shaped by {' and '.join(shape)} (weights normalised to mean 1)" if shape else "")]
    if arrival.get("curve"):
        parts.append(f"multiplied by the piecewise-linear curve {compact(arrival['curve'])} (time from the start of the warm-up)")
    attributes = [f"{name} {categorical(spec)}" for name, spec in (arrival.get("attributes") or {}).items()]
    if attributes:
        parts.append("attributes drawn at arrival: " + "; ".join(attributes))
    parts.append(f"follows pathway {arrival['pathway']}")
    return "; ".join(parts)


def _rule(rule: dict[str, Any]) -> str:
    kind, spec = next(iter(rule.items()))
    details = ", ".join(f"{k}: {compact(v, 80)}" for k, v in spec.items())
    meaning = {
        "overflow": "patients go to a partner site when the home resource is saturated",
        "route": "patients choose a site at arrival",
        "share_staff": "capacity of a role moves from one site to another during sessions",
        "share_calendar": "partner sites book on one shared calendar",
    }.get(kind, "")
    return f"{kind} ({meaning}): {details}"


def _segment(item: Any, index: int) -> str:
    """How a dotted path names a list element: its `name`, or its position."""
    return str(item["name"]) if isinstance(item, dict) and "name" in item else str(index)


def changes(base: Any, other: Any, path: str = "") -> list[str]:
    """Dotted paths where a variant differs from the baseline, with both values.

    Lists of the same length are compared element by element (an arrival stream by its name),
    so a changed curve reads as `arrivals.ed.curve`, not as the whole arrivals list."""
    if base == other:
        return []
    join = (lambda key: f"{path}.{key}") if path else str
    if isinstance(base, dict) and isinstance(other, dict):
        keys = [k for k in [*base, *(k for k in other if k not in base)] if k not in ("variants", "baseline", "sweep")]
        return [line for key in keys for line in changes(base.get(key), other.get(key), join(key))]
    if isinstance(base, list) and isinstance(other, list) and len(base) == len(other):
        return [line for k, (a, b) in enumerate(zip(base, other)) for line in changes(a, b, join(_segment(a, k)))]
    before = compact(base, 300) if base is not None else "(absent)"
    return [f"{path}: {before} → {compact(other, 300) if other is not None else '(removed)'}"]


def model_logic(results: Results) -> list[Block]:
    """Sites, resources, arrivals, pathways, cooperation and targets of the baseline, then the variants."""
    scenario = results.scenario
    blocks: list[Block] = [
        ("Patients are individual entities. Each arrival stream creates patients at a site; each patient draws its "
         "attributes at arrival and follows its pathway step by step, waiting in a queue when the resource it needs is "
         "busy. Resources are named by role and resolved at the patient's current site."),
        "Sites and their resources (capacities in force; a schedule changes the capacity during its windows):",
        [_site(site, spec) for site, spec in scenario["sites"].items()],
        "Pathways:",
        [(f"{name}: the patient", steps(pathway, results)) for name, pathway in scenario["pathways"].items()],
    ]
    rules = scenario.get("cooperation") or []
    blocks += ["Cooperation rules in force in the baseline:", [_rule(r) for r in rules]] if rules else ["No cooperation rule is in force in the baseline."]
    transport = scenario.get("transport") or {}
    if transport or len(scenario["sites"]) > 1:
        blocks.append(f"Transport between sites: great-circle distance × detour {transport.get('detour', 1.3):g} at "
                      f"{transport.get('speed', '50km/h')}, plus a handover of {transport.get('handover', '0min')}"
                      + (f"; explicit times {compact(transport['times'])}" if transport.get("times") else "") + ".")
    targets = [f"{t['wait']} within {t['within']} (share of patients)" if "wait" in t else f"{t['occupancy']} occupancy below {t['below']:.0%} (share of time)"
               for t in scenario.get("targets") or []]
    if targets:
        blocks += ["Targets:", targets]
    variants = []
    for v in results.others:
        diff = changes(scenario, results.scenarios[v])
        variants.append((f"{v}: differs from {results.baseline} in", diff) if diff else f"{v}: identical to {results.baseline}")
    if variants:
        blocks += [f"Variants (scenario logic), each compared with {results.baseline}:", variants]
    return blocks


def inputs(results: Results) -> list[Block]:
    """Arrival processes, attributes and the sources of the numbers."""
    scenario = results.scenario
    blocks: list[Block] = [
        ("Arrivals are non-homogeneous Poisson processes: the rate is the weekly mean × hour-of-day and weekday weights × "
         "the curve, and arrival times are drawn exactly by inverting the integrated rate (no thinning). Service and "
         "delay durations follow the distributions stated with each step; lognormal and gamma are given by the mean and "
         "standard deviation of the duration itself, normal is truncated at 0."),
        [_arrival(a, results) for a in scenario["arrivals"]],
    ]
    sources = scenario.get("sources") or []
    blocks += ["Sources and assumptions, as stated in the scenario:", list(sources)] if sources else ["The scenario states no sources."]
    return blocks


def experimentation(results: Results) -> list[Block]:
    """Warm-up, run length, replications, estimation and the replication advice."""
    manifest, run = results.manifest, results.scenario["run"]
    blocks: list[Block] = [
        (f"Each replication starts empty, simulates a warm-up of {run.get('warmup', '0min')} that is excluded from every "
         f"statistic, then a measured period of {run['horizon']}. A patient counts if it arrives after the warm-up; "
         "time-weighted measures (occupancy, queues) integrate from the end of the warm-up. A wait counts when it ended "
         "(served or left unseen) before the end of the run; patients still inside at the end are counted as such."),
        (f"{manifest['replications']} independent replications of each of the {len(results.variants)} variants, root seed "
         f"{manifest['seed']}. Across replications, each statistic is reported as its mean with a Student-t 95% confidence "
         f"interval; each variant is compared with {results.baseline} by the paired difference, replication by replication, "
         "with its own 95% interval."),
    ]
    advice = manifest.get("replication_advice") or {}
    metrics = advice.get("metrics", [])
    rows = [a for a in metrics if a.get("relative_half_width") is not None and not a.get("precise", False)]
    if metrics:
        text = f"Precision: {precision_summary(advice)}."
        if rows:
            worst = max(rows, key=lambda a: a["relative_half_width"])
            needed = worst["replications_needed"]
            text += (f" The widest is that of {worst['scope']} {worst['metric']} {worst['stat']} in {worst['variant']} "
                     f"(half-width {worst['relative_half_width']:.1%} of its mean; "
                     + (f"about {needed} replications would be needed)." if needed is not None else "no replication count would do).")
                     )
        blocks.append(text)
    return blocks


def random_numbers(results: Results) -> list[Block]:
    """Streams, seeds and common random numbers."""
    return [
        ("Every random quantity comes from its own named stream: a numpy PCG64 generator seeded by a SeedSequence of "
         f"(root seed {results.manifest['seed']}, replication, a BLAKE2b hash of the stream's name). Names say what a stream "
         "drives: the arrival times of a stream; each attribute of a stream; each random quantity of each step of a "
         "pathway (durations, patience, branch choices, urgency). Streams are keyed by name, never by position, so adding "
         "a stream or a variant shifts no other number."),
        ("Common random numbers: the i-th patient of a stream takes the i-th number of each of its stream's sequences, in "
         "every variant of a replication. The same patients therefore arrive at the same times with the same attributes "
         "and needs in every variant, and the paired differences reflect the changes between variants, not chance. "
         "Replications use independent streams."),
    ]


def implementation(results: Results) -> list[Block]:
    """Software, versions, command and machine."""
    manifest = results.manifest
    deps = ", ".join(f"{k} {v}" for k, v in manifest.get("dependencies", {}).items())
    timing, host = manifest.get("timing", {}), manifest.get("host", {})
    return [[
        f"coopsim {manifest.get('coopsim')} (discrete-event engine on SimPy), Python {manifest.get('python')}; {deps}.",
        (f"Scenario file {manifest['scenario']['file']}, SHA-256 {manifest['scenario']['sha256']}; "
         "scenario.resolved.yaml in this folder holds every variant as it was run."),
        f"Command: {' '.join(manifest.get('command', []))}",
        (f"Run in {timing.get('wall_seconds', '?')} s on {timing.get('workers', '?')} worker(s), {host.get('platform', 'unknown platform')}, "
         f"{host.get('cpus', '?')} CPUs. The same scenario file, seed and coopsim version give the same result files, byte for byte."),
    ]]


def sections(results: Results) -> list[Section]:
    """The methods, in STRESS-DES order."""
    description = results.scenario.get("description", "").strip()
    outputs = dict.fromkeys(line.key[0].replace("_", " ") for line in results.lines)
    return [
        ("Objectives and outputs", [
            description or "The scenario states no description.",
            f"Outputs: {', '.join(outputs)}, per variant, compared with {results.baseline}.",
        ]),
        ("Model logic", model_logic(results)),
        ("Inputs and data", inputs(results)),
        ("Experimentation", experimentation(results)),
        ("Random numbers", random_numbers(results)),
        ("Implementation", implementation(results)),
    ]
