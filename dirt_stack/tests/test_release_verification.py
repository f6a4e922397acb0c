"""The pipeline's post-deploy verification (.github/scripts/verify-release.sh) against the
production command: it passes on an HTTP-only production configuration (the values the
application stack sets without a certificate), and fails on the broken ones a health check
cannot see (infrastructure review item 1): pages that redirect to an https:// listener that
does not answer, and Secure-only cookies over plain HTTP.

The script runs as the pipeline runs it, with a stand-in `aws` on PATH that answers its two
AWS calls (the stack outputs and the deploy-check secret) from the test's values."""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.processes import (
    APP_DIR,
    database_url_for_child,
    free_port,
    gunicorn_server,
    run_manage,
)

pytestmark = pytest.mark.slow

VERIFY_SCRIPT = APP_DIR.parent / ".github" / "scripts" / "verify-release.sh"
RELEASE = "0123456789abcdef0123456789abcdef01234567"
SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:maticko-dev-deploy-check-AbCdEf"
CHECK_EMAIL = "deploy-check@maticko.invalid"
# The load balancer's name. Not localhost: curl, like a browser, treats http://localhost and
# http://127.0.0.1 as secure and keeps Secure cookies there, but no other plain-HTTP origin.
SITE_HOST = "maticko-dev-1234.eu-central-1.elb.test"

# What an instance of the application stack runs with when there is no CertificateArn.
HTTP_ONLY = {"SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false", "SECURE_HSTS_SECONDS": "0"}

# Answers the verify script's AWS CLI calls from the JSON file named by FAKE_AWS_STATE and
# appends each call's arguments to FAKE_AWS_CALLS.
FAKE_AWS = """\
import json, os, re, sys

args = sys.argv[1:]
with open(os.environ["FAKE_AWS_CALLS"], "a") as calls:
    calls.write(json.dumps(args) + "\\n")
state = json.load(open(os.environ["FAKE_AWS_STATE"]))

def option(name):
    return args[args.index(name) + 1]

if args[:2] == ["cloudformation", "describe-stacks"]:
    outputs = state["stacks"].get(option("--stack-name"))
    if outputs is None:
        sys.exit("An error occurred (ValidationError): Stack does not exist")
    key = re.search(r"OutputKey=='(\\w+)'", option("--query")).group(1)
    print(outputs.get(key, "None"))
elif args[:2] == ["secretsmanager", "get-secret-value"]:
    secret = state["secrets"].get(option("--secret-id"))
    if secret is None or option("--query") != "SecretString":
        sys.exit("An error occurred (ResourceNotFoundException)")
    print(secret)
else:
    sys.exit("fake aws: unexpected call " + " ".join(args))
"""


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collected static files the production command serves (the page's script bundle)."""
    root = tmp_path_factory.mktemp("static")
    collected = run_manage(
        ["collectstatic", "--noinput", "-v", "0"],
        {"DEBUG": "false", "SECRET_KEY": "collectstatic-only", "STATIC_ROOT": str(root)},
    )
    assert collected.returncode == 0, collected.stderr
    return root


def _production_env(tmp_path: Path, static_root: Path, port: int, security: dict[str, str]) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": SITE_HOST,
        "CSRF_TRUSTED_ORIGINS": f"http://{SITE_HOST}:{port}",
        "SITE_URL": f"http://{SITE_HOST}:{port}/",
        "DATABASE_URL": database_url_for_child(tmp_path),
        "STATIC_ROOT": str(static_root),
        "APP_VERSION": RELEASE,
        "LOG_FORMAT": "json",
        **security,
    }


def _create_check_account(env: dict[str, str], password: str) -> None:
    """The deploy-check account, made as the release step makes it."""
    created = run_manage(
        ["ensure_deploy_check_account"],
        {**env, "DEPLOY_CHECK_EMAIL": CHECK_EMAIL, "DEPLOY_CHECK_PASSWORD": password},
    )
    assert created.returncode == 0, created.stderr


def _fake_aws(tmp_path: Path, site_url: str, password: str) -> tuple[Path, Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(f"#!{sys.executable}\n{FAKE_AWS}")
    aws.chmod(aws.stat().st_mode | stat.S_IXUSR)
    state = tmp_path / "aws-state.json"
    state.write_text(
        json.dumps(
            {
                "stacks": {
                    "maticko-application-dev": {"SiteUrl": site_url, "DeployCheckSecretArn": SECRET_ARN}
                },
                "secrets": {SECRET_ARN: json.dumps({"email": CHECK_EMAIL, "password": password})},
            }
        )
    )
    return bin_dir, state


def _verify(tmp_path: Path, bin_dir: Path, state: Path, port: int) -> subprocess.CompletedProcess[str]:
    calls = tmp_path / "aws-calls.jsonl"
    # The script's curl reads $HOME/.curlrc: the load balancer's name resolves to the server.
    (tmp_path / ".curlrc").write_text(f'resolve = "{SITE_HOST}:{port}:127.0.0.1"\n')
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "STACK_ENV": "dev",
        "IMAGE_TAG": RELEASE,
        "ATTEMPTS": "10",
        "DELAY": "1",
        "REQUIRED_SUCCESSES": "2",
        "FAKE_AWS_STATE": str(state),
        "FAKE_AWS_CALLS": str(calls),
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
    }
    return subprocess.run(
        ["bash", str(VERIFY_SCRIPT)], env=env, capture_output=True, text=True, timeout=180, check=False
    )


