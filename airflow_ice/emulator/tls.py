"""A throwaway certificate authority and server certificate, so the emulator can serve HTTPS.

Made with ``cryptography`` (shipped with Airflow) at start: a CA certificate that clients trust
(the connection's ``ca_bundle`` extra) and a server certificate it signed, valid for the
emulator's host, ``localhost`` and ``127.0.0.1``. EC P-256 keys: quick to make, quick to handshake.
The private keys live only in a private temporary directory, removed by :meth:`TlsMaterial.remove`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=7)
# Allowance for clocks slightly behind this one.
BACKDATE = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class TlsMaterial:
    """The files uvicorn and clients need.

    :param directory: the private directory holding them.
    :param ca_cert_path: the CA certificate (PEM): what clients trust.
    :param cert_path: the server certificate (PEM).
    :param key_path: the server's private key (PEM, readable only by this user).
    """

    directory: Path
    ca_cert_path: Path
    cert_path: Path
    key_path: Path = field(repr=False)

    @property
    def ca_pem(self) -> str:
        """The CA certificate as PEM text."""
        return self.ca_cert_path.read_text("ascii")

    def remove(self) -> None:
        """Delete the directory and everything in it."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "airflow-ice emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _subject_alternative_names(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(host.strip("[]") for host in hosts if host):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    signing_key: ec.EllipticCurvePrivateKey,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + VALIDITY)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_tls_material(hosts: Iterable[str]) -> TlsMaterial:
    """A fresh CA and a server certificate for ``hosts``, written to a new private temporary directory.

    :param hosts: host names and IP addresses the server certificate is valid for.
    """
    folder = Path(tempfile.mkdtemp(prefix="ice-emulator-tls-"))  # mode 0700

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("airflow-ice emulator CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = _certificate(
        ca_name,
        ca_name,
        ca_key.public_key(),
        ca_key,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                True,
            ),
            (ca_ski, False),
        ],
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _certificate(
        _name("airflow-ice emulator"),
        ca_name,
        server_key.public_key(),
        ca_key,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                True,
            ),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (_subject_alternative_names(hosts), False),
            (x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), False),
            (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False),
        ],
    )

    ca_path = folder / "ca.pem"
    cert_path = folder / "server.pem"
    key_path = folder / "server-key.pem"
    ca_path.write_bytes(_pem(ca_cert))
    cert_path.write_bytes(_pem(server_cert))
    key_bytes = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as key_file:
        key_file.write(key_bytes)
    return TlsMaterial(directory=folder, ca_cert_path=ca_path, cert_path=cert_path, key_path=key_path)


__all__ = ["TlsMaterial", "make_tls_material"]
