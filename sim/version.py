"""The installed coopsim's version, recorded in every manifest and report."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("coopsim")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
