"""Write a throwaway TEST signing kit, to try `briefgen sign` without a real key.

    python examples/signing/make_test_key.py OUT [--name "Đỗ Hữu Quyết"] [--body NAME] [--days 30]

NOT FOR REAL USE.  The kit is made on the spot from certificates no one trusts:
a test CA, the competent person's key (box 7c) and the issuing body's key
(box 8), each certificate marked "(MẪU)" and "NOT FOR REAL USE", valid for
``--days`` days.  A brief signed with it is signed, but by nobody: real briefs
are signed with the certificate your agency's CA (VGCA, VNPT, Viettel, BKAV,
FPT…) issued, on its token or in its PKCS#12 file.

It writes into the folder ``OUT`` (made if needed, never into the package or
this repository unless you say so), refusing to overwrite anything:

- ``test-signer.p12`` — the person's key; its certificate names ``--name``,
  which must be the signer printed in your briefs (briefgen compares them);
- ``test-body.p12`` — the body's key, for the seal;
- ``test-ca.pem`` — the test CA, to check signatures against (docs/signing.md);
- ``signature.png``, ``seal.png`` — the specimen images ("MẪU") beside this script;
- ``signing.yaml`` — a signing configuration using all of them.

The keys' password is the value of ``$BRIEFGEN_SIGN_PIN`` when it is set, else
``test``; briefgen reads it from that variable when signing.  The default
``--name`` is the signer of the Thanh Hóa 2020 seed brief, so this works as is::

    python examples/signing/make_test_key.py /tmp/test-kit
    export BRIEFGEN_SIGN_PIN=test
    briefgen render fixtures/seed-reports.yaml --province 38 --year 2020 --out briefs
    briefgen sign briefs/thanh-hoa-2020-official.pdf --config /tmp/test-kit/signing.yaml
    pdfsig briefs/thanh-hoa-2020-official.pdf
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
IMAGES = ("signature.png", "seal.png")
FILES = ("test-signer.p12", "test-body.p12", "test-ca.pem", *IMAGES, "signing.yaml")
NOT_FOR_REAL_USE = "briefgen TEST - NOT FOR REAL USE"
DEFAULT_NAME = "Đỗ Hữu Quyết"
DEFAULT_BODY = "Sở Thông tin và Truyền thông tỉnh Thanh Hóa"


@dataclass(frozen=True)
class Kit:
    """What :func:`make_test_kit` wrote."""

    folder: Path
    config: Path
    ca: Path
    password: str


def make_test_kit(
    folder: Path,
    name: str = DEFAULT_NAME,
    body: str = DEFAULT_BODY,
    days: int = 30,
    password: str | None = None,
) -> Kit:
    """Write the test kit into ``folder`` (see the module documentation); returns it.

    Raises :class:`FileExistsError` naming the first file already there.
    """
    password = password if password is not None else os.environ.get("BRIEFGEN_SIGN_PIN") or "test"
    folder.mkdir(parents=True, exist_ok=True)
    for file in FILES:
        if (folder / file).exists():
            raise FileExistsError(f"{folder / file} exists; give an empty folder")
    ca_key, ca_cert = _certificate(f"{NOT_FOR_REAL_USE} CA", days, ca=None)
    person = _certificate(f"{name} (MẪU)", days, ca=(ca_key, ca_cert))
    seal = _certificate(f"{body} (MẪU)", days, ca=(ca_key, ca_cert))
    _write_p12(folder / "test-signer.p12", *person, ca_cert, password)
    _write_p12(folder / "test-body.p12", *seal, ca_cert, password)
    (folder / "test-ca.pem").write_bytes(_pem(ca_cert))
    for image in IMAGES:
        shutil.copyfile(HERE / image, folder / image)
    config = folder / "signing.yaml"
    config.write_text(_CONFIG.format(days=days), "utf-8")
    return Kit(folder, config, folder / "test-ca.pem", password)


_CONFIG = """\
# A TEST signing configuration made by examples/signing/make_test_key.py.
# NOT FOR REAL USE: its keys come from a test CA no one trusts ({days} days).
# The password is read from $BRIEFGEN_SIGN_PIN.  See docs/signing.md.
signer:                       # box 7c: the competent person
  key: {{pkcs12: test-signer.p12}}   # holds the test CA's certificate too
  image: signature.png        # specimen ("MẪU"): blue, PNG with transparency
  width_mm: 40
seal:                         # box 8: the issuing body
  key: {{pkcs12: test-body.p12}}
  image: seal.png             # specimen ("MẪU"): red, PNG with transparency
  size_mm: 36
reason: "Ký số thử (TEST - không có giá trị)"
"""


def _certificate(common_name: str, days: int, ca: tuple[Any, Any] | None) -> tuple[Any, Any]:
    """A new RSA key and its certificate, issued by ``ca`` (``None``: a self-signed CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, NOT_FOR_REAL_USE),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    issuer_key, issuer = (key, subject) if ca is None else (ca[0], ca[1].subject)
    now = dt.datetime.now(dt.UTC)
    is_ca = ca is None
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return key, certificate


def _write_p12(path: Path, key: Any, certificate: Any, ca: Any, password: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"briefgen test",
            key,
            certificate,
            [ca],
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    path.chmod(0o600)


def _pem(certificate: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    data: bytes = certificate.public_bytes(serialization.Encoding.PEM)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a throwaway TEST signing kit (NOT FOR REAL USE) into OUT."
    )
    parser.add_argument("out", type=Path, help="the folder to write into (made if needed)")
    parser.add_argument("--name", default=DEFAULT_NAME, help="the signer, as your briefs print it")
    parser.add_argument("--body", default=DEFAULT_BODY, help="the issuing body, for the seal")
    parser.add_argument("--days", type=int, default=30, help="validity (default 30 days)")
    args = parser.parse_args(argv)
    try:
        kit = make_test_kit(args.out, args.name, args.body, args.days)
    except (FileExistsError, OSError) as error:
        print(f"make_test_key: {error}", file=sys.stderr)
        return 2
    print(f"A TEST signing kit, NOT FOR REAL USE, valid {args.days} days: {kit.folder}")
    print(f"  configuration: {kit.config}")
    print(f"  signer: '{args.name} (MẪU)'; seal: '{args.body} (MẪU)'; test CA: {kit.ca}")
    source = "$BRIEFGEN_SIGN_PIN" if os.environ.get("BRIEFGEN_SIGN_PIN") else "'test'"
    print(f"  password of both keys: {source}")
    print(f"Try it: BRIEFGEN_SIGN_PIN=... briefgen sign BRIEF.pdf --config {kit.config}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
