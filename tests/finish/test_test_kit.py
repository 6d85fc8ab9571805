"""examples/signing/make_test_key.py: a throwaway kit that signs, marked as not for real use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from signing_helpers import ROOT, SEEDS

import briefgen
from briefgen.cli import main

SCRIPT = ROOT / "examples" / "signing" / "make_test_key.py"


def make_kit(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFGEN_SIGN_PIN"}
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(folder), *options],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip


def test_the_kit_signs_a_brief_that_validates_against_its_test_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    before = sorted(p.name for p in SCRIPT.parent.iterdir())
    kit = tmp_path / "kit"
    made = make_kit(kit)
    assert made.returncode == 0, made.stderr
    assert "NOT FOR REAL USE" in made.stdout and "password of both keys: 'test'" in made.stdout
    assert sorted(p.name for p in SCRIPT.parent.iterdir()) == before  # nothing in the repo

    monkeypatch.setenv("BRIEFGEN_SIGN_PIN", "test")
    data = briefgen.build(briefgen.load(SEEDS), "38", 2020).to_bytes("pdf")  # the default name
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(data)
    assert main(["sign", str(brief), "--config", str(kit / "signing.yaml")]) == 0

    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(kit / "test-ca.pem"))], allow_fetching=False
    )
    with brief.open("rb") as handle:
        signatures = PdfFileReader(handle).embedded_signatures
        statuses = [validate_pdf_signature(s, context) for s in signatures]
    assert [s.field_name for s in signatures] == ["signer_7c", "seal_8"]
    assert all(status.bottom_line for status in statuses)


def test_every_certificate_of_the_kit_says_it_is_a_specimen_not_for_real_use(
    tmp_path: Path,
) -> None:
    kit = tmp_path / "kit"
    assert make_kit(kit, "--name", "Trần Văn Bình", "--days", "7").returncode == 0
    for file in ("test-signer.p12", "test-body.p12"):
        _, cert, chain = pkcs12.load_key_and_certificates((kit / file).read_bytes(), b"test")
        assert cert is not None
        for certificate in (cert, *chain):
            organisation = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
            assert "NOT FOR REAL USE" in str(organisation[0].value)
        common_name = str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
        assert common_name.endswith("(MẪU)")
        days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
        assert days == 7
    signer = pkcs12.load_key_and_certificates((kit / "test-signer.p12").read_bytes(), b"test")[1]
    assert isinstance(signer, x509.Certificate)
    assert signer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Trần Văn Bình (MẪU)"
    )


def test_the_kit_never_overwrites_a_file(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "signing.yaml").write_text("mine", "utf-8")
    made = make_kit(kit)
    assert made.returncode == 2 and "exists; give an empty folder" in made.stderr
    assert (kit / "signing.yaml").read_text("utf-8") == "mine"
    assert sorted(p.name for p in kit.iterdir()) == ["signing.yaml"]
