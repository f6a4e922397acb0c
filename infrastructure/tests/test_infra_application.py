"""The application layer (02-application.yaml): load balancer and health check,
launch template, Auto Scaling group sizes and rolling updates, scaling thresholds,
alarms, least-privilege IAM, storage."""

from __future__ import annotations

import re

import pytest
from maticko_infra_support import APPLICATION, INFRA_DIR, TEMPLATES, import_names, load, props, walk

pytestmark = pytest.mark.infra

TOPIC = {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-NotificationTopicArn"}}


def test_target_group_checks_liveness_every_30_seconds() -> None:
    tg = props(APPLICATION, "TargetGroup")
    assert (tg["Protocol"], tg["Port"], tg["TargetType"]) == ("HTTP", 8000, "instance")
    # Shallow: a database failover must not mark every target unhealthy (review item 4).
    assert tg["HealthCheckPath"] == "/health/live/"
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


def test_launch_template_uses_the_ami_the_deploy_passes() -> None:
    parameters = load(APPLICATION)["Parameters"]
    assert "LatestAmiId" not in parameters
    # No default and no SSM resolution: only an explicit AMI changes the instances.
    assert parameters["AmiId"] == {
        "Type": "AWS::EC2::Image::Id",
        "Description": parameters["AmiId"]["Description"],
    }
    data = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]
    assert data["ImageId"] == {"Ref": "AmiId"}
    assert load(APPLICATION)["Outputs"]["AmiId"]["Value"] == {"Ref": "AmiId"}


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
    assert asg["MinSize"] == {"Fn::If": ["HasNoCapacity", "0", "1"]}
    assert int(asg["MaxSize"]) == 10
    assert asg["HealthCheckType"] == "ELB"
    # Replacements for failed health checks launch before the old instance goes.
    assert asg["InstanceMaintenancePolicy"] == {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200}
    assert asg["VPCZoneIdentifier"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PrivateSubnetAId"}},
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PrivateSubnetBId"}},
    ]
    assert asg["TargetGroupARNs"] == [{"Ref": "TargetGroup"}]
    assert int(asg["Cooldown"]) == 300


def test_desired_capacity_is_a_parameter_the_deploy_keeps() -> None:
    template = load(APPLICATION)
    parameter = template["Parameters"]["DesiredCapacity"]
    assert (parameter["Type"], parameter["Default"]) == ("Number", 2)
    assert (parameter["MinValue"], parameter["MaxValue"]) == (0, 10)
    resource = template["Resources"]["AutoScalingGroup"]
    assert resource["Properties"]["DesiredCapacity"] == {"Ref": "DesiredCapacity"}
    # Creation waits for a signal from every initial instance, however many.
    assert resource["CreationPolicy"]["ResourceSignal"]["Count"] == {"Ref": "DesiredCapacity"}
    # Zero (an environment switched off) needs a minimum of zero too.
    assert template["Conditions"]["HasNoCapacity"] == {"Fn::Equals": [{"Ref": "DesiredCapacity"}, "0"]}


def test_rolling_update_policy_is_exactly_the_designed_one() -> None:
    resource = load(APPLICATION)["Resources"]["AutoScalingGroup"]
    assert resource["UpdatePolicy"] == {
        "AutoScalingRollingUpdate": {
            "MinInstancesInService": 1,
            "MaxBatchSize": 1,
            "PauseTime": "PT5M",
            "WaitOnResourceSignals": True,
            "SuspendProcesses": [
                "HealthCheck",
                "ReplaceUnhealthy",
                "AZRebalance",
                "AlarmNotification",
                "ScheduledActions",
            ],
        }
    }


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
RESOURCE_STAR_ALLOWED = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "ec2:DescribeTags",
    "elasticloadbalancing:DescribeTargetHealth",
}


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
    assert secrets["Resource"] == [
        {"Ref": "AppSecret"},
        {"Ref": "DeployCheckSecret"},
        {"Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBAppSecretArn"}},
        {
            "Fn::If": [
                "HasDatabaseSecretOverride",
                {"Ref": "DatabaseSecretArnOverride"},
                {"Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBMasterSecretArn"}},
            ]
        },
        {"Fn::If": ["HasEmailSecret", {"Ref": "EmailSecretArn"}, {"Ref": "AWS::NoValue"}]},
    ]
    # Draining and registering: this stack's target group only; reading target health
    # takes no resource in IAM.
    assert statements["DrainThisTargetGroup"]["Action"] == [
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:RegisterTargets",
    ]
    assert statements["DrainThisTargetGroup"]["Resource"] == {"Ref": "TargetGroup"}
    # The database address: that one parameter, read only.
    assert statements["ReadWhereTheWebContainerConnects"]["Action"] == "ssm:GetParameter"
    assert statements["ReadWhereTheWebContainerConnects"]["Resource"] == {
        "Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBConnectAddressParameterArn"}
    }
    assert statements["ReadTargetHealth"]["Action"] == "elasticloadbalancing:DescribeTargetHealth"
    assert statements["ReadTargetHealth"]["Resource"] == "*"
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


