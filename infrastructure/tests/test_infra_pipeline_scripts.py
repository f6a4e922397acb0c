"""The deploy workflow's decisions, run as the workflow runs them: which layers a release
deploys (choose-layers.sh, on a real git history), and which deploy-layered.sh options a
plan, a dev deploy, a production deploy and a manual run pass (deploy.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from maticko_infra_support import INFRA_DIR

pytestmark = pytest.mark.infra

SCRIPTS = INFRA_DIR.parent / ".github" / "scripts"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", message)
    return _git(repo, "rev-parse", "HEAD")


def _choose(repo: Path, image_tag: str, running_tag: str) -> tuple[str, str]:
    output = repo.parent / "github-output"
    output.write_text("")
    result = subprocess.run(
        ["bash", str(SCRIPTS / "choose-layers.sh")],
        cwd=repo,
        env={**os.environ, "IMAGE_TAG": image_tag, "RUNNING_TAG": running_tag, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        check=True,
    )
    return output.read_text().strip(), result.stdout


def test_only_the_application_layer_unless_networking_or_database_changed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    cfn = "infrastructure/cloudformation"
    running = _commit(
        repo,
        {f"{cfn}/01-networking.yaml": "a", f"{cfn}/02-application.yaml": "a", f"{cfn}/03-database.yaml": "a"},
        "running release",
    )
    app_only = _commit(repo, {f"{cfn}/02-application.yaml": "b", "README.md": "b"}, "application change")
    database = _commit(repo, {f"{cfn}/03-database.yaml": "b"}, "database change")
    networking = _commit(repo, {f"{cfn}/01-networking.yaml": "b"}, "networking change")

    assert _choose(repo, app_only, running)[0] == "layers=application"
    layers, log = _choose(repo, database, running)
    assert layers == "layers=networking,database,application"
    assert f"{cfn}/03-database.yaml changed since the running release {running}" in log
    # The database change is already running: the next release needs only the application.
    assert _choose(repo, networking, database)[0] == "layers=networking,database,application"
    assert _choose(repo, networking, networking)[0] == "layers=application"
    assert _choose(repo, app_only, "")[0] == "layers=networking,database,application"
    unknown = "0" * 40
    layers, log = _choose(repo, app_only, unknown)
    assert layers == "layers=networking,database,application"
    assert "not in this repository's history" in log


def _deploy_args(tmp_path: Path, **env: str) -> list[str]:
    """deploy.sh's call of deploy-layered.sh, with a stand-in that records its arguments."""
    tree = tmp_path / "tree"
    shutil.copytree(SCRIPTS, tree / ".github" / "scripts")
    (tree / "infrastructure").mkdir()
    record = tmp_path / "args"
    (tree / "infrastructure" / "deploy-layered.sh").write_text(f'printf "%s\\n" "$@" > {record}\n')
    base = {"PATH": os.environ["PATH"], "STACK_ENV": "prod", "AWS_REGION": "eu-central-1"}
    subprocess.run(
        ["bash", str(tree / ".github" / "scripts" / "deploy.sh")],
        env={**base, **env},
        check=True,
        capture_output=True,
    )
    return record.read_text().split("\n")[:-1]


def test_the_ami_and_the_layers_passed_to_deploy_layered(tmp_path: Path) -> None:
    common = ["--environment", "prod", "--region", "eu-central-1", "--no-notify"]
    deploy = ["--layers", "application", "--image-tag", "abc"]
    dev = {"AUTOMATIC": "true", "AMI_POLICY": "refresh", "LAYERS": "application", "IMAGE_TAG": "abc"}
    assert _deploy_args(tmp_path / "1", **dev) == [*common, "--refresh-ami", *deploy]
    prod = {**dev, "AMI_POLICY": "from-dev", "DEV_AMI_ID": "ami-0123", "DEV_REGION": "eu-central-1"}
    assert _deploy_args(tmp_path / "2", **prod) == [*common, "--ami-id", "ami-0123", *deploy]
    # AMI ids are regional: dev's is no use in another region.
    assert _deploy_args(tmp_path / "3", **{**prod, "DEV_REGION": "us-east-1"}) == [
        *common,
        "--refresh-ami",
        *deploy,
    ]
    # A manual run (a redeploy or a rollback by hand) keeps the running AMI.
    assert _deploy_args(tmp_path / "4", **{**prod, "AUTOMATIC": "false"}) == [*common, *deploy]
    # The plan shows the same AMI choice for every layer, and changes nothing.
    assert _deploy_args(tmp_path / "5", **{**prod, "PLAN": "true"}) == [
        *common,
        "--ami-id",
        "ami-0123",
        "--plan",
        "--layers",
        "networking,database,application",
    ]
