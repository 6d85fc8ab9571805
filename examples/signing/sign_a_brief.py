"""Sign a brief as Decree 30 lays signatures out, with a throwaway demo key.

    python examples/signing/sign_a_brief.py [OUT] [--picture]

Makes a demo PKCS#12 key (a self-signed certificate, valid 30 days) beside
``signing.yaml`` if there is none, then renders Thanh Hóa 2020 as PDF/A-2b,
signed at box 7c (signature image) and box 8 (seal), into ``OUT`` (default
``briefs/``).  ``--picture`` also regenerates ``docs/signed-signature-block.png``,
the signature block of that signed brief as poppler draws it.

The demo key's password is "demo"; a real key's PIN comes from your environment
(``BRIEFGEN_SIGN_PIN``) or a prompt, never from a file or an option.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import briefgen
from briefgen.finish.sign import read_layout

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CONFIG = HERE / "signing.yaml"
DEMO_KEY = HERE / "demo-signer.p12"
PICTURE = ROOT / "docs" / "signed-signature-block.png"


def make_demo_key(path: Path, password: str = "demo") -> None:
    """A PKCS#12 file with a new RSA key and a self-signed certificate (for trying out only)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Đỗ Hữu Quyết (MẪU)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"demo",
            key,
            certificate,
            None,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )


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
    if not DEMO_KEY.exists():
        make_demo_key(DEMO_KEY)
        print(f"made a demo key: {DEMO_KEY} (password 'demo')", file=sys.stderr)
    os.environ.setdefault("BRIEFGEN_SIGN_PIN", "demo")
    try:
        signer = briefgen.Signer.from_config(CONFIG)
        brief = briefgen.build(briefgen.load(ROOT / "fixtures" / "seed-reports.yaml"), "38", 2020)
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
