"""The reference of the scenario language, generated from the schema models.

Every key of every model reachable from `sim.scenario.schema.Scenario` is listed with its YAML
spelling, its type in words, its default in user units and its field docstring, so the
reference cannot drift from the schema. Regenerate the shipped copy with
``python -m sim.scenario.refdoc > docs/scenario-reference.md``.
"""

from __future__ import annotations

import ast
import datetime
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, PlainValidator, Tag, WithJsonSchema
from pydantic.fields import FieldInfo

from sim.scenario import limits, merge, schema, units
from sim.scenario.schema.types import match_values, priority_value

Words = tuple[str, str]
"""A type in words, singular and plural: ("duration (...)", "durations (...)")."""


def _validator(tp: Any) -> Callable[..., Any] | None:
    """The function that parses an Annotated type, when the type has its own parser."""
    for meta in getattr(tp, "__metadata__", ()):
        if isinstance(meta, PlainValidator):
            return meta.func
    return None


def _nouns(one: str, many: str, example: str = "") -> Words:
    suffix = f" ({example})" if example else ""
    return one + suffix, many + suffix


def _markdown(text: str) -> str:
    """reStructuredText literals of a docstring as Markdown code, on one line."""
    return " ".join(text.replace("``", "`").split())


_PARSED: dict[Any, Words] = {
    _validator(schema.Duration): _nouns("duration", "durations", "90min, 1.5h, 14d, 2w"),
    _validator(schema.Rate): _nouns("rate", "rates", "12/h, 250/d, 900/w"),
    _validator(schema.Speed): _nouns("speed", "speeds", "45km/h"),
    _validator(schema.TimeOfDay): _nouns("time of day", "times of day", '"08:30"'),
    _validator(schema.Moment): _nouns("time of the run", "times of the run", '30d from time 0, or 2020-11-02, "2020-11-02 08:00" with `run.start`'),
    _validator(schema.Days): _nouns("days", "days", "mon, mon-fri, sat,sun"),
    _validator(schema.Ident): _nouns("name", "names"),
    _validator(schema.RoleRef): _nouns("role or SITE.ROLE", "roles or SITE.ROLE"),
    _validator(schema.AttributeValue): _nouns("value", "values", "a word, a number, true or false"),
    priority_value: _nouns("number or attribute name", "numbers or attribute names"),
    match_values: _nouns("value or list of values", "values or lists of values"),
}
"""Words for the types that have their own parser, keyed by that parser."""

_FORMATS: dict[Any, Callable[[float], str]] = {
    _validator(schema.Duration): units.format_duration,
    _validator(schema.Speed): lambda km_per_min: f"{km_per_min * units.MINUTES_PER['h']:g}km/h",
}
"""How a default in base units is written back in user units."""

_PLAIN: dict[Any, Words] = {
    str: ("text", "texts"),
    int: ("whole number", "whole numbers"),
    float: ("number", "numbers"),
    bool: ("true or false", "true or false values"),
    Any: ("value", "values"),
    datetime.date: _nouns("date", "dates", "2026-01-05"),
}

_NOUNS = {
    schema.Arrival: "arrival stream",
    schema.CalendarSpec: "calendar",
    schema.MeanSdParams: "mean and sd parameters",
}
"""Model nouns that differ from the class name in words."""


@dataclass(frozen=True, eq=False)
class _UnionDoc:
    """A union of the language (steps, distributions, ...), documented as a chapter of its forms."""

    alias: Any
    one: str
    many: str
    intro: str
    notes: dict[str, str] = field(default_factory=dict)
    """Meaning of the forms that are not models, by form name."""

    @property
    def title(self) -> str:
        return self.many[0].upper() + self.many[1:]


