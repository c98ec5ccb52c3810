"""The catalogue of bank file layouts: every module in this folder holding a `LAYOUT`."""

from __future__ import annotations

import importlib
import pkgutil

from bank.layout import Layout


def _discovered() -> dict[str, Layout]:
    layouts: dict[str, Layout] = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        layout = getattr(importlib.import_module(f"{__name__}.{module.name}"), "LAYOUT", None)
        if isinstance(layout, Layout):
            if layout.name in layouts:
                raise RuntimeError(f"bank layout {layout.name!r} is defined twice")
            layouts[layout.name] = layout
    return layouts


LAYOUTS: dict[str, Layout] = _discovered()
