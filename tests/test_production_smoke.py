"""As close to `git push heroku main` as this machine allows: a fresh virtualenv, the Procfile, production settings."""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.once
ROOT = Path(__file__).resolve().parent.parent


def procfile():
    return dict(re.findall(r"^(\w+):\s*(.+)$", (ROOT / "Procfile").read_text(), re.M))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    venv = tmp_path_factory.mktemp("slug") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(ROOT / "requirements.txt")],
                   check=True, timeout=600)
    return venv


def heroku_env(venv, database_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE_URL", "REDIS_URL"))}
    env.update(PATH=f"{venv / 'bin'}:{env['PATH']}", DATABASE_URL=database_url, PORT=str(free_port()),
               WEB_CONCURRENCY="2", PRICE_SOURCE="demo", YF_CACHE_DIR="/tmp/yf-smoke")
    env.update(extra)
    return env


def as_heroku_url(url):
    return re.sub(r"^postgresql\+psycopg://", "postgres://", url)


def wait_for(url, seconds):
    """GET `url` as Heroku's router forwards it (TLS ended, X-Forwarded-Proto: https) until it answers."""
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 - loopback only
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=1) as resp:  # noqa: S310 - loopback only
                return resp.status, resp.read().decode()
        except OSError:
            time.sleep(0.1)
    return None, ""


def test_release_then_web_serves_and_stops_on_sigterm(fresh_venv, postgres_database):
    commands = procfile()
    env = heroku_env(fresh_venv, as_heroku_url(postgres_database), SECRET_KEY="smoke-secret-of-at-least-32-characters")
    release = subprocess.run(["bash", "-c", commands["release"]], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert release.returncode == 0, release.stderr
    web = subprocess.Popen(["bash", "-c", commands["web"]], cwd=ROOT, env=env, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        started = time.monotonic()
        status, body = wait_for(f"http://127.0.0.1:{env['PORT']}/login", 10)
        assert status == 200, "web did not answer on $PORT within 10 s"
        assert "Sign in" in body
        print(f"answered in {time.monotonic() - started:.2f}s")
        plain = http.client.HTTPConnection("127.0.0.1", int(env["PORT"]), timeout=5)
        plain.request("GET", "/login")
        redirect = plain.getresponse()
        assert redirect.status == 301 and redirect.getheader("Location").startswith("https://")
        stopping = time.monotonic()
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
        assert time.monotonic() - stopping < 30
        assert web.returncode == 0
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGKILL)
    output = web.stdout.read()
    assert "Traceback" not in output, output


def test_web_refuses_to_start_without_secret_key(fresh_venv, postgres_database):
    env = heroku_env(fresh_venv, as_heroku_url(postgres_database))
    env.pop("SECRET_KEY", None)
    web = subprocess.run(["bash", "-c", procfile()["web"]], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert web.returncode != 0
    assert "SECRET_KEY is not set" in web.stdout + web.stderr


def test_web_refuses_to_start_with_a_short_secret_key(fresh_venv, postgres_database):
    env = heroku_env(fresh_venv, as_heroku_url(postgres_database), SECRET_KEY="short-secret")
    web = subprocess.run(["bash", "-c", procfile()["web"]], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert web.returncode != 0
    assert "SECRET_KEY has 12 characters" in web.stdout + web.stderr