_UNIONS = (
    _UnionDoc(
        schema.Resource,
        "resource",
        "resources",
        "A resource is named by its role (`ed_box`, `icu_bed`, `mri`) in a site's `resources`. It is a whole "
        "number (short for `{capacity: N}`, e.g. `ed_box: 24`), a map with `capacity` and `schedule`, "
        "or a `calendar` that patients book.",
    ),
    _UnionDoc(
        schema.Attribute,
        "attribute",
        "attributes",
        "Each attribute of an arrival stream is drawn when a patient arrives and kept for the whole stay. "
        'Values keep their YAML type: `1`, `"1"` and `true` are three different values, and a `when` '
        "match must use the type the attribute has.",
        {
            "categorical": "Value: probability, e.g. `{1: 0.2, 2: 0.8}`; the probabilities sum to 1.",
            "constant": "Every patient of the stream has this value.",
        },
    ),
    _UnionDoc(
        schema.Step,
        "step",
        "steps",
        "A pathway is a list of steps; each step is a map with exactly one verb ("
        + ", ".join(f"`{verb}`" for verb in schema.STEP_VERBS)
        + "). A role is resolved at the patient's current site; `SITE.ROLE` names one site explicitly.",
    ),
    _UnionDoc(
        schema.Distribution,
        "distribution",
        "distributions",
        "A distribution of durations is a map with one kind. "
        + _markdown(schema.dist_shorthand.__doc__ or "")
        + " The shorthand works wherever a distribution is expected. Every parameter that is a time carries a "
        "duration unit; `shape` and `weights` are plain numbers.",
    ),
    _UnionDoc(
        schema.BranchItem,
        "branch option",
        "branch options",
        "Options with `p`, `when` (attribute match) or both; `otherwise` last. An option with `when` applies "
        "only to patients that match it. Among the options that apply to a patient, the `p` values must sum "
        "to 1, or to at most 1 when `otherwise` takes the rest; one uniform draw of the patient's own stream "
        "picks the option.",
    ),
    _UnionDoc(
        schema.Rule,
        "cooperation rule",
        "cooperation rules",
        "Rules that move patients, capacity or slots between sites, each a map with one kind ("
        + ", ".join(f"`{kind}`" for kind in schema.RULE_KINDS)
        + "). A transferred patient keeps its identity, its attributes and its random numbers; the transport "
        "time is part of its pathway time. A patient that no site can take waits in its home queue.",
    ),
    _UnionDoc(
        schema.Trigger,
        "overflow trigger",
        "overflow triggers",
        "The `when` of an `overflow` rule: the word `full`, or a map with one key.",
        {"full": "Every unit of the resource in force is busy."},
    ),
    _UnionDoc(
        schema.Target,
        "target",
        "targets",
        "Targets are reported as the share of patients (waits) or of time (occupancy) that meet them.",
    ),
)

Section = type[BaseModel] | _UnionDoc


def _named_union(tp: Any) -> _UnionDoc | None:
    return next((u for u in _UNIONS if tp == u.alias), None)


def _field_type(info: FieldInfo) -> Any:
    """The declared type of a field, with the constraints pydantic moved into `metadata`."""
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _field_words(info: FieldInfo) -> str:
    """A field's type in words; `null` is left out where it is only the default of an optional key."""
    tp = _field_type(info)
    if get_origin(tp) in (Union, UnionType) and not info.is_required() and info.default is None:
        tp = Union[tuple(a for a in get_args(tp) if a is not type(None))]
    return _words(tp)[0]


def _key(name: str, info: FieldInfo) -> str:
    return info.alias or name


def _noun(model: type[BaseModel]) -> Words:
    one = _NOUNS.get(model) or re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower().replace("params", "parameters")
    return one, one if one.endswith("s") else one + "s"


def _title(section: Section) -> str:
    if isinstance(section, _UnionDoc):
        return section.title
    one = _noun(section)[0]
    return one[0].upper() + one[1:]


