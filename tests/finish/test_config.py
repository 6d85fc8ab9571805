"""The signing configuration file: every mistake names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.errors import UsageError
from briefgen.finish.config import DEFAULT_PIN_ENV, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "signing.yaml"
    path.write_text(text, "utf-8")
    return path


def test_a_full_configuration_is_read_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            "signer:\n"
            "  key: {pkcs12: keys/giam-doc.p12, chain: [keys/ca.pem]}\n"
            "  image: images/chu-ky.png\n"
            "  width_mm: 45\n"
            "seal:\n"
            "  key:\n"
            "    pkcs11: {module: /usr/lib/x.so, token: So TTTT, key: con-dau, slot: 2}\n"
            "    pin_env: SEAL_PIN\n"
            "  image: images/con-dau.png\n"
            "  size_mm: 38\n"
            "timestamp_url: http://tsa.example.vn/tsa\n"
            "reason: Ký số văn bản\n"
            "location: Nam Định\n",
        )
    )
    assert (
        config.signer_key is not None and config.signer_key.path == tmp_path / "keys/giam-doc.p12"
    )
    assert config.signer_key.chain == (tmp_path / "keys/ca.pem",)
    assert config.signer_key.pin_env == DEFAULT_PIN_ENV
    assert config.signature_image == tmp_path / "images/chu-ky.png"
    assert config.signature_width_mm == 45 and config.seal_mm == 38
    seal = config.seal_key
    assert seal is not None and seal.source == "pkcs11" and seal.pin_env == "SEAL_PIN"
    assert (seal.module, seal.token, seal.key_label, seal.cert_label, seal.slot) == (
        "/usr/lib/x.so", "So TTTT", "con-dau", None, 2,
    )  # fmt: skip
    assert config.body_key is seal and config.sign_seal
    assert config.timestamp_url == "http://tsa.example.vn/tsa"
    assert (config.reason, config.location) == ("Ký số văn bản", "Nam Định")


def test_the_seal_falls_back_to_the_signer_key(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "signer: {key: {pkcs12: a.p12}}\nseal: {image: s.png}\n"))
    assert config.seal_key is None and config.body_key is config.signer_key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("signer: {key: {pkcs12: a.p12}, imgae: x.png}\n",
         r"field 'signer.imgae': unknown key 'imgae' \(did you mean 'image'\?\)"),
        ("signer: {key: {pkcs12: a.p12, pkcs11: {module: m, key: k}}}\n",
         r"field 'signer.key': a key is either 'pkcs12' .* exactly one"),
        ("signer: {image: x.png}\n", r"field 'signer.key': the signer needs a key"),
        ("seal: {image: x.png}\n", r"field 'seal.key': the seal needs a key"),
        ("signer: {key: {pkcs11: {module: m}}}\n", r"field 'signer.key.pkcs11': .* 'key'"),
        ("signer: {key: {pkcs12: a.p12}}\nseal: {size_mm: 100}\n",
         r"field 'seal.size_mm': must be a number of mm from 20 to 60, not 100"),
        ("signer: {key: {pkcs12: a.p12}}\ntimestamp_url: ftp://x\n",
         r"field 'timestamp_url': 'ftp://x' is not an http\(s\) URL"),
        ("timestamp_url: http://x\n", r"neither a 'signer' nor a 'seal' section"),
        ("- a\n- b\n", r"the file must be a mapping"),
        ("signer: {key: [\n", r"signing.yaml:\d+: not valid YAML"),
    ],
)  # fmt: skip
def test_mistakes_name_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        load_config(write(tmp_path, text))
    assert str(raised.value).startswith(str(tmp_path / "signing.yaml"))


def test_a_missing_configuration_is_named(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="signing configuration not found"):
        load_config(tmp_path / "none.yaml")
