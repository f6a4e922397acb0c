"""The database layer (03-database.yaml): RDS PostgreSQL, Multi-AZ in production,
encrypted, TLS only, 7-day backups, password managed by RDS, private, alarmed, sized
for the application's connection budget, a least-privilege application user's secret,
optional RDS Proxy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from maticko_infra_support import APPLICATION, DATABASE, load, props, resources, walk

pytestmark = pytest.mark.infra

# Major versions RDS for PostgreSQL supports in standard support.
SUPPORTED_MAJOR_VERSIONS = {"16", "17"}


def db() -> dict:
    return props(DATABASE, "DBInstance")


def test_engine_is_a_supported_postgres_major_version() -> None:
    template = load(DATABASE)
    version = template["Parameters"]["PostgresMajorVersion"]
    assert db()["Engine"] == "postgres"
    assert db()["EngineVersion"] == {"Ref": "PostgresMajorVersion"}
    assert set(version["AllowedValues"]) <= SUPPORTED_MAJOR_VERSIONS
    assert version["Default"] in SUPPORTED_MAJOR_VERSIONS
    assert db()["AutoMinorVersionUpgrade"] is True


def test_tls_is_enforced_by_the_parameter_group() -> None:
    group = props(DATABASE, "DBParameterGroup")
    assert group["Family"] == {"Fn::Sub": "postgres${PostgresMajorVersion}"}
    assert group["Parameters"]["rds.force_ssl"] == "1"
    assert db()["DBParameterGroupName"] == {"Ref": "DBParameterGroup"}


def test_multi_az_and_deletion_protection_in_production_only() -> None:
    config = load(DATABASE)["Mappings"]["EnvironmentConfig"]
    assert config["prod"]["MultiAZ"] == "true"
    assert config["dev"]["MultiAZ"] == "false"
    assert config["prod"]["DeletionProtection"] == "true"
    assert db()["MultiAZ"] == {"Fn::FindInMap": ["EnvironmentConfig", {"Ref": "Environment"}, "MultiAZ"]}
    assert db()["DeletionProtection"] == {
        "Fn::FindInMap": ["EnvironmentConfig", {"Ref": "Environment"}, "DeletionProtection"]
    }


# RDS's default max_connections is LEAST(DBInstanceClassMemory / 9531392, 5000); the
# class memory less what RDS reserves for the OS gives about these (2 GiB and 4 GiB
# would give at most 225 and 450).
APPROXIMATE_MAX_CONNECTIONS = {"db.t4g.small": 190, "db.t4g.medium": 410}
CLASS_MEMORY_BYTES = {"db.t4g.small": 2 * 1024**3, "db.t4g.medium": 4 * 1024**3}
ENVIRONMENTS = ("dev", "prod")
# Per gunicorn process: its request threads + 2 outbox threads + 1 sweeper thread
# (DATABASE_POOL_MAX_SIZE defaults to GUNICORN_THREADS + 3).
BACKGROUND_CONNECTIONS_PER_PROCESS = 3
RELEASE_CONTAINER_CONNECTIONS = 1
OPERATOR_HEADROOM = 5


def environment_config(env: str) -> dict[str, Any]:
    return load(DATABASE)["Mappings"]["EnvironmentConfig"][env]


def test_instance_classes_are_db_t4g_small_in_dev_and_medium_in_prod() -> None:
    assert {env: environment_config(env)["InstanceClass"] for env in ENVIRONMENTS} == {
        "dev": "db.t4g.small",
        "prod": "db.t4g.medium",
    }
    assert db()["DBInstanceClass"] == {
        "Fn::If": [
            "HasInstanceClassOverride",
            {"Ref": "DBInstanceClass"},
            {"Fn::FindInMap": ["EnvironmentConfig", {"Ref": "Environment"}, "InstanceClass"]},
        ]
    }


def _application_value(node: Any, env: str, *, maximum: bool = False) -> int:
    """A number of the application template as deployed in env: a literal, a lookup
    in its EnvironmentConfig mapping, or a parameter (its largest allowed value when
    maximum, else its default)."""
    template = load(APPLICATION)
    if isinstance(node, dict) and "Fn::FindInMap" in node:
        mapping, key, attribute = node["Fn::FindInMap"]
        assert key == {"Ref": "Environment"}, node
        return int(template["Mappings"][mapping][env][attribute])
    if isinstance(node, dict) and "Ref" in node:
        parameter = template["Parameters"][node["Ref"]]
        if maximum and "MaxValue" in parameter:
            return int(parameter["MaxValue"])
        return int(parameter["Default"])
    return int(node)


def application_connections_at_maximum(env: str) -> int:
    """Connections the application can hold with the group at its maximum size, read
    from 02-application.yaml (group MaxSize, WEB_CONCURRENCY, GUNICORN_THREADS)."""
    group = next(iter(resources(APPLICATION, "AWS::AutoScaling::AutoScalingGroup").values()))
    max_size = _application_value(group["Properties"]["MaxSize"], env, maximum=True)
    user_data_variables = props(APPLICATION, "LaunchTemplate")["LaunchTemplateData"]["UserData"][
        "Fn::Base64"
    ]["Fn::Sub"][1]
    processes = _application_value(user_data_variables["WebConcurrency"], env)
    threads = _application_value(user_data_variables["GunicornThreads"], env)
    return max_size * processes * (threads + BACKGROUND_CONNECTIONS_PER_PROCESS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_connection_budget_stays_under_the_alarm_and_the_alarm_under_the_limit(env: str) -> None:
    budget = application_connections_at_maximum(env) + RELEASE_CONTAINER_CONNECTIONS + OPERATOR_HEADROOM
    threshold = environment_config(env)["ConnectionsAlarmThreshold"]
    max_connections = APPROXIMATE_MAX_CONNECTIONS[environment_config(env)["InstanceClass"]]
    print(f"{env}: budget {budget} < alarm {threshold} < max_connections about {max_connections}")
    assert budget < threshold < max_connections
    # The alarm fires at about 80 % of the limit: early enough to act, late enough
    # not to fire in normal operation.
    assert 0.75 <= threshold / max_connections <= 0.85


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rds_proxy_stays_under_the_connections_alarm(env: str) -> None:
    pool = props(DATABASE, "DBProxyTargetGroup")["ConnectionPoolConfigurationInfo"]
    max_connections = APPROXIMATE_MAX_CONNECTIONS[environment_config(env)["InstanceClass"]]
    proxy_connections = max_connections * pool["MaxConnectionsPercent"] / 100
    release_and_operators = RELEASE_CONTAINER_CONNECTIONS + OPERATOR_HEADROOM
    assert proxy_connections + release_and_operators < environment_config(env)["ConnectionsAlarmThreshold"]
    assert pool["MaxIdleConnectionsPercent"] <= pool["MaxConnectionsPercent"]


def test_alarm_thresholds_default_to_the_environment_unless_overridden() -> None:
    parameters = load(DATABASE)["Parameters"]
    conditions = load(DATABASE)["Conditions"]
    for parameter, condition, alarm in (
        ("ConnectionsAlarmThreshold", "HasConnectionsAlarmOverride", "ConnectionsAlarm"),
        ("FreeableMemoryAlarmBytes", "HasFreeableMemoryAlarmOverride", "FreeableMemoryAlarm"),
    ):
        assert parameters[parameter]["Default"] == 0
        assert conditions[condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, 0]}]}
        assert props(DATABASE, alarm)["Threshold"] == {
            "Fn::If": [
                condition,
                {"Ref": parameter},
                {"Fn::FindInMap": ["EnvironmentConfig", {"Ref": "Environment"}, parameter]},
            ]
        }
    # A class override must bring its own connections threshold.
    rule = load(DATABASE)["Rules"]["ClassOverrideComesWithItsConnectionsAlarm"]
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DBInstanceClass"}, ""]}]}
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ConnectionsAlarmThreshold"}, "0"]}]
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_freeable_memory_alarm_is_about_a_tenth_of_the_class_memory(env: str) -> None:
    memory = CLASS_MEMORY_BYTES[environment_config(env)["InstanceClass"]]
    assert 0.05 <= environment_config(env)["FreeableMemoryAlarmBytes"] / memory <= 0.15


def test_a_final_snapshot_is_taken_when_the_database_is_deleted_or_replaced() -> None:
    resource = load(DATABASE)["Resources"]["DBInstance"]
    assert resource["DeletionPolicy"] == "Snapshot"
    assert resource["UpdateReplacePolicy"] == "Snapshot"


def test_storage_is_encrypted_with_the_shared_key() -> None:
    assert db()["StorageEncrypted"] is True
    assert db()["KmsKeyId"] == {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-EncryptionKeyArn"}}
    assert db()["StorageType"] == "gp3"


def test_seven_day_backups_and_separate_windows() -> None:
    assert db()["BackupRetentionPeriod"] == 7
    backup = db()["PreferredBackupWindow"]
    maintenance = db()["PreferredMaintenanceWindow"]

    def minutes(hhmm: str) -> int:
        hours, mins = hhmm.split(":")
        return int(hours) * 60 + int(mins)

    start, end = (minutes(t) for t in backup.split("-"))
    assert end - start >= 30
    day, m_start = maintenance.split("-")[0].split(":", 1)
    assert day in {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    # The maintenance window starts after the daily backup has finished.
    assert minutes(m_start) >= end


def test_master_password_is_managed_by_rds_never_passed_in() -> None:
    assert db()["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in db()
    assert db()["MasterUserSecret"]["KmsKeyId"] == {
        "Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-EncryptionKeyArn"}
    }
    for name, parameter in load(DATABASE)["Parameters"].items():
        assert "password" not in name.lower(), name
        assert "NoEcho" not in parameter, name
    outputs = load(DATABASE)["Outputs"]
    assert outputs["DBMasterSecretArn"]["Value"] == {
        "Fn::GetAtt": ["DBInstance", "MasterUserSecret.SecretArn"]
    }


def test_database_is_private() -> None:
    assert db()["PubliclyAccessible"] is False
    assert db()["DBSubnetGroupName"] == {"Ref": "DBSubnetGroup"}
    subnets = props(DATABASE, "DBSubnetGroup")["SubnetIds"]
    assert subnets == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PrivateSubnetAId"}},
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-PrivateSubnetBId"}},
    ]
    assert db()["VPCSecurityGroups"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-DatabaseSecurityGroupId"}}
    ]
    assert db()["Port"] == "5432"


def test_logs_and_monitoring() -> None:
    assert set(db()["EnableCloudwatchLogsExports"]) == {"postgresql", "upgrade"}
    assert db()["MonitoringInterval"] == 60
    for group in resources(DATABASE, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] > 0


@pytest.mark.parametrize(
    ("alarm", "metric", "statistic", "operator", "period", "evaluations", "missing"),
    [
        ("CpuAlarm", "CPUUtilization", "Average", "GreaterThanThreshold", 300, 3, "missing"),
        ("FreeStorageAlarm", "FreeStorageSpace", "Minimum", "LessThanThreshold", 300, 1, "missing"),
        ("ConnectionsAlarm", "DatabaseConnections", "Maximum", "GreaterThanThreshold", 60, 3, "missing"),
        ("FreeableMemoryAlarm", "FreeableMemory", "Minimum", "LessThanThreshold", 300, 2, "missing"),
        # A non-burstable class override reports no credit balance.
        ("CpuCreditBalanceAlarm", "CPUCreditBalance", "Minimum", "LessThanThreshold", 300, 2, "notBreaching"),
    ],
)
def test_database_alarms(alarm, metric, statistic, operator, period, evaluations, missing) -> None:
    p = props(DATABASE, alarm)
    assert p["Namespace"] == "AWS/RDS"
    assert p["MetricName"] == metric
    assert p["Statistic"] == statistic
    assert p["ComparisonOperator"] == operator
    assert (p["Period"], p["EvaluationPeriods"]) == (period, evaluations)
    assert p["TreatMissingData"] == missing
    assert p["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": {"Ref": "DBInstance"}}]
    topic = [{"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-NotificationTopicArn"}}]
    assert p["AlarmActions"] == topic
    assert p["OKActions"] == topic


def test_every_alarm_notifies_the_topic() -> None:
    alarms = resources(DATABASE, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {
        "CpuAlarm",
        "FreeStorageAlarm",
        "ConnectionsAlarm",
        "FreeableMemoryAlarm",
        "CpuCreditBalanceAlarm",
    }
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"], alarm


def test_fixed_thresholds() -> None:
    assert props(DATABASE, "CpuAlarm")["Threshold"] == 80
    assert props(DATABASE, "FreeStorageAlarm")["Threshold"] == 2 * 1024**3
    # t4g classes hold at most 576 credits and earn 24 an hour.
    assert 24 <= props(DATABASE, "CpuCreditBalanceAlarm")["Threshold"] <= 100


# ---------------------------------------------------------------- application user


def test_application_user_secret_is_generated_encrypted_and_exported() -> None:
    resource = load(DATABASE)["Resources"]["AppDatabaseSecret"]
    assert resource["Type"] == "AWS::SecretsManager::Secret"
    generated = resource["Properties"]["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {"username": "maticko_app_a"}
    assert generated["GenerateStringKey"] == "password"
    assert generated["PasswordLength"] == 40
    assert generated["ExcludePunctuation"] is True
    assert resource["Properties"]["KmsKeyId"] == {
        "Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-EncryptionKeyArn"}
    }
    # No fixed name (a new stack never collides with a deleted one's secret) and no
    # Secrets Manager rotation: rotation alternates the two users (ADR 0022).
    assert "Name" not in resource["Properties"]
    assert not resources(DATABASE, "AWS::SecretsManager::RotationSchedule")
    assert load(DATABASE)["Outputs"]["DBAppSecretArn"]["Value"] == {"Ref": "AppDatabaseSecret"}


# ---------------------------------------------------------------- RDS Proxy


def test_rds_proxy_is_an_option_off_by_default() -> None:
    template = load(DATABASE)
    parameter = template["Parameters"]["UseRdsProxy"]
    assert parameter["AllowedValues"] == ["false", "true"]
    assert parameter["Default"] == "false"
    assert template["Conditions"]["UseRdsProxy"] == {"Fn::Equals": [{"Ref": "UseRdsProxy"}, "true"]}
    for name in ("DBProxy", "DBProxyTargetGroup", "DBProxyRole"):
        assert template["Resources"][name]["Condition"] == "UseRdsProxy", name


def test_rds_proxy_requires_tls_and_logs_in_with_the_application_secret() -> None:
    proxy = props(DATABASE, "DBProxy")
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["RequireTLS"] is True
    assert proxy["Auth"] == [
        {
            "Description": "Application database user (maticko_app_a or maticko_app_b)",
            "AuthScheme": "SECRETS",
            "SecretArn": {"Ref": "AppDatabaseSecret"},
            "IAMAuth": "DISABLED",
            "ClientPasswordAuthType": "POSTGRES_SCRAM_SHA_256",
        }
    ]
    assert proxy["VpcSubnetIds"] == props(DATABASE, "DBSubnetGroup")["SubnetIds"]
    assert proxy["VpcSecurityGroupIds"] == [
        {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-DatabaseProxySecurityGroupId"}}
    ]
    assert proxy["RoleArn"] == {"Fn::GetAtt": ["DBProxyRole", "Arn"]}
    target = props(DATABASE, "DBProxyTargetGroup")
    assert target["DBProxyName"] == {"Ref": "DBProxy"}
    assert target["TargetGroupName"] == "default"
    assert target["DBInstanceIdentifiers"] == [{"Ref": "DBInstance"}]


def test_rds_proxy_role_reads_only_the_application_secret() -> None:
    role = props(DATABASE, "DBProxyRole")
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "rds.amazonaws.com"}
    statements = [
        statement for policy in role["Policies"] for statement in policy["PolicyDocument"]["Statement"]
    ]
    assert {s["Action"]: s["Resource"] for s in statements} == {
        "secretsmanager:GetSecretValue": {"Ref": "AppDatabaseSecret"},
        "kms:Decrypt": {"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-EncryptionKeyArn"}},
    }
    decrypt = next(s for s in statements if s["Action"] == "kms:Decrypt")
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}
    }
    assert "ManagedPolicyArns" not in role


CONNECT_ADDRESS = {
    "Fn::If": [
        "UseRdsProxy",
        {"Fn::GetAtt": ["DBProxy", "Endpoint"]},
        {"Fn::GetAtt": ["DBInstance", "Endpoint.Address"]},
    ]
}


def test_connect_address_is_the_proxy_when_on_and_the_instance_when_off() -> None:
    outputs = load(DATABASE)["Outputs"]
    assert outputs["DBConnectAddress"]["Value"] == CONNECT_ADDRESS
    parameter = props(DATABASE, "ConnectAddressParameter")
    assert load(DATABASE)["Resources"]["ConnectAddressParameter"]["Type"] == "AWS::SSM::Parameter"
    assert parameter["Type"] == "String"
    assert parameter["Name"] == {"Fn::Sub": "/maticko/${Environment}/database/connect-address"}
    assert parameter["Value"] == CONNECT_ADDRESS
    # With the proxy, the value changes only once the proxy targets the instance.
    on, off = parameter["Description"]["Fn::If"][1:]
    assert "${DBProxyTargetGroup.TargetGroupArn}" in on["Fn::Sub"]
    assert "DBProxy" not in off
    # The release container (master user, migrations) always reaches the instance.
    assert outputs["DBEndpointAddress"]["Value"] == {"Fn::GetAtt": ["DBInstance", "Endpoint.Address"]}


# ---------------------------------------------------------------- retention


STATEFUL_TYPES = {"AWS::RDS::DBInstance", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup"}


def test_every_stateful_resource_has_explicit_deletion_and_replacement_policies() -> None:
    found = {
        name: (r["DeletionPolicy"], r["UpdateReplacePolicy"])
        for name, r in load(DATABASE)["Resources"].items()
        if r["Type"] in STATEFUL_TYPES
    }
    assert found == {
        "DBInstance": ("Snapshot", "Snapshot"),
        "AppDatabaseSecret": ("Delete", "Delete"),
        "PostgresLogGroup": ("Delete", "Delete"),
        "UpgradeLogGroup": ("Delete", "Delete"),
    }


def test_no_resource_the_instance_depends_on_is_named_or_replaced_by_a_parameter() -> None:
    # The subnet group's name is a create-only property of the instance: a named or
    # replaced subnet group would replace the database.
    assert "DBSubnetGroupName" not in props(DATABASE, "DBSubnetGroup")
    assert db()["DBSubnetGroupName"] == {"Ref": "DBSubnetGroup"}
    # Create-only properties of the instance are constants or follow the environment.
    assert db()["DBName"] == "maticko"
    assert db()["MasterUsername"] == "maticko"
    assert db()["DBInstanceIdentifier"] == {"Fn::Sub": "maticko-${Environment}"}


def test_nothing_secret_is_written_into_the_template() -> None:
    for node in walk(load(DATABASE)):
        if isinstance(node, str):
            assert "password=" not in node.lower()


def test_the_connect_address_is_not_exported_so_the_proxy_can_be_switched_live() -> None:
    # CloudFormation refuses to change an export another stack imports: an exported
    # address would fix UseRdsProxy at creation. The parameter's name and ARN never
    # change, so they may be exported.
    outputs = load(DATABASE)["Outputs"]
    assert "Export" not in outputs["DBConnectAddress"]
    assert outputs["DBConnectAddressParameter"]["Value"] == {"Ref": "ConnectAddressParameter"}
    arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ConnectAddressParameter}"
    assert outputs["DBConnectAddressParameterArn"]["Value"] == {"Fn::Sub": arn}
    for name in ("DBConnectAddressParameter", "DBConnectAddressParameterArn"):
        assert outputs[name]["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{name}"}
    # No exported value depends on the proxy.
    for name, output in outputs.items():
        if "Export" in output:
            assert "UseRdsProxy" not in str(output["Value"]), name
            assert "DBProxy" not in str(output["Value"]), name
