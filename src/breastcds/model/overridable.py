"""Knowledge both engines read, packaged by default and replaceable inside a block.

The decision tables, the derived-fact definitions and the case-model consistency checks are each
read by the per-patient interpreter and the polars compiler from one :class:`Overridable`: the
packaged version is built once, on first use (and kept between runs by
:mod:`breastcds.model.validated_cache`); a test (``knowledge_from``) runs both engines on
another knowledge directory by overriding it for the length of a ``with`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Generic, TypeVar

from breastcds.model.validated_cache import cached, loader_name

T = TypeVar("T")


class Overridable(Generic[T]):
    """The packaged ``T`` (built once by ``build``) unless a block overrides it."""

    def __init__(self, build: Callable[[], T], name: str | None = None) -> None:
        """``build`` makes the packaged value; it is cached between runs under ``name``
        (default: the module and name of ``build``; each name once per process)."""
        key = loader_name(name or f"{build.__module__}.{build.__qualname__}")
        self.packaged: Callable[[], T] = cache(lambda: cached(key, build))
        self._stack: list[T] = []

    def active(self) -> T:
        """What both engines read now: the innermost override, else the packaged value."""
        return self._stack[-1] if self._stack else self.packaged()

    @contextmanager
    def overriding(self, value: T) -> Iterator[T]:
        """Both engines read ``value`` inside this block."""
        self._stack.append(value)
        try:
            yield value
        finally:
            self._stack.pop()
