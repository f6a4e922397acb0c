"""The instance bootstrap run end to end on this machine: the launch template's user
data, with its absolute paths moved under a temporary root and stand-ins for the
commands that need an EC2 instance (`dnf`, `systemctl`, `docker`, `aws`, `curl`,
`cfn-signal`, `sleep`). Every stand-in appends what it was asked to a shared call
log, so the tests check the order of real steps: the architecture refusal, the
release container before the web one, the signal that waits for the load balancer,
and the secret refresh's drain, restart and registration."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from maticko_infra_support import render_user_data

pytestmark = pytest.mark.infra

INSTANCE_ID = "i-0123456789abcdef0"
TARGET_GROUP = (
    "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/maticko-dev/0123456789abcdef"
)
APP_DB_SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-app-AbCdEf"
CONNECT_PARAMETER = "/maticko/dev/database/connect-address"
INSTANCE_HOST = "maticko-dev.abc.eu-central-1.rds.amazonaws.com"
PROXY_HOST = "maticko-dev.proxy-abc.eu-central-1.rds.amazonaws.com"
SECRETS = {
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:app-AbCdEf": {"secret_key": "k" * 64},
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-1-AbCdEf": {
        "username": "maticko",
        "password": "master-password",
    },
    APP_DB_SECRET: {"username": "maticko_app_a", "password": "A" * 40},
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:deploy-check-AbCdEf": {
        "email": "deploy-check@dev.maticko.invalid",
        "password": "c" * 32,
    },
}

# Stand-ins. Each logs its arguments as one JSON line to $CALLS; state lives in $STATE.
PRELUDE = """import json, os, re, shlex, subprocess, sys
from pathlib import Path
args = sys.argv[1:]
state = Path(os.environ["STATE"])
with open(os.environ["CALLS"], "a") as log:
    log.write(json.dumps([Path(sys.argv[0]).name, *args]) + "\\n")
"""

STAND_INS = {
    "dnf": "",
    "sleep": "",
    "cfn-signal": "",
    "amazon-cloudwatch-agent-ctl": "",
    "curl": """
url = next(arg for arg in args if arg.startswith("http"))
if url.endswith("/api/token"):
    print("token")
elif url.endswith("/meta-data/instance-id"):
    print(os.environ["INSTANCE_ID"])
elif url.startswith("https://truststore.pki.rds.amazonaws.com/"):
    Path(args[args.index("-o") + 1]).write_text("-----BEGIN CERTIFICATE-----\\n")
elif url == "https://www.amazontrust.com/repository/AmazonRootCA1.pem":
    print("-----BEGIN CERTIFICATE----- Amazon Root CA 1")
elif url == "http://127.0.0.1:8000/health/":
    sys.exit(0 if (state / "web-running").exists() and (state / "healthy").exists() else 22)
else:
    sys.exit(f"curl: unexpected {args}")
""",
    "docker": """
if args[:2] == ["image", "inspect"] and "--format" in args:
    print(os.environ["IMAGE_ARCH"])
elif args[:2] == ["image", "inspect"]:
    sys.exit(0 if (state / "pulled").exists() else 1)
elif args[0] == "login":
    sys.stdin.read()
elif args[0] == "pull":
    (state / "pulled").touch()
elif args[0] == "run":
    name = args[args.index("--name") + 1]
    env_file = Path(args[args.index("--env-file") + 1])
    assert env_file.exists(), env_file
    if name == "maticko-release":
        sys.exit(int(os.environ.get("RELEASE_EXIT", "0")))
    (state / "web-running").touch()
elif args[0] == "stop":
    (state / "web-running").unlink(missing_ok=True)
elif args[0] != "rm":
    sys.exit(f"docker: unexpected {args}")
""",
    "aws": """
if args[:2] == ["secretsmanager", "get-secret-value"]:
    secrets = json.loads((state / "secrets.json").read_text())
    print(json.dumps(secrets[args[args.index("--secret-id") + 1]]))
elif args[:2] == ["ssm", "get-parameter"]:
    assert args[args.index("--query") + 1 :][:3] == ["Parameter.Value", "--output", "text"], args
    parameters = json.loads((state / "parameters.json").read_text())
    print(parameters[args[args.index("--name") + 1]])
elif args[:2] == ["ecr", "get-login-password"]:
    print("ecr-password")
