"""Regenerate the README's pictures from the seed fixture (real figures of Thanh Hóa 2020).

    python examples/readme_image.py

- docs/official-thanh-hoa-2020-page1.png: page 1 of the ``official`` brief;
- docs/summary-thanh-hoa-2020.png: the one-page ``summary`` brief, with its
  key-figure tiles and charts.

Pages are turned into PNG with poppler's ``pdftoppm``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import briefgen

ROOT = Path(__file__).resolve().parents[1]
PICTURES = {
    "official": ROOT / "docs" / "official-thanh-hoa-2020-page1.png",
    "summary": ROOT / "docs" / "summary-thanh-hoa-2020.png",
}


def main() -> int:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm not found: install poppler-utils")
    data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
    for template, target in PICTURES.items():
        brief = briefgen.build(data, province="Thanh Hóa", year=2020, template=template)
        with tempfile.TemporaryDirectory() as tmp:
            pdf = brief.save(Path(tmp) / "brief.pdf")
            stem = Path(tmp) / "page"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                 str(pdf), str(stem)],
                check=True,
            )  # fmt: skip
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stem.with_suffix(".png"), target)
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
