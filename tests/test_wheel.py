"""The wheel that ``pip install .`` builds ships the typing marker."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree"
)
def test_wheel_contains_py_typed(tmp_path: Path) -> None:
    """pip wheel . gives one wheel with tmdb_auth/py.typed in it."""
    pytest.importorskip("pip")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("tmdb_auth-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    assert "tmdb_auth/py.typed" in names
    assert "tmdb_auth/testing/__init__.py" in names
