"""Render one province's yearly brief to PDF and DOCX.

    python examples/one_brief.py [DATA] [PROVINCE] [YEAR] [OUT]

Defaults render Thanh Hóa 2020 from the bundled seed fixture into ``briefs/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import briefgen

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    data_path = Path(argv[1]) if len(argv) > 1 else ROOT / "fixtures" / "seed-reports.yaml"
    province = argv[2] if len(argv) > 2 else "Thanh Hóa"
    year = int(argv[3]) if len(argv) > 3 else 2020
    out = Path(argv[4]) if len(argv) > 4 else Path("briefs")
    try:
        data = briefgen.load(data_path)
        brief = briefgen.build(data, province=province, year=year)
        for fmt in ("pdf", "docx"):
            print(brief.save(out / f"{brief.name}.{fmt}"))
    except briefgen.BriefgenError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