# ---------------------------------------------------------------- HTTP-only and certificates (ADR 0023)


def _evaluate(node, parameters: dict[str, str], conditions: dict):
    """A condition or rule expression of the template, for the given parameter values."""
    if isinstance(node, str):
        return node
    ((function, argument),) = node.items()
    if function == "Ref":
        return parameters[argument]
    if function == "Condition":
        return _evaluate(conditions[argument], parameters, conditions)
    values = [_evaluate(item, parameters, conditions) for item in argument]
    if function == "Fn::Equals":
        return values[0] == values[1]
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::And":
        return all(values)
    if function == "Fn::Or":
        return any(values)
    raise AssertionError(f"unexpected function {function}")


def _condition(name: str, **given: str) -> bool:
    template = load(APPLICATION)
    parameters = {key: str(value.get("Default", "")) for key, value in template["Parameters"].items()}
    parameters.update(given)
    return _evaluate(template["Conditions"][name], parameters, template["Conditions"])


def _user_data_values() -> dict:
    sub = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    return sub[1]


def test_security_settings_follow_the_certificate() -> None:
    values = _user_data_values()
    assert values["SecureFlag"] == {"Fn::If": ["HasCertificate", "true", "false"]}
    assert values["HstsSeconds"] == {"Fn::If": ["HasCertificate", "31536000", "0"]}
    assert _condition("HasCertificate", CertificateArn="") is False
    assert _condition("HasCertificate", CertificateArn="arn:aws:acm:eu-central-1:1:certificate/x") is True


def test_trusted_origins_and_site_url_use_the_served_scheme() -> None:
    values = _user_data_values()
    condition, with_certificate, without_certificate = values["CsrfTrustedOrigins"]["Fn::If"]
    assert condition == "HasCertificate"
    assert with_certificate == {"Fn::Sub": "https://${DomainName}"}
    assert without_certificate == {
        "Fn::If": [
            "HasDomain",
            {"Fn::Sub": "http://${DomainName},http://${LoadBalancer.DNSName}"},
            {"Fn::Sub": "http://${LoadBalancer.DNSName}"},
        ]
    }
    site = [
        "HasCertificate",
        {"Fn::Sub": "https://${DomainName}/"},
        {"Fn::Sub": "http://${LoadBalancer.DNSName}/"},
    ]
    assert values["SiteUrl"] == {"Fn::If": site}
    assert load(APPLICATION)["Outputs"]["SiteUrl"]["Value"] == {"Fn::If": site}


@pytest.mark.parametrize(
    ("certificate", "domain", "accepted"),
    [
        ("", "", True),
        ("", "tickets.example.org", True),
        ("arn:aws:acm:eu-central-1:123456789012:certificate/abc", "tickets.example.org", True),
        ("arn:aws:acm:eu-central-1:123456789012:certificate/abc", "", False),
    ],
)
def test_a_certificate_requires_a_domain_name(certificate: str, domain: str, accepted: bool) -> None:
    template = load(APPLICATION)
    rule = template["Rules"]["CertificateRequiresDomainName"]
    parameters = {"CertificateArn": certificate, "DomainName": domain}
    applies = _evaluate(rule["RuleCondition"], parameters, {})
    (assertion,) = rule["Assertions"]
    assert "DomainName" in assertion["AssertDescription"]
    assert (not applies or _evaluate(assertion["Assert"], parameters, {})) is accepted


# ---------------------------------------------------------------- database connections


