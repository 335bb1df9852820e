"""Create (once) and locate the peer environment with dicompyler-core 0.5.6.

dicompyler-core 0.5.6 imports names that pydicom 3 removed, so it cannot share the
project venv. This script builds a separate venv outside the repository, by default
under ``~/.cache/breastcds-peer`` (override with ``BREASTCDS_PEER_DIR``), and prints
the path of its Python interpreter.

Usage::

    python benchmarks/peer_env.py          # create if missing, print interpreter path
    python benchmarks/peer_env.py --check  # print dicompyler-core and pydicom versions
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

PEER_REQUIREMENTS = (
    "dicompyler-core==0.5.6",
    "pydicom>=2.4,<3",
    "numpy<2",
    "matplotlib",
)


def peer_dir() -> Path:
    """Directory of the peer venv (outside the repository)."""
    env = os.environ.get("BREASTCDS_PEER_DIR")
    return Path(env) if env else Path.home() / ".cache" / "breastcds-peer"


def peer_python() -> Path:
    """Path of the peer venv's interpreter (may not exist yet)."""
    return peer_dir() / "bin" / "python"


def ensure_peer_env() -> Path:
    """Create the peer venv and install dicompyler-core 0.5.6 if needed; return its python."""
    python = peer_python()
    marker = peer_dir() / ".installed"
    if python.exists() and marker.exists():
        return python
    venv.EnvBuilder(with_pip=True, clear=False).create(peer_dir())
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS], check=True)
    marker.write_text("\n".join(PEER_REQUIREMENTS) + "\n")
    return python


def main() -> None:
    python = ensure_peer_env()
    if "--check" in sys.argv[1:]:
        subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.metadata as m; "
                "print('dicompyler-core', m.version('dicompyler-core'), "
                "'pydicom', m.version('pydicom'), 'numpy', m.version('numpy'))",
            ],
            check=True,
        )
    else:
        print(python)


if __name__ == "__main__":
    main()
