"""Variant merge and sweep expansion on located YAML data.

Maps merge key by key, recursively; a list or a scalar replaces the base value whole; `null`
removes a key. A key with dots addresses a nested value; inside a list a segment is an index
(`arrivals.0.rate`) or the `name` of an item (`arrivals.ed.rate`; `cooperation.clinics.when` for
the `when` of the rule named clinics), and `null` there removes the item. Every key must address
something the base scenario has, or a key of the language that it leaves at its default: a
new site, resource, pathway or other named entry is created only under the variant's `add:`,
which also appends items to a list (`add: {cooperation: [...]}`). So a typo such as
`sites.tourcoing.resources.medicine_bedz` is an error, never a new resource that nothing uses.
Positions travel with the values, so an error in a merged variant points at the line that
wrote the value.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from sim.scenario.source import LocDict, LocList, Position

VARIANT_ONLY_KEYS = ("variants", "baseline", "sweep", "uncertain")
"""Keys of the whole experiment, not of one variant."""

ADD = "add"
"""The key of a variant under which new entries are created and list items appended."""

EXPERIMENT_SETTINGS = (("run", "replications"), ("run", "seed"))
"""Settings of the whole run: a variant or a sweep may not change them."""

OpenMap = Callable[[list[str | int]], bool]
"""Whether the map at a path (keys and indices from the root) has keys the user names."""


class MergeError(ValueError):
    """A dotted key that addresses nothing, at a position."""

    def __init__(self, position: Position, path: str, message: str):
        super().__init__(message)
        self.position = position
        self.path = path
        self.message = message


def _never_open(parts: list[str | int]) -> bool:
    return False


class _Merge:
    """One overlay merged over a base: the rule, the open maps and whether new entries may be added."""

    def __init__(self, open_map: OpenMap, adding: bool):
        self.open_map, self.adding = open_map, adding

    def merge(self, base: Any, overlay: Any, parts: list[str | int], errors: list[MergeError] | None) -> Any:
        if not isinstance(overlay, dict) or not isinstance(base, dict):
            return overlay
        result = LocDict(base, pos=getattr(base, "pos", (1, 1)), key_pos=getattr(base, "key_pos", {}))
        for key, value in overlay.items():
            position = overlay.where(key) if isinstance(overlay, LocDict) else result.pos
            segments = key.split(".") if isinstance(key, str) and "." in key else [key]
            try:
                result = self.set(result, segments, value, position, str(key), parts)
            except MergeError as err:
                if errors is None:
                    raise
                errors.append(err)
        return result

    def set(self, node: Any, segments: list[Any], value: Any, position: Position, dotted: str, parts: list[str | int]) -> Any:
        head, rest = segments[0], segments[1:]
        if isinstance(node, dict):
            return self._in_map(node, _existing_key(node, head), rest, value, position, dotted, parts)
        if isinstance(node, list):
            return self._in_list(node, head, rest, value, position, dotted, parts)
        raise MergeError(position, dotted, f"'{head}' cannot be addressed inside a {type(node).__name__} value")

    def _in_map(self, node: dict, head: Any, rest: list[Any], value: Any, position: Position, dotted: str,
                parts: list[str | int]) -> LocDict:
        copy = LocDict(node, pos=getattr(node, "pos", position), key_pos=getattr(node, "key_pos", {}))
        here = [*parts, head]
        if head not in copy:
            if value is None and not rest:
                raise MergeError(position, dotted, f"nothing to remove: {_absent(node, head, parts)}")
            if not self.adding and self.open_map(parts):
                raise MergeError(position, dotted, f"{_absent(node, head, parts)}; to create it, write it under the variant's `{ADD}:`")
        elif self.adding and not rest and not _extends(copy[head], value):
            raise MergeError(position, dotted, f"'{_show_path(here)}' already exists (set it outside `{ADD}:` to change it)")
        if rest:
            child = copy.get(head)
            if child is None:
                child = LocDict(pos=position)
                copy.key_pos[head] = position
            copy[head] = self.set(child, rest, value, position, dotted, here)
        elif value is None:
            copy.pop(head)
        elif isinstance(value, dict) and isinstance(copy.get(head), dict):
            copy[head] = self.merge(copy[head], value, here, None)
        elif self.adding and isinstance(value, list) and isinstance(copy.get(head), list):
            copy[head] = _appended(copy[head], value, getattr(value, "item_pos", []))
        else:
            copy[head] = value
            copy.key_pos[head] = position
        return copy

    def _in_list(self, node: list, head: Any, rest: list[Any], value: Any, position: Position, dotted: str,
                 parts: list[str | int]) -> LocList:
        index = _list_index(node, head)
        if index is None:
            names = [name for name in map(item_name, node) if name is not None]
            hint = difflib.get_close_matches(str(head), names, n=1)
            expected = f"did you mean '{hint[0]}'?" if hint else (f"names: {', '.join(names)}" if names else f"{len(node)} items")
            what = "nothing to remove: " if value is None and not rest else ""
            raise MergeError(position, dotted, f"{what}'{head}' is neither an index nor the name of an item of the list ({expected})")
        copy = LocList(node, getattr(node, "pos", position), getattr(node, "item_pos", []))
        here = [*parts, _Index(index, head)]
        wrapper = _wrapper(node[index], head)
        if wrapper is not None and rest and rest[0] != wrapper:  # `cooperation.NAME.when` means inside the rule
            rest = [wrapper, *rest]
        elif wrapper is not None and not rest and isinstance(value, dict) and wrapper not in value:
            value = LocDict({wrapper: value}, pos=getattr(value, "pos", position), key_pos={wrapper: position})
        if rest:
            copy[index] = self.set(copy[index], rest, value, position, dotted, here)
        elif value is None:
            del copy[index]
            if index < len(copy.item_pos):
                del copy.item_pos[index]
        elif isinstance(value, dict) and isinstance(copy[index], dict):
            copy[index] = self.merge(copy[index], value, here, None)
        else:
            copy[index] = value
        return copy


def merge(base: Any, overlay: Any, errors: list[MergeError] | None = None, open_map: OpenMap = _never_open) -> Any:
    """`overlay` merged over `base` by the variant rule; neither input is modified.

    A key that addresses nothing raises MergeError, or is skipped and appended to `errors` when
    a list is given, so that every bad key of a variant is reported at once. `open_map` tells
    which maps have user-named keys, where a new key needs `add:`.
    """
    return _Merge(open_map, adding=False).merge(base, overlay, [], errors)


def add(base: Any, additions: Any, errors: list[MergeError] | None = None) -> Any:
    """`additions` (a variant's `add:` block) merged over `base`: new keys are created, list
    values are appended to the base list, and a key that already holds a value is an error."""
    return _Merge(_never_open, adding=True).merge(base, additions, [], errors)


def _extends(existing: Any, value: Any) -> bool:
    """Whether `add:` may put `value` where `existing` is: a map into a map, a list after a list."""
    return isinstance(existing, dict) and isinstance(value, dict) or isinstance(existing, list) and isinstance(value, list)


def _existing_key(node: dict, head: Any) -> Any:
    """The key of `node` that a dotted segment names: itself, or the key it spells (`1` for '1')."""
    if head in node or not isinstance(head, str):
        return head
    return next((k for k in node if not isinstance(k, str) and _spelling(k) == head), head)


def _spelling(key: Any) -> str:
    """A key as YAML would write it."""
    return ("true" if key else "false") if isinstance(key, bool) else str(key)


def _absent(node: dict, head: Any, parts: list[str | int]) -> str:
    """'sites.tourcoing.resources.medicine_bedz' does not exist (did you mean ...)."""
    known = [_spelling(k) for k in node]
    hint = difflib.get_close_matches(_spelling(head), known, n=1)
    where = _show_path([*parts, head])
    if hint:
        return f"'{where}' does not exist in the base scenario (did you mean '{hint[0]}'?)"
    return f"'{where}' does not exist in the base scenario" + (f" (it has: {', '.join(known)})" if known else "")


class _Index(int):
    """A list index that remembers how the key spelled it (`ed` for the stream named ed)."""

    spelled: str

    def __new__(cls, index: int, spelled: Any) -> _Index:
        value = super().__new__(cls, index)
        value.spelled = str(spelled)
        return value


def _show_path(parts: list[Any]) -> str:
    return ".".join(p.spelled if isinstance(p, _Index) else _spelling(p) for p in parts)


def _appended(items: list, more: list, more_pos: list[Position]) -> LocList:
    """A copy of `items` with `more` after them, positions kept."""
    copy = LocList(items, getattr(items, "pos", (1, 1)), list(getattr(items, "item_pos", [])))
    copy.item_pos += list(more_pos) or [copy.pos] * len(more)
    copy.extend(more)
    return copy


def item_name(item: Any) -> str | None:
    """The `name` of a list item: its own (a stream, a step), or that of the map inside its one
    key (a cooperation rule `{overflow: {name: ...}}`)."""
    if not isinstance(item, dict):
        return None
    if "name" in item:
        return str(item["name"])
    if len(item) == 1:
        inner = next(iter(item.values()))
        if isinstance(inner, dict) and "name" in inner:
            return str(inner["name"])
    return None


def _wrapper(item: Any, segment: Any) -> str | None:
    """The one key of a list item found by the name inside it (`overflow` for a rule named by
    `segment`), so that the dotted path goes on inside the rule; None otherwise."""
    if isinstance(item, dict) and "name" not in item and len(item) == 1 and item_name(item) == str(segment):
        return str(next(iter(item)))
    return None


def _list_index(items: list[Any], segment: Any) -> int | None:
    text = str(segment)
    if text.isdigit():
        return int(text) if int(text) < len(items) else None
    for k, item in enumerate(items):
        if item_name(item) == text:
            return k
    return None


def value_at(data: Any, path: str) -> Any:
    """The value a dotted path names, addressed as variants and sweeps address it (a list item by
    index or name, a rule's inside through its name); ValueError saying which part is missing."""
    node, walked = data, []
    for part in path.split("."):
        where = ".".join(walked) or "the scenario"
        if isinstance(node, dict):
            if part not in node:
                raise ValueError(f"{where} has no key '{part}' (keys: {', '.join(str(k) for k in node) or 'none'})")
            node = node[part]
        elif isinstance(node, list) and (index := _list_index(node, part)) is not None:
            inner = _wrapper(node[index], part)
            node = node[index] if inner is None else node[index][inner]
        else:
            raise ValueError(f"{where} has no item '{part}'")
        walked.append(part)
    return node


def settings_changed(overlay: Any) -> Iterator[tuple[Position, str]]:
    """(position, dotted key) of each run setting of the whole experiment that `overlay` sets."""
    for parts, position in _leaves(overlay, []):
        for setting in EXPERIMENT_SETTINGS:
            if tuple(parts[: len(setting)]) == setting or tuple(parts) == setting[: len(parts)] and len(parts) < len(setting):
                yield position, ".".join(parts)
                break


def _leaves(overlay: Any, parts: list[str]) -> Iterator[tuple[list[str], Position]]:
    """The dotted paths an overlay writes, each split into segments, with the position of its key."""
    if not isinstance(overlay, dict):
        return
    for key, value in overlay.items():
        here = [*parts, *str(key).split(".")]
        position = overlay.where(key) if isinstance(overlay, LocDict) else (1, 1)
        if isinstance(value, dict):
            yield from _leaves(value, here)
        else:
            yield here, position


def strip_experiment_keys(data: dict[str, Any]) -> LocDict:
    """The scenario part of a document: everything but variants, baseline and sweep."""
    return LocDict(
        {k: v for k, v in data.items() if k not in VARIANT_ONLY_KEYS},
        pos=getattr(data, "pos", (1, 1)),
        key_pos=getattr(data, "key_pos", {}),
    )


def sweep_size(sweep: dict[str, list[Any]]) -> int:
    """How many points a sweep has (the product of its lists' lengths), without listing them."""
    size = 1
    for values in sweep.values():
        size *= len(values)
    return size


def sweep_points(sweep: dict[str, list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Cartesian product of swept values: (generated name, {dotted path: value}) per point.

    Names use the last segment of each path (the full path when two would collide), joined
    with '+': ``icu_bed=40+nurses=3``. A value that is not a plain word or number (a map, a
    list, text with other characters) is named by its position in its list: ``rules=#2``.
    """
    paths = list(sweep)
    short = [p.rsplit(".", 1)[-1] for p in paths]
    labels = short if len(set(short)) == len(short) else paths
    points = []
    for picks in itertools.product(*(range(len(sweep[p])) for p in paths)):
        values = [sweep[p][k] for p, k in zip(paths, picks)]
        name = "+".join(f"{label}={_label(v, k)}" for label, v, k in zip(labels, values, picks))
        points.append((name, dict(zip(paths, values))))
    return points


_LABEL_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _label(value: Any, index: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if isinstance(value, (str, int, float)) and text and set(text) <= _LABEL_CHARACTERS:
        return text
    return f"#{index + 1}"
