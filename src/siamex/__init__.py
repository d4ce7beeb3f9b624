"""siamex: the Thai capital market's trading and clearing infrastructure, rule-faithful."""

from importlib.metadata import version

__all__ = ["__version__"]

__version__ = version("siamex")
