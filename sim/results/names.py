"""Names for people: each step, resource, stream and site of a scenario as tables and reports say
it, in English or French, from the optional `label:` of the scenario and its sites' `name`, with
a sensible default (the identifier, its underscores read as spaces)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.scenario import schema
from sim.scenario.walk import iter_steps, split_ref


def _text(label: schema.Label | None, lang: str) -> str | None:
    """A `label:` in one language (a French label defaults to the English one)."""
    if label is None or isinstance(label, str):
        return label
    return (label.fr or label.en) if lang == "fr" else label.en


def spoken(identifier: str) -> str:
    """An identifier as words: `ward_admission` → `ward admission`."""
    return identifier.replace("_", " ").strip() or identifier


@dataclass(frozen=True)
class Names:
    """The names of one scenario in one language."""

    lang: str = "en"
    steps: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    """By `site.role`, the resource's label (without its site)."""
    roles: dict[str, str] = field(default_factory=dict)
    """By role, the first label given to it at any site: the name of that role where it has none."""
    streams: dict[str, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)

    def step(self, name: str) -> str:
        """A named step: its label, or its name in words."""
        return self.steps.get(name) or spoken(name)

    def site(self, site: str) -> str:
        """A site: its full name, or its identifier."""
        return self.sites.get(site) or site

    def resource(self, key: str) -> str:
        """A resource `site.role`: "CH Valenciennes: ICU beds"."""
        site, _ = split_ref(key)
        what = self.what(key)
        return f"{self.site(site)}{' : ' if self.lang == 'fr' else ': '}{what}" if site else what

    def what(self, key: str) -> str:
        """A resource `site.role` without its site: "ICU beds"."""
        _, role = split_ref(key)
        return self.resources.get(key) or self.roles.get(role) or spoken(role)

    def stream(self, name: str) -> str:
        """An arrival stream: its label, or its name in words."""
        return self.streams.get(name) or spoken(name)


def names_of(scenarios: list[schema.Scenario], lang: str = "en") -> Names:
    """The names of a scenario's variants (the first that labels something names it)."""
    steps: dict[str, str] = {}
    resources: dict[str, str] = {}
    roles: dict[str, str] = {}
    streams: dict[str, str] = {}
    sites: dict[str, str] = {}
    for scenario in scenarios:
        for _, step in iter_steps(scenario):
            if isinstance(step, (schema.UseStep, schema.BookStep)) and step.name and step.label is not None:
                steps.setdefault(step.name, _text(step.label, lang) or step.name)
        for site_id, site in scenario.sites.items():
            if site.name:
                sites.setdefault(site_id, site.name)
            for role, resource in site.resources.items():
                if resource.label is not None:
                    resources.setdefault(f"{site_id}.{role}", _text(resource.label, lang) or role)
                    roles.setdefault(role, _text(resource.label, lang) or role)
        for arrival in scenario.arrivals:
            if arrival.label is not None:
                streams.setdefault(arrival.name, _text(arrival.label, lang) or arrival.name)
    return Names(lang, steps, resources, roles, streams, sites)
