"""Bounded work: report rendering and DVH uploads in a worker process with a time and memory
budget, cancelled when the client goes away.

Each job runs in a process forked from a pre-loaded fork server (so it starts in milliseconds,
with the report and DICOM stacks already imported). The process gets an address-space limit
(``RLIMIT_AS``) and a CPU-time limit; the service kills it at its wall-clock deadline or when
the client disconnects. A job that runs out of its budget answers 503 (time) or 422 (memory:
the input is too large to render); the service itself never grows or blocks with it. At most
``MAX_JOBS`` run at once and ``MAX_WAITING`` wait; more are refused with 503 + Retry-After.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import anyio

MAX_JOBS = 2
MAX_WAITING = 4
_slots: anyio.CapacityLimiter | None = None
_context: Any = None


@dataclass(frozen=True)
class Budget:
    timeout_s: float
    memory_mb: int


class JobFailed(Exception):
    """A job did not finish within its budget, or failed; ``status`` is the HTTP answer."""

    def __init__(self, status: int, detail: str, retry_after_s: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after_s = retry_after_s


class JobInputError(Exception):
    """The job refused its input (sent back as the service's InputError)."""

    def __init__(self, detail: str, errors: list[dict[str, Any]], status: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.status = status


def _ctx() -> Any:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["breastcds.service.worker_tasks"])
    return _context


#: A job: a module-level function (sent to the job process by reference), e.g.
#: ``worker_tasks.report``; it raises ``worker_tasks.TaskInputError`` for unusable input.
Task = Callable[..., Any]


def _child(conn: Connection, task: Task, args: tuple[Any, ...], budget: Budget) -> None:
    """Runs in the job process: apply the limits, run the task, send back its outcome."""
    limit = budget.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = int(budget.timeout_s) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    from breastcds.service import worker_tasks

    try:
        outcome: tuple[Any, ...] = ("ok", task(*args))
    except worker_tasks.TaskInputError as exc:
        outcome = ("input", exc.detail, exc.errors, exc.status)
    except MemoryError:
        outcome = ("memory",)
    except Exception:
        outcome = ("error", traceback.format_exc(limit=-3))
    conn.send(outcome)
    conn.close()


async def run_job(
    task: Task,
    args: tuple[Any, ...],
    budget: Budget,
    is_disconnected: Callable[[], Awaitable[bool]] | None = None,
) -> Any:
    """The task's result; :class:`JobFailed` / :class:`JobInputError` otherwise."""
    global _slots
    if _slots is None:
        _slots = anyio.CapacityLimiter(MAX_JOBS)
    if _slots.statistics().tasks_waiting >= MAX_WAITING:
        raise JobFailed(503, "too many reports are being rendered; try again shortly", 5)
    async with _slots:
        return await _run(task, args, budget, is_disconnected)


async def _run(
    task: Task,
    args: tuple[Any, ...],
    budget: Budget,
    is_disconnected: Callable[[], Awaitable[bool]] | None,
) -> Any:
    from breastcds.service.api import ClientGone

    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, task, args, budget), daemon=True)
    await anyio.to_thread.run_sync(proc.start)
    sender.close()
    deadline = time.monotonic() + budget.timeout_s
    outcome: tuple[Any, ...] | None = None
    try:
        while outcome is None:
            if await anyio.to_thread.run_sync(receiver.poll, 0.1):
                try:
                    outcome = await anyio.to_thread.run_sync(receiver.recv)
                except EOFError:  # the process died without an answer (killed by a limit)
                    outcome = ("memory",)
                break
            if not proc.is_alive():
                outcome = ("memory",) if proc.exitcode != 0 else ("error", "no answer")
                break
            if time.monotonic() > deadline:
                raise JobFailed(
                    503, f"the rendering took longer than its budget of {budget.timeout_s:g} s"
                )
            if is_disconnected is not None and await is_disconnected():
                raise ClientGone
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        await anyio.to_thread.run_sync(proc.join, 5)
    assert outcome is not None
    kind = outcome[0]
    if kind == "ok":
        return outcome[1]
    if kind == "input":
        raise JobInputError(outcome[1], outcome[2], outcome[3])
    if kind == "memory":
        raise JobFailed(
            422, f"the input is too large to render within {budget.memory_mb} MiB of memory"
        )
    raise JobFailed(500, "the rendering failed unexpectedly")
