"""Archival PDF: PDF/A-1b checked by Apache PDFBox Preflight, PDF/A-2b by reading it back."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from conftest import write_template
from pypdf import PdfReader
from signing_helpers import SEEDS

import briefgen
from briefgen.errors import TemplateError, UsageError
from briefgen.finish._icc import srgb_profile
from briefgen.finish.archival import check_part, declared_part, to_pdfa

pytest_plugins = ("signing_fixtures",)

PREFLIGHT_JARS = (
    "preflight.jar",
    "pdfbox2.jar",
    "fontbox2.jar",
    "xmpbox.jar",
    "commons-logging.jar",
    # Java 11+ ships neither: PDFBox 2's Preflight needs both.
    "javax.activation.jar",
    "jaxb-api.jar",
)
JAVA_SHARE = Path("/usr/share/java")


def seed_briefs() -> list[tuple[str, int]]:
    return [(e.unit.code, e.record.year) for e in briefgen.load(SEEDS).entries]


@pytest.fixture(scope="module")
def seeds() -> briefgen.Dataset:
    return briefgen.load(SEEDS)


@pytest.fixture(scope="module")
def preflight() -> list[str]:
    """The command that runs PDFBox Preflight's PDF/A-1b validator on one file."""
    java = shutil.which("java")
    jars = [JAVA_SHARE / name for name in PREFLIGHT_JARS]
    missing = [jar.name for jar in jars if not jar.exists()]
    if java is None or missing:
        if os.environ.get("CI"):
            pytest.fail(f"PDFBox Preflight is required in CI (.ci/run installs it): {missing}")
        pytest.skip(f"PDFBox Preflight not installed: {missing or 'java'}")
    classpath = ":".join(str(jar) for jar in jars)
    return [java, "-cp", classpath, "org.apache.pdfbox.preflight.Validator_A1b"]


