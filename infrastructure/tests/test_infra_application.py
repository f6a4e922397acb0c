"""The application layer (02-application.yaml): load balancer and health check,
launch template, Auto Scaling group sizes and rolling updates, scaling thresholds,
alarms, least-privilege IAM, storage."""

from __future__ import annotations

import re

import pytest
from maticko_infra_support import APPLICATION, TEMPLATES, load, props, walk

pytestmark = pytest.mark.infra

TOPIC = {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-NotificationTopicArn"}}


def test_target_group_health_check_is_health_every_30_seconds() -> None:
    tg = props(APPLICATION, "TargetGroup")
    assert (tg["Protocol"], tg["Port"], tg["TargetType"]) == ("HTTP", 8000, "instance")
    assert tg["HealthCheckPath"] == "/health/"
    assert tg["HealthCheckIntervalSeconds"] == 30
    assert tg["HealthCheckTimeoutSeconds"] < tg["HealthCheckIntervalSeconds"]
    assert tg["Matcher"] == {"HttpCode": "200"}
    attributes = {a["Key"]: a["Value"] for a in tg["TargetGroupAttributes"]}
    assert attributes["load_balancing.cross_zone.enabled"] == "true"


def test_load_balancer_is_public_in_both_public_subnets() -> None:
    lb = props(APPLICATION, "LoadBalancer")
    assert lb["Scheme"] == "internet-facing"
    assert lb["Subnets"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PublicSubnetAId"}},
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PublicSubnetBId"}},
    ]
    assert lb["SecurityGroups"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-LoadBalancerSecurityGroupId"}}
    ]
    attributes = {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"


def test_http_redirects_to_https_when_a_certificate_is_given() -> None:
    http = props(APPLICATION, "HttpListener")
    assert (http["Protocol"], http["Port"]) == ("HTTP", 80)
    condition, with_certificate, without_certificate = http["DefaultActions"]["Fn::If"]
    assert condition == "HasCertificate"
    assert with_certificate[0]["Type"] == "redirect"
    assert with_certificate[0]["RedirectConfig"]["Protocol"] == "HTTPS"
    assert with_certificate[0]["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert without_certificate == [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}]
    https = load(APPLICATION)["Resources"]["HttpsListener"]
    assert https["Condition"] == "HasCertificate"
    assert (https["Properties"]["Protocol"], https["Properties"]["Port"]) == ("HTTPS", 443)
    assert https["Properties"]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")


def test_launch_template_runs_the_pinned_ami() -> None:
    # deploy-layered.sh resolves the AMI (kept, or the latest AL2023 on creation).
    parameter = load(APPLICATION)["Parameters"]["AmiId"]
    assert parameter["Type"] == "AWS::EC2::Image::Id"
    assert "Default" not in parameter
    data = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]
    assert data["ImageId"] == {"Ref": "AmiId"}


def test_launch_template_requires_imdsv2_and_encrypts_volumes() -> None:
    data = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpEndpoint"] == "enabled"
    # The container reaches the instance role through IMDSv2: one hop more.
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 2
    assert data["BlockDeviceMappings"]
    for mapping in data["BlockDeviceMappings"]:
        assert mapping["Ebs"]["Encrypted"] is True
    assert "KeyName" not in data  # no SSH keys: Session Manager instead
    assert data["SecurityGroupIds"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-InstanceSecurityGroupId"}}
    ]


def test_instance_types_per_environment() -> None:
    config = load(APPLICATION)["Mappings"]["EnvironmentConfig"]
    assert config["dev"]["InstanceType"] == "t3.micro"
    prod = config["prod"]["InstanceType"]
    family, size = prod.split(".")
    assert family.startswith("t3")
    assert size in {"small", "medium", "large", "xlarge", "2xlarge"}
    data = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]
    assert data["InstanceType"] == {
        "Fn::FindInMap": ["EnvironmentConfig", {"Ref": "Environment"}, "InstanceType"]
    }


def test_auto_scaling_group_sizes_and_placement() -> None:
    asg = props(APPLICATION, "AutoScalingGroup")
    assert (int(asg["MinSize"]), int(asg["MaxSize"])) == (1, 10)
    # deploy-layered.sh passes the live group's value; 2 on creation.
    assert asg["DesiredCapacity"] == {"Ref": "DesiredCapacity"}
    assert int(load(APPLICATION)["Parameters"]["DesiredCapacity"]["Default"]) == 2
    assert asg["HealthCheckType"] == "ELB"
    assert asg["VPCZoneIdentifier"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PrivateSubnetAId"}},
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PrivateSubnetBId"}},
    ]
    assert asg["TargetGroupARNs"] == [{"Ref": "TargetGroup"}]
    assert int(asg["Cooldown"]) == 300


def test_rolling_update_policy_is_exactly_the_designed_one() -> None:
    resource = load(APPLICATION)["Resources"]["AutoScalingGroup"]
    assert resource["UpdatePolicy"] == {
        "AutoScalingRollingUpdate": {
            "MinInstancesInService": 1,
            "MaxBatchSize": 1,
            "PauseTime": "PT5M",
            "WaitOnResourceSignals": True,
        }
    }
    # Creation waits for a signal from every initial instance.
    assert resource["CreationPolicy"]["ResourceSignal"]["Count"] == int(
        load(APPLICATION)["Parameters"]["DesiredCapacity"]["Default"]
    )


@pytest.mark.parametrize(
    ("alarm", "policy", "operator", "threshold", "evaluations", "adjustment"),
    [
        ("CpuHighAlarm", "ScaleUpPolicy", "GreaterThanThreshold", 70, 2, 1),
        ("CpuLowAlarm", "ScaleDownPolicy", "LessThanThreshold", 30, 5, -1),
    ],
)
def test_cpu_scaling(alarm, policy, operator, threshold, evaluations, adjustment) -> None:
    a = props(APPLICATION, alarm)
    assert (a["Namespace"], a["MetricName"], a["Statistic"]) == ("AWS/EC2", "CPUUtilization", "Average")
    assert a["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": {"Ref": "AutoScalingGroup"}}]
    assert a["ComparisonOperator"] == operator
    assert a["Threshold"] == threshold
    assert a["Period"] == 300
    assert a["EvaluationPeriods"] == evaluations
    assert a["AlarmActions"] == [{"Ref": policy}]
    p = props(APPLICATION, policy)
    assert p["PolicyType"] == "SimpleScaling"
    assert p["AdjustmentType"] == "ChangeInCapacity"
    assert p["ScalingAdjustment"] == adjustment
    assert int(p["Cooldown"]) == 300
    assert p["AutoScalingGroupName"] == {"Ref": "AutoScalingGroup"}


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric"),
    [
        ("LoadBalancer5xxAlarm", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"),
        ("Target5xxAlarm", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
        ("UnhealthyHostsAlarm", "AWS/ApplicationELB", "UnHealthyHostCount"),
        ("LatencyAlarm", "AWS/ApplicationELB", "TargetResponseTime"),
        ("MemoryHighAlarm", "CWAgent", "mem_used_percent"),
        ("DiskHighAlarm", "CWAgent", "disk_used_percent"),
    ],
)
def test_operational_alarms_notify_the_topic(alarm, namespace, metric) -> None:
    a = props(APPLICATION, alarm)
    assert (a["Namespace"], a["MetricName"]) == (namespace, metric)
    assert a["AlarmActions"] == [TOPIC]
    assert a["ComparisonOperator"] == "GreaterThanThreshold"


def test_alarm_thresholds() -> None:
    assert props(APPLICATION, "UnhealthyHostsAlarm")["Threshold"] == 0
    assert props(APPLICATION, "LatencyAlarm")["ExtendedStatistic"] == "p95"
    assert props(APPLICATION, "LatencyAlarm")["Threshold"] == 1
    assert props(APPLICATION, "MemoryHighAlarm")["Threshold"] == 80
    dims = props(APPLICATION, "UnhealthyHostsAlarm")["Dimensions"]
    assert {d["Name"] for d in dims} == {"LoadBalancer", "TargetGroup"}


def test_instances_exist_only_once_an_image_is_given() -> None:
    template = load(APPLICATION)
    assert template["Conditions"]["HasImage"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ImageTag"}, ""]}]}
    for name in (
        "AutoScalingGroup",
        "LaunchTemplate",
        "ScaleUpPolicy",
        "ScaleDownPolicy",
        "CpuHighAlarm",
        "CpuLowAlarm",
    ):
        assert template["Resources"][name]["Condition"] == "HasImage", name


# ---------------------------------------------------------------- IAM


def _policy_statements(template: str):
    for name, resource in load(template)["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield name, statement
        elif resource["Type"] in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                yield name, statement


def _as_list(value):
    return value if isinstance(value, list) else [value]


# Actions without resource-level permissions: "*" is the only possible resource.
RESOURCE_STAR_ALLOWED = {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData", "ec2:DescribeTags"}


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_wildcard_iam_actions(template: str) -> None:
    statements = list(_policy_statements(template))
    for name, statement in statements:
        assert "NotAction" not in statement, name
        for action in _as_list(statement["Action"]):
            assert action != "*", name
            assert not action.endswith(":*"), f"{name}: {action}"
            assert "*" not in action, f"{name}: {action}"
        if statement["Effect"] == "Allow" and "*" in _as_list(statement["Resource"]):
            assert set(_as_list(statement["Action"])) <= RESOURCE_STAR_ALLOWED, name


def test_instance_role_is_least_privilege() -> None:
    statements = {s["Sid"]: s for _, s in _policy_statements(APPLICATION)}
    assert statements["EcrPullThisRepository"]["Resource"] == {"Fn::GetAtt": ["ImageRepository", "Arn"]}
    secrets = statements["ReadTheApplicationSecrets"]
    assert secrets["Action"] == "secretsmanager:GetSecretValue"
    assert secrets["Resource"][0] == {"Ref": "AppSecret"}
    assert len(secrets["Resource"]) == 3
    logs = statements["ApplicationLogs"]
    assert set(logs["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}
    assert logs["Resource"][0] == {"Fn::GetAtt": ["AppLogGroup", "Arn"]}
    assert statements["AgentMetrics"]["Condition"]["StringEquals"]["cloudwatch:namespace"] == [
        "CWAgent",
        "Maticko",
    ]
    assert set(statements["MediaObjects"]["Action"]) == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    assert statements["MediaObjects"]["Resource"] == {"Fn::Sub": "${MediaBucket.Arn}/*"}
    assert "kms:ViaService" in statements["UseTheKeyThroughSecretsManagerAndS3"]["Condition"]["StringEquals"]
    role = props(APPLICATION, "InstanceRole")
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}
    ]


# ---------------------------------------------------------------- storage, images, secrets


def test_media_bucket_is_private_encrypted_and_versioned() -> None:
    bucket = props(APPLICATION, "MediaBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert load(APPLICATION)["Resources"]["MediaBucket"]["DeletionPolicy"] == "Retain"
    deny = props(APPLICATION, "MediaBucketPolicy")["PolicyDocument"]["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_image_repository_scans_on_push_and_tags_are_immutable() -> None:
    repo = props(APPLICATION, "ImageRepository")
    assert repo["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert repo["ImageTagMutability"] == "IMMUTABLE"
    assert repo["RepositoryName"] == {"Fn::Sub": "maticko-${Environment}"}


def test_secret_key_is_generated_by_secrets_manager() -> None:
    secret = props(APPLICATION, "AppSecret")
    generate = secret["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "secret_key"
    assert generate["PasswordLength"] >= 50
    assert "SecretString" not in secret
    for name, _parameter in load(APPLICATION)["Parameters"].items():
        assert "password" not in name.lower()
        assert "secretkey" not in name.lower().replace("_", "")


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("", True),
        ("staff-7f3a9c1e2b4d6e8f/", True),
        ("admin/", False),
        ("short-path/", False),
        ("/leading-slash-0123456789/", False),
        ("no-trailing-slash-0123456789", False),
    ],
)
def test_admin_url_parameter_is_optional_secret_and_never_short(value: str, allowed: bool) -> None:
    parameter = load(APPLICATION)["Parameters"]["AdminUrl"]
    assert parameter["Default"] == ""
    assert parameter["NoEcho"] is True
    assert bool(re.fullmatch(parameter["AllowedPattern"], value)) is allowed


def test_application_log_group_has_retention_and_encryption() -> None:
    group = props(APPLICATION, "AppLogGroup")
    assert group["LogGroupName"] == {"Fn::Sub": "/maticko/${Environment}/app"}
    retention = load(APPLICATION)["Mappings"]["EnvironmentConfig"]
    assert retention["dev"]["LogRetentionDays"] == 30
    assert retention["prod"]["LogRetentionDays"] == 365
    assert "KmsKeyId" in group


@pytest.mark.parametrize("template", TEMPLATES)
def test_templates_fit_a_direct_cloudformation_upload(template: str) -> None:
    from maticko_infra_support import TEMPLATE_DIR

    # aws cloudformation deploy sends templates up to 51,200 bytes inline;
    # larger ones would need an S3 bucket.
    assert (TEMPLATE_DIR / template).stat().st_size < 51_200


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_hard_coded_account_or_region(template: str) -> None:
    for node in walk(load(template)):
        if isinstance(node, str):
            assert "123456789012" not in node
            assert "us-east-1" not in node
            assert "eu-central-1" not in node
