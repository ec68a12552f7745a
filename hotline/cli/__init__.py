"""The `hotline` command: set up an instance, manage keys, destinations and staff, export and decrypt cases, back up."""

from hotline.cli import backup, cases, instance, keys, portal, staff, stats  # noqa: F401  (importing registers the commands)
from hotline.cli.base import cli, main

__all__ = ["cli", "main"]
