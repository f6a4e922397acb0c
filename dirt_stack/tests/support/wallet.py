"""Wallet credentials made for the tests: a certificate chain like Apple's (a root, a
WWDR-like intermediate and a pass type certificate with its encrypted key), and the settings
that configure Apple Wallet with it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PASS_TYPE_ID = "pass.org.example.tickets"
TEAM_ID = "A1B2C3D4E5"
PASSWORD = "correct horse"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class Chain:
    root: Path
    wwdr: Path
    certificate: Path
    key: Path  # encrypted with PASSWORD


def make_chain(folder: Path) -> Chain:
    """Write a root, a WWDR-like intermediate and a pass type certificate and key to ``folder``."""
    root_key, wwdr_key, pass_key = new_key(), new_key(), new_key()
    root = _certificate("Test Root CA", root_key, None, root_key, ca=True)
    wwdr = _certificate("Test Worldwide Developer Relations", wwdr_key, root, root_key, ca=True)
    certificate = _certificate(f"Pass Type ID: {PASS_TYPE_ID}", pass_key, wwdr, wwdr_key, ca=False)
    paths = Chain(
        root=folder / "root.pem",
        wwdr=folder / "wwdr.pem",
        certificate=folder / "pass.pem",
        key=folder / "pass.key",
    )
    paths.root.write_text(_pem(root))
    paths.wwdr.write_text(_pem(wwdr))
    paths.certificate.write_text(_pem(certificate))
    paths.key.write_bytes(
        pass_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    return paths


def configure_apple(settings: Any, chain: Chain) -> None:
    """Apple Wallet configured: files by path, the certificate as PEM text, the key encrypted."""
    settings.WALLET_APPLE_PASS_TYPE_ID = PASS_TYPE_ID
    settings.WALLET_APPLE_TEAM_ID = TEAM_ID
    settings.WALLET_APPLE_CERTIFICATE = chain.certificate.read_text()
    settings.WALLET_APPLE_KEY = str(chain.key)
    settings.WALLET_APPLE_KEY_PASSWORD = PASSWORD
    settings.WALLET_APPLE_WWDR_CERTIFICATE = str(chain.wwdr)
