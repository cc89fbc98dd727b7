"""Cooperation rules: one module per rule, each a small policy reading a read-only view of the
sites, with its triggers and choosers from one registry of strategies (`strategies`)."""

from sim.cooperation.calendar import SharedCalendar
from sim.cooperation.overflow import OverflowPolicy
from sim.cooperation.route import RoutePolicy
from sim.cooperation.rules import Cooperation
from sim.cooperation.switch import Hysteresis, Switch, merged, rule_label
from sim.cooperation.view import SiteView

__all__ = ["Cooperation", "Hysteresis", "OverflowPolicy", "RoutePolicy", "SharedCalendar", "SiteView", "Switch", "merged", "rule_label"]
