"""The networking layer (01-networking.yaml) against the numbers and rules of the
production design: CIDRs, two Availability Zones, NAT, NACLs, security groups from
group to group, flow logs, exports."""

from __future__ import annotations

import pytest
from maticko_infra_support import (
    APPLICATION,
    DATABASE,
    NETWORKING,
    TEMPLATES,
    import_names,
    load,
    props,
    resources,
)

pytestmark = pytest.mark.infra


def test_vpc_cidr_and_dns() -> None:
    vpc = props(NETWORKING, "VPC")
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["EnableDnsSupport"] is True
    assert vpc["EnableDnsHostnames"] is True


def test_subnets_cidrs_and_availability_zones() -> None:
    subnets = resources(NETWORKING, "AWS::EC2::Subnet")
    expected = {
        "PublicSubnetA": ("10.0.1.0/24", 0),
        "PublicSubnetB": ("10.0.2.0/24", 1),
        "PrivateSubnetA": ("10.0.11.0/24", 0),
        "PrivateSubnetB": ("10.0.12.0/24", 1),
    }
    assert set(subnets) == set(expected)
    for name, (cidr, az_index) in expected.items():
        subnet = subnets[name]["Properties"]
        assert subnet["CidrBlock"] == cidr, name
        assert subnet["AvailabilityZone"] == {"Fn::Select": [az_index, {"Fn::GetAZs": ""}]}, name
        # Nothing launched in any subnet gets a public address by default.
        assert subnet["MapPublicIpOnLaunch"] is False, name


def _route_table_of(subnet: str) -> str:
    for assoc in resources(NETWORKING, "AWS::EC2::SubnetRouteTableAssociation").values():
        if assoc["Properties"]["SubnetId"] == {"Ref": subnet}:
            return assoc["Properties"]["RouteTableId"]["Ref"]
    raise AssertionError(f"{subnet} has no route table")


def _default_route(route_table: str) -> dict:
    routes = [
        r["Properties"]
        for r in resources(NETWORKING, "AWS::EC2::Route").values()
        if r["Properties"]["RouteTableId"] == {"Ref": route_table}
    ]
    assert len(routes) == 1, route_table
    assert routes[0]["DestinationCidrBlock"] == "0.0.0.0/0"
    return routes[0]


def test_public_subnets_route_to_the_internet_gateway() -> None:
    for subnet in ("PublicSubnetA", "PublicSubnetB"):
        route = _default_route(_route_table_of(subnet))
        assert route["GatewayId"] == {"Ref": "InternetGateway"}
        assert "NatGatewayId" not in route


def test_private_subnets_route_through_nat_gateways() -> None:
    route_a = _default_route(_route_table_of("PrivateSubnetA"))
    route_b = _default_route(_route_table_of("PrivateSubnetB"))
    assert "GatewayId" not in route_a
    assert "GatewayId" not in route_b
    assert route_a["NatGatewayId"] == {"Ref": "NatGatewayA"}
    # One NAT gateway per AZ when NatGatewayPerAz is true, else the shared one.
    assert route_b["NatGatewayId"] == {"Fn::If": ["NatPerAz", {"Ref": "NatGatewayB"}, {"Ref": "NatGatewayA"}]}


def test_nat_gateways_sit_in_the_public_subnets_one_per_az_optional() -> None:
    template = load(NETWORKING)
    nats = resources(NETWORKING, "AWS::EC2::NatGateway")
    assert nats["NatGatewayA"]["Properties"]["SubnetId"] == {"Ref": "PublicSubnetA"}
    assert nats["NatGatewayB"]["Properties"]["SubnetId"] == {"Ref": "PublicSubnetB"}
    assert "Condition" not in nats["NatGatewayA"]
    assert nats["NatGatewayB"]["Condition"] == "NatPerAz"
    assert template["Conditions"]["NatPerAz"] == {"Fn::Equals": [{"Ref": "NatGatewayPerAz"}, "true"]}
    assert template["Parameters"]["NatGatewayPerAz"]["AllowedValues"] == ["true", "false"]


