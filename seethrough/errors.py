"""Errors meant for the person at the keyboard, with suggestions of what they meant."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class SeethroughError(ValueError):
    """A mistake in what the user asked for; the message says what was wrong and how to fix it.

    The CLI prints it as one ``error:`` line and exits with code 2.
    """


def closest(name: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """The ``n`` choices closest to ``name``: exact-prefix and substring matches first, then fuzzy ones."""
    choices = list(choices)
    lowered = name.lower()
    found = [c for c in choices if c.lower().startswith(lowered)]
    found += [c for c in choices if lowered in c.lower() and c not in found]
    by_lower = {c.lower(): c for c in choices}
    for match in difflib.get_close_matches(lowered, list(by_lower), n=n, cutoff=0.5):
        if by_lower[match] not in found:
            found.append(by_lower[match])
    return found[:n]


def unknown(kind: str, name: str, choices: Iterable[str], hint: str = "") -> SeethroughError:
    """An error for an unknown ``kind`` called ``name``, listing the closest valid names."""
    choices = list(choices)
    near = closest(str(name), choices)
    message = f"unknown {kind} {name!r}"
    if near:
        message += "; closest: " + ", ".join(repr(c) for c in near)
    elif len(choices) <= 12:
        message += "; choose one of: " + ", ".join(repr(c) for c in choices)
    if hint:
        message += f" ({hint})"
    return SeethroughError(message)