def test_connection_pool_fits_the_documented_budget() -> None:
    config = load(APPLICATION)["Mappings"]["EnvironmentConfig"]
    for environment in ("dev", "prod"):
        row = config[environment]
        # GUNICORN_THREADS request threads + 2 outbox threads + 1 sweeper thread.
        assert int(row["DatabasePoolMaxSize"]) == int(row["GunicornThreads"]) + 3
        assert int(row["WebConcurrency"]) * int(row["DatabasePoolMaxSize"]) == 14
    assert _user_data_values()["DatabasePoolMaxSize"] == {
        "Fn::FindInMap": ["EnvironmentConfig", {"Ref": "Environment"}, "DatabasePoolMaxSize"]
    }


def test_web_and_release_containers_reach_the_database_as_the_contract_says() -> None:
    values = _user_data_values()
    assert values["AppDbSecretArn"] == {"Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBAppSecretArn"}}
    # The web container's host is read from the database stack's SSM parameter (it
    # follows UseRdsProxy on a live environment), not imported; with the disaster-recovery
    # override there is no parameter and the override (DbHost) serves both containers.
    assert values["DbConnectParameter"] == {
        "Fn::If": [
            "HasDatabaseHostOverride",
            "",
            {"Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBConnectAddressParameter"}},
        ]
    }
    assert values["DbHost"]["Fn::If"][:2] == ["HasDatabaseHostOverride", {"Ref": "DatabaseHostOverride"}]
    assert "DBConnectAddress" not in {suffix for _, suffix in import_names(APPLICATION)}
    # The master user (release container) goes to the instance, never the proxy.
    assert values["DbHost"]["Fn::If"][2] == {
        "Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBEndpointAddress"}
    }
    assert values["DbSecretArn"]["Fn::If"][2] == {
        "Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-DBMasterSecretArn"}
    }


# ---------------------------------------------------------------- outputs the deploy and pipeline use


