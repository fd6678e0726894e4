"""The deployment of docs/operations.md on loopback: a scratch PostgreSQL database, Debian's nginx with
deploy/'s site (self-signed certificate), two gunicorn app servers and two workers, each a process
group the soak can kill."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, make_url, text

from bench.common import deployed_gunicorn_options, free_port

ROOT = Path(__file__).resolve().parents[2]
SOAK = Path(__file__).resolve().parent
FORMS = ROOT / "tests" / "engine" / "data" / "forms"
PG_ADMIN_URL = os.environ.get("ALUR_SOAK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "soak-password-2026"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Cluster:
    root: Path
    staff: int  # pairs of staff accounts: pelapor_N (pengelola_ti) and pemeriksa_N (pengawas)
    db_name: str = field(default_factory=lambda: f"alur_soak_{uuid.uuid4().hex[:8]}")
    app_ports: list[int] = field(default_factory=lambda: [free_port(), free_port()])
    https_port: int = field(default_factory=free_port)
    apps: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    workers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def db_url(self) -> str:
        return make_url(PG_ADMIN_URL).set(database=self.db_name).render_as_string(hide_password=False)

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def cert(self) -> Path:
        return self.root / "tls" / "fullchain.pem"

    @property
    def env(self) -> dict[str, str]:
        """The environment file of the guide, for this scratch installation."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(("ALUR_", "GUNICORN_", "WEB_CONCURRENCY"))}
        return {**base, "ALUR_DATABASE_URL": self.db_url, "ALUR_INSTANCE_DIR": str(self.root / "instance"),
                "ALUR_PROCESSES_DIR": str(SOAK), "ALUR_FORMS_DIR": str(FORMS),
                "ALUR_SECRET_KEY": "soak-" + self.db_name, "ALUR_SESSION_COOKIE_SECURE": "true",
                "ALUR_TRUSTED_PROXIES": "1", "ALUR_AUDIT_KEY_FILE": str(self.root / "keys" / "audit.key"),
                "ALUR_CHECKPOINT_DIR": str(self.root / "instance" / "checkpoints"),
                "ALUR_WORKER_MAX_SLEEP": "5", "ALUR_WORKER_HEARTBEAT_STALE_SECONDS": "30",
                "ALUR_RATELIMIT_STORAGE_URI": "memory://", "PYTHONUNBUFFERED": "1"}

    # -- set-up ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        """The scratch database and folders, then ``alur init --deploy`` and the staff accounts."""
        for folder in ("instance", "keys", "tls", "logs", "nginx"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        admin.dispose()
        self.alur("init", "--deploy")
        script = ("import os, sys\nfrom engine import open_alur, settings_from_env\n"
                  "alur = open_alur(settings_from_env())\n"
                  "for n in range(int(sys.argv[1])):\n"
                  "    alur.users.add_user(f'pelapor_{n}', f'Pelapor {n}', sys.argv[2], {'pengelola_ti'})\n"
                  "    alur.users.add_user(f'pemeriksa_{n}', f'Pemeriksa {n}', sys.argv[2], {'pengawas'})\n")
        subprocess.run([sys.executable, "-c", script, str(self.staff), PASSWORD], cwd=ROOT, env=self.env, check=True)
        self_signed(self.root / "tls")

    def alur(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The ``alur`` command with this installation's environment (``alur-admin`` in the guide)."""
        return subprocess.run([sys.executable, "-m", "alur", *args], cwd=ROOT, env=self.env, check=check,
                              capture_output=True, text=True)

    # -- processes ------------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = open(self.root / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - kept open by the child
        return subprocess.Popen(command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start_app(self, port: int) -> None:
        """``alur-web@PORT``: gunicorn with two processes, as the unit starts it."""
        runtime = self.root / "run" / f"alur-web-{port}"
        runtime.mkdir(parents=True, exist_ok=True)
        self.apps[port] = self._spawn(f"app-{port}", [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
            *deployed_gunicorn_options(), "--timeout", "120",
            "--graceful-timeout", "30", "web.wsgi:app"], XDG_RUNTIME_DIR=str(runtime))

    def start_worker(self, number: int) -> None:
        """``alur-worker@N``."""
        self.workers[number] = self._spawn(f"worker-{number}", [sys.executable, "-m", "alur", "worker"])

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL to the whole process group (gunicorn's master and its workers), as a crash would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def start_nginx(self) -> None:
        """deploy/'s site and proxy settings, edited as the guide says, under a scratch nginx.conf."""
        folder = self.root / "nginx"
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / temp).mkdir(exist_ok=True)
        cert, key = self.cert, self.root / "tls" / "privkey.pem"
        site = (ROOT / "deploy" / "nginx" / "alur.conf").read_text()
        site = re.sub(r"(upstream alur_app \{).*?(keepalive)", lambda m: m.group(1) + "\n" + "".join(
            f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in self.app_ports) + "    " + m.group(2),
            site, flags=re.S)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};").replace("listen [::]:80;\n", "")
        site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;")
        site = site.replace("    listen [::]:443 ssl http2;\n", "")
        site = site.replace("server_name alur.example.go.id;", "server_name localhost;")
        site = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {cert};", site)
        site = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", site)
        site = site.replace("alias /opt/alur/app/web/static/;", f"alias {ROOT}/web/static/;")
        site = site.replace("/etc/nginx/alur_proxy.conf", str(folder / "alur_proxy.conf"))
        (folder / "alur.conf").write_text(site)
        shutil.copy(ROOT / "deploy" / "nginx" / "alur_proxy.conf", folder / "alur_proxy.conf")
        (folder / "nginx.conf").write_text(f"""
worker_processes 2;
pid {folder}/nginx.pid;
error_log {self.root}/logs/nginx-error.log warn;
user root;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.root}/logs/nginx-access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/alur.conf;
}}
""")
        subprocess.run([NGINX, "-t", "-q", "-c", str(folder / "nginx.conf")], check=True)
        self.nginx = self._spawn("nginx", [NGINX, "-c", str(folder / "nginx.conf"), "-g", "daemon off;"])

    def start_all(self) -> None:
        for port in self.app_ports:
            self.start_app(port)
        for number in (1, 2):
            self.start_worker(number)
        self.start_nginx()
        for port in self.app_ports:
            self.wait_ready(f"http://127.0.0.1:{port}/healthz", 90)
        self.wait_ready(f"{self.base_url}/readyz", 90)

    def wait_ready(self, url: str, seconds: float) -> float:
        """Seconds until ``url`` answers 200 (raises after ``seconds``)."""
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            try:
                if requests.get(url, timeout=2, verify=str(self.cert)).status_code == 200:
                    return time.monotonic() - start
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{url} not ready after {seconds} s (logs in {self.root / 'logs'})")

    def terminate_database_connections(self) -> int:
        """``pg_terminate_backend`` on every connection to the soak database; returns how many."""
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            killed = connection.execute(text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": self.db_name}).scalar_one()
        admin.dispose()
        return int(killed)

    def stop(self) -> None:
        """SIGTERM to everything (each finishes what it has in hand), then drop the database."""
        processes = [*self.apps.values(), *self.workers.values()] + ([self.nginx] if self.nginx else [])
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def drop_database(self) -> None:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        admin.dispose()
