"""Shared fixtures: a sample document with every block type, and real-client helpers."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from briefgen import model as m

# CI runs the same examples every time (a property that fails there fails for the
# change under test, not for a new draw); a developer's runs keep drawing new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _tiny_png(width_mm: float, height_mm: float, dpi: int) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    ax = fig.add_subplot()
    ax.bar(["2019", "2020", "2021"], [1.0, 2.0, 3.0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def sample_blocks() -> tuple[m.Block, ...]:
    """One of every block type, with Vietnamese text and markup-like characters."""
    t = m.Text
    spec = m.ChartSpec(
        kind="bar",
        title="Doanh thu bưu chính",
        categories=("2019", "2020", "2021"),
        series=(m.Series("Doanh thu", (110.0, 120.0, 130.0)),),
        unit="tỷ đồng",
        highlight=2,
        width_mm=150,
        height_mm=70,
    )
    image = m.ChartImage(raster=_tiny_png(150, 70, 200), dpi=200, width_mm=150, height_mm=70)
    return (
        m.Letterhead(
            left=(
                m.HeaderLine((t("UBND TỈNH NAM ĐỊNH"),), size_pt=13),
                m.HeaderLine((m.Strong((t("SỞ THÔNG TIN VÀ TRUYỀN THÔNG"),)),), 13, "third"),
            ),
            right=(
                m.HeaderLine((m.Strong((t("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),)),), 12),
                m.HeaderLine((m.Strong((t("Độc lập - Tự do - Hạnh phúc"),)),), 13, "full"),
            ),
            left_foot=m.HeaderLine((t("Số: 05/BC-STTTT"),), 13),
            right_foot=m.HeaderLine((m.Emph((t("Nam Định, ngày 07 tháng 01 năm 2022"),)),), 14),
        ),
        m.Title(((t("BÁO CÁO"),), (t("Kết quả công tác năm 2021 của Sở TT&TT"),))),
        m.Heading(1, (t("I. KẾT QUẢ NĂM 2021"),)),
        m.Heading(2, (t("1. Chỉ số xếp hạng"),)),
        m.Paragraph(
            (
                t("Chỉ số ICT Index xếp thứ "),
                m.Strong((t("11/63"),)),
                t(" tỉnh, thành phố; "),
                m.Emph((t("A < B & C <b>x</b>"),)),
                m.LineBreak(),
                t("Sở TT&TT."),
            )
        ),
        m.Paragraph((t("Căn giữa"),), align="center", indent=False),
        m.ListBlock(((t("Doanh thu 130 tỷ đồng;"),), (t("Tăng 8,3%."),))),
        m.ListBlock(((t("Một"),), (t("Hai"),)), ordered=True),
        m.Table(
            header=((m.Cell((t("Chỉ tiêu"),)), m.Cell((t("Giá trị"),), align="right")),),
            body=(
                (m.Cell((t("Doanh thu bưu chính"),)), m.Cell((t("130 tỷ đồng"),), align="right")),
                (m.Cell((t("Gộp hai cột"),), colspan=2),),
                (m.Cell((t("Thiếu ô"),)),),
            ),
            widths=(0.7, 0.3),
            caption=(t("Bảng 1. Chỉ tiêu chủ yếu"),),
        ),
        m.Chart(spec, caption=(t("Biểu đồ 1. Doanh thu bưu chính"),), image=image),
        m.PageBreak(),
        m.Paragraph((t("Trang hai."),)),
        m.Tiles(
            (
                m.Tile((t("Doanh thu bưu chính"),), (t("130 tỷ đồng"),), (t("+8,3%"),), "up", True),
                m.Tile((t("Xếp hạng DTI"),), (t("11/63"),), (t("giảm 2 bậc"),), "down", False),
                m.Tile((t("Thuê bao"),), (t("2,89 triệu"),)),
                m.Tile((t("Mật độ"),), (t("49,8"),), (t("không đổi"),), "flat", None),
            ),
            columns=3,
        ),
        m.Signature(
            authority=((t("KT. GIÁM ĐỐC"),), (t("PHÓ GIÁM ĐỐC"),)),
            name=(t("Nguyễn Văn A"),),
            recipients=((t("- UBND tỉnh;"),), (t("- Lưu: VT, VP."),)),
            recipients_label=(t("Nơi nhận:"),),
        ),
        # Last, so that the blocks above keep their indices in tests that name them.
        m.Addressees(((t("Bộ Thông tin và Truyền thông."),),), (t("Kính gửi:"),)),
    )


@pytest.fixture
def sample_document() -> m.Document:
    """A two-page document holding every block type."""
    return m.Document(
        blocks=sample_blocks(),
        meta=m.Meta(
            title="Báo cáo năm 2021 — Nam Định",
            author="Sở TT&TT Nam Định",
            subject="Kết quả công tác năm 2021",
            keywords=("ICT", "Nam Định"),
            language="vi",
            date=dt.date(2022, 1, 15),
        ),
    )


def soffice() -> str | None:
    """Path of LibreOffice's soffice, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def libreoffice() -> str:
    """LibreOffice's binary; missing fails under CI (CI must install it) and skips elsewhere."""
    path = soffice()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required in CI (.ci/run installs libreoffice-writer-nogui)")
        pytest.skip("LibreOffice not installed")
    return path


_LIBREOFFICE_FILES_PER_CALL = 200
"""LibreOffice reads at most 255 command-line arguments and silently drops the rest."""


def convert_to_pdf(libreoffice: str, sources: list[Path], out: Path) -> list[Path]:
    """Convert DOCX files to PDF with LibreOffice, 200 files a call (one call for up to
    200); fails the test on any error.

    A private profile beside the output keeps parallel runs from sharing one.
    """
    import subprocess

    for start in range(0, len(sources), _LIBREOFFICE_FILES_PER_CALL):
        batch = sources[start : start + _LIBREOFFICE_FILES_PER_CALL]
        result = subprocess.run(
            [
                libreoffice,
                f"-env:UserInstallation=file://{out}/lo-profile",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                *map(str, batch),
            ],
            capture_output=True,
            text=True,
            timeout=300 + 2 * len(batch),
            check=False,
        )
        assert result.returncode == 0, f"LibreOffice: {result.stderr}"
    converted = [out / f"{source.stem}.pdf" for source in sources]
    missing = [p.name for p in converted if not p.is_file()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return converted


def write_template(folder: Path, body: str, config: str = "extends: official\n") -> Path:
    """A user template folder: ``config`` as template.yaml (named after the folder),
    ``body`` as brief.xml.j2.  The default extends the official template."""
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(f"name: {folder.name}\n{config}", "utf-8")
    (folder / "brief.xml.j2").write_text(body, "utf-8")
    return folder