elif args[:2] == ["elbv2", "describe-target-health"]:
    # One state per call from the list the test gives, the last one repeating.
    states = json.loads((state / "target-states.json").read_text())
    print(states.pop(0) if len(states) > 1 else states[0])
    (state / "target-states.json").write_text(json.dumps(states))
elif args[:2] in (["elbv2", "deregister-targets"], ["elbv2", "register-targets"]):
    pass
else:
    sys.exit(f"aws: unexpected {args}")
""",
    # systemctl runs a unit as systemd would: EnvironmentFile, ExecStartPre lines in
    # order ("-" tolerates failure), then ExecStart; ExecStop on restart.
    "systemctl": """
root = Path(os.environ["ROOT"])
def unit_lines(key):
    unit = (root / "etc/systemd/system/maticko.service").read_text()
    env_file = Path(re.search(r"^EnvironmentFile=(.*)$", unit, re.M).group(1))
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    for line in unit.splitlines():
        if line.startswith(key + "="):
            command = line.split("=", 1)[1]
            expanded = re.sub(r"\\$\\{(\\w+)\\}", lambda m: env[m.group(1)], command.lstrip("-"))
            yield command.startswith("-"), shlex.split(expanded)
def start():
    for key in ("ExecStartPre", "ExecStart"):
        for tolerated, command in unit_lines(key):
            if subprocess.run(command).returncode and not tolerated:
                sys.exit(f"Job for maticko.service failed: {command[0]}")
if "maticko.service" in args and args[0] == "restart":
    for _, command in unit_lines("ExecStop"):
        subprocess.run(command)
    start()
elif "maticko.service" in args and args[0] == "enable":
    start()
""",
}


class Instance:
    """A temporary root with the user data's scripts and the stand-ins on PATH."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "root"
        self.state = tmp_path / "state"
        self.bin = tmp_path / "bin"
        self.calls_file = tmp_path / "calls.jsonl"
        for directory in (
            self.state,
            self.bin,
            self.root / "etc/systemd/system",
            self.root / "usr/local/bin",
            self.root / "opt/aws/bin",
            self.root / "opt/aws/amazon-cloudwatch-agent/bin",
            self.root / "opt/aws/amazon-cloudwatch-agent/etc",
            self.root / "var/log",
        ):
            directory.mkdir(parents=True, exist_ok=True)
        for name, body in STAND_INS.items():
            target = {
                "cfn-signal": self.root / "opt/aws/bin/cfn-signal",
                "amazon-cloudwatch-agent-ctl": self.root
                / "opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
            }.get(name, self.bin / name)
            # This interpreter itself: a launcher such as pyenv's would put its own
            # directory (with a real `aws`) first on the PATH the children see.
            target.write_text(f"#!{sys.executable}\n" + PRELUDE + body)
            target.chmod(0o755)
        self.set_secrets(SECRETS)
        self.set_connect_address(INSTANCE_HOST)
        self.set_target_states(["initial", "initial", "healthy"])
        self.set_healthy(True)
        self.env = {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "CALLS": str(self.calls_file),
            "STATE": str(self.state),
            "ROOT": str(self.root),
            "INSTANCE_ID": INSTANCE_ID,
            "IMAGE_ARCH": "amd64",
        }

    def localize(self, text: str) -> str:
        for path in ("/etc/maticko", "/etc/systemd/system/", "/usr/local/bin/", "/opt/aws/", "/var/log/"):
            text = text.replace(path, f"{self.root}{path}")
        return text.replace("/usr/bin/docker", str(self.bin / "docker"))

    def set_secrets(self, secrets: dict) -> None:
        (self.state / "secrets.json").write_text(json.dumps(secrets))

    def set_connect_address(self, host: str) -> None:
        (self.state / "parameters.json").write_text(json.dumps({CONNECT_PARAMETER: host}))

    def set_target_states(self, states: list[str]) -> None:
        (self.state / "target-states.json").write_text(json.dumps(states))

    def set_healthy(self, healthy: bool) -> None:
        (self.state / "healthy").unlink(missing_ok=True)
        if healthy:
            (self.state / "healthy").touch()

    def boot(self) -> subprocess.CompletedProcess[str]:
        script = self.root / "user-data.sh"
        script.write_text(self.localize(render_user_data({"TargetGroup": TARGET_GROUP})))
        return subprocess.run(["bash", str(script)], capture_output=True, text=True, env=self.env, timeout=60)

    def refresh(self) -> subprocess.CompletedProcess[str]:
        command = [str(self.root / "usr/local/bin/maticko-secret-refresh")]
        return subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=60)

    def calls(self) -> list[list[str]]:
        if not self.calls_file.exists():
            return []
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]

    def forget_calls(self) -> None:
        self.calls_file.unlink(missing_ok=True)

    def bootstrap_log(self) -> str:
        return (self.root / "var/log/maticko-bootstrap.log").read_text()


