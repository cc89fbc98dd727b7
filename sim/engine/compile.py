"""Compiling pathways into linked step nodes, and listing the random quantities they draw.

Both walk the step tree with `sim.scenario.walk` and name a step by its key there
(`ed_visit/0/during/1`): a node finds the slot of each of its quantities under the very name
the draws were made for, so a patience or a lead is never dropped and a patient's numbers are
the same in every variant (common random numbers).
"""

from __future__ import annotations

from typing import Any

from sim.engine.acquire import Release, ReleaseKeep, TakeReserved, UseDuring, UseDuringKeep, UseFor, UseForKeep
from sim.engine.distributions import sampler
from sim.engine.model import Model
from sim.engine.node import Node
from sim.engine.patients import DrawKey
from sim.engine.records import BookingRecord, WaitRecord
from sim.engine.resources import Resource
from sim.engine.steps import Book, Branch, ComeBack, Delay, Jump, Option, Transfer, TransferReserve
from sim.scenario import schema
from sim.scenario.walk import Loc, goto_targets, nested, role_of, split_ref, step_key, walk

Slots = dict[tuple[str, str], list[int]]
"""The slot of each random quantity (step key, purpose) in each stream's draws (-1: none)."""


def draw_keys(name: str, steps: tuple[schema.Step, ...]) -> list[DrawKey]:
    """Every random quantity of a pathway, each named by its step's key and its purpose."""
    keys: list[DrawKey] = []
    for loc, step in walk(("pathways", name), steps):
        here = step_key(loc)
        match step:
            case schema.UseStep():
                if step.for_ is not None:
                    keys.append(DrawKey(here, "duration", sampler(step.for_)))
                if step.patience is not None:
                    keys.append(DrawKey(here, "patience", sampler(step.patience)))
            case schema.DelayStep():
                keys.append(DrawKey(here, "duration", sampler(step.delay)))
            case schema.BookStep():
                if step.lead is not None:
                    keys.append(DrawKey(here, "lead", sampler(step.lead)))
                if step.urgent is not None:
                    keys.append(DrawKey(here, "urgent", None))
                if step.for_ is not None:
                    keys.append(DrawKey(here, "duration", sampler(step.for_)))
                if step.patience is not None:
                    keys.append(DrawKey(here, "patience", sampler(step.patience)))
            case schema.BranchStep():
                keys.append(DrawKey(here, "branch", None))
    return keys


def reachable_pathways(scenario: schema.Scenario, start: str) -> list[str]:
    """The pathway `start` and every pathway reachable from it by `goto`, in a stable order."""
    order, todo = [], [start]
    while todo:
        name = todo.pop(0)
        if name not in order:
            order.append(name)
            todo += sorted(goto_targets(scenario.pathways[name]))
    return order


