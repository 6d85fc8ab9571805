"""Signing keys: a PKCS#12 file or a PKCS#11 token, unlocked by a PIN that is never an argument.

The PIN or password comes from the environment variable the configuration
names (``BRIEFGEN_SIGN_PIN`` by default) or, on a terminal, from a prompt.
A key is checked when it is loaded, so that a batch fails before writing
anything: the PIN opens it, its certificate is valid now and allowed to sign,
and the certificate belongs to the key (a PKCS#11 key signs a probe that the
certificate's public key must verify).

Loaded keys are cached per process: a PKCS#12 file is decrypted once, a token
session is opened once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefgen.errors import Location, UsageError
from briefgen.finish._extras import require
from briefgen.finish.config import KeySpec

__all__ = ["LoadedKey", "load_key", "resolve_pin"]

_PROBE = b"briefgen: does this key belong to its certificate?"


@dataclass(frozen=True)
class LoadedKey:
    """A key ready to sign: the pyHanko signer and who it names."""

    spec: KeySpec
    signer: Any
    """A ``pyhanko.sign.signers.Signer``."""
    subject: str
    """The certificate's common name ("Nguyễn Văn A")."""


_LOADED: dict[tuple[KeySpec, str | None], LoadedKey] = {}


def resolve_pin(spec: KeySpec) -> str | None:
    """The PIN or password of ``spec``: its environment variable, else a terminal prompt.

    An empty variable means "no password".  Raises :class:`UsageError` when
    neither is available (a batch job without the variable set).
    """
    value = os.environ.get(spec.pin_env)
    if value is not None:
        return value or None
    if sys.stdin is not None and sys.stdin.isatty():
        entered = getpass.getpass(f"PIN or password for {spec.label}: ")
        return entered or None
    raise UsageError(
        f"no PIN or password for {spec.label}",
        spec.where,
        hint=f"set the environment variable {spec.pin_env}, or run in a terminal to be asked",
    )


def load_key(spec: KeySpec, pin: str | None, now: dt.datetime | None = None) -> LoadedKey:
    """The key of ``spec`` unlocked with ``pin`` and checked (cached per process)."""
    cached = _LOADED.get((spec, pin))
    if cached is not None:
        return cached
    require("pyhanko.sign", "sign", "signing")
    loaded = _from_pkcs12(spec, pin) if spec.source == "pkcs12" else _from_pkcs11(spec, pin)
    _check_certificate(loaded, now or dt.datetime.now(dt.UTC))
    _LOADED[(spec, pin)] = loaded
    return loaded


# --------------------------------------------------------------------------- PKCS#12


def _read(path: Path | None, where: Location, what: str) -> bytes:
    if path is None:
        raise UsageError(f"no {what} given", where)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{what} '{path}' not found", where) from None
    except OSError as error:
        raise UsageError(f"cannot read {what} '{path}': {error.strerror}", where) from None


def _from_pkcs12(spec: KeySpec, pin: str | None) -> LoadedKey:
    from cryptography.hazmat.primitives.serialization import pkcs12

    blob = _read(spec.path, spec.where, "key file")
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(
            blob, pin.encode("utf-8") if pin else None
        )
    except ValueError:
        raise UsageError(
            f"cannot open '{spec.label}': wrong password, or not a PKCS#12 file",
            spec.where,
            hint=f"the password is read from ${spec.pin_env}",
        ) from None
    if key is None:
        raise UsageError(f"'{spec.label}' holds no private key", spec.where)
    public = _spki(key.public_key())
    if certificate is None or _spki(certificate.public_key()) != public:
        # OpenSSL pairs the certificate by its local key id; look among the others too.
        matching = [c for c in others if _spki(c.public_key()) == public]
        if not matching:
            raise UsageError(
                f"the key in '{spec.label}' does not match its certificate",
                spec.where,
                hint="export the key together with its own certificate",
            )
        certificate = matching[0]
    chain = [c for c in others if c is not certificate] + _chain(spec)
    return LoadedKey(spec, _cached_key_signer(key, certificate, chain), _common_name(certificate))