def _index(calls: list[list[str]], *prefix: str, start: int = 0) -> int:
    """Position of the first call from start whose arguments begin with prefix."""
    for position in range(start, len(calls)):
        if calls[position][: len(prefix)] == list(prefix):
            return position
    raise AssertionError(f"no call {prefix} after position {start} in {calls}")


def _is_docker_run(call: list[str], name: str) -> bool:
    return call[:2] == ["docker", "run"] and call[call.index("--name") + 1] == name


def _docker_run(calls: list[list[str]], name: str) -> int:
    return next(i for i, call in enumerate(calls) if _is_docker_run(call, name))


def _signals(calls: list[list[str]]) -> list[str]:
    return [call[call.index("-e") + 1] for call in calls if call[0] == "cfn-signal"]


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    if shutil.which("python3") is None:
        pytest.skip("python3 is not on PATH")
    return Instance(tmp_path)


def test_boot_releases_then_serves_then_signals_once_the_load_balancer_agrees(instance: Instance) -> None:
    result = instance.boot()
    assert result.returncode == 0, result.stdout + result.stderr
    calls = instance.calls()
    pull = _index(calls, "docker", "pull")
    architecture = _index(calls, "docker", "image", "inspect", "--format")
    release = _docker_run(calls, "maticko-release")
    web = _docker_run(calls, "maticko")
    health = _index(calls, "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/health/")
    first_poll = _index(calls, "aws", "elbv2", "describe-target-health")
    signal = _index(calls, "cfn-signal")
    assert pull < architecture < release < web < health < first_poll < signal
    assert calls[release][-2:] == [calls[web][-1], "./release.sh"]
    # The load balancer answered initial, initial, healthy: three polls, then success.
    polls = [call for call in calls if call[:3] == ["aws", "elbv2", "describe-target-health"]]
    assert len(polls) == 3
    assert polls[0][polls[0].index("--target-group-arn") + 1] == TARGET_GROUP
    assert f"Id={INSTANCE_ID}" in polls[0]
    assert _signals(calls) == ["0"]
    # The release container's environment holds the master user, the web one's the app user.
    release_env = (instance.root / "etc/maticko/release.env").read_text()
    app_env = (instance.root / "etc/maticko/app.env").read_text()
    assert "DATABASE_URL=postgres://maticko:master-password@" in release_env
    assert "DATABASE_URL=postgres://maticko_app_a:" in app_env
    assert "master-password" not in app_env
    # The CA bundle was fetched and both containers mount it read-only.
    bundle = (instance.root / "etc/maticko/rds-global-bundle.pem").read_text()
    assert bundle.startswith("-----BEGIN CERTIFICATE-----\n")  # RDS's, then RDS Proxy's root
    assert bundle.rstrip().endswith("Amazon Root CA 1")
    for position in (release, web):
        assert (
            f"{instance.root}/etc/maticko/rds-global-bundle.pem:/etc/ssl/rds/global-bundle.pem:ro"
            in calls[position]
        )


def test_an_image_for_another_architecture_is_refused_at_once(instance: Instance) -> None:
    instance.env["IMAGE_ARCH"] = "arm64"
    result = instance.boot()
    assert result.returncode != 0
    calls = instance.calls()
    assert _signals(calls) == ["1"]
    assert not any(call[:2] == ["docker", "run"] for call in calls)
    assert not any(call[0] == "sleep" for call in calls)
    assert "is built for arm64 but the instances run amd64" in instance.bootstrap_log()
    assert "--platform linux/amd64" in instance.bootstrap_log()


def test_a_failing_release_container_fails_the_boot_before_serving(instance: Instance) -> None:
    instance.env["RELEASE_EXIT"] = "1"
    result = instance.boot()
    assert result.returncode != 0
    calls = instance.calls()
    assert _signals(calls) == ["1"]
    _docker_run(calls, "maticko-release")
    assert not any(_is_docker_run(call, "maticko") for call in calls)


