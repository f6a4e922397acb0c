"""The database layer (03-database.yaml): RDS PostgreSQL, Multi-AZ in production,
encrypted, TLS only, 7-day backups, password managed by RDS, private, alarmed."""

from __future__ import annotations

import pytest
from maticko_infra_support import DATABASE, load, props, resources, walk

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


def test_instance_class_is_db_t3_micro_by_default() -> None:
    config = load(DATABASE)["Mappings"]["EnvironmentConfig"]
    assert {env: c["InstanceClass"] for env, c in config.items()} == {
        "dev": "db.t3.micro",
        "prod": "db.t3.micro",
    }


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
    ("alarm", "metric", "operator", "threshold", "period", "evaluations"),
    [
        ("CpuAlarm", "CPUUtilization", "GreaterThanThreshold", 80, 300, 3),
        ("FreeStorageAlarm", "FreeStorageSpace", "LessThanThreshold", 2 * 1024**3, 300, 1),
        (
            "ConnectionsAlarm",
            "DatabaseConnections",
            "GreaterThanThreshold",
            {"Ref": "ConnectionsAlarmThreshold"},
            300,
            2,
        ),
    ],
)
def test_database_alarms(alarm, metric, operator, threshold, period, evaluations) -> None:
    p = props(DATABASE, alarm)
    assert p["Namespace"] == "AWS/RDS"
    assert p["MetricName"] == metric
    assert p["ComparisonOperator"] == operator
    assert p["Threshold"] == threshold
    assert (p["Period"], p["EvaluationPeriods"]) == (period, evaluations)
    assert p["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": {"Ref": "DBInstance"}}]
    assert p["AlarmActions"] == [{"Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-NotificationTopicArn"}}]


def test_connections_alarm_default_fits_db_t3_micro() -> None:
    default = load(DATABASE)["Parameters"]["ConnectionsAlarmThreshold"]["Default"]
    assert 50 <= default < 112  # db.t3.micro: max_connections is about 112


def test_nothing_secret_is_written_into_the_template() -> None:
    for node in walk(load(DATABASE)):
        if isinstance(node, str):
            assert "password=" not in node.lower()
