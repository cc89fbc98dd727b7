"""coopsim: discrete-event simulation of patient flows between cooperating hospitals."""

from sim.version import __version__

__all__ = ["__version__"]
