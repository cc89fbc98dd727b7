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
from sim.report.terminal import precision_summary
from sim.scenario import schema
from sim.scenario.merge import item_name
from sim.scenario.units import DAY_NAMES, format_duration
from sim.scenario.walk import nested

Item = str | tuple[str, list["Item"]]
Block = str | list[Item]
Section = tuple[str, list[Block]]

SECTOR = {"public": "public", "private": "private", "foreign": "across the border"}


def readable(value: Any) -> str:
    """A YAML value on one line, as YAML's flow style writes it without quotes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {readable(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(readable(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def compact(value: Any, limit: int = 160) -> str:
    """`readable`, cut at `limit` characters."""
    text = readable(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def days(indices: tuple[int, ...]) -> str:
    """Weekdays as a scenario writes them: `mon-fri`, `sat,sun`, `mon`."""
    runs: list[list[int]] = []
    for day in sorted(indices):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs)


def clock(minutes: float) -> str:
    """A time of day, `08:30`."""
    return f"{int(minutes) // 60:02d}:{int(minutes) % 60:02d}"


def rate(per_minute: float) -> str:
    """A rate in the unit that reads best: per day, or per hour when large."""
    per_day = per_minute * 1440
    return f"{per_day:g}/d" if per_day < 10_000 else f"{per_minute * 60:g}/h"


NUMBERS = ("shape", "weights")
"""Parameters of distributions that are plain numbers; every other one is a duration."""


def distribution(dist: schema.Distribution) -> str:
    """A duration distribution in words: `lognormal (mean 25min, sd 15min)`."""
    kind = next(iter(type(dist).model_fields))
    params = getattr(dist, kind)
    if isinstance(params, float):
        return f"{format_duration(params)} (fixed)"
    shown = []
    for name in type(params).model_fields:
        value = getattr(params, name)
        if value is None:
            continue
        if name in NUMBERS:
            shown.append(f"{name} {compact(value, 60)}")
        elif isinstance(value, tuple):
            shown.append(f"{name} {compact([format_duration(v) for v in value], 60)}")
        else:
            shown.append(f"{name} {format_duration(value)}")
    return f"{kind} ({', '.join(shown)})"


def _use(step: schema.UseStep, body: tuple[schema.Step, ...] | None, results: Results) -> Item:
    text = f"holds one {step.use}"
    notes = []
    if step.name:
        notes.append(f"its wait is reported as '{step.name}'")
    notes.append(f"queue served by lowest {compact(step.priority)} first" if step.priority is not None
                 else "queue served first come, first served")
    if step.patience is not None:
        notes.append(f"a patient still waiting after {distribution(step.patience)} leaves unseen")
    if body is not None:
        return f"{text} while ({'; '.join(notes)}):", steps(body, results)
    assert step.for_ is not None
    return f"{text} for {distribution(step.for_)} ({'; '.join(notes)})"


def _book(step: schema.BookStep) -> str:
    parts = [f"books {step.book}: the earliest slot allowed"]
    if step.lead is not None:
        parts.append(f"no earlier than {distribution(step.lead)} after the request")
    if step.urgent is not None:
        parts.append(f"{step.urgent.p:.0%} of requests are urgent and get a slot within {format_duration(step.urgent.within)}")
    parts.append(f"then uses it for {distribution(step.for_) if step.for_ is not None else 'one slot'}")
    if step.patience is not None:
        parts.append(f"a request offered a slot later than {distribution(step.patience)} goes elsewhere")
    if step.name:
        parts.append(f"the access delay (request to appointment) is reported as '{step.name}'")
    return "; ".join(parts)


def _branch(step: schema.BranchStep, results: Results) -> Item:
    items: list[Item] = []
    for option, (_, body) in zip(step.branch, nested((), step)):
        if isinstance(option, schema.OtherwiseOption):
            head = "otherwise"
        else:
            when = " and ".join(f"{k} in {compact(v, 60)}" for k, v in (option.when or {}).items())
            head = " ".join(filter(None, [f"if {when}" if when else "", f"with probability {option.p:g}" if option.p is not None else ""]))
        items.append((f"{head}:", steps(body, results)) if body else f"{head}: leaves (discharged)")
    return "one of (a single uniform draw of the patient's own stream picks the option):", items


def steps(pathway: tuple[schema.Step, ...], results: Results) -> list[Item]:
    """A pathway's steps in words, nested steps as sub-items."""
    items: list[Item] = []
    for step in pathway:
        match step:
            case schema.UseStep():
                items.append(_use(step, step.during, results))
            case schema.DelayStep():
                items.append(f"spends {distribution(step.delay)} with no resource held")
            case schema.BookStep():
                items.append(_book(step))
            case schema.BranchStep():
                items.append(_branch(step, results))
            case schema.GotoStep():
                items.append(f"continues with pathway {step.goto}")
            case schema.TransferStep():
                items.append(f"is transferred to {results.site_name(step.transfer)}, taking the transport time")
    return items