def test_no_success_signal_until_the_load_balancer_reports_healthy(instance: Instance) -> None:
    instance.set_target_states(["initial", "unhealthy"])
    result = instance.boot()
    assert result.returncode != 0
    calls = instance.calls()
    assert _signals(calls) == ["1"]
    polls = [call for call in calls if call[:3] == ["aws", "elbv2", "describe-target-health"]]
    # A bounded wait: 24 polls 5 s apart fit the rolling update's PauseTime with the boot.
    assert len(polls) == 24
    assert (
        "did not report this instance healthy within 120 s (last state: unhealthy)"
        in instance.bootstrap_log()
    )


def test_no_signal_success_while_the_deep_health_check_fails(instance: Instance) -> None:
    instance.set_healthy(False)
    result = instance.boot()
    assert result.returncode != 0
    calls = instance.calls()
    assert _signals(calls) == ["1"]
    assert not any(call[:3] == ["aws", "elbv2", "describe-target-health"] for call in calls)
    assert "/health/ did not answer 200 in time" in instance.bootstrap_log()


def _booted(instance: Instance) -> Instance:
    result = instance.boot()
    assert result.returncode == 0, result.stdout + result.stderr
    instance.forget_calls()
    return instance


def test_secret_refresh_does_nothing_when_nothing_changed(instance: Instance) -> None:
    _booted(instance)
    result = instance.refresh()
    assert result.returncode == 0, result.stderr
    calls = instance.calls()
    assert [call[:2] for call in calls if call[0] != "aws" or call[1] not in ("secretsmanager", "ssm")] == []
    assert not (instance.root / "etc/maticko/new").exists()


def _rotate_app_user(instance: Instance) -> None:
    rotated = {**SECRETS, APP_DB_SECRET: {"username": "maticko_app_b", "password": "B" * 40}}
    instance.set_secrets(rotated)


def _switch_to_the_proxy(instance: Instance) -> None:
    instance.set_connect_address(PROXY_HOST)


@pytest.mark.parametrize("change", [_rotate_app_user, _switch_to_the_proxy])
def test_secret_refresh_drains_restarts_and_registers_again(instance: Instance, change) -> None:
    _booted(instance)
    assert f"@{INSTANCE_HOST}:5432/" in (instance.root / "etc/maticko/app.env").read_text()
    change(instance)
    result = instance.refresh()
    assert result.returncode == 0, result.stdout + result.stderr
    calls = instance.calls()
    deregister = _index(calls, "aws", "elbv2", "deregister-targets")
    drain = _index(calls, "sleep", "30", start=deregister)
    stop = _index(calls, "docker", "stop", start=drain)
    release = _docker_run(calls, "maticko-release")
    web = _docker_run(calls, "maticko")
    health = _index(calls, "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/health/", start=web)
    register = _index(calls, "aws", "elbv2", "register-targets")
    assert deregister < drain < stop < release < web < health < register
    for position in (deregister, register):
        assert calls[position][calls[position].index("--target-group-arn") + 1] == TARGET_GROUP
        assert f"Id={INSTANCE_ID}" in calls[position]
    app_env = (instance.root / "etc/maticko/app.env").read_text()
    release_env = (instance.root / "etc/maticko/release.env").read_text()
    if change is _rotate_app_user:
        # The new role and password reach both containers.
        assert "maticko_app_b:" + "B" * 40 in app_env
        assert "APP_DATABASE_USER=maticko_app_b" in release_env
    else:
        # UseRdsProxy switched on: the web container connects to the proxy, the release
        # container still to the instance.
        assert f"@{PROXY_HOST}:5432/" in app_env
        assert f"@{INSTANCE_HOST}:5432/" in release_env


def test_secret_refresh_registers_again_even_when_the_restart_fails(instance: Instance) -> None:
    _booted(instance)
    _rotate_app_user(instance)
    instance.set_healthy(False)
    result = instance.refresh()
    assert result.returncode != 0
    calls = instance.calls()
    # Back in the target group: the load balancer's health check and the group's
    # replacement take over instead of an instance left outside, unnoticed.
    assert _index(calls, "aws", "elbv2", "deregister-targets") < _index(
        calls, "aws", "elbv2", "register-targets"
    )
    assert "/health/ did not answer 200 after the restart" in result.stdout
