"""siamex: the Thai capital market's trading and clearing infrastructure, rule-faithful."""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("siamex")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+source"