def _resource(role: str, spec: schema.Resource) -> str:
    if isinstance(spec, schema.CalendarResource):
        cal = spec.calendar
        hours = ", ".join(f"{days(w.days)} {clock(w.start)}–{clock(w.end)}" for w in cal.open)
        scanners = f"{cal.scanners} {'scanner' if cal.scanners == 1 else 'scanners'}"
        return f"{role}: booked by appointment, slots of {format_duration(cal.slot)}, {scanners}, open {hours}"
    windows = "; ".join(f"{w.capacity} on {days(w.days)} {clock(w.from_)}–{clock(w.to)}" for w in spec.schedule)
    return f"{role}: {spec.capacity}" + (f" ({windows}, {spec.capacity} otherwise)" if windows else "")


def _site(site: str, spec: schema.Site) -> Item:
    where = f", at {spec.location[0]:g}° N {spec.location[1]:g}° E" if spec.location else ""
    head = f"{spec.name or site} ({site}; {SECTOR[spec.sector]}{where})"
    resources = [_resource(role, r) for role, r in spec.resources.items()]
    return head, resources or ["no resources of its own"]


def _arrival(arrival: schema.Arrival, results: Results) -> Item:
    if arrival.series is not None:
        series = arrival.series
        source = f"from {series.file}" if series.file else f"over {len(series.per_day)} days"
        shown = f"daily rates {source} × {series.scale:g}"
    else:
        assert arrival.rate is not None
        shown = f"{rate(arrival.rate)} on average over a week"
    shape = [name for key, name in (("hourly", "hour of day"), ("weekly", "day of the week")) if getattr(arrival, key) is not None]
    parts = [f"{arrival.name} at {results.site_name(arrival.at)}: {shown}"
             + (f", shaped by {' and '.join(shape)} (weights normalised to mean 1)" if shape else "")]
    if arrival.curve:
        curve = [[format_duration(t), factor] for t, factor in arrival.curve]
        parts.append(f"multiplied by the piecewise-linear curve {compact(curve)} (time from the start of the warm-up)")
    attributes = [f"{name} {categorical(spec)}" for name, spec in arrival.attributes.items()]
    if attributes:
        parts.append("attributes drawn at arrival: " + "; ".join(attributes))
    parts.append(f"follows pathway {arrival.pathway}")
    return "; ".join(parts)


def categorical(spec: Any) -> str:
    """An attribute's values: `1 (30%), 2 (70%)`, or its constant value."""
    if not isinstance(spec, dict):
        return readable(spec)
    return ", ".join(f"{value} ({100 * p:.3g}%)" for value, p in spec.items())


MEANINGS = {
    "overflow": "patients go to a partner site when the home resource is saturated",
    "route": "patients choose a site at arrival",
    "share_staff": "capacity of a role moves from one site to another during sessions",
    "share_calendar": "partner sites book on one shared calendar",
}
"""What each kind of cooperation rule does, in a few words."""


