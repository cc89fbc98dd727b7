"""The scenario language: YAML read safely, validated into frozen scenarios, one per variant."""

from sim.scenario.errors import Problem, ScenarioError
from sim.scenario.loader import LoadedScenario, Variant, load_file, load_text

__all__ = ["LoadedScenario", "Problem", "ScenarioError", "Variant", "load_file", "load_text"]
