"""The CLI's subcommands beyond the core ones in beacon.py, one module per area.

Every module here defines `register(commands)`, which adds its subparsers to
`beacon`'s; beacon.py finds the modules itself, so a new area of the product
adds its commands without editing the entry point. Handlers import heavy
libraries (scikit-learn, matplotlib, openai) inside themselves, so `beacon
--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def register_all(commands: argparse._SubParsersAction) -> None:
    """Add every area's subcommands, in name order so `beacon --help` is stable."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(commands)
