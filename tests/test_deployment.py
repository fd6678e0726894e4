"""docs/operations.md followed step by step in a scratch root: its ``install`` lines put deploy/'s files
in place, ``systemd-analyze verify`` checks the units, ``nginx -t`` the site with a self-signed
certificate, and the environment file template configures the app as it says."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "operations.md"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def need(binary: str | None, package: str) -> None:
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"{package} is required in CI (tools/system-packages.sh installs it)")
        pytest.skip(f"{package} is not installed (make test installs it)")


def doc_block_lines(prefix: str) -> list[str]:
    """The lines of the guide's shell blocks that start with ``prefix``."""
    lines, in_block = [], False
    for line in DOC.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_block = not in_block
        elif in_block and stripped.startswith(prefix):
            lines.append(stripped)
    return lines


def run_install_line(line: str, root: Path) -> None:
    """One of the guide's ``install`` lines with every target under ``root``. Ownership (``-o``/``-g``)
    is left out: the scratch root has no ``alur`` user; the modes are kept."""
    words = shlex.split(line)[1:]
    options, operands = [], []
    while words:
        word = words.pop(0)
        if word in ("-o", "-g"):
            words.pop(0)
        elif word == "-m":
            options += [word, words.pop(0)]
        elif word.startswith("-"):
            options.append(word)
        else:
            operands.append(word)
    if "-d" in options:
        targets = [str(root / operand.lstrip("/")) for operand in operands]
        subprocess.run(["install", *options, *targets], check=True, cwd=ROOT)
    else:
        *sources, target = operands
        subprocess.run(["install", "-D", *options, *sources, str(root / target.lstrip("/"))], check=True, cwd=ROOT)


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """A scratch root as the guide leaves a Debian 12 host after step 4, with what Debian's packages
    and the virtualenv put there (systemd's own units, /bin/kill, gunicorn and alur, /etc/nginx)."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "bin").mkdir(parents=True)
    shutil.copy2("/bin/kill", root / "bin" / "kill")
    venv_bin = root / "opt/alur/venv/bin"
    venv_bin.mkdir(parents=True)
    for name in ("gunicorn", "alur"):
        shutil.copy2(ROOT / ".venv" / "bin" / name, venv_bin / name)
    if Path("/etc/nginx/nginx.conf").exists():
        shutil.copytree("/etc/nginx", root / "etc/nginx", symlinks=True)
    lines = doc_block_lines("install ")
    assert len(lines) >= 8, "the guide's install lines"
    for line in lines:
        run_install_line(line, root)
    return root


def test_the_guide_installs_every_file_of_deploy(installed):
    for path in ("etc/systemd/system/alur-web@.service", "etc/systemd/system/alur-worker@.service",
                 "etc/nginx/sites-available/alur", "etc/nginx/alur_proxy.conf", "etc/alur/alur.env",
                 "usr/local/sbin/alur-admin"):
        assert (installed / path).is_file(), path
    assert (installed / "etc/alur/alur.env").stat().st_mode & 0o777 == 0o640  # it holds passwords
    assert (installed / "etc/alur/keys").stat().st_mode & 0o777 == 0o700
    deployed = {p.relative_to(ROOT / "deploy").as_posix() for p in (ROOT / "deploy").rglob("*") if p.is_file()}
    mentioned = " ".join(doc_block_lines("install "))
    assert {f for f in deployed if f"deploy/{f}" not in mentioned} == set(), "deploy/ files the guide skips"


def test_systemd_analyze_verifies_the_units(installed):
    need(SYSTEMD_ANALYZE, "systemd (systemd-analyze)")
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", f"--root={installed}", "alur-web@8001.service",
                             "alur-worker@1.service"], capture_output=True, text=True, timeout=120)
    # Warnings (an unknown key, a bad value, a missing program) leave the exit code 0: none may be printed.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_would_catch_a_broken_unit(installed):
    need(SYSTEMD_ANALYZE, "systemd (systemd-analyze)")
    unit = installed / "etc/systemd/system/alur-worker@.service"
    unit.write_text(unit.read_text().replace("/opt/alur/venv/bin/alur worker", "/opt/alur/venv/bin/alurr worker")
                    .replace("Type=simple", "Typ=simple"))
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", f"--root={installed}", "alur-worker@1.service"],
                            capture_output=True, text=True, timeout=120)
    assert "Unknown key 'Typ'" in result.stderr and "alurr" in result.stderr


def test_the_units_run_what_the_guide_says():
    web = (ROOT / "deploy/systemd/alur-web@.service").read_text()
    worker = (ROOT / "deploy/systemd/alur-worker@.service").read_text()
    assert re.search(r"ExecStart=/opt/alur/venv/bin/gunicorn --bind \$\{LISTEN_ADDRESS\}:%i .*web\.wsgi:app",
                     web.replace("\\\n", ""))
    assert "ExecStart=/opt/alur/venv/bin/alur worker" in worker
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/alur/alur.env" in unit and "ReadWritePaths=/var/lib/alur" in unit
        assert "Restart=always" in unit and "User=alur" in unit


def test_the_app_servers_keep_nginx_connections_open_and_the_bench_runs_them_so():
    """Threaded workers keep nginx's upstream connections (a sync worker closes each after one
    response); gunicorn's keep-alive outlasts nginx's, so nginx closes an idle connection first; the
    benches start gunicorn with the unit's own options."""
    from bench.common import deployed_gunicorn_options

    options = deployed_gunicorn_options()
    pairs = dict(zip(options[::2], options[1::2], strict=True))
    assert pairs["--worker-class"] == "gthread" and int(pairs["--threads"]) >= 2
    web = (ROOT / "deploy/systemd/alur-web@.service").read_text()
    assert "--threads ${WEB_THREADS}" in web and re.search(r"^Environment=.*\bWEB_THREADS=4\b", web, re.MULTILINE)
    assert "WEB_THREADS=4" in (ROOT / "deploy/alur.env.example").read_text().splitlines()
    site = (ROOT / "deploy/nginx/alur.conf").read_text()
    upstream = site[site.index("upstream alur_app {"):]
    upstream = upstream[:upstream.index("}")]
    nginx_idle = re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.MULTILINE)
    assert re.search(r"^\s*keepalive \d+;", upstream, re.MULTILINE) and nginx_idle
    assert int(pairs["--keep-alive"]) > int(nginx_idle.group(1))
    proxy = (ROOT / "deploy/nginx/alur_proxy.conf").read_text()  # upstream keepalive needs HTTP/1.1 without "close"
    assert "proxy_http_version 1.1;" in proxy and 'proxy_set_header Connection "";' in proxy


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def edit_site(site: Path, server_name: str, cert: Path, key: Path) -> None:
    """Step 6 of the guide: the server name and the certificate paths."""
    text = site.read_text()
    text = text.replace("server_name alur.example.go.id;", f"server_name {server_name};")
    text = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {cert};", text)
    text = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", text)
    site.write_text(text)


