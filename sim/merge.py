"""Variant merge and sweep expansion on located YAML data.

Maps merge key by key, recursively; a list or a scalar replaces the base value whole; `null`
removes a key. A key with dots addresses a nested value; inside a list a segment is an index
(`arrivals.0.rate`) or the `name` of an item (`arrivals.ed.rate`). Positions travel with the
values, so an error in a merged variant points at the line that wrote the value.
"""

from __future__ import annotations

import itertools
from typing import Any

from sim.yamlsource import LocDict, LocList, Position

VARIANT_ONLY_KEYS = ("variants", "baseline", "sweep")
"""Keys of the whole experiment, not of one variant."""


class MergeError(ValueError):
    """A dotted key that addresses nothing, at a position."""

    def __init__(self, position: Position, path: str, message: str):
        super().__init__(message)
        self.position = position
        self.path = path
        self.message = message


def merge(base: Any, overlay: Any, errors: list[MergeError] | None = None) -> Any:
    """`overlay` merged over `base` by the variant rule; neither input is modified.

    A dotted key that addresses nothing raises MergeError, or is skipped and appended to
    `errors` when a list is given, so that every bad key of a variant is reported at once.
    """
    if not isinstance(overlay, dict) or not isinstance(base, dict):
        return overlay
    result = LocDict(base, pos=base.pos if isinstance(base, LocDict) else (1, 1), key_pos=getattr(base, "key_pos", {}))
    for key, value in overlay.items():
        position = overlay.where(key) if isinstance(overlay, LocDict) else result.pos
        segments = key.split(".") if isinstance(key, str) and "." in key else [key]
        try:
            result = _set(result, segments, value, position, str(key))
        except MergeError as err:
            if errors is None:
                raise
            errors.append(err)
    return result


def _set(node: Any, segments: list[Any], value: Any, position: Position, dotted: str) -> Any:
    head, rest = segments[0], segments[1:]
    if isinstance(node, dict):
        copy = LocDict(node, pos=getattr(node, "pos", position), key_pos=getattr(node, "key_pos", {}))
        if rest:
            child = copy.get(head)
            if child is None:
                child = LocDict(pos=position)
                copy.key_pos[head] = position
            copy[head] = _set(child, rest, value, position, dotted)
        elif value is None:
            copy.pop(head, None)
        elif isinstance(value, dict) and isinstance(copy.get(head), dict):
            copy[head] = merge(copy[head], value)
        else:
            copy[head] = value
            copy.key_pos[head] = position
        return copy
    if isinstance(node, list):
        index = _list_index(node, head)
        if index is None:
            raise MergeError(position, dotted, f"'{head}' is neither an index nor the name of an item of the list")
        copy = LocList(node, getattr(node, "pos", position), getattr(node, "item_pos", []))
        if rest:
            copy[index] = _set(copy[index], rest, value, position, dotted)
        elif value is None:
            del copy[index]
            if index < len(copy.item_pos):
                del copy.item_pos[index]
        elif isinstance(value, dict) and isinstance(copy[index], dict):
            copy[index] = merge(copy[index], value)
        else:
            copy[index] = value
        return copy
    raise MergeError(position, dotted, f"'{head}' cannot be addressed inside a {type(node).__name__} value")


def _list_index(items: list[Any], segment: Any) -> int | None:
    text = str(segment)
    if text.isdigit():
        return int(text) if int(text) < len(items) else None
    for k, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == text:
            return k
    return None


def strip_experiment_keys(data: dict[str, Any]) -> LocDict:
    """The scenario part of a document: everything but variants, baseline and sweep."""
    return LocDict(
        {k: v for k, v in data.items() if k not in VARIANT_ONLY_KEYS},
        pos=getattr(data, "pos", (1, 1)),
        key_pos=getattr(data, "key_pos", {}),
    )


def sweep_points(sweep: dict[str, list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Cartesian product of swept values: (generated name, {dotted path: value}) per point.

    Names use the last segment of each path (the full path when two would collide), joined
    with '+': ``icu_bed=40+nurses=3``.
    """
    paths = list(sweep)
    short = [p.rsplit(".", 1)[-1] for p in paths]
    labels = short if len(set(short)) == len(short) else paths
    points = []
    for values in itertools.product(*(sweep[p] for p in paths)):
        name = "+".join(f"{label}={_label(v)}" for label, v in zip(labels, values))
        points.append((name, dict(zip(paths, values))))
    return points


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
