"""Helpers shared by the infrastructure tests: load the CloudFormation templates,
walk them, render the instance user data."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

INFRA_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = INFRA_DIR / "cloudformation"
NETWORKING = "01-networking.yaml"
APPLICATION = "02-application.yaml"
DATABASE = "03-database.yaml"
TEMPLATES = (NETWORKING, APPLICATION, DATABASE)


def _load_with_pyyaml(path: Path) -> dict[str, Any]:
    """Fallback loader for the short-form intrinsics (!Ref, !Sub, !GetAtt, ...)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
        name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag_suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    Loader.add_multi_constructor("!", construct)
    return yaml.load(path.read_text(), Loader=Loader)  # noqa: S506 - SafeLoader subclass


@cache
def load(name: str) -> dict[str, Any]:
    path = TEMPLATE_DIR / name
    try:
        from cfnlint.decode import cfn_yaml
    except ImportError:
        return _load_with_pyyaml(path)
    return cfn_yaml.load(str(path))


def resources(name: str, type_: str | None = None) -> dict[str, dict[str, Any]]:
    found = load(name)["Resources"]
    return {k: v for k, v in found.items() if type_ is None or v["Type"] == type_}


def props(name: str, logical_id: str) -> dict[str, Any]:
    return load(name)["Resources"][logical_id].get("Properties", {})


def walk(node: Any) -> Iterator[Any]:
    """Every dict, list and scalar inside node, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def import_names(name: str) -> set[tuple[str, str]]:
    """(stack parameter, export suffix) of every Fn::ImportValue of !Sub ${X}-Suffix."""
    found = set()
    for node in walk(load(name)):
        if isinstance(node, dict) and "Fn::ImportValue" in node:
            value = node["Fn::ImportValue"]
            assert isinstance(value, dict), value
            assert "Fn::Sub" in value, value
            match = re.fullmatch(r"\$\{(\w+)\}-(\w+)", value["Fn::Sub"])
            assert match, value
            found.add((match.group(1), match.group(2)))
    return found


def render_user_data(values: dict[str, str] | None = None) -> str:
    """The launch template's user data as an instance receives it, with placeholder
    values for the CloudFormation substitutions."""
    sub = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    text, variables = sub
    defaults = {
        "AWS::StackName": "maticko-application-dev",
        "AWS::Region": "eu-central-1",
        "AWS::AccountId": "123456789012",
        "ImageUri": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/maticko-dev:0123abc",
        "AppLogGroup": "/maticko/dev/app",
        "AppSecret": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:app-AbCdEf",
        "DbSecretArn": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-1-AbCdEf",
        "DbHost": "maticko-dev.abc.eu-central-1.rds.amazonaws.com",
        "DbPort": "5432",
        "EmailSecretArn": "",
        "AllowedHosts": "maticko-dev-1.eu-central-1.elb.amazonaws.com",
        "CsrfTrustedOrigins": "https://maticko-dev-1.eu-central-1.elb.amazonaws.com",
        "SiteUrl": "https://maticko-dev-1.eu-central-1.elb.amazonaws.com/",
        "DefaultFromEmail": "tickets@example.org",
        "AdminUrl": "",
        "MediaBucket": "maticko-dev-media",
        "ImageTag": "0123abc",
        "WebConcurrency": "2",
        "GunicornThreads": "4",
        "LogLevel": "INFO",
        "TargetGroup": (
            "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/maticko-dev/0123456789abcdef"
        ),
        "DeployCheckSecret": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:deploy-check-AbCdEf",
        "AppDbSecretArn": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:db-app-AbCdEf",
        "DbConnectParameter": "/maticko/dev/database/connect-address",
        "SecureFlag": "false",
        "HstsSeconds": "0",
        "DatabasePoolMaxSize": "7",
    }
    defaults.update(values or {})
    declared = set(variables) | {
        "AWS::StackName",
        "AWS::Region",
        "AWS::AccountId",
        "AppLogGroup",
        "AppSecret",
        "EmailSecretArn",
        "DefaultFromEmail",
        "AdminUrl",
        "MediaBucket",
        "ImageTag",
        "LogLevel",
        "TargetGroup",
        "DeployCheckSecret",
    }

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("!"):
            return "${" + inner[1:] + "}"
        assert inner in declared, f"unknown substitution ${{{inner}}} in the user data"
        return defaults[inner]

    return re.sub(r"\$\{([^}]+)\}", replace, text)


def heredoc(script: str, target: str) -> str:
    """Body of `cat > TARGET <<'EOF' ... EOF` in script."""
    match = re.search(rf"^cat > {re.escape(target)} <<'?EOF'?\n(.*?)^EOF$", script, re.S | re.M)
    assert match, f"no heredoc writing {target}"
    return match.group(1)


def find_tool(name: str) -> str | None:
    """A command from PATH, or installed beside the running Python (a virtualenv's
    bin/ that is not on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None
