"""Signing with a key on a PKCS#11 token (SoftHSM2, a real token implementation)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from signing_helpers import SEEDS, Pki, page_text, pdfsig, validate, write_config

import briefgen
from briefgen.cli import main
from briefgen.finish.sign import SEAL_FIELD, SIGNER_FIELD, Signer

pytest_plugins = ("signing_fixtures",)


def token_key(token: dict[str, str], label: str, **extra: str) -> dict[str, object]:
    return {
        "pkcs11": {"module": token["module"], "token": token["label"], "key": label, **extra},
        "pin_env": "BRIEFGEN_TOKEN_PIN",
    }


@pytest.fixture
def token_pin(token: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BRIEFGEN_TOKEN_PIN", token["pin"])
    return token["pin"]


def test_a_token_signs_a_brief_as_a_pkcs12_file_does(
    token: dict[str, str], token_pin: str, pki: Pki, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "token.yaml",
        token_key(token, "signer"),
        seal_key=token_key(token, "body"),
    )
    brief = briefgen.build(briefgen.load(SEEDS), "Nam Định", 2021)
    path = brief.save(tmp_path / "signed.pdf", sign=Signer.from_config(config))
    data = path.read_bytes()

    person, body = validate(data, pki)
    assert person.bottom_line and body.bottom_line
    assert person.signing_cert.subject.native["common_name"] == "Đỗ Hữu Quyết"
    assert body.signing_cert.subject.native["common_name"] == "Sở Thông tin và Truyền thông"
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    assert body.coverage == SignatureCoverageLevel.ENTIRE_FILE
    report = pdfsig(path)
    assert report.count("Signature is Valid.") == 2 and "Total document signed" in report
    page = page_text(data, len(PdfReader(io.BytesIO(data)).pages) - 1)
    assert {SIGNER_FIELD, SEAL_FIELD} <= set(page.widgets)


def test_a_wrong_token_pin_is_a_one_line_error_and_writes_nothing(
    token: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BRIEFGEN_TOKEN_PIN", "000000")
    config = write_config(tmp_path / "token.yaml", token_key(token, "signer"))
    out = tmp_path / "out"
    code = main(
        [
            "render",
            str(SEEDS),
            "--province",
            "36",
            "--year",
            "2021",
            "--out",
            str(out),
            "--sign",
            str(config),
        ]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and "wrong PIN for token 'briefgen test'" in error
    assert "BRIEFGEN_TOKEN_PIN" in error
    assert not out.exists() or not list(out.iterdir())


def test_a_token_key_stored_with_another_certificate_is_refused(
    token: dict[str, str], token_pin: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "token.yaml", token_key(token, "mismatch"))
    with pytest.raises(briefgen.UsageError, match="does not match its certificate"):
        Signer.from_config(config)


def test_a_missing_token_or_key_is_named(
    token: dict[str, str], token_pin: str, tmp_path: Path
) -> None:
    missing_token = write_config(
        tmp_path / "a.yaml",
        {
            "pkcs11": {"module": token["module"], "token": "no such token", "key": "signer"},
            "pin_env": "BRIEFGEN_TOKEN_PIN",
        },
    )
    with pytest.raises(briefgen.UsageError, match="token 'no such token' not found"):
        Signer.from_config(missing_token)
    missing_key = write_config(tmp_path / "b.yaml", token_key(token, "nobody"))
    with pytest.raises(briefgen.UsageError, match="nobody"):
        Signer.from_config(missing_key)
    missing_module = write_config(
        tmp_path / "c.yaml",
        {
            "pkcs11": {"module": str(tmp_path / "none.so"), "key": "signer"},
            "pin_env": "BRIEFGEN_TOKEN_PIN",
        },
    )
    with pytest.raises(briefgen.UsageError, match=r"PKCS#11 module .* not found"):
        Signer.from_config(missing_module)
