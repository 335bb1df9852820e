"""Knowledge both engines read, packaged by default and replaceable inside a block.

The decision tables, the derived-fact definitions and the case-model consistency checks are each
read by the per-patient interpreter and the polars compiler from one :class:`Overridable`: the
packaged version is built once, on first use; a test (``knowledge_from``) runs both engines on
another knowledge directory by overriding it for the length of a ``with`` block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Generic, TypeVar

T = TypeVar("T")


class Overridable(Generic[T]):
    """The packaged ``T`` (built once by ``build``) unless a block overrides it."""

    def __init__(self, build: Callable[[], T]) -> None:
        self.packaged: Callable[[], T] = cache(build)
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