def _acl_entries(acl: str) -> list[dict]:
    return [
        e["Properties"]
        for e in resources(NETWORKING, "AWS::EC2::NetworkAclEntry").values()
        if e["Properties"]["NetworkAclId"] == {"Ref": acl}
    ]


def test_network_acls_cover_every_subnet() -> None:
    associations = {
        a["Properties"]["SubnetId"]["Ref"]: a["Properties"]["NetworkAclId"]["Ref"]
        for a in resources(NETWORKING, "AWS::EC2::SubnetNetworkAclAssociation").values()
    }
    assert associations == {
        "PublicSubnetA": "PublicNetworkAcl",
        "PublicSubnetB": "PublicNetworkAcl",
        "PrivateSubnetA": "PrivateNetworkAcl",
        "PrivateSubnetB": "PrivateNetworkAcl",
    }


def test_network_acls_admit_from_the_internet_only_web_and_return_traffic() -> None:
    def internet_inbound(acl: str) -> set[tuple]:
        return {
            (e["Protocol"], e["PortRange"]["From"], e["PortRange"]["To"])
            for e in _acl_entries(acl)
            if not e["Egress"] and e["CidrBlock"] == "0.0.0.0/0" and e["RuleAction"] == "allow"
        }

    assert internet_inbound("PublicNetworkAcl") == {(6, 80, 80), (6, 443, 443), (6, 1024, 65535)}
    assert internet_inbound("PrivateNetworkAcl") == {(6, 1024, 65535)}
    for acl in ("PublicNetworkAcl", "PrivateNetworkAcl"):
        rule_numbers = [(e["Egress"], e["RuleNumber"]) for e in _acl_entries(acl)]
        assert len(rule_numbers) == len(set(rule_numbers)), f"duplicate rule numbers in {acl}"


def _ingress(group: str) -> list[dict]:
    return props(NETWORKING, group)["SecurityGroupIngress"]


def test_load_balancer_accepts_http_and_https_from_anywhere_only() -> None:
    rules = {
        (r["IpProtocol"], r["FromPort"], r["ToPort"], r.get("CidrIp"))
        for r in _ingress("LoadBalancerSecurityGroup")
    }
    assert rules == {("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")}


def test_instances_accept_port_8000_from_the_load_balancer_group_only() -> None:
    rules = _ingress("InstanceSecurityGroup")
    assert len(rules) == 1
    rule = rules[0]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 8000, 8000)
    assert rule["SourceSecurityGroupId"] == {"Ref": "LoadBalancerSecurityGroup"}
    assert "CidrIp" not in rule
    assert "CidrIpv6" not in rule


def test_database_accepts_postgres_from_the_instance_and_proxy_groups_only() -> None:
    rules = _ingress("DatabaseSecurityGroup")
    assert {r["SourceSecurityGroupId"]["Ref"] for r in rules} == {
        "InstanceSecurityGroup",
        "DatabaseProxySecurityGroup",
    }
    for rule in rules:
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5432, 5432)
        assert "CidrIp" not in rule
        assert "CidrIpv6" not in rule
    # The database opens no connection of its own.
    assert props(NETWORKING, "DatabaseSecurityGroup")["SecurityGroupEgress"] == [
        {
            "Description": "No outbound traffic (replaces the default allow-all rule)",
            "IpProtocol": "-1",
            "CidrIp": "127.0.0.1/32",
        }
    ]


def test_database_proxy_accepts_postgres_from_the_instance_group_only() -> None:
    rules = _ingress("DatabaseProxySecurityGroup")
    assert len(rules) == 1
    rule = rules[0]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 5432, 5432)
    assert rule["SourceSecurityGroupId"] == {"Ref": "InstanceSecurityGroup"}
    assert "CidrIp" not in rule
    # Besides the database (below), only HTTPS to AWS APIs: the default allow-all
    # egress rule is replaced.
    egress = props(NETWORKING, "DatabaseProxySecurityGroup")["SecurityGroupEgress"]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in egress] == [("tcp", 443, 443)]
    # Exported for the database layer, which attaches it only when it runs the proxy.
    assert load(NETWORKING)["Outputs"]["DatabaseProxySecurityGroupId"]["Value"] == {
        "Ref": "DatabaseProxySecurityGroup"
    }
    assert "Condition" not in load(NETWORKING)["Resources"]["DatabaseProxySecurityGroup"]


