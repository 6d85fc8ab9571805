"""Finishing from Python: Document.save/to_bytes, render_batch and briefgen.sign."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader
from signing_helpers import ROOT, SEEDS, Pki, p12_config, page_text, validate

import briefgen
from briefgen.errors import UsageError
from briefgen.finish.archival import declared_part
from briefgen.finish.sign import SEAL_FIELD, SIGNER_FIELD, Signer
from briefgen.writers import render

pytest_plugins = ("signing_fixtures",)


@pytest.fixture(scope="module")
def brief() -> briefgen.Document:
    return briefgen.build(briefgen.load(SEEDS), "Thanh Hoá", 2020)


def sig_fields(data: bytes) -> dict[str, bool]:
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    return {name: "/V" in f for name, f in fields.items() if f.get("/FT") == "/Sig"}


def test_save_signs_and_archives_a_pdf(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    signer = briefgen.Signer.from_config(p12_config(tmp_path, pki))
    path = brief.save(tmp_path / "out" / "signed.pdf", sign=signer, archival="2b")
    data = path.read_bytes()
    assert declared_part(data) == "2b"
    assert [s.bottom_line for s in validate(data, pki)] == [True, True]


def test_to_bytes_pdf_is_unchanged_without_finishing(brief: briefgen.Document) -> None:
    assert brief.to_bytes("pdf") == render(brief.fitted(), "pdf")
    assert brief.to_bytes("pdf", archival=False) == render(brief.fitted(), "pdf")


def test_finishing_options_are_for_pdf_only(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    signer = Signer.from_config(p12_config(tmp_path, pki))
    with pytest.raises(UsageError, match="apply to PDF, not DOCX"):
        brief.save(tmp_path / "x.docx", sign=signer)
    with pytest.raises(UsageError, match="apply to PDF, not DOCX"):
        brief.to_bytes("docx", archival="2b")
    assert not (tmp_path / "x.docx").exists()


def test_sign_fields_reserve_empty_fields_at_boxes_7c_and_8_over_no_text(
    brief: briefgen.Document,
) -> None:
    data = brief.to_bytes("pdf", sign_fields=True, archival="2b")
    assert sig_fields(data) == {SIGNER_FIELD: False, SEAL_FIELD: False}
    assert declared_part(data) == "2b"
    page = page_text(data, len(PdfReader(io.BytesIO(data)).pages) - 1)
    signature, seal = page.widgets[SIGNER_FIELD], page.widgets[SEAL_FIELD]
    title, name = page.find("GIÁM ĐỐC"), page.find(brief_signer_name(brief))
    assert name.y1 < signature.y0 and signature.y1 < title.y0
    assert seal.width == pytest.approx(36 * 72 / 25.4, abs=0.1)
    assert 0.25 <= (seal.x1 - signature.x0) / signature.width <= 0.40
    assert not [w for w, box in page.words if box.overlaps(signature) or box.overlaps(seal)]
    # An unsigned field prints nothing: the page text is that of the plain brief.
    assert PdfReader(io.BytesIO(data)).pages[-1].extract_text()


def test_a_seal_size_can_be_given_for_the_empty_fields(brief: briefgen.Document) -> None:
    data = brief.to_bytes("pdf", sign_fields=40)
    page = page_text(data, len(PdfReader(io.BytesIO(data)).pages) - 1)
    assert page.widgets[SEAL_FIELD].width == pytest.approx(40 * 72 / 25.4, abs=0.1)


def brief_signer_name(brief: briefgen.Document) -> str:
    (signature,) = [b for b in brief.blocks if isinstance(b, briefgen.model.Signature)]
    return briefgen.model.plain(signature.name)


def test_a_signer_signs_into_the_empty_fields_of_an_earlier_brief(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    prepared = brief.save(tmp_path / "fields.pdf", sign_fields=True)
    before = page_text(prepared.read_bytes(), -1 + len(PdfReader(prepared).pages)).widgets
    signed = briefgen.sign(prepared, p12_config(tmp_path, pki), out=tmp_path / "signed.pdf")
    data = signed.read_bytes()
    assert sig_fields(data) == {SIGNER_FIELD: True, SEAL_FIELD: True}
    assert [s.bottom_line for s in validate(data, pki)] == [True, True]
    after = page_text(data, len(PdfReader(io.BytesIO(data)).pages) - 1).widgets
    assert after == before  # signed where the fields were


def test_render_batch_signs_in_the_calling_process_with_any_executor(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    data = briefgen.load(ROOT / "fixtures" / "national-2019-2025.json")
    signer = Signer.from_config(p12_config(tmp_path, pki))
    with ThreadPoolExecutor(2) as pool:
        report = briefgen.render_batch(
            data, 2024, formats=("pdf",), out_dir=tmp_path / "out", provinces=["01", "38"],
            executor=pool, sign=signer, archival="2b",
        )  # fmt: skip
    assert report.ok and len(report.written) == 2
    for written in report.written:
        pdf = (tmp_path / "out" / written.path).read_bytes()
        assert declared_part(pdf) == "2b"
        assert sig_fields(pdf) == {SIGNER_FIELD: True, SEAL_FIELD: True}


def test_render_batch_refuses_to_sign_drafts_before_any_work(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    data = briefgen.load(SEEDS)
    signer = Signer.from_config(p12_config(tmp_path, pki))
    with pytest.raises(UsageError, match="draft"):
        briefgen.render_batch(data, 2021, out_dir=tmp_path / "out", sign=signer, draft=True)
    assert not (tmp_path / "out").exists()


def test_a_signer_survives_pickling_for_other_processes(pki: Pki, pin: str, tmp_path: Path) -> None:
    import pickle

    signer = Signer.from_config(p12_config(tmp_path, pki))
    copy = pickle.loads(pickle.dumps(signer))
    assert copy.room_mm() == signer.room_mm()


def test_a_reserved_room_found_too_small_is_measured_again(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    from briefgen.finish import sign as signing

    signer = Signer.from_config(p12_config(tmp_path, pki))
    spec = signer.config.signer_key
    assert spec is not None
    signing._RESERVED[(spec, "1234")] = 64  # far too small for any signature
    data = brief.to_bytes("pdf", sign=signer)
    assert [s.bottom_line for s in validate(data, pki)] == [True, True]
    assert signing._RESERVED[(spec, "1234")] > 64


@pytest.mark.parametrize(
    ("module", "extra", "call"),
    [
        ("pikepdf", "archival", lambda brief: brief.to_bytes("pdf", archival="2b")),
        ("pyhanko.sign", "sign", lambda brief: brief.to_bytes("pdf", sign_fields=True)),
    ],
)
def test_a_missing_extra_is_named_with_how_to_install_it(
    module: str, extra: str, call: object, brief: briefgen.Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: import fails
    with pytest.raises(UsageError, match=rf"pip install 'briefgen\[{extra}\]'"):
        call(brief)  # type: ignore[operator]
