"""Helpers for signing tests: certificates made with `cryptography`, configurations,
and readers of signed PDFs (pyHanko's validator, poppler's pdfsig, pdfplumber)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from briefgen.writers.layout import Rect

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seed-reports.yaml"
SIGNATURE_PNG = ROOT / "examples" / "signing" / "signature.png"
SEAL_PNG = ROOT / "examples" / "signing" / "seal.png"
PIN = "1234"
MM = 72 / 25.4
SIGNER_NAME = "Đỗ Hữu Quyết"
"""The signer's certificate names the signer of the Thanh Hóa 2020 seed brief."""


# --------------------------------------------------------------------------- certificates


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "briefgen test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    key: rsa.RSAPrivateKey,
    subject: str,
    issuer_key: rsa.RSAPrivateKey,
    issuer: x509.Name | None,
    valid: tuple[dt.datetime, dt.datetime],
    ca: bool = False,
) -> x509.Certificate:
    name = _name(subject)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
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


@dataclass(frozen=True)
class Pki:
    """A small certificate hierarchy made in the test session."""

    root_key: rsa.RSAPrivateKey
    root_cert: x509.Certificate
    signer_key: rsa.RSAPrivateKey
    signer_cert: x509.Certificate
    body_key: rsa.RSAPrivateKey
    body_cert: x509.Certificate
    expired_key: rsa.RSAPrivateKey
    expired_cert: x509.Certificate
    stray_key: rsa.RSAPrivateKey
    """A key no certificate belongs to."""

    def p12(
        self,
        path: Path,
        key: rsa.RSAPrivateKey,
        cert: x509.Certificate | None,
        extra: list[x509.Certificate] | None = None,
        password: str = PIN,
    ) -> Path:
        """A PKCS#12 file; ``cert=None`` stores the key with only ``extra`` certificates."""
        chain = [self.root_cert] if extra is None else extra
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"test",
                key,
                cert,
                chain,
                serialization.BestAvailableEncryption(password.encode()),
            )
        )
        return path

    def person_p12(self, path: Path, name: str) -> Path:
        """A PKCS#12 file of a new key whose certificate (from the test root) names ``name``."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.UTC)
        valid = (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
        cert = _certificate(key, name, self.root_key, self.root_cert.subject, valid)
        return self.p12(path, key, cert)

    def root_pem(self, path: Path) -> Path:
        path.write_bytes(self.root_cert.public_bytes(serialization.Encoding.PEM))
        return path

    @staticmethod
    def write_key_der(path: Path, key: rsa.RSAPrivateKey) -> Path:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return path

    @staticmethod
    def write_cert_der(path: Path, cert: x509.Certificate) -> Path:
        path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
        return path


def make_pki() -> Pki:
    now = dt.datetime.now(dt.UTC)
    year = dt.timedelta(days=365)

    def key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    root_key = key()
    root = _certificate(
        root_key, "briefgen Test Root CA", root_key, None, (now - year, now + 10 * year), ca=True
    )
    valid = (now - dt.timedelta(days=1), now + year)
    signer_key, body_key, expired_key = key(), key(), key()
    return Pki(
        root_key=root_key,
        root_cert=root,
        signer_key=signer_key,
        signer_cert=_certificate(signer_key, SIGNER_NAME, root_key, root.subject, valid),
        body_key=body_key,
        body_cert=_certificate(
            body_key, "Sở Thông tin và Truyền thông", root_key, root.subject, valid
        ),
        expired_key=expired_key,
        expired_cert=_certificate(
            expired_key, "Trần Thị B", root_key, root.subject, (now - 2 * year, now - year)
        ),
        stray_key=key(),
    )


# --------------------------------------------------------------------------- configurations


def write_config(
    path: Path,
    signer_key: dict[str, Any] | None,
    *,
    seal_key: dict[str, Any] | None = None,
    signature: Path | None = SIGNATURE_PNG,
    seal: Path | None = SEAL_PNG,
    seal_section: bool = True,
    seal_mm: float | None = None,
    **extra: Any,
) -> Path:
    """A signing configuration file (YAML) as a user writes it."""
    body: dict[str, Any] = {}
    if signer_key is not None:
        body["signer"] = {"key": signer_key}
        if signature is not None:
            body["signer"]["image"] = str(signature)
    if seal_section:
        body["seal"] = {}
        if seal_key is not None:
            body["seal"]["key"] = seal_key
        if seal is not None:
            body["seal"]["image"] = str(seal)
        if seal_mm is not None:
            body["seal"]["size_mm"] = seal_mm
    body.update(extra)
    path.write_text(yaml.safe_dump(body, allow_unicode=True), "utf-8")
    return path


def p12_config(folder: Path, pki: Pki, **options: Any) -> Path:
    """A configuration signing with the signer's PKCS#12 file (chain: the root)."""
    key = pki.p12(folder / "signer.p12", pki.signer_key, pki.signer_cert)
    return write_config(folder / "signing.yaml", {"pkcs12": str(key)}, **options)


