"""Safe YAML reading that remembers where every key and item came from.

PyYAML's safe loader silently keeps the last of two equal keys and reads unquoted ``10:00``
as the base-60 integer 600; here both are handled: duplicate keys are errors and such
scalars stay text. Only the standard scalar, sequence and mapping tags are accepted, so
nothing in a scenario can name Python code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from sim.scenario.limits import MAX_BYTES, MAX_VALUES, MAX_YAML_DEPTH

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (ten times faster), else PyYAML's own; both safe."""

Position = tuple[int, int]
"""Line and column, both from 1."""

_STANDARD = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq", "merge")
}


_STR = "tag:yaml.org,2002:str"

_KINDS = {"timestamp": "date (expected YYYY-MM-DD)", "int": "whole number", "float": "number", "bool": "boolean (expected true or false)"}
"""What a scalar of a standard tag should have been, for messages."""


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while reading YAML, before any schema applies."""

    position: Position
    message: str


class YamlIssues(Exception):
    """Every problem of one document."""

    def __init__(self, issues: list[YamlIssue]):
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


class LocDict(dict):
    """A mapping that knows its own position and the position of each of its keys."""

    pos: Position = (1, 1)

    def __init__(self, *args: Any, pos: Position = (1, 1), key_pos: dict[Any, Position] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.pos = pos
        self.key_pos: dict[Any, Position] = dict(key_pos or {})

    def where(self, key: Any) -> Position:
        """Position of `key`, or of the mapping itself when the key is absent."""
        return self.key_pos.get(key, self.pos)


class LocList(list):
    """A sequence that knows its own position and the position of each item."""

    def __init__(self, items: Any = (), pos: Position = (1, 1), item_pos: list[Position] | None = None):
        super().__init__(items)
        self.pos = pos
        self.item_pos: list[Position] = list(item_pos or [])

    def where(self, index: int) -> Position:
        """Position of item `index`, or of the sequence itself."""
        return self.item_pos[index] if 0 <= index < len(self.item_pos) else self.pos


def _mark(node: yaml.Node | yaml.Event) -> Position:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node tree into LocDict / LocList / plain scalars, collecting issues."""

    def __init__(self) -> None:
        self.constructor = yaml.SafeLoader("")
        self.issues: list[YamlIssue] = []
        self.count = 0

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise YamlIssues([YamlIssue(_mark(node), f"the document expands to more than {MAX_VALUES:,} values (aliases included)")])
        if node.tag not in _STANDARD:
            self.issues.append(YamlIssue(_mark(node), f"YAML tag '{node.tag}' is not allowed (plain YAML values only)"))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return LocList([self.build(n) for n in node.value], _mark(node), [_mark(n) for n in node.value])
        if node.tag == _STR:
            return node.value  # most scalars: text as written, nothing to construct
        try:
            value = self.constructor.construct_object(node, deep=True)
        except Exception:  # PyYAML's scalar constructors raise all sorts of errors on malformed values
            kind = _KINDS.get(node.tag.rsplit(":", 1)[-1], "value")
            self.issues.append(YamlIssue(_mark(node), f"'{node.value}' is not a valid {kind}"))
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and ":" in str(node.value):
            return str(node.value)  # YAML 1.1 base-60 numbers: "10:00" is a time, not 600
        return value

    def _mapping(self, node: yaml.MappingNode) -> LocDict:
        try:
            self.constructor.flatten_mapping(node)
        except yaml.MarkedYAMLError as err:
            self.issues.append(YamlIssue(_mark(node), str(err.problem)))
        result = LocDict(pos=_mark(node))
        for key_node, value_node in node.value:
            key = self.build(key_node)
            if isinstance(key, (list, dict)):
                self.issues.append(YamlIssue(_mark(key_node), "a key must be a plain value, not a list or map"))
                continue
            if key in result:
                first = result.key_pos[key]
                self.issues.append(YamlIssue(_mark(key_node), f"duplicate key '{key}' (first at line {first[0]})"))
                continue
            result[key] = self.build(value_node)
            result.key_pos[key] = _mark(key_node)
        return result


def _bounded(text: str) -> None:
    """Refuse a document with too many values or too deep a nesting, from its parser events
    alone, before any node is built (events cost a tenth of nodes)."""
    count = depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
            count += 1
            if count > MAX_VALUES:
                raise YamlIssues([YamlIssue(_mark(event), f"the document has more than {MAX_VALUES:,} values")])
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise YamlIssues([YamlIssue(_mark(event), f"maps and lists nest more than {MAX_YAML_DEPTH} levels deep")])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def read_yaml(text: str) -> Any:
    """Parse one YAML document into LocDict / LocList / scalars; raise YamlIssues on any problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise YamlIssues([YamlIssue((1, 1), f"file larger than {MAX_BYTES // (1024 * 1024)} MiB")])
    try:
        _bounded(text)
        node = yaml.compose(text, Loader=_LOADER)
        if node is None:
            raise YamlIssues([YamlIssue((1, 1), "the file is empty")])
        builder = _Builder()
        data = builder.build(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        position = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlIssues([YamlIssue(position, f"YAML syntax: {err.problem or err.context}")]) from None
    except yaml.YAMLError as err:
        raise YamlIssues([YamlIssue((1, 1), f"YAML syntax: {err}")]) from None
    except RecursionError:
        raise YamlIssues([YamlIssue((1, 1), "the document nests too deeply")]) from None
    if builder.issues:
        raise YamlIssues(builder.issues)
    return data


def plain(value: Any) -> Any:
    """A deep copy of LocDict / LocList data as ordinary dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
