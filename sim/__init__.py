"""coopsim: discrete-event simulation of patient flows between cooperating hospitals."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("coopsim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