def test_deploy_check_secret_is_generated() -> None:
    secret = props(APPLICATION, "DeployCheckSecret")
    generate = secret["GenerateSecretString"]
    assert generate["SecretStringTemplate"] == {
        "Fn::Sub": '{"email": "deploy-check@${Environment}.maticko.invalid"}'
    }
    assert (generate["GenerateStringKey"], generate["PasswordLength"]) == ("password", 32)
    assert generate["ExcludePunctuation"] is True
    assert "SecretString" not in secret
    assert secret["KmsKeyId"] == {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-EncryptionKeyArn"}}


def test_outputs_of_the_application_stack_interface() -> None:
    outputs = load(APPLICATION)["Outputs"]
    assert outputs["DeployCheckSecretArn"]["Value"] == {"Ref": "DeployCheckSecret"}
    assert outputs["Target5xxAlarmArn"]["Value"] == {"Fn::GetAtt": ["Target5xxAlarm", "Arn"]}
    assert outputs["UnhealthyHostsAlarmArn"]["Value"] == {"Fn::GetAtt": ["UnhealthyHostsAlarm", "Arn"]}
    assert outputs["WebAclArn"] == {
        "Condition": "WafEnabled",
        "Description": outputs["WebAclArn"]["Description"],
        "Value": {"Fn::GetAtt": ["WebAcl", "Arn"]},
    }
    assert outputs["AutoScalingGroupName"]["Value"] == {"Ref": "AutoScalingGroup"}
    # The rollback triggers exist whether or not instances do.
    for alarm in ("Target5xxAlarm", "UnhealthyHostsAlarm"):
        assert "Condition" not in load(APPLICATION)["Resources"][alarm]


@pytest.mark.parametrize(
    ("resource", "policy"),
    [
        ("AppSecret", "Retain"),
        ("DeployCheckSecret", "Delete"),
        ("AppLogGroup", "Delete"),
        ("WafLogGroup", "Delete"),
        ("ImageRepository", "Retain"),
        ("MediaBucket", "Retain"),
    ],
)
def test_deletion_policies_are_decided(resource: str, policy: str) -> None:
    found = load(APPLICATION)["Resources"][resource]
    assert (found["DeletionPolicy"], found["UpdateReplacePolicy"]) == (policy, policy)


# ---------------------------------------------------------------- WAF (ADR 0024)


@pytest.mark.parametrize(
    ("environment", "setting", "enabled"),
    [
        ("prod", "auto", True),
        ("dev", "auto", False),
        ("prod", "false", False),
        ("dev", "true", True),
        ("prod", "true", True),
        ("dev", "false", False),
    ],
)
def test_waf_is_on_in_prod_by_default_and_overridable(environment: str, setting: str, enabled: bool) -> None:
    parameter = load(APPLICATION)["Parameters"]["EnableWaf"]
    assert (parameter["AllowedValues"], parameter["Default"]) == (["auto", "true", "false"], "auto")
    assert _condition("WafEnabled", Environment=environment, EnableWaf=setting) is enabled


def test_every_waf_resource_exists_only_when_enabled() -> None:
    resources = load(APPLICATION)["Resources"]
    waf = {name for name, r in resources.items() if r["Type"].startswith("AWS::WAFv2::")}
    assert waf == {"WebAcl", "WebAclAssociation", "WafLogging"}
    for name in (*waf, "WafLogGroup"):
        assert resources[name]["Condition"] == "WafEnabled", name


def _waf_rules() -> dict[str, dict]:
    return {rule["Name"]: rule for rule in props(APPLICATION, "WebAcl")["Rules"]}


def test_web_acl_rules() -> None:
    acl = props(APPLICATION, "WebAcl")
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rules = _waf_rules()
    managed = {
        name: rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for name, rule in rules.items()
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert sorted(managed.values()) == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    for name in managed:
        assert rules[name]["OverrideAction"] == {"None": {}}, name
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
    priorities = [rule["Priority"] for rule in rules.values()]
    assert len(set(priorities)) == len(priorities)
    for rule in rules.values():
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True


def test_common_rule_set_lets_large_bodies_through() -> None:
    # Cover images (up to 5 MB) and JSON purchases exceed the rule set's 8 KB body limit.
    common = _waf_rules()["aws-common"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["Name"] == "AWSManagedRulesCommonRuleSet"
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]


APP_DIR = INFRA_DIR.parent / "dirt_stack"


def _app_setting_default(name: str) -> int:
    settings = (APP_DIR / "maticko" / "settings.py").read_text()
    return int(re.search(rf'"{name}", default=(\d+)', settings).group(1))


def _app_limits_per_5_minutes() -> dict[str, float]:
    """The application's own limits, read from its code, per 5 minutes."""
    limits = {
        "purchases and holds per address": _app_setting_default("PURCHASE_RATE_LIMIT") * 5.0,
        # Per token, but an integration may send all of it from one address.
        "organizer API per token": _app_setting_default("API_RATE_LIMIT") * 5.0,
    }
    for path in (APP_DIR / "accounts" / "lockout.py", APP_DIR / "backoffice" / "views" / "account.py"):
        for name, limit, window in re.findall(
            r"^(\w+) = ratelimit\.RateLimit\(limit=(\d+), window_seconds=([\d *]+)\)", path.read_text(), re.M
        ):
            seconds = eval(window, {})  # noqa: S307 - a product of integer literals from our own code
            limits[name] = int(limit) * 300 / max(seconds, 300)
    return limits


def test_rate_rule_sits_above_the_applications_own_limits() -> None:
    rate = _waf_rules()["rate-per-ip"]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement == {"Limit": {"Ref": "WafRateLimit"}, "AggregateKeyType": "IP"}
    block = rate["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    assert {"Name": "Retry-After", "Value": "300"} in block["ResponseHeaders"]
    assert block["CustomResponseBodyKey"] in props(APPLICATION, "WebAcl")["CustomResponseBodies"]
    parameter = load(APPLICATION)["Parameters"]["WafRateLimit"]
    limits = _app_limits_per_5_minutes()
    assert len(limits) >= 6, limits
    # The application answers first with its own messages; the WAF stops floods.
    for name, per_5_minutes in limits.items():
        assert parameter["Default"] > per_5_minutes, name
    assert parameter["MinValue"] >= 100


def test_web_acl_is_associated_with_the_load_balancer_and_logs() -> None:
    association = props(APPLICATION, "WebAclAssociation")
    assert association == {
        "ResourceArn": {"Ref": "LoadBalancer"},
        "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]},
    }
    group = props(APPLICATION, "WafLogGroup")
    assert group["LogGroupName"] == {"Fn::Sub": "aws-waf-logs-maticko-${Environment}"}
    assert "KmsKeyId" in group
    assert "RetentionInDays" in group
    logging = props(APPLICATION, "WafLogging")
    assert logging["ResourceArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert logging["LogDestinationConfigs"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${WafLogGroup}"}
    ]
    redacted = {field["SingleHeader"]["Name"] for field in logging["RedactedFields"]}
    assert redacted == {"cookie", "authorization"}
