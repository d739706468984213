"""A small certificate authority for a hall without a PKI of its own (``kiosk hall-admin issue-ca`` and
``issue-cert``; docs/deployment.md).

    issue-ca --out DIR                                  DIR/ca.pem (give it to every terminal as
                                                        platform.ca_file) and DIR/ca.key (keep it offline)
    issue-cert --ca DIR --name NAME --server HOST… --out DIR
                                                        the hall server's certificate for those host names
                                                        or IP addresses: DIR/NAME.pem, DIR/NAME.key
    issue-cert --ca DIR --name TERMINAL_ID --out DIR    a terminal's client certificate (for a server run
                                                        with --tls-client-ca DIR/ca.pem)

Keys are ECDSA P-256 (RFC 5480), written 0600; certificates are X.509 v3 (RFC 5280) with the extensions
TLS clients check: basicConstraints, keyUsage, extendedKeyUsage (serverAuth or clientAuth) and, for a
server, subjectAltName (host names are checked against it, never against the common name). An existing
key is never overwritten: renewing a certificate means removing the old files first.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.errors import ConfigError

CA_DAYS = 3650
CERT_DAYS = 825  # the longest validity public CAs accepted for TLS server certificates until 2020


def _refuse_existing(*paths: Path) -> None:
    for path in paths:
        if path.exists():
            raise ConfigError(f"{path} exists", setting="--out", problem=f"{path} exists; remove it to issue anew")


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600 if secret else 0o644)
    except FileExistsError:
        raise ConfigError(f"{path} exists", setting="--out", problem=f"{path} exists; remove it to issue anew") from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _check_days(days: int) -> None:
    if days < 1:
        raise ConfigError(f"--days {days}", setting="--days", problem=f"must be 1 or more, not {days}")


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def issue_ca(out: str | os.PathLike, *, common_name: str = "Hall CA", days: int = CA_DAYS,
             now: datetime | None = None) -> Path:
    """Writes ``ca.pem`` and ``ca.key`` into ``out`` (created); returns the certificate's path."""
    out = Path(out)
    _refuse_existing(out / "ca.key", out / "ca.pem")
    _check_days(days)
    out.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    _write(out / "ca.key", _key_pem(key), secret=True)
    _write(out / "ca.pem", cert.public_bytes(serialization.Encoding.PEM), secret=False)
    return out / "ca.pem"


def _load_ca(ca_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((ca_dir / "ca.key").read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--ca {ca_dir}: {exc}", setting="--ca",
                          problem=f"no usable ca.pem and ca.key in {ca_dir} (run issue-ca first)") from None
    return cert, key


def _alt_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def issue_cert(ca: str | os.PathLike, name: str, out: str | os.PathLike, *, servers: Sequence[str] = (),
               days: int = CERT_DAYS, now: datetime | None = None) -> Path:
    """A server certificate for ``servers`` (host names or IP addresses), or, without any, a client
    certificate whose common name is ``name`` (the terminal's id). Writes NAME.pem and NAME.key."""
    if not name or "/" in name or name.startswith("."):
        raise ConfigError(f"--name {name!r}", setting="--name", problem="must be a plain file name")
    ca_cert, ca_key = _load_ca(Path(ca))
    out = Path(out)
    _refuse_existing(out / f"{name}.key", out / f"{name}.pem")
    _check_days(days)
    out.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    purpose = ExtendedKeyUsageOID.SERVER_AUTH if servers else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(_usage(ca=False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if servers:
        builder = builder.add_extension(x509.SubjectAlternativeName([_alt_name(h) for h in servers]),
                                        critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    _write(out / f"{name}.key", _key_pem(key), secret=True)
    _write(out / f"{name}.pem", cert.public_bytes(serialization.Encoding.PEM), secret=False)
    return out / f"{name}.pem"


# --- hall-admin commands -------------------------------------------------------------------------


def _issue_ca(args) -> int:
    path = issue_ca(args.out, common_name=args.common_name, days=args.days)
    print(f"{path}\t(give to every terminal as platform.ca_file)")
    print(f"{Path(args.out) / 'ca.key'}\t(keep offline; it signs every certificate of the hall)")
    return 0


def _issue_cert(args) -> int:
    path = issue_cert(args.ca, args.name, args.out, servers=args.server, days=args.days)
    print(path)
    print(path.with_suffix(".key"))
    return 0


def register(sub) -> None:
    """Adds ``issue-ca`` and ``issue-cert`` to hall-admin's subcommands; ``args.run`` runs one (no database)."""
    ca = sub.add_parser("issue-ca", help="create the hall's own certificate authority (ca.pem, ca.key)")
    ca.add_argument("--out", required=True, metavar="DIR")
    ca.add_argument("--common-name", default="Hall CA")
    ca.add_argument("--days", type=int, default=CA_DAYS)
    ca.set_defaults(run=_issue_ca)
    cert = sub.add_parser("issue-cert", help="issue the server's certificate (--server) or a terminal's")
    cert.add_argument("--ca", required=True, metavar="DIR", help="the directory issue-ca wrote")
    cert.add_argument("--name", required=True, help="file name and common name: the server's, or the terminal id")
    cert.add_argument("--server", action="append", default=[], metavar="HOST",
                      help="a host name or IP address the server is reached at (repeat for each)")
    cert.add_argument("--out", required=True, metavar="DIR")
    cert.add_argument("--days", type=int, default=CERT_DAYS)
    cert.set_defaults(run=_issue_cert)
