"""The signing configuration file (YAML): which key signs, with which images.

::

    signer:                     # box 7c: the competent person
      key:
        pkcs12: keys/giam-doc.p12           # a PKCS#12 file (.p12, .pfx) …
        # pkcs11:                           # … or a key on a PKCS#11 token
        #   module: /usr/lib/softhsm/libsofthsm2.so
        #   token: "So TTTT Nam Dinh"       # token label
        #   key: "giam-doc"                 # private key label (certificate: same label)
        #   cert: "giam-doc"                # certificate label, if it differs
        pin_env: BRIEFGEN_SIGN_PIN          # environment variable holding PIN or password
        chain: [keys/ca.pem]                # more certificates to embed (optional)
      image: images/chu-ky.png              # blue signature, PNG with transparency
      width_mm: 40                          # printed width (height from the picture)
    seal:                       # box 8: the issuing body
      key: {pkcs12: keys/so-tttt.p12, pin_env: BRIEFGEN_SEAL_PIN}   # optional: else signer.key
      image: images/con-dau.png             # red seal, PNG with transparency
      size_mm: 36                           # the seal's real diameter (35–40 mm usually)
    timestamp_url: http://tsa.example.vn/tsa      # optional: PAdES B-T
    reason: "Ký số văn bản"                       # optional
    location: "Nam Định"                          # optional

Paths are relative to the configuration file.  PINs and passwords are never
in the file nor on a command line: they come from the environment variable
``pin_env`` names or, on a terminal, from a prompt.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from briefgen.errors import Location, UsageError

__all__ = ["DEFAULT_PIN_ENV", "KeySpec", "SigningConfig", "load_config"]

DEFAULT_PIN_ENV: Final = "BRIEFGEN_SIGN_PIN"
DEFAULT_SIGNATURE_WIDTH_MM: Final = 40.0
DEFAULT_SEAL_MM: Final = 36.0
SIGNATURE_WIDTH_RANGE_MM: Final = (15.0, 80.0)
SEAL_RANGE_MM: Final = (20.0, 60.0)

_TOP_KEYS = {"signer", "seal", "timestamp_url", "reason", "location"}
_SIGNER_KEYS = {"key", "image", "width_mm"}
_SEAL_KEYS = {"key", "image", "size_mm"}
_KEY_KEYS = {"pkcs12", "pkcs11", "pin_env", "chain"}
_PKCS11_KEYS = {"module", "token", "key", "cert", "slot"}


@dataclass(frozen=True)
class KeySpec:
    """Where a signing key is and how to unlock it.

    ``source``: ``"pkcs12"`` (``path`` is the file) or ``"pkcs11"`` (``module``
    is the PKCS#11 library; ``token`` the token label, ``key_label`` and
    ``cert_label`` the objects; ``slot`` a slot number; ``None`` for any).
    ``pin_env``: the environment variable holding the PIN or password.
    ``chain``: certificate files (PEM or DER) embedded with the signature.
    ``where``: the configuration field, for messages.
    """

    source: Literal["pkcs12", "pkcs11"]
    where: Location
    pin_env: str = DEFAULT_PIN_ENV
    path: Path | None = None
    module: str | None = None
    token: str | None = None
    key_label: str | None = None
    cert_label: str | None = None
    slot: int | None = None
    chain: tuple[Path, ...] = ()

    @property
    def label(self) -> str:
        """How the key is named to a person ("giam-doc.p12", "token 'X', key 'Y'")."""
        if self.source == "pkcs12" and self.path is not None:
            return self.path.name
        return f"token '{self.token or '?'}', key '{self.key_label or '?'}'"


@dataclass(frozen=True)
class SigningConfig:
    """A validated signing configuration (see the module documentation).

    ``signer_key``/``seal_key``: ``None`` when that box is not signed
    (``seal_key`` falls back to ``signer_key`` when the seal section names no key).
    Images are ``None`` when not configured; sizes in millimetres.
    """

    file: Path | None
    signer_key: KeySpec | None = None
    signature_image: Path | None = None
    signature_width_mm: float = DEFAULT_SIGNATURE_WIDTH_MM
    seal_key: KeySpec | None = None
    seal_image: Path | None = None
    seal_mm: float = DEFAULT_SEAL_MM
    timestamp_url: str | None = None
    reason: str | None = None
    location: str | None = None
    sign_seal: bool = False
    """The configuration has a seal section: box 8 is signed."""

    def at(self, field: str) -> Location:
        return Location(file=str(self.file) if self.file else None, field=field)

    @property
    def body_key(self) -> KeySpec | None:
        """The issuing body's key: signs box 8 and attachments."""
        return self.seal_key or self.signer_key


def load_config(path: str | Path) -> SigningConfig:
    """Read and check a signing configuration file; errors name the file and field."""
    file = Path(path)
    where = Location(file=str(file))
    try:
        text = file.read_text("utf-8")
    except FileNotFoundError:
        raise UsageError("signing configuration not found", where) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read the signing configuration: {error}", where) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise UsageError(
            f"not valid YAML: {getattr(error, 'problem', error)}",
            Location(file=str(file), row=mark.line + 1 if mark else None),
        ) from None
    return config_from_mapping(raw, file)