@pytest.mark.parametrize(("code", "year"), seed_briefs())
def test_the_pdfa_1b_variant_of_every_seed_brief_passes_pdfbox_preflight(
    code: str, year: int, seeds: briefgen.Dataset, preflight: list[str], tmp_path: Path
) -> None:
    path = briefgen.build(seeds, code, year).save(tmp_path / "brief.pdf", archival="1b")
    result = subprocess.run(
        [*preflight, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert "is a valid PDF/A-1b file" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0


def test_preflight_rejects_the_plain_pdf(
    seeds: briefgen.Dataset, preflight: list[str], tmp_path: Path
) -> None:
    """The validator is not a rubber stamp: the writer's own PDF is not PDF/A."""
    path = briefgen.build(seeds, "38", 2020).save(tmp_path / "plain.pdf")
    result = subprocess.run(
        [*preflight, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert "is not a valid PDF/A-1b file" in result.stdout


@pytest.mark.parametrize(("code", "year"), seed_briefs())
def test_the_pdfa_2b_variant_declares_its_part_an_srgb_intent_and_matching_xmp(
    code: str, year: int, seeds: briefgen.Dataset
) -> None:
    brief = briefgen.build(seeds, code, year)
    data = brief.to_bytes("pdf", archival="2b")
    assert declared_part(data) == "2b"
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3 and profile.read_bytes() == srgb_profile()
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == info["/Title"]
        assert meta["dc:creator"] == [info["/Author"]]
        assert meta["dc:description"] == info["/Subject"]
        assert meta["pdf:Keywords"] == info["/Keywords"]
        assert meta["pdf:Producer"] == info["/Producer"]
        assert meta["xmp:CreatorTool"] == info["/Creator"]
        # Dated the day of the report, in Vietnam, in the information and the XMP alike.
        issued = brief.meta.date
        assert issued is not None
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == f"{issued}T00:00:00+07:00"
        assert info["/CreationDate"] == f"D:{issued:%Y%m%d}000000+07'00'"
        # Every font is embedded.
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.get("/FontDescriptor")
                if descriptor is None:  # a composite font: its descendant carries it
                    descriptor = font.DescendantFonts[0].FontDescriptor
                assert "/FontFile2" in descriptor or "/FontFile" in descriptor


@pytest.mark.parametrize("part", ["2b", "1b"])
def test_text_extracts_exactly_as_before_after_pdfa(part: str, seeds: briefgen.Dataset) -> None:
    for code, year in seed_briefs():
        plain = briefgen.build(seeds, code, year).to_bytes("pdf")
        archived = to_pdfa(plain, part)  # type: ignore[arg-type]
        before = [page.extract_text() for page in PdfReader(io.BytesIO(plain)).pages]
        after = [page.extract_text() for page in PdfReader(io.BytesIO(archived)).pages]
        assert after == before


def test_archival_output_is_deterministic(seeds: briefgen.Dataset) -> None:
    brief = briefgen.build(seeds, "36", 2021)
    assert brief.to_bytes("pdf", archival="2b") == brief.to_bytes("pdf", archival="2b")


def test_pdfa_1b_refuses_transparency_and_says_to_use_2b(seeds: briefgen.Dataset) -> None:
    plain = briefgen.build(seeds, "36", 2021).to_bytes("pdf")
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        page = pdf.pages[0]
        page.Resources.ExtGState = pikepdf.Dictionary(
            Half=pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, ca=0.5)
        )
        out = io.BytesIO()
        pdf.save(out)
    with pytest.raises(UsageError, match=r"PDF/A-1b cannot hold transparency .*2b"):
        to_pdfa(out.getvalue(), "1b")
    assert declared_part(to_pdfa(out.getvalue(), "2b")) == "2b"


def test_a_signed_pdf_is_not_rewritten(seeds: briefgen.Dataset) -> None:
    plain = briefgen.build(seeds, "36", 2021).to_bytes("pdf")
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        field = pdf.make_indirect(
            pikepdf.Dictionary(FT=pikepdf.Name.Sig, T="x", V=pikepdf.Dictionary())
        )
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
        out = io.BytesIO()
        pdf.save(out)
    with pytest.raises(UsageError, match="already signed"):
        to_pdfa(out.getvalue())


def test_the_srgb_profile_is_version_2_and_means_srgb() -> None:
    from PIL import Image, ImageCms

    data = srgb_profile()
    assert data[36:40] == b"acsp" and data[8:12] == b"\x02\x10\x00\x00"
    assert data[12:24] == b"mntrRGB XYZ "
    ours = ImageCms.ImageCmsProfile(io.BytesIO(data))
    assert ImageCms.getProfileDescription(ours).strip() == "sRGB IEC61966-2.1"
    # Converting to lcms2's own sRGB changes no colour.
    colours = [(255, 0, 0), (0, 128, 0), (10, 20, 200), (128, 128, 128), (250, 240, 5)]
    image = Image.new("RGB", (len(colours), 1))
    image.putdata(colours)
    transform = ImageCms.buildTransform(ours, ImageCms.createProfile("sRGB"), "RGB", "RGB")
    converted = ImageCms.applyTransform(image, transform)
    assert [converted.getpixel((x, 0)) for x in range(len(colours))] == colours


@pytest.mark.parametrize(
    ("value", "part"), [("2b", "2b"), ("1B", "1b"), ("PDF/A-2b", "2b"), ("a-1b", "1b")]
)
def test_archival_levels_are_read_in_their_usual_spellings(value: str, part: str) -> None:
    assert check_part(value) == part


def test_an_unknown_archival_level_is_refused() -> None:
    with pytest.raises(UsageError, match="unknown archival level '3u'"):
        check_part("3u")


def test_a_template_can_ask_for_archival_output(tmp_path: Path, seeds: briefgen.Dataset) -> None:
    folder = write_template(
        tmp_path / "luu-tru",
        '{% extends "official/brief.xml.j2" %}\n',
        "extends: official\narchival: 1b\n",
    )
    brief = briefgen.build(seeds, "36", 2021, template=folder)
    assert declared_part(brief.to_bytes("pdf")) == "1b"
    assert declared_part(brief.save(tmp_path / "x.pdf").read_bytes()) == "1b"
    assert declared_part(brief.to_bytes("pdf", archival="2b")) == "2b"  # the call wins
    assert declared_part(brief.to_bytes("pdf", archival=False)) is None


def test_a_bad_template_archival_setting_names_the_field(tmp_path: Path) -> None:
    folder = write_template(
        tmp_path / "sai",
        '{% extends "official/brief.xml.j2" %}\n',
        "extends: official\narchival: 3\n",
    )
    with pytest.raises(TemplateError, match=r"template.yaml:3, field 'archival': unknown archival"):
        briefgen.build(briefgen.load(SEEDS), "36", 2021, template=folder)


def test_an_undated_brief_is_archival_without_dates(preflight: list[str], tmp_path: Path) -> None:
    """A brief whose date line is left blank has no creation date, in the PDF/A too."""
    text = SEEDS.read_text("utf-8")
    undated = tmp_path / "undated.yaml"
    undated.write_text(re.sub(r"(?m)^      date: .*\n", "", text), "utf-8")
    brief = briefgen.build(briefgen.load(undated), "38", 2020)
    assert brief.meta.date is None
    path = brief.save(tmp_path / "brief.pdf", archival="1b")
    result = subprocess.run(
        [*preflight, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert "is a valid PDF/A-1b file" in result.stdout, result.stdout + result.stderr
    with pikepdf.open(path) as pdf:
        assert "/CreationDate" not in pdf.docinfo
        assert "xmp:CreateDate" not in pdf.open_metadata()
