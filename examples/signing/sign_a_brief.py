"""Sign a brief as Decree 30 lays signatures out, with a throwaway test key.

    python examples/signing/sign_a_brief.py [OUT] [--picture]

Makes a TEST signing kit (:mod:`make_test_key`: a test CA, the signer's and
the body's keys, NOT FOR REAL USE) in a temporary folder that is deleted
afterwards, then renders Thanh Hóa 2020 as PDF/A-2b, signed at box 7c
(signature image) and box 8 (seal), into ``OUT`` (default ``briefs/``).
``--picture`` also regenerates ``docs/signed-signature-block.png``, the
signature block of that signed brief as poppler draws it.

The test keys' password is chosen here; a real key's PIN comes from your
environment (``BRIEFGEN_SIGN_PIN``) or a prompt, never from a file or an option.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from make_test_key import make_test_kit

import briefgen
from briefgen.finish.sign import read_layout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PICTURE = ROOT / "docs" / "signed-signature-block.png"


def picture(pdf: Path, target: Path) -> None:
    """The signature block of ``pdf``'s signed page, drawn by pdftoppm and cropped to it."""
    from PIL import Image

    layout = read_layout(pdf.read_bytes())
    assert layout is not None and layout.signature is not None
    block = layout.signature
    dpi = 110
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(block.page + 1),
                "-l",
                str(block.page + 1),
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
        )
        scale = dpi / 72
        page = Image.open(stem.with_suffix(".png"))
        top = (layout.page_size[1] - block.column.y1 - 12) * scale
        bottom = (layout.page_size[1] - block.column.y0 + 12) * scale
        left = (layout.text_area.x0 - 12) * scale
        right = (layout.text_area.x1 + 12) * scale
        page.crop((round(left), round(top), round(right), round(bottom))).save(target)


def main(argv: list[str]) -> int:
    out = Path(next((a for a in argv[1:] if not a.startswith("--")), "briefs"))
    with tempfile.TemporaryDirectory(prefix="briefgen-test-kit-") as folder:
        kit = make_test_kit(Path(folder), password="demo")
        os.environ["BRIEFGEN_SIGN_PIN"] = kit.password
        try:
            signer = briefgen.Signer(kit.config)
            data = briefgen.load(ROOT / "fixtures" / "seed-reports.yaml")
            brief = briefgen.build(data, "38", 2020)
            path = brief.save(out / f"{brief.name}-signed.pdf", sign=signer, archival="2b")
        except briefgen.BriefgenError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(path)
    if "--picture" in argv:
        if shutil.which("pdftoppm") is None:
            raise SystemExit("pdftoppm not found: install poppler-utils")
        picture(path, PICTURE)
        print(PICTURE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
