"""A self-signed certificate for the sandbox's demo media host (https://localhost:PORT), made locally and offline.

TikTok downloads PULL_FROM_URL media only over https, so the sandbox's media host speaks TLS. Its certificate is
made on first start (with the `cryptography` package when installed, else the `openssl` program), kept in the
sandbox's state dir, and trusted only by the app in sandbox mode (Config.media_ca) and by the sandbox itself.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

HOST = "localhost"
DAYS = 3650


def ensure_cert(folder: Path) -> tuple[Path, Path] | None:
    """(certificate, key) PEM files for `localhost` in `folder`, made if missing; None when neither the
    cryptography package nor openssl is available (the media host is then off)."""
    cert, key = folder / "media-cert.pem", folder / "media-key.pem"
    if cert.is_file() and key.is_file() and cert.stat().st_size and key.stat().st_size:
        return cert, key
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _with_cryptography(cert, key)
    except ImportError:
        if not _with_openssl(cert, key):
            log.warning("sandbox: no cryptography package and no openssl; the demo media host is off")
            return None
    if os.name == "posix":
        os.chmod(key, 0o600)
    return cert, key


def _with_cryptography(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _with_openssl(cert_path: Path, key_path: Path) -> bool:
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    args = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    args += ["-keyout", str(key_path), "-out", str(cert_path), "-days", str(DAYS), "-subj", f"/CN={HOST}"]
    args += ["-addext", f"subjectAltName=DNS:{HOST}", "-addext", "basicConstraints=critical,CA:TRUE"]
    try:
        subprocess.run(args, check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True
