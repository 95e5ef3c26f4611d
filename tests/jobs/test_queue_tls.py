"""The queue through Redis over TLS with a password: a redis-server of the test's own.

Certificates are made here (a CA and a server certificate for 127.0.0.1, with
`cryptography`); the server listens only on its TLS port and wants a password.
Jobs go through `rediss://:PASSWORD@…` with the CA file in TASK_QUEUE_CA_FILE;
a wrong password, or no CA, is a plain error naming the problem, not a traceback.
"""
import datetime
import ipaddress
import secrets
import shutil
import socket
import subprocess
import time
import uuid

import pytest

from extensions import db
from jobs.models import Job
from jobs.services import start_job
from tests.conftest import build_app, reset_schema
from tests.services import free_port, unavailable

pytestmark = pytest.mark.slow  # starts a process of its own


def _write_certificates(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, key, signer, *, ca: bool):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Storyloom test CA")])
    server_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    ca_cert = build(ca_name, ca_name, ca_key, ca_key, ca=True)
    server_cert = build(server_name, ca_name, server_key, ca_key, ca=False)
    paths = {name: folder / f"{name}.pem" for name in ("ca", "server", "server-key")}
    paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["server"].write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    paths["server-key"].write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory):
    """(port, password, CA file) of a TLS-only redis-server with requirepass."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server", FileNotFoundError("redis-server is not installed"))
    folder = tmp_path_factory.mktemp("tls-redis")
    certs = _write_certificates(folder)
    port, password = free_port(), secrets.token_urlsafe(24)
    server = subprocess.Popen([binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
                               "--tls-cert-file", str(certs["server"]), "--tls-key-file", str(certs["server-key"]),
                               "--tls-ca-cert-file", str(certs["ca"]), "--tls-auth-clients", "no",
                               "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                server.kill()
                pytest.fail(f"redis-server with TLS did not start: {server.stdout.read()}")
            time.sleep(0.1)
    yield port, password, certs["ca"]
    server.terminate()
    server.wait(timeout=10)


def _app(tmp_path, url: str, ca=None):
    app = build_app(tmp_path / "data", TASK_QUEUE=url, TASK_QUEUE_CA_FILE=str(ca) if ca else None,
                    TASK_QUEUE_NAME=f"tls-{uuid.uuid4().hex[:8]}")
    reset_schema(app)
    return app


def test_jobs_go_through_redis_over_tls_with_a_password(tls_redis, tmp_path):
    port, password, ca = tls_redis
    app = _app(tmp_path, f"rediss://:{password}@127.0.0.1:{port}/0", ca)
    with app.test_request_context():
        job_id = start_job("system.selfcheck", params={"steps": 1, "pause": 0}).id
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "ran 1 job(s), 0 failed" in result.output
    with app.app_context():
        assert db.session.get(Job, job_id).status == "succeeded"


def test_a_wrong_password_is_a_plain_error(tls_redis, tmp_path):
    port, _, ca = tls_redis
    app = _app(tmp_path, f"rediss://:not-the-password@127.0.0.1:{port}/0", ca)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "refused the password" in result.output and "not-the-password" not in result.output
    assert "Traceback" not in result.output
    from jobs.queue import QueueUnavailable

    with app.test_request_context(), pytest.raises(QueueUnavailable, match="refused the password"):
        start_job("system.selfcheck", params={"steps": 1, "pause": 0})


def test_a_page_that_queues_work_answers_503_in_plain_words_when_redis_refuses(tls_redis, tmp_path):
    from tests import factories
    from tests.conftest import sign_in

    port, _, ca = tls_redis
    app = _app(tmp_path, f"rediss://:not-the-password@127.0.0.1:{port}/0", ca)
    with app.app_context():
        factories.make_user("admin", email="tls-admin@example.org")
    client = app.test_client()
    sign_in(client, "tls-admin@example.org")
    response = client.post("/admin/worker", data={})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "background" in page and "127.0.0.1" not in page and "Traceback" not in page


def test_without_the_ca_the_certificate_is_not_trusted_and_says_so(tls_redis, tmp_path):
    port, password, _ = tls_redis
    app = _app(tmp_path, f"rediss://:{password}@127.0.0.1:{port}/0")
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "FLASK_TASK_QUEUE_CA_FILE" in result.output
