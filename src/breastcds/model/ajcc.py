"""Main AJCC 8th edition T/N/M groups of the categories the case model records.

AJCC Cancer Staging Manual, 8th edition (2017), breast chapter: T1mi/T1a-c group as T1,
T4a-d as T4, N0(i+)/N0(mol+) as N0, N1a-c as N1 (N1mi kept apart), N2a-b as N2, N3a-c as N3.
Pure string helpers, at the model layer so that knowledge facts and classification share them.
"""

from __future__ import annotations

__all__ = ["m_group", "n_group", "t_group", "t_main"]


def t_group(t: str) -> str:
    """Main T group of an AJCC T category (T1mi/T1a-c -> T1, T4a-d -> T4)."""
    if t.startswith("T1"):
        return "T1"
    if t.startswith("T4"):
        return "T4"
    return t


def n_group(n: str) -> str:
    """Main N group (N0(i+)/N0(mol+) -> N0; N1a-c -> N1; N1mi stays N1mi; N2a-b -> N2 ...)."""
    if n.startswith("N0"):
        return "N0"
    if n == "N1mi":
        return "N1mi"
    return n[:2] if n != "NX" else "NX"


def t_main(t: str) -> str:
    """Main T category as rules and the vignette contract read it: T1a-c -> T1, T4a-d -> T4,
    while T1mi stays its own category."""
    return "T1mi" if t == "T1mi" else t_group(t)


def m_group(m: str) -> str:
    """Main M group of a recorded M category (``MCategory``): M1 stays M1; M0, cM0(i+) -> M0."""
    return "M1" if m == "M1" else "M0"
