"""What the scenario language says about a position in a scenario: whether the map found there
has keys the user names (sites, resources, pathways...), so that a new key creates something.

A variant or a sweep that writes a new key into such a map would create a site, a resource or a
pathway; the merge refuses that unless asked explicitly (`add:`), because a typo would otherwise
make a variant silently equal to its baseline. Keys of the language's own maps (`capacity`,
`curve`...) are checked by the schema, which knows every one of them.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


def _members(annotation: Any) -> list[Any]:
    """The types an annotation may hold: Annotated stripped, unions spread, None dropped."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _members(arg)]
    return [] if annotation is type(None) else [annotation]


def _child(annotation: Any, part: str | int) -> list[Any]:
    """The types found under key or index `part` of a value of type `annotation`."""
    found = []
    for member in _members(annotation):
        origin = get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            found += [f.annotation for name, f in member.model_fields.items() if part in (name, f.alias)]
        elif origin is dict:
            found.append(get_args(member)[1])
        elif origin in (tuple, list):
            items = get_args(member)
            if len(items) == 2 and items[1] is Ellipsis or origin is list:
                found.append(items[0])
            elif isinstance(part, int) and 0 <= part < len(items):
                found.append(items[part])
    return found


def open_map(root: type[BaseModel], parts: Sequence[str | int]) -> bool:
    """Whether the value at `parts` (keys and list indices from the root) may be a map whose keys
    the user names, so that a new key there creates a new thing."""
    current: list[Any] = [root]
    for part in parts:
        current = [child for annotation in current for child in _child(annotation, part)]
    return any(get_origin(m) is dict for annotation in current for m in _members(annotation))
