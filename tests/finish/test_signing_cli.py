"""`briefgen render|batch --sign` and `briefgen sign`: signed files, or one line, exit 2."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from signing_helpers import ROOT, SEEDS, Pki, p12_config, validate, write_config

from briefgen.cli import main
from briefgen.finish.archival import declared_part
from briefgen.finish.sign import SEAL_FIELD, SIGNER_FIELD

pytest_plugins = ("signing_fixtures",)

NATIONAL = ROOT / "fixtures" / "national-2019-2025.json"


def render(out: Path, *options: str) -> int:
    return main(
        ["render", str(SEEDS), "--province", "36", "--year", "2021", "--out", str(out), *options]
    )


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.startswith("briefgen: error: ")
    assert "Traceback" not in error
    return error


def signature_fields(data: bytes) -> dict[str, bool]:
    """Signature field name → whether it holds a signature."""
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    return {name: "/V" in field for name, field in fields.items() if field.get("/FT") == "/Sig"}


# --------------------------------------------------------------------------- what works


def test_render_sign_writes_a_signed_pdf_and_an_unsigned_docx(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = p12_config(tmp_path, pki)
    out = tmp_path / "out"
    assert render(out, "--sign", str(config), "--archival") == 0
    pdf = (out / "nam-dinh-2021-official.pdf").read_bytes()
    assert signature_fields(pdf) == {SIGNER_FIELD: True, SEAL_FIELD: True}
    assert all(status.bottom_line for status in validate(pdf, pki))
    assert declared_part(pdf) == "2b"
    assert (out / "nam-dinh-2021-official.docx").is_file()
    assert sorted(Path(p).name for p in capsys.readouterr().out.split()) == [
        "nam-dinh-2021-official.docx",
        "nam-dinh-2021-official.pdf",
    ]


def test_sign_signs_briefs_rendered_with_sign_fields_in_place_or_into_a_folder(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    config = p12_config(tmp_path, pki)
    out = tmp_path / "out"
    assert render(out, "--format", "pdf", "--sign-fields") == 0
    brief = out / "nam-dinh-2021-official.pdf"
    unsigned = brief.read_bytes()
    assert signature_fields(unsigned) == {SIGNER_FIELD: False, SEAL_FIELD: False}

    assert (
        main(["sign", str(brief), "--config", str(config), "--out", str(tmp_path / "signed")]) == 0
    )
    assert brief.read_bytes() == unsigned  # --out leaves the original as it was
    copy = (tmp_path / "signed" / brief.name).read_bytes()
    assert signature_fields(copy) == {SIGNER_FIELD: True, SEAL_FIELD: True}
    assert all(status.bottom_line for status in validate(copy, pki))

    assert main(["sign", str(brief), "--config", str(config)]) == 0
    assert signature_fields(brief.read_bytes()) == {SIGNER_FIELD: True, SEAL_FIELD: True}


def test_sign_attachment_signs_any_pdf_with_the_number(pki: Pki, pin: str, tmp_path: Path) -> None:
    config = p12_config(tmp_path, pki)
    out = tmp_path / "out"
    assert render(out, "--format", "pdf") == 0
    attachment = out / "nam-dinh-2021-official.pdf"
    assert (
        main(
            [
                "sign",
                str(attachment),
                "--config",
                str(config),
                "--attachment",
                "--number",
                "05/BC-STTTT",
            ]
        )
        == 0
    )
    assert signature_fields(attachment.read_bytes()) == {"attachment_8b": True}


def test_batch_sign_signs_every_pdf_in_the_calling_process_and_the_manifest_vouches_for_them(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    config = p12_config(tmp_path, pki)
    out = tmp_path / "batch"
    code = main(
        [
            "batch",
            str(NATIONAL),
            "--year",
            "2024",
            "--provinces",
            "36,38,01",
            "--out",
            str(out),
            "--workers",
            "2",
            "--sign",
            str(config),
        ]
    )
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["finish"] == {"signed": True}
    pdfs = [item for item in manifest["files"] if item["format"] == "pdf"]
    assert len(pdfs) == 3
    for item in pdfs:
        data = (out / item["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"]
        assert signature_fields(data) == {SIGNER_FIELD: True, SEAL_FIELD: True}
    statuses = validate((out / pdfs[0]["path"]).read_bytes(), pki)
    assert len(statuses) == 2 and all(s.bottom_line for s in statuses)


def test_batch_skip_existing_keeps_nothing_made_with_other_finishing(tmp_path: Path) -> None:
    out = tmp_path / "batch"
    common = [
        "batch",
        str(NATIONAL),
        "--year",
        "2024",
        "--provinces",
        "36",
        "--out",
        str(out),
        "--format",
        "pdf",
        "--workers",
        "1",
    ]
    assert main(common) == 0
    plain = (out / "manifest.json").read_text("utf-8")
    assert main([*common, "--skip-existing", "--draft"]) == 0
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["finish"] == {"draft": True}
    assert "DỰ THẢO" in PdfReader(out / manifest["files"][0]["path"]).pages[0].extract_text()
    assert manifest != json.loads(plain)


# --------------------------------------------------------------------------- bad input


def test_a_wrong_password_is_a_one_line_error_and_writes_nothing(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFGEN_SIGN_PIN", "4321")
    config = p12_config(tmp_path, pki)
    out = tmp_path / "out"
    assert render(out, "--sign", str(config)) == 2
    error = one_line_error(capsys)
    assert "signing.yaml, field 'signer.key.pkcs12'" in error and "wrong password" in error
    assert not out.exists()


def test_an_expired_certificate_is_a_one_line_error_and_writes_nothing(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = pki.p12(tmp_path / "expired.p12", pki.expired_key, pki.expired_cert)
    config = write_config(tmp_path / "signing.yaml", {"pkcs12": str(key)})
    out = tmp_path / "out"
    assert render(out, "--sign", str(config)) == 2
    error = one_line_error(capsys)
    assert "the certificate of 'Trần Thị B' (expired.p12) expired on" in error
    assert not out.exists()


def test_a_key_that_does_not_match_its_certificate_is_a_one_line_error(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file holds a key and a certificate, but the certificate is someone else's."""
    key = pki.p12(tmp_path / "mixed.p12", pki.stray_key, None, [pki.signer_cert, pki.root_cert])
    config = write_config(tmp_path / "signing.yaml", {"pkcs12": str(key)})
    out = tmp_path / "out"
    assert render(out, "--sign", str(config)) == 2
    assert "the key in 'mixed.p12' does not match its certificate" in one_line_error(capsys)
    assert not out.exists()