def sign_with_pyhanko(path: Path, key_file: Path, field: str, password: str = PIN) -> Path:
    """Sign the empty field ``field`` of the PDF at ``path`` in place with pyHanko's own API,
    as an agency's signing tool does (no briefgen code involved)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(key_file), passphrase=password.encode())
    assert signer is not None
    with path.open("rb") as handle:
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(handle),
            signers.PdfSignatureMetadata(field_name=field),
            signer=signer,
        )
    path.write_bytes(out.getvalue())
    return path


# --------------------------------------------------------------------------- reading PDFs


def validate(data: bytes, pki: Pki) -> list[Any]:
    """pyHanko's validation status of every signature, trusting the test root."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[x509_to_asn1(pki.root_cert)], allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(data))
    return [validate_pdf_signature(s, context) for s in reader.embedded_signatures]


def x509_to_asn1(cert: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def pdfsig(path: Path) -> str:
    """poppler's pdfsig report of ``path`` (fails the test where CI must have it)."""
    tool = shutil.which("pdfsig")
    if tool is None:
        pytest.skip("pdfsig (poppler-utils) not installed")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    return result.stdout


@dataclass(frozen=True)
class PageText:
    """The words of one page with their boxes in PDF space (origin bottom left)."""

    words: list[tuple[str, Rect]]
    widgets: dict[str, Rect]
    """Signature widgets on the page, by field name."""

    def find(self, text: str) -> Rect:
        """The box around the words of ``text`` (consecutive, in reading order)."""
        parts = text.split()
        for start in range(len(self.words)):
            chunk = self.words[start : start + len(parts)]
            if [w for w, _ in chunk] == parts:
                boxes = [r for _, r in chunk]
                return Rect(
                    min(b.x0 for b in boxes),
                    min(b.y0 for b in boxes),
                    max(b.x1 for b in boxes),
                    max(b.y1 for b in boxes),
                )
        raise AssertionError(f"{text!r} not on the page: {[w for w, _ in self.words]}")


def page_text(data: bytes, index: int) -> PageText:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[index]
        height = page.height
        words = [
            (w["text"], Rect(w["x0"], height - w["bottom"], w["x1"], height - w["top"]))
            for w in page.extract_words()
        ]
        widgets = {}
        for annot in page.annots:
            data_ = annot.get("data", {})
            name = data_.get("T")
            name = name.decode() if isinstance(name, bytes) else name
            x0, y0, x1, y1 = (float(v) for v in data_["Rect"])
            widgets[str(name)] = Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return PageText(words, widgets)


def texts_by_page(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() for page in pdf.pages]


def render_page(path: Path, page: int, dpi: int, out: Path) -> Path:
    """Page ``page`` (1-based) as a PNG drawn by poppler, annotations included."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    prefix = out / f"page{page}"
    subprocess.run(
        [
            tool,
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        capture_output=True,
    )
    return prefix.with_suffix(".png")
