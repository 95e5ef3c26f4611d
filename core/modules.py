"""Importing a domain's optional module (models, routes, api, cli, tasks, export)."""
from __future__ import annotations

import importlib
from types import ModuleType


def optional_import(name: str) -> ModuleType | None:
    """Import `name`, or return None when that module (or its package) does not exist.

    A missing dependency *inside* the module still raises: only the module
    itself may be absent.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if name == exc.name or name.startswith(f"{exc.name}."):
            return None
        raise
