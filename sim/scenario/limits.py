"""The bounds of what coopsim accepts, in one place, so that no input can make it hang or run
out of memory: each is checked before any work starts and named in the message that refuses it.

Every bound is far above the shipped scenarios (the largest have about 1,100 YAML values,
18 resources, 60,000 patients per replication, 6 variants and 1,316 days of run); the
scenario reference (`docs/scenario-reference.md`) lists them.
"""

from __future__ import annotations

MAX_BYTES = 5 * 1024 * 1024
"""Largest scenario or series file read, in bytes."""

MAX_VALUES = 30_000
"""Most YAML values (maps, lists and scalars, aliases expanded) in a scenario file."""

MAX_YAML_DEPTH = 100
"""Deepest nesting of maps and lists in a scenario file."""

MAX_STEP_DEPTH = 16
"""Deepest nesting of steps (`during` and `branch` inside one another)."""

MAX_CAPACITY = 100_000
"""Most units of one resource (the largest French hospital has about 3,000 beds)."""

MAX_RUN_DAYS = 3660
"""Longest run, warm-up included, in days (ten years)."""

MAX_PATIENTS = 5_000_000
"""Most patients expected to arrive in one replication (rates × run length)."""

MAX_SLOTS_PER_WEEK = 100_000
"""Most appointments one calendar offers in a week (slots × scanners)."""

MAX_RESOURCE_HOURS = 2_000_000
"""Most resource-hours of one replication (resources × hours of the run): the hourly
occupancy is kept for each."""

MAX_OCCUPANCY_ROWS = 20_000_000
"""Most rows of occupancy.csv: variants × resources × measured hours."""

MAX_VARIANTS = 200
"""Most variants of a run, sweep points included."""

MAX_REPLICATIONS = 10_000
"""Most replications of a run."""