class Compiler:
    """Turns pathways into linked nodes. A pathway is compiled once: every pathway ends with
    the patient's exit, and a `goto` is a jump to another pathway's first node."""

    def __init__(self, model: Model, slots: Slots, exit_node: Node):
        self.model, self.slots, self.exit = model, slots, exit_node
        self.ctx = model.ctx
        self.memo: dict[str, Node] = {}
        self.site_index = {name: k for k, name in enumerate(model.sites)}

    def pathway(self, name: str) -> Node:
        """The first node of pathway `name`."""
        if name not in self.memo:
            jump = Jump(self.ctx)
            self.memo[name] = jump  # placed first so that a goto cycle finds it
            jump.next = self.sequence(("pathways", name), self.model.scenario.pathways[name], self.exit)
        return self.memo[name]

    def sequence(self, loc: Loc, steps: tuple[schema.Step, ...], then: Node) -> Node:
        """The first node of the list of steps at `loc`."""
        node = then
        for k in reversed(range(len(steps))):
            node = self.step(loc + (k,), steps[k], node)
        return node

    def step(self, loc: Loc, step: schema.Step, then: Node) -> Node:
        """One step's node, linked to `then` (a goto links to its pathway instead)."""
        key = step_key(loc)
        match step:
            case schema.UseStep():
                node = self.use(loc, step, then)
            case schema.DelayStep():
                node = Delay(self.ctx, self.slots[(key, "duration")])
            case schema.BookStep():
                node = self.book(loc, step, then)
            case schema.BranchStep():
                node = self.branch(loc, step, then)
            case schema.GotoStep():
                return self.pathway(step.goto)
            case schema.TransferStep() if step.reserve is not None:
                node = TransferReserve(self.ctx, self.site_index[step.transfer],
                                       self.model.resources[f"{step.transfer}.{step.reserve}"], then.blocked)
                node.next = TakeReserved(self.ctx, then)
                self.label(node, key)
                return node
            case schema.TransferStep():
                node = Transfer(self.ctx, self.site_index[step.transfer])
            case _:
                raise TypeError(f"no node for the step {step!r}")
        node.next = then
        self.label(node, getattr(step, "name", None) or key)
        return node

    def label(self, node: Node, name: str) -> None:
        """Give a node its name's code in the event log (when events are recorded)."""
        if self.ctx.log is not None:
            node.label = self.ctx.log.code(name)

    def use(self, loc: Loc, step: schema.UseStep, then: Node, ref: str | None = None) -> Node:
        """A `use` step's node for role `ref` (default: the step's). A SITE.ROLE step under an
        overflow rule gets the same step for the bare role, where a patient sent away asks."""
        key = step_key(loc)
        ref = ref or step.use
        priority, by_attribute = self._priority(step.priority)
        resources = self.resources(ref)
        common = {
            "resources": resources,
            "priority": priority,
            "priority_attribute": by_attribute,
            "patience": self.slots.get((key, "patience")),
            "waits": self.waits(step.name, resources) if step.name else None,
            "overflows": self.overflows(ref),
            "blocked": self.model.blocked.setdefault(step.name or role_of(step.use), WaitRecord(None)),
        }
        keep = step.keep is not None
        if step.during is None:
            node = (UseForKeep if keep else UseFor)(self.ctx, duration=self.slots[(key, "duration")], **common)
        else:
            node = (UseDuringKeep if keep else UseDuring)(self.ctx, **common)
            release = (ReleaseKeep if keep else Release)(self.ctx)
            release.next = then
            self.label(release, step.name or key)
            (body_loc, body), = nested(loc, step)
            node.body = self.sequence(body_loc, body, release)
        if ref != step.use or split_ref(ref)[0] is None or common["overflows"] is None:
            return node
        elsewhere = self.use(loc, step, then, role_of(ref))
        elsewhere.next = then
        self.label(elsewhere, step.name or key)
        node.elsewhere = elsewhere
        return node

    def waits(self, name: str, resources: list[Resource | None]) -> list[WaitRecord | None]:
        """The wait records of a named step, one per site where its resource is."""
        hours = int(self.model.end // 60) if self.model.hourly_waits else None
        return [self.model.waits.setdefault((name, k), WaitRecord(hours)) if r is not None else None
                for k, r in enumerate(resources)]

    def overflows(self, ref: str) -> list[list[Any] | None] | None:
        """Overflow policies of a role by the site a patient asks at (None: no rule for the role)."""
        site, role = split_ref(ref)
        per_site = [self.model.overflows.get((self.site_index[site] if site else k, role)) for k in range(len(self.model.sites))]
        return per_site if any(p is not None for p in per_site) else None

    def options(self, ref: str) -> list[list[Option]]:
        """Per site, the calendars its patients may book for `ref`: its own first, then shared ones."""
        role = role_of(ref)
        shared = {c.key: c for c in self.model.cooperation.calendars}
        result = []
        for site in self.model.sites:
            keys = [self._key(site, ref)] + [c.key for c in shared.values() if site in c.partners and c.role == role]
            options = []
            for key in dict.fromkeys(k for k in keys if k in self.model.calendars):
                quota = shared.get(key)
                attribute = self.model_attribute(quota.attribute) if quota is not None and quota.attribute else -1
                groups = quota.groups if quota is not None else {}
                options.append((self.model.calendars[key], self.site_index[split_ref(key)[0]], attribute, groups,
                                quota.switch if quota is not None else None))
            result.append(options)
        return result

    def book(self, loc: Loc, step: schema.BookStep, then: Node) -> Node:
        """A `book` step's node: the booking, then the scan at the calendar's site, then home."""
        key = step_key(loc)
        calendars = [self.model.calendars.get(self._key(site, step.book)) for site in self.model.sites]
        slot_lengths = [c.spec.slot if c is not None else 0.0 for c in calendars]
        scan = UseFor(
            self.ctx,
            duration=self.slots.get((key, "duration")),
            per_site=slot_lengths,
            resources=self.resources(step.book),
            priority=None,
            priority_attribute=False,
            patience=None,
            waits=None,
        )
        back = ComeBack(self.ctx)
        scan.next, back.next = back, then
        label = step.name or role_of(step.book)
        self.label(scan, label)
        urgent = (step.urgent.p, step.urgent.within) if step.urgent else None
        return Book(self.ctx, self.options(step.book), self.slots.get((key, "lead")), urgent, self.slots.get((key, "urgent")),
                       self.slots.get((key, "patience")), self.model.bookings.setdefault(label, BookingRecord()), scan)

    def branch(self, loc: Loc, step: schema.BranchStep, then: Node) -> Node:
        """A `branch` step's node: its options, each with its conditions, probability and steps."""
        options, otherwise = [], None
        for option, (body_loc, body) in zip(step.branch, nested(loc, step)):
            if isinstance(option, schema.OtherwiseOption):
                otherwise = self.sequence(body_loc, body, then)
                continue
            conditions = [
                (self.model_attribute(name), frozenset(schema.attribute_key(v) for v in (values if isinstance(values, tuple) else (values,))))
                for name, values in (option.when or {}).items()
            ]
            options.append((conditions, 1.0 if option.p is None else option.p, self.sequence(body_loc, body, then)))
        return Branch(self.ctx, self.slots[(step_key(loc), "branch")], options, otherwise)

    def resources(self, ref: str) -> list[Resource | None]:
        """The resource of a role at each site (the same one at every site for SITE.ROLE)."""
        if split_ref(ref)[0] is not None:
            return [self.model.resources.get(ref)] * len(self.model.sites)
        return [self.model.resources.get(f"{site}.{ref}") for site in self.model.sites]

    def _key(self, site: str, ref: str) -> str:
        return ref if split_ref(ref)[0] is not None else f"{site}.{ref}"

    def _priority(self, priority: str | float | None) -> tuple[Any, bool]:
        if isinstance(priority, str):
            return self.model_attribute(priority), True
        return priority, False

    def model_attribute(self, name: str) -> int:
        """Index of an attribute in every patient's attribute tuple."""
        return self.model.attributes.index(name)
