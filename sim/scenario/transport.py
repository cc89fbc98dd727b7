"""Transport times between sites: travel plus the handover added to every transfer.

Travel is the great-circle distance × detour / speed, unless the scenario gives the travel
time of the pair explicitly (`transport.times`, either direction).
"""

from __future__ import annotations

import math

from sim.scenario import schema

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG)."""


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in km between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def transport_minutes(scenario: schema.Scenario, origin: str, destination: str) -> float | None:
    """Minutes to move a patient from `origin` to `destination`; None when nothing says how long."""
    if origin == destination:
        return 0.0
    transport = scenario.transport
    for key in (f"{origin}-{destination}", f"{destination}-{origin}"):
        if key in transport.times:
            return transport.times[key] + transport.handover
    a, b = scenario.sites[origin].location, scenario.sites[destination].location
    if a is None or b is None:
        return None
    return great_circle_km(a, b) * transport.detour / transport.speed + transport.handover


def distance_km(scenario: schema.Scenario, origin: str, destination: str) -> float:
    """Great-circle distance between two sites (infinite when one has no location)."""
    a, b = scenario.sites[origin].location, scenario.sites[destination].location
    return great_circle_km(a, b) if a is not None and b is not None else math.inf
