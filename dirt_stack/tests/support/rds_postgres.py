"""A throw-away PostgreSQL cluster set up the way RDS serves Maticko, for the role and TLS tests.

What matters here and differs from the suite's own server:
- TLS only (like ``rds.force_ssl``): the server's certificate for ``localhost`` is signed
  by a certificate authority of the test's own, which stands in for the RDS global bundle;
  a second, unrelated authority is the wrong bundle.
- Passwords are checked (scram-sha-256), so a rotated password really stops working.
- The master user is not a superuser: it may create roles and owns the database, as on RDS.

initdb and pg_ctl refuse to run as root, so as root they run as the ``postgres`` user
(runuser) in a temporary folder that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port

MASTER_USER = "maticko_master"
DATABASE = "maticko"
HOST = "localhost"  # the name in the server's certificate, as an RDS endpoint's name is in its own


def postgres_bin_dir() -> Path | None:
    """Debian's PostgreSQL server programs (initdb, pg_ctl), newest version first."""
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


@dataclass
class RdsLikePostgres:
    root: Path
    port: int
    master_password: str
    ca_bundle: Path  # the authority that signed the server's certificate
    wrong_ca_bundle: Path  # an authority that did not

    def url(
        self, user: str, password: str, *, ca_bundle: Path | None = None, sslmode: str = "verify-full"
    ) -> str:
        bundle = ca_bundle or self.ca_bundle
        return (
            f"postgres://{user}:{password}@{HOST}:{self.port}/{DATABASE}"
            f"?sslmode={sslmode}&sslrootcert={bundle}"
        )

    @property
    def master_url(self) -> str:
        return self.url(MASTER_USER, self.master_password)

    def admin(self):  # -> psycopg.Connection
        """A superuser connection over the cluster's Unix socket (the operator's view)."""
        import psycopg

        return psycopg.connect(
            host=str(self.root), port=self.port, user="postgres", dbname=DATABASE, autocommit=True
        )


def _run(command: list[str], cwd: Path, as_postgres: list[str]) -> None:
    result = subprocess.run(
        [*as_postgres, *command], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"{command[0]} failed:\n{result.stdout}\n{result.stderr}"


def _certificates(root: Path) -> tuple[Path, Path]:
    """A CA, the server's key and certificate signed by it (for localhost), and a wrong CA."""

    def openssl(*args: str) -> None:
        _run(["openssl", *args], root, [])

    for name in ("ca", "wrong-ca"):
        openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN=Maticko test {name}", "-keyout", f"{name}.key", "-out", f"{name}.pem",
        )  # fmt: skip
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        f"/CN={HOST}",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (root / "san.ext").write_text(f"subjectAltName=DNS:{HOST}\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-extfile", "san.ext", "-out", "server.crt",
    )  # fmt: skip
    (root / "server.key").chmod(0o600)
    return root / "ca.pem", root / "wrong-ca.pem"


@contextlib.contextmanager
def rds_like_postgres(bin_dir: Path) -> Iterator[RdsLikePostgres]:
    root = Path(tempfile.mkdtemp(prefix="rds-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    try:
        ca_bundle, wrong_ca_bundle = _certificates(root)
        if as_postgres:
            user = pwd.getpwnam("postgres")
            for path in [root, *root.iterdir()]:
                os.chown(path, user.pw_uid, user.pw_gid)
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            root,
            as_postgres,
        )
        # Over the network: TLS and a checked password, or nothing (rds.force_ssl=1).
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostssl all all ::1/128 scram-sha-256\n"
            "hostnossl all all all reject\n"
        )
        port = free_port()
        options = (
            f"-p {port} -c listen_addresses={HOST} -k {root} -c fsync=off -c ssl=on "
            f"-c ssl_cert_file={root / 'server.crt'} -c ssl_key_file={root / 'server.key'}"
        )
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "postgres.log"),
                "-o",
                options,
                "-w",
                "start",
            ],
            root,
            as_postgres,
        )
        server = RdsLikePostgres(root, port, secrets.token_hex(16), ca_bundle, wrong_ca_bundle)
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=str(root), port=port, user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute(
                sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
                    sql.Identifier(MASTER_USER), sql.Literal(server.master_password)
                )
            )
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE), sql.Identifier(MASTER_USER)
                )
            )
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                cwd=root,
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)