def _spki(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    data: bytes = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def _chain(spec: KeySpec) -> list[Any]:
    """The extra certificates of ``spec.chain`` (PEM or DER), as cryptography objects."""
    from cryptography import x509

    found: list[Any] = []
    for path in spec.chain:
        data = _read(path, spec.where, "certificate file")
        try:
            if b"-----BEGIN" in data:
                found += x509.load_pem_x509_certificates(data)
            else:
                found.append(x509.load_der_x509_certificate(data))
        except ValueError:
            raise UsageError(f"'{path}' holds no readable certificate", spec.where) from None
    return found


def _cached_key_signer(key: Any, certificate: Any, chain: list[Any]) -> Any:
    """A pyHanko ``SimpleSigner`` that keeps the loaded key.

    pyHanko's own re-reads the key from DER for every signature, which for
    RSA costs more than the rest of signing a brief.
    """
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.keys.internal import (
        translate_pyca_cryptography_cert_to_asn1,
        translate_pyca_cryptography_key_to_asn1,
    )
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class _KeptKeySigner(SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
                signature: bytes = key.sign(data, PKCS1v15(), digest)
                return signature
            if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
                signature = key.sign(data, ec.ECDSA(digest))
                return signature
            result: bytes = super().sign_raw(data, digest_algorithm)
            return result

    store: Any = SimpleCertificateStore  # untyped constructor
    registry = store()
    registry.register_multiple([translate_pyca_cryptography_cert_to_asn1(c) for c in chain])
    return _KeptKeySigner(
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        signing_cert=translate_pyca_cryptography_cert_to_asn1(certificate),
        cert_registry=registry,
    )


# --------------------------------------------------------------------------- PKCS#11


_SESSIONS: dict[tuple[str | None, int | None, str | None], tuple[Any, str | None]] = {}
"""Open token sessions of this process: a token is logged in once per process, so keys
on one token (a person's and the body's) share its session."""


def _session(spec: KeySpec, pin: str | None) -> Any:
    """A session on the token of ``spec``, logged in with ``pin`` (opened once per process)."""
    from pkcs11 import exceptions as p11
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    slot = (spec.module, spec.slot, spec.token)
    token = f"token '{spec.token}'" if spec.token else "the token"
    if slot in _SESSIONS:
        session, logged_in_with = _SESSIONS[slot]
        if pin != logged_in_with:  # the token accepted another PIN in this process
            raise UsageError(
                f"wrong PIN for {token}", spec.where, hint=f"the PIN is read from ${spec.pin_env}"
            )
        return session
    if not Path(str(spec.module)).is_file():
        raise UsageError(
            f"PKCS#11 module '{spec.module}' not found",
            spec.where,
            hint="install the token's driver, or give the path of its .so",
        )
    criteria = TokenCriteria(label=spec.token) if spec.token else None
    try:
        try:
            session = open_pkcs11_session(
                str(spec.module), slot_no=spec.slot, token_criteria=criteria, user_pin=pin
            )
        except p11.UserAlreadyLoggedIn:  # by another session of this process
            session = open_pkcs11_session(
                str(spec.module), slot_no=spec.slot, token_criteria=criteria
            )
    except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
        raise UsageError(
            f"wrong PIN for {token}", spec.where, hint=f"the PIN is read from ${spec.pin_env}"
        ) from None
    except p11.PinLocked:
        raise UsageError(f"the PIN of {token} is locked", spec.where) from None
    except p11.PKCS11Error as error:
        if str(error).startswith("No token"):
            raise UsageError(
                f"{token} not found through {spec.module}",
                spec.where,
                hint="plug the token in, or check its label",
            ) from None
        raise UsageError(f"{token}: {str(error) or type(error).__name__}", spec.where) from None
    except (OSError, RuntimeError) as error:
        raise UsageError(
            f"cannot load the PKCS#11 module '{spec.module}': {error}", spec.where
        ) from None
    _SESSIONS[slot] = (session, pin)
    return session


def _from_pkcs11(spec: KeySpec, pin: str | None) -> LoadedKey:
    from pkcs11 import exceptions as p11
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.pkcs11 import PKCS11Signer

    token = f"token '{spec.token}'" if spec.token else "the token"
    session = _session(spec, pin)
    signer = PKCS11Signer(
        session,
        key_label=spec.key_label,
        cert_label=spec.cert_label or spec.key_label,
        ca_chain=[translate_pyca_cryptography_cert_to_asn1(c) for c in _chain(spec)],
    )
    try:
        certificate = signer.signing_cert
        mechanism = signer.get_signature_mechanism_for_digest("sha256")
        probe = asyncio.run(signer.async_sign_raw(_PROBE, "sha256"))
    except (SigningError, p11.PKCS11Error) as error:
        reason = str(error) or type(error).__name__
        raise UsageError(f"{token}, key '{spec.key_label}': {reason}", spec.where) from None
    if not _verifies(probe, certificate, mechanism):
        raise UsageError(
            f"the key '{spec.key_label}' on {token} does not match its certificate",
            spec.where,
            hint="store the certificate of that key on the token (same label or id)",
        )
    return LoadedKey(spec, signer, _common_name_asn1(certificate))


def _verifies(signature: bytes, certificate: Any, mechanism: Any) -> bool:
    """Whether the certificate's public key verifies the probe signature (RSA, ECDSA)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

    public = x509.load_der_x509_certificate(certificate.dump()).public_key()
    algorithm = mechanism.signature_algo
    try:
        if algorithm == "rsassa_pkcs1v15" and isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, _PROBE, PKCS1v15(), hashes.SHA256())
        elif algorithm == "ecdsa" and isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, _PROBE, ec.ECDSA(hashes.SHA256()))
        elif algorithm in ("rsassa_pkcs1v15", "ecdsa"):
            return False  # the certificate holds another kind of key
    except InvalidSignature:
        return False
    return True


# --------------------------------------------------------------------------- certificates


def _common_name(certificate: Any) -> str:
    from cryptography.x509.oid import NameOID

    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _common_name_asn1(certificate: Any) -> str:
    from cryptography import x509

    return _common_name(x509.load_der_x509_certificate(certificate.dump()))


def _check_certificate(loaded: LoadedKey, now: dt.datetime) -> None:
    """The certificate must be valid now and allowed to sign documents."""
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(loaded.signer.signing_cert.dump())
    spec = loaded.spec
    if certificate.not_valid_after_utc < now:
        raise UsageError(
            f"the certificate of '{loaded.subject}' ({spec.label}) expired on "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}",
            spec.where,
            hint="renew it with your certification authority",
        )
    if certificate.not_valid_before_utc > now:
        raise UsageError(
            f"the certificate of '{loaded.subject}' ({spec.label}) is not valid before "
            f"{certificate.not_valid_before_utc:%Y-%m-%d}",
            spec.where,
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise UsageError(
            f"the certificate of '{loaded.subject}' ({spec.label}) is not allowed to sign",
            spec.where,
            hint="its key usage allows neither digital signature nor non-repudiation",
        )
