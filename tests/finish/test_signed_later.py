"""Briefs of a batch signed after it: the manifest follows, `briefgen send` sends them, and
nothing replaces a signed brief by an unsigned render or advises doing so."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import warnings
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from signing_helpers import ROOT, Pki, p12_config, pdfsig, sign_with_pyhanko, validate, write_config

import briefgen
from briefgen.cli import main
from briefgen.delivery.manifest import read_batch
from briefgen.errors import BriefgenWarning, DataError
from briefgen.finish.sign import SEAL_FIELD, SIGNER_FIELD, Signer
from briefgen.manifest import extends, is_signed, record_signed

pytest_plugins = ("signing_fixtures",)

NATIONAL = ROOT / "fixtures" / "national-2019-2025.json"
THANH_HOA = "38-thanh-hoa-2024-official.pdf"
HA_NOI = "01-ha-noi-2024-official.pdf"
FROM = "Sở Khoa học và Công nghệ <baocao@example.gov.vn>"


def batch(out: Path, *options: str) -> int:
    """``briefgen batch`` of Thanh Hóa and Hà Nội 2024, PDF only, into ``out``."""
    return main(
        ["batch", str(NATIONAL), "--year", "2024", "--provinces", "38,01", "--format", "pdf",
         "--workers", "1", "--out", str(out), *options]
    )  # fmt: skip


@pytest.fixture(scope="module")
def ready(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The batch rendered once with --sign-fields, as an office renders it to sign later.

    Tests must not change it: copy it first (:func:`copy_of`)."""
    folder = tmp_path_factory.mktemp("ready")
    assert batch(folder, "--sign-fields") == 0
    return folder


def copy_of(ready: Path, tmp_path: Path) -> Path:
    target = tmp_path / "batch"
    shutil.copytree(ready, target)
    return target


def entries(folder: Path) -> dict[str, dict[str, Any]]:
    """The manifest's files by path."""
    data = json.loads((folder / "manifest.json").read_text("utf-8"))
    return {item["path"]: item for item in data["files"]}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.csv"
    path.write_text("province,to\n38,thanhhoa@example.gov.vn\n01,hanoi@example.gov.vn\n", "utf-8")
    return path


def send(folder: Path, tmp_path: Path) -> int:
    """``briefgen send`` as a dry run: the outbox is written beside the batch."""
    return main(["send", str(folder), "--recipients", str(book(tmp_path)), "--from", FROM])


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("briefgen: error: ")
    return error


def signed_count(path: Path) -> int:
    return pdfsig(path).count("Signature is Valid.")


# --------------------------------------------------------------------------- signed, recorded, sent