def _anchor(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", title.lower()).replace(" ", "-")


def _link(section: Section) -> Words:
    one, many = (section.one, section.many) if isinstance(section, _UnionDoc) else _noun(section)
    anchor = _anchor(_title(section))
    return f"[{one}](#{anchor})", f"[{many}](#{anchor})"


def _untagged(tp: Any) -> Any:
    """A union member without its Tag (and with any parser it carries)."""
    base, *metadata = get_args(tp)
    kept = [m for m in metadata if not isinstance(m, Tag)]
    return Annotated[(base, *kept)] if kept else base


def _members(tp: Any) -> list[tuple[str, Any]]:
    """(form name, member type) of a tagged union."""
    members = []
    for member in get_args(get_args(tp)[0]):
        tag = next(m.tag for m in member.__metadata__ if isinstance(m, Tag))
        members.append((tag.strip("<>"), _untagged(member)))
    return members


def _single_field(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel) and len(tp.model_fields) == 1


# --- types in words ---------------------------------------------------------------------------


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _bounds(metadata: list[Any]) -> tuple[str, str]:
    """Words for the numeric and length constraints in an Annotated type's metadata."""
    found: dict[str, Any] = {}
    for meta in metadata:
        for item in meta.metadata if isinstance(meta, FieldInfo) else [meta]:
            for name in ("ge", "gt", "le", "lt", "min_length"):
                if isinstance(item, annotated_types.BaseMetadata) and hasattr(item, name):
                    found[name] = getattr(item, name)
    number = ""
    if "ge" in found and "le" in found:
        number = f" from {found['ge']:g} to {found['le']:g}"
    elif found.keys() & {"ge", "gt", "le", "lt"}:
        signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
        number = "".join(f" {signs[k]} {found[k]:g}" for k in signs if k in found)
    length = found.get("min_length")
    size = "" if length is None else " (not empty)" if length == 1 else f" (at least {length})"
    return number, size


def _words(tp: Any) -> Words:
    """A type in words, with links to the sections of models and unions."""
    union = _named_union(tp)
    if union is not None:
        return _link(union)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        parse = _validator(tp)
        if parse in _PARSED:
            return _PARSED[parse]
        if parse is not None:  # a parsed type without its own words: as its JSON Schema says
            described = next(m.json_schema for m in tp.__metadata__ if isinstance(m, WithJsonSchema))
            text = ("map of " if described.get("type") == "object" else "") + described["description"]
            return text, text
        one, many = _words(args[0])
        number, size = _bounds(list(tp.__metadata__))
        return one + number + size, many + number + size
    if origin in (Union, UnionType, Literal):
        text = _either(_alternatives(tp))
        return text, text
    if origin in (tuple, list) and (origin is list or args[-1] is Ellipsis):
        inner = _words(args[0])[1]
        return f"list of {inner}", f"lists of {inner}"
    if origin is tuple:
        text = "[" + ", ".join(_words(a)[0] for a in args) + "]"
        return text, text
    if origin is dict:
        if args[1] is Any:
            return "map", "maps"
        key, value = _words(args[0])[0], _words(args[1])[0]
        return f"map of {key} to {value}", f"maps of {key} to {value}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _link(tp)
    return _PLAIN[tp]


def _alternatives(tp: Any) -> list[str]:
    """The forms a union or literal allows, flattened: `nearest`, `shortest_queue`, [weights](...)."""
    if get_origin(tp) is Literal:
        return _codes(tp)
    if get_origin(tp) in (Union, UnionType):
        return [form for arg in get_args(tp) for form in _alternatives(arg)]
    if tp is type(None):
        return ["null"]
    if get_origin(tp) is Annotated and any(isinstance(m, Tag) for m in tp.__metadata__):
        return _alternatives(_untagged(tp))
    return [_words(tp)[0]]


def _codes(literal: Any) -> list[str]:
    return [f"`{json.dumps(v)}`" if not isinstance(v, str) else f"`{v}`" for v in get_args(literal)]


def _default(info: FieldInfo) -> str:
    """`required`, `optional`, or the default as a user would write it."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    tp = _field_type(info)
    parsed = [_validator(a) for a in (get_args(tp) if get_origin(tp) in (Union, UnionType) else (tp,))]
    write = next((_FORMATS[p] for p in parsed if p in _FORMATS), _yaml)
    return f"`{write(value)}`"


def _yaml(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "{}"  # a nested model whose keys all take their defaults
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value or '""'
    return json.dumps(list(value) if isinstance(value, tuple) else value)


# --- walking the models -----------------------------------------------------------------------


def _refs(tp: Any) -> Iterator[Section]:
    """Models and named unions a type refers to, in order, without looking inside them."""
    union = _named_union(tp)
    if union is not None:
        yield union
    elif _validator(tp) is not None:
        return  # parsed from its own YAML shape: the Python type inside is not written by users
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp
    elif get_origin(tp) is Annotated:
        yield from _refs(get_args(tp)[0])
    elif get_origin(tp) is not Literal:
        for arg in get_args(tp):
            yield from _refs(arg)


def _section_refs(section: Section) -> Iterator[Section]:
    if isinstance(section, _UnionDoc):
        for _, member in _members(section.alias):
            if _single_field(member):
                yield from _refs(_field_type(next(iter(member.model_fields.values()))))
            else:
                yield from _refs(member)
    else:
        for info in section.model_fields.values():
            yield from _refs(_field_type(info))


def _gather(section: Section, seen: set[Any], chapter: list[Section], roots: list[Section]) -> None:
    """Append to `chapter` the models met from `section`, depth first, and to `roots` the
    sections that open chapters of their own."""
    for ref in _section_refs(section):
        if ref in seen:
            continue
        seen.add(ref)
        if isinstance(ref, _UnionDoc) or section is schema.Scenario:
            roots.append(ref)
        else:
            chapter.append(ref)
            _gather(ref, seen, chapter, roots)


def _chapters() -> list[list[Section]]:
    """Sections grouped in chapters, in reading order.

    The scenario, each model it names directly and each named union open a chapter; a model
    met inside a chapter belongs to it. A union met inside a chapter opens the next one.
    """
    result: list[list[Section]] = []
    seen: set[Any] = {schema.Scenario}
    pending: list[Section] = [schema.Scenario]
    while pending:
        chapter, roots = [pending.pop(0)], []
        _gather(chapter[0], seen, chapter, roots)
        result.append(chapter)
        pending[:0] = roots
    return result


# --- rendering ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "")


def _model_section(model: type[BaseModel], level: str) -> list[str]:
    lines = [f"{level} {_title(model)}", "", _doc(model), "", "| key | type | required / default | description |"]
    lines.append("|---|---|---|---|")
    for name, info in model.model_fields.items():
        cells = [f"`{_key(name, info)}`", _field_words(info), _default(info), info.description or ""]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines + [""]


def _union_section(union: _UnionDoc) -> list[str]:
    lines = [f"## {union.title}", "", union.intro, "", "| form | written as | description |", "|---|---|---|"]
    for form, member in _members(union.alias):
        if _single_field(member):
            ((name, info),) = member.model_fields.items()
            row = [f"`{_key(name, info)}`", f"`{_key(name, info)}:` " + _field_words(info)]
            row.append(" ".join(filter(None, [_doc(member), info.description])))
        elif isinstance(member, type) and issubclass(member, BaseModel):
            keys = ", ".join(f"`{_key(n, i)}`" for n, i in member.model_fields.items())
            shown = f"`{form}`" if form in member.model_fields else form
            row = [shown, f"map with {keys}: see {_link(member)[0]}", _doc(member)]
        elif get_origin(member) is Literal:
            for value, code in zip(get_args(member), _codes(member), strict=True):
                lines.append(f"| {code} | {code} | {_cell(union.notes[str(value)])} |")
            continue
        else:
            row = [form, _words(member)[0], union.notes[form]]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return lines + [""]


def _units_section() -> list[str]:
    durations = ", ".join(f"`{u}` ({m:g} min)" for u, m in units.MINUTES_PER.items())
    per = ", ".join(f"`/{u}`" for u in units.MINUTES_PER)
    days = ", ".join(f"`{d}`" for d in units.DAY_NAMES)
    return [
        "## Units and names",
        "",
        "Every quantity carries its unit. A bare number where a duration, rate, speed or time of day is "
        "expected is an error, never a guess.",
        "",
        "| quantity | written as | examples |",
        "|---|---|---|",
        f"| duration | a number and a unit: {durations} | `90min`, `1.5h`, `.5h`, `14d`, `2w`, `0min` |",
        f"| rate | a number per unit: {per} | `12/h`, `250/d`, `900/w` |",
        "| speed | a number and `km/h` or `km/min` | `45km/h`, `1km/min` |",
        '| time of day | `"HH:MM"` from `"00:00"`; `"24:00"` is the end of a day (allowed where a time ends '
        'something) | `"08:30"`, `"24:00"` |',
        f"| days | {days}, a range (wrapping past Sunday), or a comma list; any case | `mon`, `mon-fri`, "
        "`sat,sun`, `fri-mon` |",
        '| opening interval | `"HH:MM-HH:MM"` within one day, the end after the start; several separated by '
        'commas | `"08:00-12:00, 14:00-18:00"` |',
        "",
        "Names of sites, roles, pathways, streams and steps are letters, digits and `_`, not starting with a "
        f"digit (`{schema.IDENT_PATTERN}`). A role is written `ROLE` (at the patient's current site) or "
        "`SITE.ROLE`.",
        "",
    ]


def _body(obj: Any) -> str:
    """A docstring without its summary line: the rule it states, in Markdown."""
    return _markdown(inspect.cleandoc(obj.__doc__ or "").split("\n\n", 1)[1])


def _variants_section() -> list[str]:
    only = ", ".join(f"`{k}`" for k in merge.VARIANT_ONLY_KEYS)
    return [
        "## Variants and the merge rule",
        "",
        "`variants` maps each name to a partial scenario merged over the base scenario; every variant runs "
        "with the same random patients, and `baseline` names the one the others are compared with. A "
        "scenario without `variants` runs the base alone.",
        "",
        _body(merge) + f" The keys {only} belong to the whole file, not to a variant, and so do "
        f"{' and '.join(f'`{a}.{b}`' for a, b in merge.EXPERIMENT_SETTINGS)}: a variant or a sweep that sets them is an error "
        "(every variant runs with the same replications and seed, so that they share their random patients).",
        "",
        "```yaml",
        "variants:",
        "  separate: {}",
        '  more_beds: {"sites.valenciennes.resources.icu_bed": 50}   # a dotted key',
        "  no_overflow: {cooperation: []}                             # a list replaces the base list",
        "  surge_unit:",
        f"    {merge.ADD}:                                                # new entries, and items after a list",
        '      "sites.valenciennes.resources.surge_bed": 12',
        "      cooperation: [{overflow: {resource: surge_bed, from: valenciennes, to: [vauban]}}]",
        "baseline: separate",
        "```",
        "",
        "A variant that runs exactly as the baseline after merging, and a resource that no step of any "
        "variant uses, are reported as warnings by `coopsim validate` and `coopsim run`.",
        "",
    ]


def _limits_section() -> list[str]:
    """The bounds of `sim.scenario.limits`, each with what it bounds."""
    rows = [f"| `{name}` | {getattr(limits, name):,} | {_markdown(doc)} |" for name, doc in _constant_docs(limits)]
    return [
        "## Limits",
        "",
        _markdown(inspect.cleandoc(limits.__doc__ or "")),
        "",
        "| bound | value | what it bounds |",
        "|---|---:|---|",
        *rows,
        "",
    ]


def _constant_docs(module: Any) -> list[tuple[str, str]]:
    """(name, docstring) of each documented UPPER_CASE constant of a module, in source order."""
    tree = ast.parse(inspect.getsource(module))
    found = []
    for node, following in zip(tree.body, tree.body[1:]):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper() and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant) and isinstance(following.value.value, str)):
            found.append((node.targets[0].id, " ".join(following.value.value.split())))
    return found


def _sweep_section() -> list[str]:
    example = {"sites.valenciennes.resources.icu_bed": [40, 50], "transport.handover": ["10min", "20min"]}
    names = ", ".join(f"`{name}`" for name, _ in merge.sweep_points(example))
    return [
        "## Sweeps",
        "",
        "`sweep` maps dotted paths to lists of values; the cartesian product of the values runs as generated "
        f"variants. {_body(merge.sweep_points)} With `variants` declared, every variant runs at "
        "every point, named `VARIANT/POINT`.",
        "",
        "```yaml",
        "sweep:",
        *(f'  "{path}": {json.dumps(values)}' for path, values in example.items()),
        "```",
        "",
        f"runs the variants {names}.",
        "",
    ]


def render_reference() -> str:
    """The Markdown reference of the whole scenario language."""
    version = get_args(schema.Scenario.model_fields["version"].annotation)[0]
    groups = _chapters()
    titles = ["Units and names"] + [_title(c[0]) for c in groups] + ["Variants and the merge rule", "Sweeps", "Limits"]
    lines = [
        f"# Scenario language reference (version {version})",
        "",
        "<!-- Generated from the schema by `python -m sim.scenario.refdoc > docs/scenario-reference.md`; "
        "edit the docstrings in sim/scenario/schema, not this file. -->",
        "",
        "A scenario is one YAML file. This page lists every key it may hold: its type, whether it is "
        "required or its default, and what it means. Unknown keys are errors.",
        "",
        *(f"- [{t}](#{_anchor(t)})" for t in titles),
        "",
    ]
    lines += _units_section()
    for chapter in groups:
        for k, section in enumerate(chapter):
            if isinstance(section, _UnionDoc):
                lines += _union_section(section)
            else:
                lines += _model_section(section, "##" if k == 0 else "###")
    lines += _variants_section() + _sweep_section() + _limits_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    """Print the reference (UTF-8) to standard output."""
    sys.stdout.buffer.write(render_reference().encode("utf-8"))


if __name__ == "__main__":
    main()
