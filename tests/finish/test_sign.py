"""Signing briefs as Decree 30 lays signatures out, checked by real validators and readers."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from signing_helpers import (
    MM,
    SEEDS,
    SIGNER_NAME,
    Pki,
    p12_config,
    page_text,
    pdfsig,
    render_page,
    texts_by_page,
    validate,
    write_config,
)

import briefgen
from briefgen import model as m
from briefgen.errors import UsageError
from briefgen.finish.archival import declared_part, to_pdfa
from briefgen.finish.pipeline import finish_pdf, with_room
from briefgen.finish.sign import (
    ATTACHMENT_FIELD,
    SEAL_FIELD,
    SIGNER_FIELD,
    Signer,
    attachment_time,
    read_layout,
)
from briefgen.writers.layout import Rect
from briefgen.writers.pdf import text_stamp, write_with_layout

pytest_plugins = ("signing_fixtures",)

THANH_HOA = ("38", 2020)
"""Its brief ends with "GIÁM ĐỐC" over "Đỗ Hữu Quyết"."""


@dataclass(frozen=True)
class Signed:
    """A brief before and after signing, and the signer that signed it."""

    before: bytes
    after: bytes
    path: Path
    signer: Signer


@pytest.fixture(scope="module")
def brief() -> briefgen.Document:
    return briefgen.build(briefgen.load(SEEDS), *THANH_HOA)


@pytest.fixture(scope="module")
def signed(pki: Pki, brief: briefgen.Document, tmp_path_factory: pytest.TempPathFactory) -> Signed:
    folder = tmp_path_factory.mktemp("signed")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BRIEFGEN_SIGN_PIN", "1234")
        signer = Signer.from_config(p12_config(folder, pki))
        before, layout = write_with_layout(with_room(brief, signer.room_mm()))
        after = signer.sign(before, layout)
    path = folder / "signed.pdf"
    path.write_bytes(after)
    return Signed(before, after, path, signer)


def last_page(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages) - 1


# --------------------------------------------------------------------------- validity


def test_a_signed_brief_validates_intact_and_covering_the_whole_file_with_pyhanko(
    signed: Signed, pki: Pki
) -> None:
    from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    person, body = validate(signed.after, pki)
    for status in (person, body):
        assert status.intact and status.valid and status.trusted
        assert status.bottom_line
    assert body.coverage == SignatureCoverageLevel.ENTIRE_FILE
    # The person's signature covers its revision; the body's signature after it only
    # fills a form field, which the first signature permits.
    assert person.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert person.modification_level <= ModificationLevel.FORM_FILLING
    assert person.signing_cert.subject.native["common_name"] == SIGNER_NAME


def test_poppler_pdfsig_finds_both_signatures_valid_and_the_last_covering_the_file(
    signed: Signed,
) -> None:
    report = pdfsig(signed.path)
    blocks = report.split("Signature #")[1:]
    assert len(blocks) == 2
    assert f"Signature Field Name: {SIGNER_FIELD}" in blocks[0]
    assert f"Signature Field Name: {SEAL_FIELD}" in blocks[1]
    for block in blocks:
        assert "Signature Validation: Signature is Valid." in block
        assert "ETSI.CAdES.detached" in block  # PAdES
        assert "Signing Hash Algorithm: SHA-256" in block
    assert "Total document signed" in blocks[1]


def test_signing_time_is_vietnam_time(signed: Signed) -> None:
    reader = PdfReader(io.BytesIO(signed.after))
    times = [
        str(field["/V"]["/M"])
        for field in reader.get_fields().values()
        if field.get("/FT") == "/Sig" and "/V" in field
    ]
    assert len(times) == 2
    assert all(t.endswith("+07'00'") or t.endswith("+07'00") for t in times), times


# --------------------------------------------------------------------------- where the images go


def test_the_signature_image_lies_between_the_title_and_the_name(signed: Signed) -> None:
    page = page_text(signed.after, last_page(signed.after))
    title = page.find("GIÁM ĐỐC")
    name = page.find("Đỗ Hữu Quyết")
    signature = page.widgets[SIGNER_FIELD]
    assert name.y1 < signature.y0 and signature.y1 < title.y0
    # Centred: on the title's and name's middle, and in the space between them.
    assert abs(signature.centre[0] - title.centre[0]) < 2
    assert abs(signature.centre[0] - name.centre[0]) < 2
    assert abs((signature.y0 - name.y1) - (title.y0 - signature.y1)) < 4
    assert signature.width == pytest.approx(40 * MM, abs=0.5)  # the configured width


def test_the_seal_is_real_size_and_covers_the_left_third_of_the_signature(
    signed: Signed,
) -> None:
    page = page_text(signed.after, last_page(signed.after))
    signature = page.widgets[SIGNER_FIELD]
    seal = page.widgets[SEAL_FIELD]
    assert seal.width == pytest.approx(36 * MM, abs=0.2)
    assert seal.height == pytest.approx(36 * MM, abs=0.2)
    assert seal.x0 < signature.x0 < seal.x1
    covered = (seal.x1 - signature.x0) / signature.width
    assert 0.25 <= covered <= 0.40


def test_neither_image_covers_any_text_of_the_page(signed: Signed) -> None:
    page = page_text(signed.after, last_page(signed.after))
    images = [page.widgets[SIGNER_FIELD], page.widgets[SEAL_FIELD]]
    covered = [(word, box) for word, box in page.words if any(box.overlaps(i) for i in images)]
    assert not covered


def test_poppler_draws_the_blue_signature_and_the_red_seal_in_their_places(
    signed: Signed, tmp_path: Path
) -> None:
    index = last_page(signed.after)
    page = page_text(signed.after, index)
    dpi = 100
    image = Image.open(render_page(signed.path, index + 1, dpi, tmp_path)).convert("RGB")
    scale = dpi / 72
    height = image.height

    # Look around the signature block only: a chart may share the last page, and
    # its bars are blue too.  40 pt around both fields catches ink drawn astray.
    fields = (page.widgets[SIGNER_FIELD], page.widgets[SEAL_FIELD])
    around = 40
    left = int(max(0, (min(f.x0 for f in fields) - around) * scale))
    right = int(min(image.width, (max(f.x1 for f in fields) + around) * scale))
    top = int(max(0, height - (max(f.y1 for f in fields) + around) * scale))
    bottom = int(min(height, height - (min(f.y0 for f in fields) - around) * scale))

    def pixels(keep: object) -> Rect:
        found = [
            (x, y)
            for y in range(top, bottom, 2)
            for x in range(left, right, 2)
            if keep(*image.getpixel((x, y)))  # type: ignore[operator]
        ]
        assert found, "no such ink on the page"
        xs, ys = [x for x, _ in found], [y for _, y in found]
        # Pixel rows count from the top; PDF y from the bottom.
        return Rect(
            min(xs) / scale, (height - max(ys)) / scale, max(xs) / scale, (height - min(ys)) / scale
        )

    def inside(ink: Rect, field: Rect) -> bool:
        slack = 2.5  # two sampled pixels
        return Rect(
            field.x0 - slack, field.y0 - slack, field.x1 + slack, field.y1 + slack
        ).contains(ink)

    blue = pixels(lambda r, g, b: b > 110 and r < 90 and g < 110)
    red = pixels(lambda r, g, b: r > 150 and g < 110 and b < 110)
    assert inside(blue, page.widgets[SIGNER_FIELD])
    assert inside(red, page.widgets[SEAL_FIELD])


def test_signing_changes_no_text_on_any_page(signed: Signed) -> None:
    assert texts_by_page(signed.after) == texts_by_page(signed.before)


# --------------------------------------------------------------------------- variants


def test_a_signed_pdfa_2b_brief_stays_pdfa_2b(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    signer = Signer.from_config(p12_config(tmp_path, pki))
    data = finish_pdf(brief, sign=signer, archival="2b")
    assert declared_part(data) == "2b"
    reader = PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    statuses = validate(data, pki)
    assert len(statuses) == 2 and all(s.bottom_line for s in statuses)


def test_a_pdfa_1b_brief_is_refused_the_transparent_images(
    signed: Signed, brief: briefgen.Document
) -> None:
    plain, layout = write_with_layout(with_room(brief, signed.signer.room_mm()))
    with pytest.raises(UsageError, match="PDF/A-1b"):
        signed.signer.sign(to_pdfa(plain, "1b"), layout)


def test_a_draft_is_never_signed(signed: Signed, brief: briefgen.Document) -> None:
    draft = with_room(brief.as_draft(), signed.signer.room_mm())
    with pytest.raises(UsageError, match="draft"):
        signed.signer.sign(write_with_layout(draft)[0])
    with pytest.raises(UsageError, match="draft"):
        finish_pdf(brief.as_draft(), sign=signed.signer)


def test_a_pdf_briefgen_did_not_write_is_refused_with_a_clear_error(signed: Signed) -> None:
    with pytest.raises(UsageError, match="no briefgen layout record") as raised:
        signed.signer.sign(text_stamp(["not a brief"]), source="other.pdf")
    assert str(raised.value).startswith("other.pdf: ")
    assert "--attachment" in str(raised.value)


def test_a_box_already_signed_is_not_signed_again(signed: Signed) -> None:
    with pytest.raises(UsageError, match="already signed"):
        signed.signer.sign(signed.after)


def with_gap(brief: briefgen.Document, room_mm: float) -> briefgen.Document:
    """``brief`` with ``room_mm`` between title and name, whatever its template leaves."""
    return brief.with_blocks(
        [replace(b, room_mm=room_mm) if isinstance(b, m.Signature) else b for b in brief.blocks]
    )


def test_a_brief_rendered_without_signing_options_is_signed_later(
    signed: Signed, brief: briefgen.Document, pki: Pki, tmp_path: Path
) -> None:
    """The official template leaves the room of a 36 mm seal: a clerk signs a plain brief."""
    plain = brief.to_bytes("pdf")
    layout = read_layout(plain)
    assert layout is not None and layout.signature is not None
    assert layout.signature.gap.height == pytest.approx(41 * MM, abs=0.5)
    after = signed.signer.sign(plain, source="plain.pdf")
    statuses = validate(after, pki)
    assert len(statuses) == 2 and all(status.bottom_line for status in statuses)
    assert texts_by_page(after) == texts_by_page(plain)
    page = page_text(after, last_page(after))
    images = [page.widgets[SIGNER_FIELD], page.widgets[SEAL_FIELD]]
    assert not [word for word, box in page.words if any(box.overlaps(i) for i in images)]


def test_a_brief_without_room_for_the_seal_is_refused_saying_how_to_render_it(
    signed: Signed, brief: briefgen.Document
) -> None:
    """A template that leaves the usual 25 mm has too little room for a 36 mm seal."""
    with pytest.raises(UsageError, match="too little for a 36 mm seal") as raised:
        signed.signer.sign(with_gap(brief, 25).to_bytes("pdf"), source="narrow.pdf")
    assert str(raised.value).startswith("narrow.pdf: ")
    assert "render it again with --sign CONFIG or --sign-fields 36" in str(raised.value)


def test_no_room_for_a_larger_seal_on_a_signed_brief_never_advises_rendering_it_again(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    """The leader signed; the clerk's seal is 45 mm: rendering again would lose the signature."""
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    leader = Signer.from_config(
        write_config(tmp_path / "leader.yaml", {"pkcs12": str(person)}, seal_section=False)
    )
    body = pki.p12(tmp_path / "body.p12", pki.body_key, pki.body_cert)
    clerk = Signer.from_config(
        write_config(tmp_path / "clerk.yaml", None, seal_key={"pkcs12": str(body)}, seal_mm=45)
    )
    first = leader.sign(brief.to_bytes("pdf"))
    with pytest.raises(UsageError, match="too little for a 45 mm seal") as raised:
        clerk.sign(first, source="bao-cao.pdf")
    message = str(raised.value)
    assert "already signed and cannot be laid out again: keep it as it is" in message
    assert "render it again" not in message


