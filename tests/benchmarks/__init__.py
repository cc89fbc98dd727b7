"""Tests of coopsim (see tests/conftest.py for the tiers)."""