class Site:
    def __init__(self, tmp_path: Path, static_root: Path, security: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.port = free_port()
        self.url = f"http://{SITE_HOST}:{self.port}/"
        self.password = secrets.token_urlsafe(30)
        self.env = _production_env(tmp_path, static_root, self.port, security)
        _create_check_account(self.env, self.password)
        self.bin_dir, self.state = _fake_aws(tmp_path, self.url, self.password)

    def verify(self) -> tuple[subprocess.CompletedProcess[str], int]:
        """Run the verify script against the running server; also return what /health/
        answers to a plain request meanwhile."""
        with gunicorn_server(self.env, self.tmp_path, workers=2, port=self.port) as server:
            result = _verify(self.tmp_path, self.bin_dir, self.state, self.port)
            health_status, _, _ = server.get("/health/")
        return result, health_status


@pytest.fixture
def site_with(tmp_path: Path, static_root: Path) -> Callable[[dict[str, str]], Site]:
    def make(security: dict[str, str]) -> Site:
        return Site(tmp_path, static_root, security)

    return make


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


# transaction=True: the server process writes the account to the test database on
# PostgreSQL; the tables are emptied afterwards.
@pytest.mark.django_db(transaction=True)
def test_verify_passes_on_an_http_only_production_site(site_with: Callable[[dict[str, str]], Site]) -> None:
    site = site_with(HTTP_ONLY)
    result, health_status = site.verify()
    output = _output(result)

    assert result.returncode == 0, output
    assert health_status == 200
    assert f"answers 200 with version {RELEASE} (2 times in a row)" in output
    assert "page component" in output
    assert "script bundle loads" in output
    assert "logged in as the deploy-check account" in output
    assert "manage/: 200 as the deploy-check account" in output
    assert "::error::" not in output
    assert site.password not in output
    calls = [json.loads(line) for line in (site.tmp_path / "aws-calls.jsonl").read_text().splitlines()]
    assert calls[-1][:4] == ["secretsmanager", "get-secret-value", "--secret-id", SECRET_ARN]
    assert (site.tmp_path / "github-output").read_text() == f"site-url={site.url}\n"


@pytest.mark.django_db(transaction=True)
def test_verify_fails_when_pages_redirect_to_an_https_listener_that_does_not_answer(
    site_with: Callable[[dict[str, str]], Site],
) -> None:
    """The broken HTTP-only deploy: SECURE_SSL_REDIRECT left on without a certificate."""
    site = site_with({**HTTP_ONLY, "SECURE_SSL_REDIRECT": "true"})
    result, health_status = site.verify()
    output = _output(result)

    assert result.returncode != 0, output
    # /health/ is exempt from the redirect: a health check alone passes this site.
    assert health_status == 200
    assert f"answers 200 with version {RELEASE}" in output
    assert (
        f"::error::GET {site.url} redirects (301) to https://{SITE_HOST}:{site.port}/, which does not answer"
        in output
    )
    assert "logged in" not in output
    assert site.password not in output


@pytest.mark.django_db(transaction=True)
def test_verify_fails_when_cookies_are_secure_only_over_http(
    site_with: Callable[[dict[str, str]], Site],
) -> None:
    """Pages load, but a browser (and the script) keeps no Secure cookie over plain HTTP,
    so nobody can log in."""
    site = site_with({**HTTP_ONLY, "SECURE_COOKIES": "true"})
    result, health_status = site.verify()
    output = _output(result)

    assert result.returncode != 0, output
    assert health_status == 200
    assert "script bundle loads" in output
    assert "::error::the login page set no CSRF cookie this site's scheme can send back" in output
    assert "logged in as" not in output
    assert site.password not in output


@pytest.mark.django_db(transaction=True)
def test_verify_fails_when_the_check_account_cannot_log_in(
    site_with: Callable[[dict[str, str]], Site],
) -> None:
    """A secret that does not match the account (the account was never created, or its
    password changed) fails the login step, and the password stays out of the output."""
    site = site_with(HTTP_ONLY)
    wrong = secrets.token_urlsafe(30)
    state = json.loads(site.state.read_text())
    state["secrets"][SECRET_ARN] = json.dumps({"email": CHECK_EMAIL, "password": wrong})
    site.state.write_text(json.dumps(state))
    result, _ = site.verify()
    output = _output(result)

    assert result.returncode != 0, output
    assert "::error::logging in as the deploy-check account failed" in output
    assert wrong not in output
    assert site.password not in output