def test_the_issuing_body_signs_box_8_with_its_own_key(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    body = pki.p12(tmp_path / "body.p12", pki.body_key, pki.body_cert)
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    config = write_config(
        tmp_path / "signing.yaml", {"pkcs12": str(person)}, seal_key={"pkcs12": str(body)}
    )
    data = finish_pdf(brief, sign=Signer.from_config(config))
    person_status, body_status = validate(data, pki)
    assert person_status.signing_cert.subject.native["common_name"] == SIGNER_NAME
    assert body_status.signing_cert.subject.native["common_name"] == "Sở Thông tin và Truyền thông"
    assert person_status.bottom_line and body_status.bottom_line


def test_the_person_and_the_body_can_sign_one_after_the_other(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    """The leader signs box 7c; later the clerk adds the body's seal (box 8) against it."""
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    body = pki.p12(tmp_path / "body.p12", pki.body_key, pki.body_cert)
    leader = Signer.from_config(
        write_config(tmp_path / "leader.yaml", {"pkcs12": str(person)}, seal_section=False)
    )
    clerk = Signer.from_config(
        write_config(tmp_path / "clerk.yaml", None, seal_key={"pkcs12": str(body)})
    )
    first = finish_pdf(brief, sign=leader)
    assert len(validate(first, pki)) == 1
    both = clerk.sign(first)
    statuses = validate(both, pki)
    assert len(statuses) == 2 and all(s.bottom_line for s in statuses)
    page = page_text(both, last_page(both))
    signature, seal = page.widgets[SIGNER_FIELD], page.widgets[SEAL_FIELD]
    assert 0.25 <= (seal.x1 - signature.x0) / signature.width <= 0.40


# --------------------------------------------------------------------------- timestamp (B-T)


@pytest.fixture
def timestamp_server(pki: Pki) -> Iterator[str]:
    """An RFC 3161 timestamp server on 127.0.0.1, answering with a TSA certificate of the
    test root (pyHanko's DummyTimeStamper does the TSA's signing)."""
    from asn1crypto import keys, tsp
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper
    from signing_helpers import x509_to_asn1

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "briefgen test TSA")]))
        .issuer_name(pki.root_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(pki.root_key, hashes.SHA256())
    )
    stamper = DummyTimeStamper(
        tsa_cert=x509_to_asn1(cert),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        certs_to_embed=[x509_to_asn1(pki.root_cert)],
    )
    requests: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            requests.append(len(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
    assert requests, "the timestamp server was never asked"


def test_a_timestamp_server_makes_pades_b_t_signatures(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path, timestamp_server: str
) -> None:
    config = p12_config(tmp_path, pki, timestamp_url=timestamp_server)
    data = finish_pdf(brief, sign=Signer.from_config(config))
    statuses = validate(data, pki)
    assert len(statuses) == 2
    for status in statuses:
        assert status.bottom_line
        assert status.timestamp_validity is not None and status.timestamp_validity.intact
        assert status.timestamp_validity.valid


def test_an_unreachable_timestamp_server_fails_without_output(
    pki: Pki, pin: str, brief: briefgen.Document, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = p12_config(tmp_path, pki, timestamp_url=f"http://127.0.0.1:{port}/tsa")
    target = tmp_path / "out.pdf"
    with pytest.raises(briefgen.OutputError, match="timestamp server"):
        brief.save(target, sign=Signer.from_config(config))
    assert not target.exists()


# --------------------------------------------------------------------------- attachments


def test_an_attachment_is_signed_at_the_top_right_of_page_one_with_number_and_time(
    signed: Signed, brief: briefgen.Document, pki: Pki, tmp_path: Path
) -> None:
    plain, layout = write_with_layout(brief)
    data = signed.signer.sign_attachment(plain, "05/BC-STTTT")
    (status,) = validate(data, pki)
    assert status.bottom_line
    page = page_text(data, 0)
    box = page.widgets[ATTACHMENT_FIELD]
    # Top right: its right edge on the text's right edge, above the text, inside the page.
    assert box.x1 == pytest.approx(layout.text_area.x1, abs=0.5)
    assert layout.text_area.y1 < box.y0 and box.y1 < layout.page_size[1]
    assert not [word for word, rect in page.words if rect.overlaps(box)]
    # What it shows is exactly the number and the signing time, as a 10 pt text stamp.
    moment = status.signer_reported_dt.astimezone(dt.timezone(dt.timedelta(hours=7)))
    expected = PdfReader(io.BytesIO(text_stamp(["05/BC-STTTT", attachment_time(moment)])))
    shown = _appearance_forms(data, ATTACHMENT_FIELD)
    assert expected.pages[0].get_contents().get_data() in [f.get_data() for f in shown]
    (path,) = [tmp_path / "attachment.pdf"]
    path.write_bytes(data)
    assert "Signature is Valid." in pdfsig(path)


def test_the_attachment_time_is_written_date_time_and_offset() -> None:
    moment = dt.datetime(2025, 1, 10, 9, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert attachment_time(moment) == "2025-01-10; 09:30:05; +07:00"


def test_the_attachment_stamp_is_times_new_roman_10_pt_black_right_aligned() -> None:
    import pdfplumber

    with pdfplumber.open(
        io.BytesIO(text_stamp(["05/BC-STTTT", "2025-01-10; 09:30:05; +07:00"]))
    ) as pdf:
        page = pdf.pages[0]
        chars = page.chars
        lines = page.extract_text().splitlines()
        right_edges = {
            round(max(c["x1"] for c in chars if round(c["top"]) == top), 1)
            for top in {round(c["top"]) for c in chars}
        }
    assert lines == ["05/BC-STTTT", "2025-01-10; 09:30:05; +07:00"]
    assert {round(c["size"], 1) for c in chars} == {10.0}
    assert all(("Times" in c["fontname"]) or ("LiberationSerif" in c["fontname"]) for c in chars)
    assert all("Bold" not in c["fontname"] and "Italic" not in c["fontname"] for c in chars)
    assert all(c["non_stroking_color"] in (None, (0,), (0, 0, 0), [0], [0, 0, 0]) for c in chars)
    assert len(right_edges) == 1  # right-aligned lines


def test_an_attachment_needs_its_number(signed: Signed, brief: briefgen.Document) -> None:
    with pytest.raises(UsageError, match="number and symbol"):
        signed.signer.sign_attachment(brief.to_bytes("pdf"), "  ")


def _appearance_forms(data: bytes, field: str) -> list[object]:
    """Every form XObject inside the normal appearance of ``field``'s widget."""
    reader = PdfReader(io.BytesIO(data))
    forms: list[object] = []
    for page in reader.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/T") != field:
                continue

            def walk(form: object) -> None:
                forms.append(form)
                xobjects = form.get("/Resources", {}).get("/XObject", {})  # type: ignore[attr-defined]
                for ref in xobjects.values():
                    walk(ref.get_object())

            walk(annot["/AP"]["/N"].get_object())
    return forms


def test_the_layout_record_read_from_the_file_equals_the_written_one(signed: Signed) -> None:
    assert read_layout(signed.after) is not None
    assert read_layout(signed.after) == read_layout(signed.before)