def config_from_mapping(raw: Any, file: Path | None = None) -> SigningConfig:
    """A :class:`SigningConfig` from parsed YAML (``file``: where relative paths start)."""
    reader = _Reader(file)
    section = reader.mapping(raw, "", _TOP_KEYS)
    signer = reader.mapping(section.get("signer"), "signer", _SIGNER_KEYS, optional=True)
    seal = reader.mapping(section.get("seal"), "seal", _SEAL_KEYS, optional=True)
    if not signer and not seal:
        raise UsageError(
            "the signing configuration has neither a 'signer' nor a 'seal' section",
            reader.at(""),
            hint="see docs/signing.md for an example",
        )
    signer_key = reader.key(signer.get("key"), "signer.key") if signer else None
    if signer and signer_key is None:
        raise UsageError("the signer needs a key", reader.at("signer.key"))
    seal_key = reader.key(seal.get("key"), "seal.key") if seal else None
    if seal and seal_key is None and signer_key is None:
        raise UsageError("the seal needs a key", reader.at("seal.key"))
    return SigningConfig(
        file=file,
        signer_key=signer_key,
        signature_image=reader.path(signer.get("image"), "signer.image") if signer else None,
        signature_width_mm=reader.number(
            signer.get("width_mm"),
            "signer.width_mm",
            DEFAULT_SIGNATURE_WIDTH_MM,
            SIGNATURE_WIDTH_RANGE_MM,
        ),
        seal_key=seal_key,
        seal_image=reader.path(seal.get("image"), "seal.image") if seal else None,
        seal_mm=reader.number(seal.get("size_mm"), "seal.size_mm", DEFAULT_SEAL_MM, SEAL_RANGE_MM),
        timestamp_url=reader.url(section.get("timestamp_url"), "timestamp_url"),
        reason=reader.text(section.get("reason"), "reason"),
        location=reader.text(section.get("location"), "location"),
        sign_seal=bool(seal),
    )


@dataclass(frozen=True)
class _Reader:
    """Checks values of one configuration file; every error names the field."""

    file: Path | None

    def at(self, field: str) -> Location:
        return Location(file=str(self.file) if self.file else None, field=field or None)

    def mapping(
        self, value: Any, field: str, allowed: set[str], optional: bool = False
    ) -> dict[str, Any]:
        if value is None and optional:
            return {}
        if not isinstance(value, Mapping):
            what = "the file" if not field else f"'{field}'"
            raise UsageError(f"{what} must be a mapping of keys to values", self.at(field))
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                raise UsageError(
                    f"unknown key '{key}'",
                    self.at(f"{field}.{key}" if field else str(key)),
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"allowed: {', '.join(sorted(allowed))}",
                )
        return dict(value)

    def path(self, value: Any, field: str) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise UsageError("must be a file path", self.at(field))
        path = Path(value).expanduser()
        if not path.is_absolute() and self.file is not None:
            path = self.file.parent / path
        return path

    def text(self, value: Any, field: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise UsageError("must be text", self.at(field))
        return str(value).strip() or None

    def url(self, value: Any, field: str) -> str | None:
        text = self.text(value, field)
        if text is not None and not text.startswith(("http://", "https://")):
            raise UsageError(f"'{text}' is not an http(s) URL", self.at(field))
        return text

    def number(self, value: Any, field: str, default: float, bounds: tuple[float, float]) -> float:
        if value is None:
            return default
        low, high = bounds
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (low <= value <= high)
        ):
            raise UsageError(
                f"must be a number of mm from {low:g} to {high:g}, not {value!r}", self.at(field)
            )
        return float(value)

    def key(self, value: Any, field: str) -> KeySpec | None:
        if value is None:
            return None
        section = self.mapping(value, field, _KEY_KEYS)
        pin_env = self.text(section.get("pin_env"), f"{field}.pin_env") or DEFAULT_PIN_ENV
        chain_raw = section.get("chain") or []
        if not isinstance(chain_raw, list):
            raise UsageError("must be a list of certificate files", self.at(f"{field}.chain"))
        chain = tuple(
            p
            for index, item in enumerate(chain_raw)
            if (p := self.path(item, f"{field}.chain[{index}]")) is not None
        )
        has_file, has_token = "pkcs12" in section, "pkcs11" in section
        if has_file == has_token:
            raise UsageError(
                "a key is either 'pkcs12' (a file) or 'pkcs11' (a token), exactly one",
                self.at(field),
            )
        if has_file:
            return KeySpec(
                "pkcs12",
                self.at(f"{field}.pkcs12"),
                pin_env,
                path=self.path(section["pkcs12"], f"{field}.pkcs12"),
                chain=chain,
            )
        token = self.mapping(section["pkcs11"], f"{field}.pkcs11", _PKCS11_KEYS)
        module = self.text(token.get("module"), f"{field}.pkcs11.module")
        key_label = self.text(token.get("key"), f"{field}.pkcs11.key")
        if module is None or key_label is None:
            raise UsageError(
                "a PKCS#11 key needs 'module' (the token's library) and 'key' (its label)",
                self.at(f"{field}.pkcs11"),
            )
        slot = token.get("slot")
        if slot is not None and (isinstance(slot, bool) or not isinstance(slot, int)):
            raise UsageError("must be a slot number", self.at(f"{field}.pkcs11.slot"))
        return KeySpec(
            "pkcs11",
            self.at(f"{field}.pkcs11"),
            pin_env,
            module=module,
            token=self.text(token.get("token"), f"{field}.pkcs11.token"),
            key_label=key_label,
            cert_label=self.text(token.get("cert"), f"{field}.pkcs11.cert"),
            slot=slot,
            chain=chain,
        )
