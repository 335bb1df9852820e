"""Validated packaged knowledge kept between runs, as Python keeps bytecode.

Every command that assesses a case validates the packaged knowledge (option rules, decision
tables, consistency checks, derived facts ...) with pydantic. The validated objects are pickled
beside the parsed-YAML cache, in ``breastcds/knowledge/__pycache__/``, one file per loader,
named ``validated-<loader>-<key>.pickle``. The key (:func:`fingerprint`) is a SHA-256 over

* the text of every knowledge file (``knowledge/**/*.yaml``),
* the path, modification time and size of every Python file of the package (the schemas and
  their validators, as Python's own ``.pyc`` check does),
* the Python, pydantic and pickle versions (breastcds's own is in ``_version.py``, above),

so an edited knowledge file or schema, or another installed version, is validated again and its
new file replaces the old one. Files are written as ``.pyc`` files are: not under
``PYTHONDONTWRITEBYTECODE`` / ``python -B``, atomically, and silently not at all when the folder
is read-only or missing; an unreadable or foreign file is ignored and the knowledge validated
again. A value is stored only when the key computed after building it equals the key taken at
the process's start, so knowledge edited under a running process (a checkout, an update) is
never stored under the old files' key. ``BREASTCDS_KNOWLEDGE_CACHE=0`` turns the cache off.
To clear it, delete ``breastcds/knowledge/__pycache__`` (or the ``validated-*.pickle`` files in
it).

Only the packaged knowledge is cached: knowledge read from another directory
(``knowledge_from``, ``checks_from``, ``load_kb_dir``) is validated every time. It sits in the
ground layer because the case model's consistency checks use it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: The package folder (``breastcds/``) and its knowledge files.
PACKAGE = Path(__file__).resolve().parent.parent
KNOWLEDGE = PACKAGE / "knowledge"
#: Where the parsed-YAML and validated-knowledge caches live.
CACHE_DIR = KNOWLEDGE / "__pycache__"
#: Raise when the layout of the cached files changes.
FORMAT = "validated-knowledge-1"
#: Environment variable: ``0`` turns the validated-knowledge cache off.
SWITCH = "BREASTCDS_KNOWLEDGE_CACHE"

_NAMES: set[str] = set()


def _walk(folder: Path) -> Iterator[os.DirEntry[str]]:
    """Files under ``folder`` (bytecode caches and hidden folders left out), in a stable order."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__" and not entry.name.startswith("."):
                yield from _walk(Path(entry.path))
        else:
            yield entry


@cache
def fingerprint() -> str:
    """The cache key of this installation's packaged knowledge (see the module note)."""
    return _fingerprint_now()


def _fingerprint_now() -> str:
    """The key computed from the files as they are now (not kept for the process)."""
    import pydantic

    h = hashlib.sha256(
        f"{FORMAT}\n{sys.version}\n{pydantic.VERSION}\n{pickle.HIGHEST_PROTOCOL}\n".encode()
    )
    root = len(str(PACKAGE)) + 1
    knowledge = f"{KNOWLEDGE}{os.sep}"
    for entry in _walk(PACKAGE):
        rel = entry.path[root:]
        if entry.name.endswith(".yaml") and entry.path.startswith(knowledge):
            h.update(f"{rel}\0{len(rel)}\0".encode())
            h.update(Path(entry.path).read_bytes())
            h.update(b"\0")
        elif entry.name.endswith(".py"):
            st = entry.stat()
            h.update(f"{rel}\0{st.st_mtime_ns}\0{st.st_size}\0".encode())
    return h.hexdigest()[:32]


def enabled() -> bool:
    """Whether the cache is used (``BREASTCDS_KNOWLEDGE_CACHE`` is not ``0``)."""
    return os.environ.get(SWITCH, "1") != "0"


def cache_path(name: str) -> Path:
    """The file holding the validated knowledge of loader ``name`` for this installation."""
    return CACHE_DIR / f"validated-{name}-{fingerprint()}.pickle"


def cached(name: str, build: Callable[[], T]) -> T:
    """The value ``build()`` returned for the packaged knowledge: read from the cache file when
    it is there and readable, else built (and stored, see the module note)."""
    if not enabled():
        return build()
    path = cache_path(name)
    try:
        with path.open("rb") as fh:
            stored = pickle.load(fh)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == name:
            return cast(T, stored[1])
    except Exception:  # not cached yet, unreadable or from a changed class: built again
        pass
    value = build()
    if _fingerprint_now() != fingerprint():
        # A knowledge or package file changed while this process ran (an update or a checkout
        # under a running process): what was built may not be what the key names, so it is
        # not stored.
        return value
    if store(path, (name, value)):
        for old in path.parent.glob(f"validated-{name}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    return value


def store(path: Path, value: Any) -> bool:
    """Pickle ``value`` to ``path`` atomically, readable by all as a ``.pyc`` file is, unless
    Python writes no bytecode; False (and no file) on any failure: a read-only or missing
    folder, or a value that cannot be pickled."""
    if sys.dont_write_bytecode:
        return False
    tmp: Path | None = None
    try:
        path.parent.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as fh:
            tmp = Path(fh.name)
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # a concurrent reader sees the whole file or none
        return True
    except Exception:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        return False


def loader_name(name: str) -> str:
    """``name`` as a file-name part, registered once: two loaders may not share a cache file."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    if safe in _NAMES:
        raise ValueError(f"validated-knowledge cache name {safe!r} is used twice")
    _NAMES.add(safe)
    return safe


def packaged(name: str) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Decorator for a loader of packaged knowledge without arguments: computed once per
    process (as ``functools.cache``) and kept between runs under ``name``."""
    key = loader_name(name)

    def wrap(build: Callable[[], T]) -> Callable[[], T]:
        @cache
        @wraps(build)
        def load() -> T:
            return cached(key, build)

        return load

    return wrap
