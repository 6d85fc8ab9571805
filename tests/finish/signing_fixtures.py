"""Fixtures for signing tests: a certificate chain made here, keys in files and on a token.

A plugin the signing test modules load with ``pytest_plugins``, not a conftest.py: a
second module named ``conftest`` would hide the top one that other tests import from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from signing_helpers import Pki, make_pki

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


@pytest.fixture(scope="session")
def pki() -> Pki:
    """Root CA → signer and body certificates, an expired one, and a stray key (made once)."""
    return make_pki()


@pytest.fixture
def pin(monkeypatch: pytest.MonkeyPatch) -> str:
    """The PIN of the test keys, in the environment variable briefgen reads by default."""
    monkeypatch.setenv("BRIEFGEN_SIGN_PIN", "1234")
    return "1234"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} not installed")
    return path


@pytest.fixture(scope="session")
def token(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A SoftHSM2 token holding the signer's key and certificate (label "signer"), the
    body's (label "body"), and a key stored with a certificate that is not its own
    (label "mismatch").  Its configuration lives in this session's temporary folder."""
    util = _tool("softhsm2-util")
    tool = _tool("pkcs11-tool")
    if not SOFTHSM_MODULE.exists():
        pytest.skip("SoftHSM2's PKCS#11 module is not installed")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    user_pin = "246810"
    label = "briefgen test"
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            "13579864",
            "--pin",
            user_pin,
        ],
        check=True,
        capture_output=True,
    )
    objects = [
        ("signer", "01", pki.signer_key, pki.signer_cert),
        ("body", "02", pki.body_key, pki.body_cert),
        ("mismatch", "03", pki.stray_key, pki.signer_cert),
    ]
    for object_label, object_id, key, cert in objects:
        for kind, path in (
            ("privkey", pki.write_key_der(folder / f"{object_label}.key.der", key)),
            ("cert", pki.write_cert_der(folder / f"{object_label}.crt.der", cert)),
        ):
            subprocess.run(
                [
                    tool,
                    "--module",
                    str(SOFTHSM_MODULE),
                    "--token-label",
                    label,
                    "--login",
                    "--pin",
                    user_pin,
                    "--write-object",
                    str(path),
                    "--type",
                    kind,
                    "--id",
                    object_id,
                    "--label",
                    object_label,
                ],
                check=True,
                capture_output=True,
            )
    yield {"module": str(SOFTHSM_MODULE), "label": label, "pin": user_pin}
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
