"""The brief's signer and the signer's certificate name the same person, or signing says so."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from signing_helpers import SEEDS, SIGNER_NAME, Pki, p12_config, validate, write_config

import briefgen
from briefgen.cli import main
from briefgen.errors import UsageError
from briefgen.finish.identity import same_person
from briefgen.finish.sign import Signer, read_layout

pytest_plugins = ("signing_fixtures",)


@pytest.mark.parametrize(
    ("printed", "certificate", "same"),
    [
        ("Đỗ Hữu Quyết", "Đỗ Hữu Quyết", True),
        ("Đỗ Hữu Quyết", "Đỗ Hữu Quyết (MẪU)", True),  # a specimen's suffix
        ("Đỗ Hữu Quyết", "DO HUU QUYET", True),  # no diacritics, upper case
        ("Nguyễn Văn A", "NGUYỄN VĂN A - 012345678", True),  # an id after the name
        ("Nguyễn Văn A", "Nguye\u0302\u0303n Va\u0306n A", True),  # NFD text
        ("Trần Văn Bình", "Đỗ Hữu Quyết (MẪU)", False),
        ("Nguyễn Văn An", "Nguyễn Văn A", False),
        ("Văn A", "Nguyễn Văn An", False),  # whole words only
        ("Hà Văn Tiến", "Sở Thông tin và Truyền thông", False),
    ],
)
def test_names_are_compared_without_case_diacritics_or_suffixes(
    printed: str, certificate: str, same: bool
) -> None:
    assert same_person(printed, certificate) is same


def test_the_layout_record_keeps_the_signers_name_as_printed() -> None:
    data = briefgen.build(briefgen.load(SEEDS), "38", 2020).to_bytes("pdf")
    layout = read_layout(data)
    assert layout is not None and layout.signature is not None
    assert layout.signature.signer_name == "Đỗ Hữu Quyết"
    unnamed = briefgen.build(briefgen.load(SEEDS), "36", 2021).to_bytes("pdf")
    record = read_layout(unnamed)
    assert record is not None and record.signature is not None
    assert record.signature.signer_name is None  # Nam Định 2021 names no signer


@pytest.fixture
def other_person(pki: Pki, pin: str, tmp_path: Path) -> Path:
    """A signing configuration whose key belongs to Trần Văn Bình, not the brief's signer."""
    key = pki.person_p12(tmp_path / "binh.p12", "Trần Văn Bình")
    return write_config(tmp_path / "binh.yaml", {"pkcs12": str(key)})


def render_thanh_hoa(out: Path, *options: str) -> int:
    return main(["render", str(SEEDS), "--province", "38", "--year", "2020", "--format", "pdf",
                 "--out", str(out), *options])  # fmt: skip


def test_a_certificate_of_someone_else_is_refused_naming_both_and_writing_nothing(
    other_person: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert render_thanh_hoa(out, "--sign", str(other_person)) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert (
        "the brief names 'Đỗ Hữu Quyết' as its signer, but the certificate of binh.p12 "
        "(signer.key in binh.yaml) is 'Trần Văn Bình'"
    ) in error
    assert "--allow-name-mismatch" in error
    assert not out.exists()


def test_sign_refuses_someone_elses_certificate_and_leaves_the_file(
    other_person: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert render_thanh_hoa(out) == 0
    (brief,) = out.glob("*.pdf")
    before = brief.read_bytes()
    capsys.readouterr()
    assert main(["sign", str(brief), "--config", str(other_person)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"briefgen: error: {brief}: the brief names 'Đỗ Hữu Quyết'")
    assert brief.read_bytes() == before


def test_allow_name_mismatch_signs_on_purpose(other_person: Path, pki: Pki, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert render_thanh_hoa(out, "--sign", str(other_person), "--allow-name-mismatch") == 0
    (brief,) = out.glob("*.pdf")
    person, _ = validate(brief.read_bytes(), pki)
    assert person.signing_cert.subject.native["common_name"] == "Trần Văn Bình"
    data = briefgen.build(briefgen.load(SEEDS), "38", 2020).to_bytes("pdf")
    assert Signer(other_person, allow_name_mismatch=True).sign(data)
    with pytest.raises(UsageError, match=r"but the certificate of binh\.p12"):
        Signer(other_person).sign(data)


def test_the_signers_own_certificate_and_a_seal_only_configuration_sign_without_a_word(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    data = briefgen.build(briefgen.load(SEEDS), "38", 2020).to_bytes("pdf")
    signed = Signer(p12_config(tmp_path, pki)).sign(data)  # the test key names Đỗ Hữu Quyết
    assert len(validate(signed, pki)) == 2
    body = pki.p12(tmp_path / "body.p12", pki.body_key, pki.body_cert)
    clerk = write_config(tmp_path / "clerk.yaml", None, seal_key={"pkcs12": str(body)})
    sealed = Signer(clerk).sign(data)  # the body's certificate names the body, not a person
    assert len(validate(sealed, pki)) == 1
    assert SIGNER_NAME in PdfReader(io.BytesIO(sealed)).pages[-1].extract_text()


def test_allow_name_mismatch_goes_with_sign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert render_thanh_hoa(tmp_path / "out", "--allow-name-mismatch") == 2
    assert "--allow-name-mismatch goes with --sign" in capsys.readouterr().err


# --------------------------------------------------------------------------- Signer(path)


def test_a_signer_is_made_from_the_path_of_its_configuration(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    config = p12_config(tmp_path, pki)
    for given in (str(config), config):
        signer = briefgen.Signer(given)
        assert signer.config.file == config
        assert repr(signer) == f"Signer({config})"


def test_a_signer_of_anything_else_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"Signer\(\) takes the path of a signing configuration"):
        briefgen.Signer(3)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="signing configuration not found"):
        briefgen.Signer(tmp_path / "missing.yaml")