@pytest.mark.parametrize("which", ["signature", "seal"])
def test_a_missing_image_is_a_one_line_error_and_writes_nothing(
    which: str, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.png"
    config = p12_config(tmp_path, pki, **{which: missing})
    out = tmp_path / "out"
    assert render(out, "--sign", str(config)) == 2
    error = one_line_error(capsys)
    field = "signer.image" if which == "signature" else "seal.image"
    assert f"field '{field}'" in error and f"'{missing}' not found" in error
    assert not out.exists()


def test_an_image_that_is_not_png_is_a_one_line_error_and_writes_nothing(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jpeg = tmp_path / "chu-ky.png"  # a JPEG under a PNG name
    Image.new("RGB", (200, 100), (20, 40, 160)).save(jpeg, format="JPEG")
    config = p12_config(tmp_path, pki, signature=jpeg)
    out = tmp_path / "out"
    assert render(out, "--sign", str(config)) == 2
    assert "signature image" in (error := one_line_error(capsys)) and "is not a PNG file" in error
    assert not out.exists()


def test_a_png_without_transparency_is_refused(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opaque = tmp_path / "con-dau.png"
    Image.new("RGB", (300, 300), (200, 20, 30)).save(opaque)
    assert render(tmp_path / "out", "--sign", str(p12_config(tmp_path, pki, seal=opaque))) == 2
    assert "has no transparent background" in one_line_error(capsys)


def test_no_pin_and_no_terminal_is_a_one_line_error(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BRIEFGEN_SIGN_PIN", raising=False)
    config = p12_config(tmp_path, pki)
    assert render(tmp_path / "out", "--sign", str(config)) == 2
    assert "set the environment variable BRIEFGEN_SIGN_PIN" in one_line_error(capsys)


def test_sign_errors_leave_the_file_untouched_and_write_nothing(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFGEN_SIGN_PIN", "1234")
    out = tmp_path / "out"
    assert render(out, "--format", "pdf", "--sign-fields") == 0
    brief = out / "nam-dinh-2021-official.pdf"
    before = brief.read_bytes()
    capsys.readouterr()
    monkeypatch.setenv("BRIEFGEN_SIGN_PIN", "wrong")
    signed = tmp_path / "signed"
    assert (
        main(["sign", str(brief), "--config", str(p12_config(tmp_path, pki)), "--out", str(signed)])
        == 2
    )
    assert "wrong password" in one_line_error(capsys)
    assert brief.read_bytes() == before
    assert not list(signed.glob("*.pdf")) and not list(signed.glob(".*"))


def test_a_draft_is_never_signed_exit_2(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = p12_config(tmp_path, pki)
    assert render(tmp_path / "a", "--draft", "--sign", str(config)) == 2
    assert "draft" in one_line_error(capsys)
    assert not (tmp_path / "a").exists()

    out = tmp_path / "b"
    assert render(out, "--format", "pdf", "--draft", "--sign-fields") == 0
    capsys.readouterr()
    draft = out / "nam-dinh-2021-official.pdf"
    before = draft.read_bytes()
    assert main(["sign", str(draft), "--config", str(config)]) == 2
    assert "is a draft (DỰ THẢO) and cannot be signed" in one_line_error(capsys)
    assert draft.read_bytes() == before

    code = main(
        [
            "batch",
            str(NATIONAL),
            "--year",
            "2024",
            "--provinces",
            "36",
            "--draft",
            "--sign",
            str(config),
            "--out",
            str(tmp_path / "c"),
        ]
    )
    assert code == 2 and "draft" in one_line_error(capsys)
    assert not (tmp_path / "c").exists()


def test_batch_with_a_wrong_pin_fails_before_rendering_anything(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIEFGEN_SIGN_PIN", "0000")
    config = p12_config(tmp_path, pki)
    out = tmp_path / "batch"
    code = main(
        [
            "batch",
            str(NATIONAL),
            "--year",
            "2024",
            "--provinces",
            "36,38",
            "--out",
            str(out),
            "--sign",
            str(config),
        ]
    )
    assert code == 2 and "wrong password" in one_line_error(capsys)
    assert not out.exists()


def test_signing_options_need_pdf_output(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert render(tmp_path / "out", "--format", "docx", "--archival") == 2
    assert "--archival apply to PDF" in one_line_error(capsys)


def test_attachment_needs_a_number_and_number_needs_attachment(
    pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = p12_config(tmp_path, pki)
    assert main(["sign", "x.pdf", "--config", str(config), "--attachment"]) == 2
    assert "--number" in one_line_error(capsys)
    assert main(["sign", "x.pdf", "--config", str(config), "--number", "05/BC"]) == 2
    assert "--attachment" in one_line_error(capsys)
