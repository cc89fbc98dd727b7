"""`share_staff`: shared medical time. During each session, capacity of a role leaves the lending
site and is added at the receiving one; outside sessions it is at home. Running services are
not interrupted: the capacity in force changes as for any schedule (see docs/semantics.md).
"""

from __future__ import annotations

from sim.scenario import schema

Windows = dict[str, list[tuple[schema.Window, int]]]
"""Capacity deltas by resource key (SITE.ROLE): each a weekly window and what it adds."""


def session_deltas(rule: schema.ShareStaffRule) -> Windows:
    """The capacity each session removes from the lender and adds to the receiver."""
    lend, receive = f"{rule.from_}.{rule.resource}", f"{rule.to}.{rule.resource}"
    return {
        lend: [(session, -session.capacity) for session in rule.sessions],
        receive: [(session, session.capacity) for session in rule.sessions],
    }
