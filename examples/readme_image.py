"""Regenerate docs/official-thanh-hoa-2020-page1.png, the README's picture.

    python examples/readme_image.py

Renders the official brief of Thanh Hóa 2020 from the seed fixture and turns
its first page into a PNG with poppler's ``pdftoppm``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import briefgen

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "official-thanh-hoa-2020-page1.png"


def main() -> int:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm not found: install poppler-utils")
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    brief = briefgen.build(data, province="Thanh Hóa", year=2020)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = brief.save(Path(tmp) / "brief.pdf")
        stem = Path(tmp) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
             str(stem)],
            check=True,
        )
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stem.with_suffix(".png"), TARGET)
    print(TARGET)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