def test_nginx_accepts_the_site_with_a_certificate(installed):
    need(NGINX, "nginx (nginx-light)")
    etc = installed / "etc/nginx"
    cert, key = self_signed(installed / "etc/ssl/alur", "alur.test")
    edit_site(etc / "sites-available/alur", "alur.test", cert, key)
    for line in doc_block_lines("ln -s /etc/nginx/") + doc_block_lines("rm -f /etc/nginx/"):
        words = shlex.split(line)
        subprocess.run([w if w.startswith("-") or not w.startswith("/") else str(installed / w.lstrip("/"))
                        for w in words], check=True)
    # Every /etc/nginx/ path in the scratch configuration points into the scratch root.
    for conf in [etc / "nginx.conf", etc / "sites-available/alur"]:
        conf.write_text(conf.read_text().replace("/etc/nginx/", f"{etc}/"))
    assert sorted(p.name for p in (etc / "sites-enabled").iterdir()) == ["alur"]
    result = subprocess.run([NGINX, "-t", "-c", str(etc / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


@pytest.mark.sqlite_only("reads the app's configuration only")
def test_nginx_refuses_what_alur_would_and_nothing_less(alur):
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "ALUR": alur})
    site = (ROOT / "deploy/nginx/alur.conf").read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size is not None
    assert int(size.group(1)) * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    static = re.search(r"location /static/ \{\s*alias /opt/alur/app/(\S+);", site)
    assert static is not None and ROOT / static.group(1) == Path(app.static_folder or "")
    proxy = (ROOT / "deploy/nginx/alur_proxy.conf").read_text()
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host",
                   "X-Request-Id $request_id"):
        assert f"proxy_set_header {header};" in proxy


@pytest.mark.sqlite_only("reads the configuration only")
def test_the_environment_template_configures_the_app_as_it_says(monkeypatch, alur, tmp_path):
    from engine.config import settings_from_env
    from web import create_app

    for name in [n for n in os.environ if n.startswith("ALUR_")]:
        monkeypatch.delenv(name)
    for line in (ROOT / "deploy/alur.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert name == name.strip() and re.fullmatch(r"[A-Z_]+", name), line
            monkeypatch.setenv(name, value)
    settings = settings_from_env()
    assert settings.database_url.startswith("postgresql://") and "connect_timeout=5" in settings.database_url
    assert settings.attachments_dir == Path("/var/lib/alur/attachments")
    assert settings.checkpoint_dir == Path("/var/lib/alur/checkpoints")
    assert settings.audit_key_file == Path("/etc/alur/keys/audit.key")
    monkeypatch.setenv("ALUR_INSTANCE_DIR", str(tmp_path / "instance"))  # /var/lib/alur on a real host
    app = create_app(alur=alur)
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["TRUSTED_PROXIES"] == 1
    # No session key in the file: one random key in the instance folder, the same for every app server
    key_file = tmp_path / "instance" / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text() and len(key_file.read_text()) == 64
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert create_app(alur=alur).config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["secret_key"]  # no drafts left
