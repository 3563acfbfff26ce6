# ruff: noqa: INP001 -- loaded by MkDocs from mkdocs.yml, not imported
"""
MkDocs hooks: pages made of files that live elsewhere in the repository.

- ``<!-- include: PATH -->`` is replaced by the file at PATH (relative to the
  repository root), for the changelog.
- ``<!-- bench-results -->`` is replaced by ``bench/results/latest.md`` when
  ``nox -s bench`` has written it, and by a note saying so otherwise; the
  images next to it are published under ``bench-results/``.
"""

from __future__ import annotations

import re

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files


ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
IMAGES = ("*.png", "*.svg")
NOT_YET = """\
!!! note "No results in this build"

    `bench/results/latest.md` did not exist when this site was built: run
    `nox -s bench` (a few minutes), then build the docs again.
"""


def _images() -> list[Path]:
    return sorted(p for pattern in IMAGES for p in RESULTS.glob(pattern))


def on_files(files: Files, config: Any) -> Files:
    for image in _images():
        files.append(
            File.generated(
                config, f"bench-results/{image.name}", abs_src_path=str(image)
            )
        )
    return files


def _bench_results() -> str:
    latest = RESULTS / "latest.md"
    if not latest.is_file():
        return NOT_YET
    text = latest.read_text(encoding="utf-8")
    for image in _images():
        text = text.replace(
            f"]({image.name})", f"](bench-results/{image.name})"
        )
    # The page has its own title: the results' headings go one level down.
    return re.sub(r"^(#{1,5}) ", r"#\1 ", text, flags=re.MULTILINE)


def on_page_markdown(markdown: str, **_: Any) -> str:
    markdown = markdown.replace("<!-- bench-results -->", _bench_results())
    return re.sub(
        r"<!-- include: (\S+) -->",
        lambda m: (ROOT / m[1]).read_text(encoding="utf-8"),
        markdown,
    )