def _rule(rule: schema.Rule, document: dict[str, Any]) -> str:
    kind = schema.rule_kind(rule)
    details = ", ".join(f"{k}: {compact(v, 80)}" for k, v in document[kind].items())
    return f"{kind} ({MEANINGS[kind]}): {details}"


def _segment(item: Any, index: int) -> str:
    """How a dotted path names a list element: its `name`, or its position."""
    name = item_name(item)
    return name if name is not None else str(index)


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


def _target(target: schema.Target) -> str:
    if isinstance(target, schema.WaitTarget):
        return f"{target.wait} within {format_duration(target.within)} (share of patients)"
    return f"{target.occupancy} occupancy below {target.below:.0%} (share of time)"


def model_logic(results: Results) -> list[Block]:
    """Sites, resources, arrivals, pathways, cooperation and targets of the baseline, then the variants."""
    scenario, document = results.scenario, results.documents[results.baseline]
    blocks: list[Block] = [
        ("Patients are individual entities. Each arrival stream creates patients at a site; each patient draws its "
         "attributes at arrival and follows its pathway step by step, waiting in a queue when the resource it needs is "
         "busy. Resources are named by role and resolved at the patient's current site."),
        "Sites and their resources (capacities in force; a schedule changes the capacity during its windows):",
        [_site(site, spec) for site, spec in scenario.sites.items()],
        "Pathways:",
        [(f"{name}: the patient", steps(pathway, results)) for name, pathway in scenario.pathways.items()],
    ]
    if scenario.cooperation:
        rules = [_rule(rule, raw) for rule, raw in zip(scenario.cooperation, document.get("cooperation") or [])]
        blocks += ["Cooperation rules in force in the baseline:", rules]
    else:
        blocks.append("No cooperation rule is in force in the baseline.")
    transport = scenario.transport
    if len(scenario.sites) > 1:
        times = ", ".join(f"{pair}: {format_duration(minutes)}" for pair, minutes in transport.times.items())
        blocks.append(f"Transport between sites: great-circle distance × detour {transport.detour:g} at "
                      f"{transport.speed * 60:g}km/h, plus a handover of {format_duration(transport.handover)}"
                      + (f"; explicit times {times}" if times else "") + ".")
    if scenario.targets:
        blocks += ["Targets:", [_target(t) for t in scenario.targets]]
    variants = []
    for v in results.others:
        diff = changes(document, results.documents[v])
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
        [_arrival(a, results) for a in scenario.arrivals],
    ]
    if scenario.sources:
        blocks += ["Sources and assumptions, as stated in the scenario:", list(scenario.sources)]
    else:
        blocks.append("The scenario states no sources.")
    return blocks


def experimentation(results: Results) -> list[Block]:
    """Warm-up, run length, replications, estimation and the replication advice."""
    manifest = results.manifest
    blocks: list[Block] = [
        (f"Each replication starts empty, simulates a warm-up of {format_duration(results.warmup)} that is excluded from every "
         f"statistic, then a measured period of {format_duration(results.horizon)}. A patient counts if it arrives after the warm-up; "
         "time-weighted measures (occupancy, queues) integrate from the end of the warm-up. A wait counts when it ended "
         "(served or left unseen) before the end of the run; patients still inside at the end are counted as such."),
        (f"{manifest['replications']} independent replications of each of the {len(results.variants)} variants, root seed "
         f"{manifest['seed']}. Across replications, each statistic is reported as its mean with a Student-t 95% confidence "
         f"interval; each variant is compared with {results.baseline} by the paired difference, replication by replication, "
         "with its own 95% interval."),
    ]
    advice = manifest.get("replication_advice") or {}
    metrics = advice.get("metrics", [])
    rows = [a for a in metrics if a.get("relative_half_width") is not None and not a.get("precise", False)
            and not a.get("saturation_driven")]
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
    description = results.scenario.description.strip()
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
