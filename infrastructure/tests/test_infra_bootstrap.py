"""The pipeline's bootstrap (00-bootstrap.yaml): GitHub roles trusted by one environment of
one repository each, sessions long enough for the longest deploy job, permissions limited
to an explicit list that covers every AWS call the pipeline makes, and the CloudFormation
service role that alone holds the broad resource permissions (infrastructure review item 6)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from maticko_infra_support import INFRA_DIR, load, props, resources

pytestmark = pytest.mark.infra

BOOTSTRAP = "00-bootstrap.yaml"
ROOT = INFRA_DIR.parent
DEPLOY_WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
# Scripts that run with a GitHub role's credentials.
PIPELINE_SCRIPTS = [INFRA_DIR / "deploy-layered.sh", *sorted((ROOT / ".github" / "scripts").glob("*.sh"))]

GITHUB_ROLES = {
    # role: (GitHub environment in the token's sub claim, stack environment, deploys?)
    "DevPlanRole": ("dev-plan", "dev", False),
    "DevDeployRole": ("dev", "dev", True),
    "ProductionPlanRole": ("production-plan", "prod", False),
    "ProductionDeployRole": ("production", "prod", True),
}

READ_ACTIONS = {
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResource",
    "cloudformation:DescribeStackResources",
    "cloudformation:ListStackResources",
    "cloudformation:GetTemplate",
    "cloudformation:GetTemplateSummary",
    "cloudformation:CreateChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:ListChangeSets",
    "cloudformation:DeleteChangeSet",
    "cloudformation:ValidateTemplate",
    "iam:PassRole",
    "ssm:GetParameter",
    "ec2:DescribeImages",
    "autoscaling:DescribeAutoScalingGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeLoadBalancers",
    "cloudwatch:DescribeAlarms",
    "ecr:DescribeRepositories",
    "ecr:DescribeImages",
}
DEPLOY_ACTIONS = READ_ACTIONS | {
    "cloudformation:ExecuteChangeSet",
    "cloudformation:SetStackPolicy",
    "cloudformation:UpdateTerminationProtection",
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "autoscaling:UpdateAutoScalingGroup",
    "sns:Publish",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "kms:GenerateDataKey",
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_statements(role: str) -> list[dict[str, Any]]:
    """Every statement of the managed policies attached to role."""
    statements: list[dict[str, Any]] = []
    for ref in props(BOOTSTRAP, role)["ManagedPolicyArns"]:
        policy = props(BOOTSTRAP, ref["Ref"])
        statements.extend(policy["PolicyDocument"]["Statement"])
    return statements


def _granted(role: str) -> set[str]:
    return {
        action for s in _role_statements(role) if s["Effect"] == "Allow" for action in _as_list(s["Action"])
    }


def test_the_template_is_parameterised_by_repository_and_provider() -> None:
    parameters = load(BOOTSTRAP)["Parameters"]
    assert re.fullmatch(parameters["GitHubRepository"]["AllowedPattern"], "maticko/maticko")
    assert not re.fullmatch(parameters["GitHubRepository"]["AllowedPattern"], "maticko/*")
    assert parameters["ExistingOidcProviderArn"]["Default"] == ""
    provider = resources(BOOTSTRAP)["GitHubOidcProvider"]
    assert provider["Condition"] == "CreateOidcProvider"
    assert provider["Properties"]["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]


@pytest.mark.parametrize("role", sorted(GITHUB_ROLES))
def test_each_github_role_trusts_one_environment_of_one_repository(role: str) -> None:
    environment = GITHUB_ROLES[role][0]
    (statement,) = props(BOOTSTRAP, role)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": {
            "Fn::If": [
                "CreateOidcProvider",
                {"Ref": "GitHubOidcProvider"},
                {"Ref": "ExistingOidcProviderArn"},
            ]
        }
    }
    # Exact matches only: no StringLike, so no wildcard branch, tag or pull request gets in.
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": {
                "Fn::Sub": f"repo:${{GitHubRepository}}:environment:{environment}"
            },
        }
    }


@pytest.mark.parametrize("role", sorted(GITHUB_ROLES))
def test_sessions_outlast_the_longest_deploy_job(role: str) -> None:
    default = load(BOOTSTRAP)["Parameters"]["MaxSessionSeconds"]["Default"]
    assert props(BOOTSTRAP, role)["MaxSessionDuration"] == {"Ref": "MaxSessionSeconds"}
    assert default == 10800
    workflow = yaml.safe_load(DEPLOY_WORKFLOW.read_text())
    durations = {}
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            if "configure-aws-credentials" in step.get("uses", ""):
                seconds = int(step["with"]["role-duration-seconds"])
                # The session covers the whole job, and the role allows it.
                assert job["timeout-minutes"] * 60 <= seconds <= default, name
                durations[name] = seconds
    # A deploy job may roll ten instances, watch the alarms, fail its verification and
    # roll ten instances back: it gets the longest session; a plan job the shortest.
    assert durations == {
        "plan-dev": 3600,
        "deploy-dev": default,
        "plan-production": 3600,
        "deploy-production": default,
    }
    assert workflow["jobs"]["deploy-production"]["timeout-minutes"] >= 2 * 60 + 30


@pytest.mark.parametrize("role", sorted(GITHUB_ROLES))
def test_github_roles_grant_exactly_the_listed_actions(role: str) -> None:
    deploys = GITHUB_ROLES[role][2]
    statements = _role_statements(role)
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        for action in _as_list(statement["Action"]):
            assert "*" not in action, (role, action)
    assert _granted(role) == (DEPLOY_ACTIONS if deploys else READ_ACTIONS)
    assert "Policies" not in props(BOOTSTRAP, role)


@pytest.mark.parametrize("role", sorted(GITHUB_ROLES))
def test_github_roles_reach_only_their_environment(role: str) -> None:
    own = GITHUB_ROLES[role][1]
    other = "prod" if own == "dev" else "dev"
    for statement in _role_statements(role):
        text = json.dumps(statement["Resource"]) + json.dumps(statement.get("Condition", {}))
        assert f"-{other}" not in text, statement["Sid"]
        assert f"/{other}/" not in text, statement["Sid"]
        if statement["Resource"] == "*":
            # Resource "*" only for actions that have no resource-level permissions.
            assert set(_as_list(statement["Action"])) <= {
                "cloudformation:ValidateTemplate",
                "ecr:GetAuthorizationToken",
                "ec2:DescribeImages",
                "autoscaling:DescribeAutoScalingGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeLoadBalancers",
                "cloudwatch:DescribeAlarms",
            }, statement["Sid"]


@pytest.mark.parametrize("role", sorted(GITHUB_ROLES))
def test_the_service_role_is_passed_to_cloudformation_only(role: str) -> None:
    (statement,) = [s for s in _role_statements(role) if "iam:PassRole" in _as_list(s["Action"])]
    assert statement["Resource"] == {"Fn::GetAtt": ["CloudFormationServiceRole", "Arn"]}
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}


def test_the_secret_read_is_limited_to_the_deploy_check_secret() -> None:
    for role, (_, env, deploys) in GITHUB_ROLES.items():
        if not deploys:
            continue
        (statement,) = [
            s for s in _role_statements(role) if "secretsmanager:GetSecretValue" in _as_list(s["Action"])
        ]
        assert statement["Condition"] == {
            "StringEquals": {
                "secretsmanager:ResourceTag/aws:cloudformation:stack-name": f"maticko-application-{env}",
                "secretsmanager:ResourceTag/aws:cloudformation:logical-id": "DeployCheckSecret",
            }
        }


def test_the_service_role_is_for_cloudformation_and_creates_only_maticko_roles() -> None:
    role = props(BOOTSTRAP, "CloudFormationServiceRole")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for statement in statements:
        actions = _as_list(statement["Action"])
        if any(a.startswith("iam:") and a != "iam:CreateServiceLinkedRole" for a in actions):
            assert statement["Resource"] == [
                {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/maticko-*"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/maticko-*"},
            ]
    # Every resource type the three stacks create is covered by one statement.
    services = {a.split(":")[0] for s in statements for a in _as_list(s["Action"])}
    created = set()
    for template in ("01-networking.yaml", "02-application.yaml", "03-database.yaml"):
        for resource in load(template)["Resources"].values():
            created.add(resource["Type"].split("::")[1])
    service_of = {
        "EC2": "ec2",
        "ElasticLoadBalancingV2": "elasticloadbalancing",
        "AutoScaling": "autoscaling",
        "IAM": "iam",
        "RDS": "rds",
        "KMS": "kms",
        "SecretsManager": "secretsmanager",
        "SNS": "sns",
        "S3": "s3",
        "ECR": "ecr",
        "CloudWatch": "cloudwatch",
        "Logs": "logs",
        "WAFv2": "wafv2",
        "SSM": "ssm",
    }
    assert created <= set(service_of), created - set(service_of)
    assert {service_of[c] for c in created} <= services
    # The database layer writes an SSM parameter of its own (the web containers' address):
    # reading parameters is not enough, and the write is limited to Maticko's names.
    writes = [s for s in statements if "ssm:PutParameter" in _as_list(s["Action"])]
    assert [s["Resource"] for s in writes] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/maticko/*"}
    ]
    assert {"ssm:DeleteParameter", "ssm:AddTagsToResource"} <= set(_as_list(writes[0]["Action"]))


# ---------------------------------------------------------------- the pipeline's calls

# High-level CLI commands and the API actions they call.
CLI_COMMAND_ACTIONS = {
    ("cloudformation", "deploy"): {
        "cloudformation:DescribeStacks",
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:ExecuteChangeSet",
    },
    ("cloudformation", "wait"): {"cloudformation:DescribeStacks", "cloudformation:DescribeChangeSet"},
    ("ecr", "get-login-password"): {"ecr:GetAuthorizationToken"},
    ("sts", "get-caller-identity"): set(),  # needs no permission
    ("configure", "get"): set(),  # local
}
SERVICE_PREFIX = {"elbv2": "elasticloadbalancing"}
# Calls of deploy-layered.sh the pipeline never reaches, so its roles are not granted them.
NOT_IN_THE_PIPELINE = {
    # Only around a stack's first creation (a ROLLBACK_COMPLETE leftover, a refused or
    # previewed CREATE change set); the pipeline deploys existing stacks (preflight), and a
    # role that may delete stacks could delete the database's.
    ("cloudformation", "delete-stack"),
}
AWS_CALL = re.compile(
    r'(?:^|[\s($|])(?:aws|"\$\{AWS\[@\]\}")((?:\s+--[a-z-]+(?:\s+[^\s-][^\s]*)?)*)\s+([a-z0-9]+)\s+([a-z0-9-]+)'
)


def _pipeline_calls() -> set[tuple[str, str, str]]:
    calls = set()
    for script in PIPELINE_SCRIPTS:
        for line in script.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            for match in AWS_CALL.finditer(line):
                calls.add((script.name, match.group(2), match.group(3)))
    return calls


def _actions_of(service: str, command: str) -> set[str]:
    if (service, command) in CLI_COMMAND_ACTIONS:
        return CLI_COMMAND_ACTIONS[(service, command)]
    name = "".join(part.capitalize() for part in command.split("-"))
    return {f"{SERVICE_PREFIX.get(service, service)}:{name}"}


def test_the_deploy_role_can_make_every_call_of_the_pipeline() -> None:
    calls = _pipeline_calls()
    # The parser sees the calls it must see.
    assert ("verify-release.sh", "secretsmanager", "get-secret-value") in calls
    assert ("deploy-layered.sh", "cloudformation", "deploy") in calls or any(
        c[0] == "deploy-layered.sh" and c[2] == "execute-change-set" for c in calls
    )
    for role, (_, _, deploys) in GITHUB_ROLES.items():
        if not deploys:
            continue
        missing = {
            (script, service, command)
            for script, service, command in calls
            if (service, command) not in NOT_IN_THE_PIPELINE
            and not _actions_of(service, command) <= _granted(role)
        }
        granted_anyway = {c for c in NOT_IN_THE_PIPELINE if _actions_of(*c) <= _granted(role)}
        assert not granted_anyway, f"{role} is granted {sorted(granted_anyway)}"
        assert not missing, f"{role} cannot make these calls: {sorted(missing)}"


# ---------------------------------------------------------------- moto

moto = pytest.importorskip("moto")


def test_the_bootstrap_stack_deploys_with_an_existing_provider() -> None:
    """moto creates the roles and policies. It does not emulate AWS::IAM::OIDCProvider in
    CloudFormation, so the existing-provider path is the one deployed here."""
    import boto3

    with moto.mock_aws():
        iam = boto3.client("iam", region_name="eu-central-1")
        provider = iam.create_open_id_connect_provider(
            Url="https://token.actions.githubusercontent.com", ClientIDList=["sts.amazonaws.com"]
        )["OpenIDConnectProviderArn"]
        cloudformation = boto3.client("cloudformation", region_name="eu-central-1")
        cloudformation.create_stack(
            StackName="maticko-bootstrap",
            TemplateBody=(INFRA_DIR / "cloudformation" / BOOTSTRAP).read_text(),
            Parameters=[
                {"ParameterKey": "GitHubRepository", "ParameterValue": "maticko/maticko"},
                {"ParameterKey": "ExistingOidcProviderArn", "ParameterValue": provider},
            ],
            Capabilities=["CAPABILITY_IAM"],
        )
        stack = cloudformation.describe_stacks(StackName="maticko-bootstrap")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert outputs["OidcProviderArn"] == provider
        for output in ("CloudFormationServiceRoleArn", "DevDeployRoleArn", "ProductionDeployRoleArn"):
            assert outputs[output].startswith("arn:aws:iam::")

        role_name = outputs["ProductionDeployRoleArn"].rsplit("/", 1)[1]
        role = iam.get_role(RoleName=role_name)["Role"]
        assert role["MaxSessionDuration"] == 10800
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Federated": provider}
        assert trust["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
            "repo:maticko/maticko:environment:production"
        )
        # moto creates the managed policies but does not attach a role's ManagedPolicyArns;
        # the attachments are checked on the template above.
        policies = iam.list_policies(Scope="Local")["Policies"]
        assert len(policies) == 4
        granted = set()
        for policy in policies:
            version = policy["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=version)["PolicyVersion"][
                "Document"
            ]
            if isinstance(document, str):
                document = json.loads(document)
            granted |= {a for s in document["Statement"] for a in _as_list(s["Action"])}
        assert granted == DEPLOY_ACTIONS
