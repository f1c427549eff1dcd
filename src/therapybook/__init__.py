"""Package of the reproducible book: data, statistics, tables and figures that chapters call."""

__version__ = "0.1.0"
