"""Pausing Python's cycle collector while a stage builds many long-lived objects.

Extraction and generation make hundreds of thousands of small objects that live to the end of the
stage. The cycle collector would walk them again and again as they pile up (a third to almost half
of the time on a large schema); paused, it walks them once when it is turned back on, or never
for what is frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(freeze: bool = False) -> Iterator[None]:
    """Pause the cycle collector for the block. `freeze=True` then moves what exists into the
    collector's permanent generation (`gc.freeze`), never walked again: for a short-lived process
    such as the CLI; in a long-lived one, cyclic garbage frozen then would never be collected."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