def test_signing_batch_briefs_in_place_records_them_and_send_sends_the_signed_files(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    config = p12_config(tmp_path, pki)
    briefs = [str(folder / THANH_HOA), str(folder / HA_NOI)]
    assert main(["sign", *briefs, "--config", str(config)]) == 0
    for name, item in entries(folder).items():
        data = (folder / name).read_bytes()
        assert item["sha256"] == hashlib.sha256(data).hexdigest()
        assert item["bytes"] == len(data) and item["signed"] is True
        assert signed_count(folder / name) == 2

    capsys.readouterr()
    assert send(folder, tmp_path) == 0
    messages = sorted((folder / "outbox").glob("*.eml"))
    assert len(messages) == 2
    for path in messages:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        (attachment,) = message.iter_attachments()
        data = attachment.get_content()
        code = "38" if "Thanh Hóa" in attachment.get_filename() else "01"
        name = THANH_HOA if code == "38" else HA_NOI
        assert data == (folder / name).read_bytes()
        sent = tmp_path / f"sent-{code}.pdf"
        sent.write_bytes(data)
        assert signed_count(sent) == 2  # what poppler reads in the mailed file


def test_the_leader_and_the_clerk_sign_at_different_times_and_each_step_is_recorded(
    ready: Path, pki: Pki, pin: str, tmp_path: Path
) -> None:
    folder = copy_of(ready, tmp_path)
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    body = pki.p12(tmp_path / "body.p12", pki.body_key, pki.body_cert)
    leader = write_config(tmp_path / "leader.yaml", {"pkcs12": str(person)}, seal_section=False)
    clerk = write_config(tmp_path / "clerk.yaml", None, seal_key={"pkcs12": str(body)})
    brief = folder / THANH_HOA
    first_sha = entries(folder)[THANH_HOA]["sha256"]

    briefgen.sign(brief, briefgen.Signer(leader))  # the library records it as the CLI does
    after_leader = entries(folder)[THANH_HOA]
    assert after_leader["sha256"] == sha256(brief) != first_sha
    assert after_leader["signed"] is True

    briefgen.sign(brief, Signer(clerk))
    after_clerk = entries(folder)[THANH_HOA]
    assert after_clerk["sha256"] == sha256(brief) != after_leader["sha256"]
    statuses = validate(brief.read_bytes(), pki)
    assert len(statuses) == 2 and all(status.bottom_line for status in statuses)

    parsed = read_batch(folder)
    item = next(f for f in parsed.files if f.path == THANH_HOA)
    assert item.signed and parsed.read(item) == brief.read_bytes()
    assert entries(folder)[HA_NOI] == entries(ready)[HA_NOI]  # the other entry as it was


def test_two_signing_processes_running_at_once_each_record_their_file(
    ready: Path, pki: Pki, tmp_path: Path
) -> None:
    folder = copy_of(ready, tmp_path)
    config = p12_config(tmp_path, pki)
    env = {**os.environ, "BRIEFGEN_SIGN_PIN": "1234"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "briefgen", "sign", str(folder / name), "--config", str(config)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in (THANH_HOA, HA_NOI)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    for name, item in entries(folder).items():
        assert item["signed"] is True and item["sha256"] == sha256(folder / name)


# --------------------------------------------------------------------------- batch --skip-existing


def test_skip_existing_keeps_signed_briefs_and_their_record(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    assert main(["sign", str(folder / THANH_HOA), "--config", str(p12_config(tmp_path, pki))]) == 0
    signed = (folder / THANH_HOA).read_bytes()
    before = entries(folder)
    capsys.readouterr()
    assert batch(folder, "--sign-fields", "--skip-existing") == 0
    assert "0 file(s) written, 2 kept" in capsys.readouterr().err
    assert (folder / THANH_HOA).read_bytes() == signed
    assert entries(folder) == before
    assert send(folder, tmp_path) == 0


@pytest.mark.parametrize(
    ("options", "made_with"),
    [((), "made with --sign-fields"), (("--sign-fields", "--archival"), "made with --sign-fields")],
)
def test_skip_existing_with_other_options_replaces_no_signed_brief_and_writes_nothing(
    options: tuple[str, ...],
    made_with: str,
    ready: Path,
    pki: Pki,
    pin: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = copy_of(ready, tmp_path)
    assert main(["sign", str(folder / THANH_HOA), "--config", str(p12_config(tmp_path, pki))]) == 0
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    capsys.readouterr()
    assert batch(folder, *options, "--skip-existing") == 2
    error = one_line_error(capsys)
    assert made_with in error and THANH_HOA in error and "replaces no signed file" in error
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == files
    assert signed_count(folder / THANH_HOA) == 2


def test_a_brief_signed_by_another_tool_is_refused_by_send_until_recorded(
    ready: Path, pki: Pki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The agency's own tool signs into the empty fields; it does not know the manifest."""
    folder = copy_of(ready, tmp_path)
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    brief = sign_with_pyhanko(folder / THANH_HOA, person, SIGNER_FIELD)
    item = entries(folder)[THANH_HOA]
    assert extends(brief.read_bytes(), item["sha256"], item["bytes"])

    assert send(folder, tmp_path) == 2
    error = one_line_error(capsys)
    assert "signed since the batch by a tool that did not record it in the manifest" in error
    assert f"briefgen sign --record {brief}" in error
    assert "--skip-existing" not in error  # nothing that would render over it

    assert main(["sign", "--record", str(brief)]) == 0
    assert capsys.readouterr().out == f"{brief}: recorded in {folder / 'manifest.json'}\n"
    recorded = {**item, "sha256": sha256(brief), "bytes": brief.stat().st_size, "signed": True}
    assert entries(folder)[THANH_HOA] == recorded
    assert main(["sign", "--record", str(brief)]) == 0
    assert capsys.readouterr().out == f"{brief}: already recorded\n"
    assert send(folder, tmp_path) == 0


def test_skip_existing_keeps_and_records_a_brief_another_tool_signed(
    ready: Path, pki: Pki, tmp_path: Path
) -> None:
    folder = copy_of(ready, tmp_path)
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    signed = sign_with_pyhanko(folder / THANH_HOA, person, SIGNER_FIELD).read_bytes()
    assert batch(folder, "--sign-fields", "--skip-existing") == 0
    assert (folder / THANH_HOA).read_bytes() == signed
    item = entries(folder)[THANH_HOA]
    assert item["sha256"] == hashlib.sha256(signed).hexdigest() and item["signed"] is True
    assert send(folder, tmp_path) == 0


def test_a_signed_file_the_manifest_does_not_vouch_for_is_never_rendered_over(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A signed brief of another render (here: of another year) under the batch's name."""
    folder = copy_of(ready, tmp_path)
    other = tmp_path / "other"
    assert batch(other, "--sign-fields", "--year", "2023") == 0
    stranger = other / THANH_HOA.replace("2024", "2023")
    assert main(["sign", str(stranger), "--config", str(p12_config(tmp_path, pki))]) == 0
    shutil.copyfile(stranger, folder / THANH_HOA)
    capsys.readouterr()

    assert send(folder, tmp_path) == 2
    error = one_line_error(capsys)
    assert f"{THANH_HOA}: signed, but not the file the batch made" in error
    assert "keep it; to send the batch's brief, move this file out of the folder" in error

    assert batch(folder, "--sign-fields", "--skip-existing") == 1
    failed = capsys.readouterr().err.splitlines()[-1]
    assert failed.startswith("FAILED 38 Thanh Hóa: ")
    assert "is signed and the manifest does not vouch for it" in failed
    assert "not replaced by an unsigned render" in failed
    assert (folder / THANH_HOA).read_bytes() == stranger.read_bytes()


# --------------------------------------------------------------------------- batch, not skipping


def test_a_plain_batch_over_signed_briefs_is_refused_before_any_work(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --skip-existing a batch writes every brief anew: over a signed one it would
    destroy the signatures, so it stops first, saying how many and the two choices."""
    folder = copy_of(ready, tmp_path)
    briefs = [str(folder / THANH_HOA), str(folder / HA_NOI)]
    assert main(["sign", *briefs, "--config", str(p12_config(tmp_path, pki))]) == 0
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    capsys.readouterr()
    for options in ((), ("--sign-fields",), ("--archival",)):
        assert batch(folder, *options) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line == (
            f"briefgen: error: {folder}: 2 signed brief(s) in the folder would be replaced, "
            f"losing their signatures ({HA_NOI} and 1 more) (keep them with --skip-existing "
            "(skip_existing=True), or replace them with --replace-signed (replace_signed=True))"
        ), line
        assert {path.name: path.read_bytes() for path in folder.iterdir()} == files
    with pytest.raises(briefgen.UsageError, match="2 signed brief"):
        briefgen.render_batch(
            NATIONAL, 2024, formats=("pdf",), provinces=["38", "01"], out_dir=folder, workers=1
        )
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == files
    # A batch that writes no PDF replaces none: it is not refused.
    assert batch(folder, "--format", "docx") == 0
    assert (folder / THANH_HOA).read_bytes() == files[THANH_HOA]


def test_replace_signed_replaces_signed_briefs_when_asked(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    assert main(["sign", str(folder / THANH_HOA), "--config", str(p12_config(tmp_path, pki))]) == 0
    assert batch(folder, "--sign-fields", "--replace-signed") == 0
    assert not is_signed((folder / THANH_HOA).read_bytes())
    item = entries(folder)[THANH_HOA]
    assert item["sha256"] == sha256(folder / THANH_HOA) and "signed" not in item
    # With --skip-existing, what the earlier batch's manifest cannot vouch for (made with
    # other options) is replaced too, instead of stopping the batch.
    assert main(["sign", str(folder / THANH_HOA), "--config", str(p12_config(tmp_path, pki))]) == 0
    capsys.readouterr()
    assert batch(folder, "--archival", "--skip-existing", "--replace-signed") == 0
    assert not is_signed((folder / THANH_HOA).read_bytes())
    assert "2 file(s) written, 0 kept" in capsys.readouterr().err


def test_a_signed_brief_another_batch_made_is_replaced_by_skip_existing_only_when_asked(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    other = tmp_path / "other"
    assert batch(other, "--sign-fields", "--year", "2023") == 0
    stranger = other / THANH_HOA.replace("2024", "2023")
    assert main(["sign", str(stranger), "--config", str(p12_config(tmp_path, pki))]) == 0
    shutil.copyfile(stranger, folder / THANH_HOA)
    capsys.readouterr()
    assert batch(folder, "--sign-fields", "--skip-existing") == 1
    assert "or use --replace-signed" in capsys.readouterr().err.splitlines()[-1]
    assert batch(folder, "--sign-fields", "--skip-existing", "--replace-signed") == 0
    assert not is_signed((folder / THANH_HOA).read_bytes())
    assert entries(folder)[THANH_HOA]["sha256"] == sha256(folder / THANH_HOA)


# --------------------------------------------------------------------------- what send says


def test_send_says_a_recorded_signed_file_was_replaced_or_removed_without_advising_a_rerender(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    assert main(["sign", str(folder / THANH_HOA), "--config", str(p12_config(tmp_path, pki))]) == 0
    shutil.copyfile(ready / THANH_HOA, folder / THANH_HOA)  # the unsigned file put back
    capsys.readouterr()
    assert send(folder, tmp_path) == 2
    error = one_line_error(capsys)
    assert "the manifest records it signed, but the file holds no signature" in error
    assert "put the signed file back" in error

    (folder / THANH_HOA).unlink()
    assert send(folder, tmp_path) == 2
    error = one_line_error(capsys)
    assert "missing" in error and "it was signed: put the signed file back" in error


# --------------------------------------------------------------------------- files outside batches


def test_signing_a_brief_from_render_touches_no_manifest(
    pki: Pki, pin: str, tmp_path: Path
) -> None:
    out = tmp_path / "briefs"
    code = main(["render", str(NATIONAL), "--province", "38", "--year", "2024", "--format", "pdf",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    (brief,) = out.glob("*.pdf")
    assert main(["sign", str(brief), "--config", str(p12_config(tmp_path, pki))]) == 0
    assert sorted(p.name for p in out.iterdir()) == [brief.name]
    assert signed_count(brief) == 2


def test_a_manifest_that_does_not_vouch_for_the_signed_file_is_left_with_a_warning(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    other = tmp_path / "other"
    assert batch(other, "--sign-fields", "--year", "2023") == 0
    shutil.copyfile(other / THANH_HOA.replace("2024", "2023"), folder / THANH_HOA)
    manifest = (folder / "manifest.json").read_bytes()
    config = p12_config(tmp_path, pki)
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("always", BriefgenWarning)
        assert main(["sign", str(folder / THANH_HOA), "--config", str(config)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"briefgen: warning: {folder / THANH_HOA}: ")
    assert "manifest.json does not vouch for it" in err[0]
    assert (folder / "manifest.json").read_bytes() == manifest

    shutil.copyfile(other / HA_NOI.replace("2024", "2023"), folder / HA_NOI)
    with pytest.warns(BriefgenWarning, match="does not vouch for it"):
        briefgen.sign(folder / HA_NOI, Signer(config))
    assert (folder / "manifest.json").read_bytes() == manifest


def test_record_refuses_what_it_cannot_record(
    ready: Path, pki: Pki, pin: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_of(ready, tmp_path)
    assert main(["sign", "--record", str(folder / THANH_HOA)]) == 2
    assert "holds no digital signature: there is nothing to record" in one_line_error(capsys)

    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copyfile(folder / THANH_HOA, loose / THANH_HOA)
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    sign_with_pyhanko(loose / THANH_HOA, person, SIGNER_FIELD)
    with pytest.raises(DataError, match=r"no manifest\.json beside it"):
        record_signed(loose / THANH_HOA, required=True)
    assert record_signed(loose / THANH_HOA) is None

    assert main(["sign", "--record", "--config", "x.yaml", str(folder / THANH_HOA)]) == 2
    assert "--record signs nothing: drop --config" in one_line_error(capsys)
    assert main(["sign", str(folder / THANH_HOA)]) == 2
    assert "briefgen sign needs --config" in one_line_error(capsys)


def test_only_a_real_signature_counts_as_signed(ready: Path, pki: Pki, tmp_path: Path) -> None:
    unsigned = (ready / THANH_HOA).read_bytes()
    assert b"/FT /Sig" in unsigned or b"/FT/Sig" in unsigned  # the empty fields are there
    assert not is_signed(unsigned)
    brief = tmp_path / THANH_HOA
    brief.write_bytes(unsigned)
    person = pki.p12(tmp_path / "person.p12", pki.signer_key, pki.signer_cert)
    assert is_signed(sign_with_pyhanko(brief, person, SEAL_FIELD).read_bytes())