def test_egress_between_tiers_is_group_to_group() -> None:
    egress = {
        name: e["Properties"] for name, e in resources(NETWORKING, "AWS::EC2::SecurityGroupEgress").items()
    }
    pairs = {
        (e["GroupId"]["Ref"], e["DestinationSecurityGroupId"]["Ref"], e["FromPort"], e["ToPort"])
        for e in egress.values()
    }
    assert pairs == {
        ("LoadBalancerSecurityGroup", "InstanceSecurityGroup", 8000, 8000),
        ("InstanceSecurityGroup", "DatabaseSecurityGroup", 5432, 5432),
        ("InstanceSecurityGroup", "DatabaseProxySecurityGroup", 5432, 5432),
        ("DatabaseProxySecurityGroup", "DatabaseSecurityGroup", 5432, 5432),
    }
    instance_egress = props(NETWORKING, "InstanceSecurityGroup")["SecurityGroupEgress"]
    assert {(r["FromPort"], r["ToPort"]) for r in instance_egress} == {(443, 443), (587, 587)}


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_security_group_opens_other_ports_to_the_internet(template: str) -> None:
    for name, group in resources(template, "AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            if rule.get("CidrIp") == "0.0.0.0/0" or rule.get("CidrIpv6") == "::/0":
                assert name == "LoadBalancerSecurityGroup"
                assert (rule["FromPort"], rule["ToPort"]) in {(80, 80), (443, 443)}
    for name in resources(template, "AWS::EC2::SecurityGroupIngress"):
        raise AssertionError(f"unexpected standalone ingress rule {name}")


def test_vpc_flow_logs_capture_all_traffic_to_an_encrypted_log_group() -> None:
    flow_log = props(NETWORKING, "VpcFlowLog")
    assert flow_log["ResourceType"] == "VPC"
    assert flow_log["ResourceId"] == {"Ref": "VPC"}
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["LogGroupName"] == {"Ref": "FlowLogGroup"}
    group = props(NETWORKING, "FlowLogGroup")
    assert group["RetentionInDays"] == {"Ref": "FlowLogRetentionDays"}
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}


def test_shared_key_rotates_and_topic_is_encrypted() -> None:
    assert props(NETWORKING, "EncryptionKey")["EnableKeyRotation"] is True
    assert props(NETWORKING, "NotificationTopic")["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_output_is_exported_under_the_stack_name(template: str) -> None:
    for key, output in load(template)["Outputs"].items():
        if "Export" in output:
            assert output["Export"]["Name"] == {"Fn::Sub": f"${{AWS::StackName}}-{key}"}


def test_every_import_matches_an_export_of_an_earlier_layer() -> None:
    def exported(template: str) -> set[str]:
        return {k for k, v in load(template)["Outputs"].items() if "Export" in v}

    producers = {"NetworkStackName": exported(NETWORKING), "DatabaseStackName": exported(DATABASE)}
    database_imports = import_names(DATABASE)
    application_imports = import_names(APPLICATION)
    assert {stack for stack, _ in database_imports} == {"NetworkStackName"}
    assert {stack for stack, _ in application_imports} == {"NetworkStackName", "DatabaseStackName"}
    for stack, suffix in database_imports | application_imports:
        assert suffix in producers[stack], f"{stack}-{suffix} is imported but not exported"
    # The application layer reaches the database only through its exports.
    assert ("DatabaseStackName", "DBEndpointAddress") in application_imports
    assert ("DatabaseStackName", "DBMasterSecretArn") in application_imports
    assert ("NetworkStackName", "DatabaseProxySecurityGroupId") in database_imports
