"""CloudFormation resource types of the database layer that moto's CloudFormation
does not know, created through moto's own service APIs (moto_emulator.py installs
them; infrastructure/README.md, "Emulator gaps"):

12. AWS::RDS::DBProxy: created with moto's RDS CreateDBProxy; Ref answers its name,
    Fn::GetAtt Endpoint and DBProxyArn its endpoint and ARN.
13. AWS::RDS::DBProxyTargetGroup: registers the instances with moto's RDS
    RegisterDBProxyTargets and applies ConnectionPoolConfigurationInfo with
    ModifyDBProxyTargetGroup; Ref and Fn::GetAtt TargetGroupArn answer its ARN.
14. AWS::RDS::DBInstance has no update in moto's CloudFormation: a stack update
    whose parameters reach the instance leaves it undefined (later Fn::GetAtt fail
    with "references undefined resource DBInstance"). The shim keeps the instance
    as it is; the update's property changes are not applied to it.
15. On a stack update moto creates a resource whose Condition became true only when
    something refers to it (the proxy's target group, which nothing refers to,
    never appeared). The shim creates every resource of the updated template whose
    Condition holds, as CloudFormation does.
16. On a stack update moto modifies only resources whose template text changed: a
    parameter that changes a resolved value only (UseRdsProxy choosing the
    connect-address parameter's Fn::If branch) leaves the resource as it was. The
    shim writes every AWS::SSM::Parameter again with its value resolved after the
    update, as CloudFormation does.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.rds.models import rds_backends


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


class CloudFormationDBProxy(CloudFormationModel):
    __module__ = "moto.rds.models"

    def __init__(self, name: str, arn: str, endpoint: str) -> None:
        self.name = name
        self.arn = arn
        self.endpoint = endpoint

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DBProxyName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::RDS::DBProxy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Endpoint", "DBProxyArn")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Endpoint":
            return self.endpoint
        if attribute_name == "DBProxyArn":
            return self.arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudFormationDBProxy:
        properties = cloudformation_json["Properties"]
        proxy = rds_backends[account_id][region_name].create_db_proxy(
            db_proxy_name=resource_name,
            engine_family=properties["EngineFamily"],
            auth=properties["Auth"],
            role_arn=properties["RoleArn"],
            vpc_subnet_ids=properties["VpcSubnetIds"],
            vpc_security_group_ids=properties.get("VpcSecurityGroupIds"),
            require_tls=_flag(properties.get("RequireTLS", False)),
            idle_client_timeout=properties.get("IdleClientTimeout"),
            debug_logging=_flag(properties.get("DebugLogging", False)),
            tags=properties.get("Tags"),
        )
        return cls(proxy.db_proxy_name, proxy.arn, proxy.endpoint)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: CloudFormationDBProxy,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CloudFormationDBProxy:
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        rds_backends[account_id][region_name].delete_db_proxy(self.name)


class CloudFormationDBProxyTargetGroup(CloudFormationModel):
    __module__ = "moto.rds.models"

    def __init__(self, arn: str) -> None:
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::RDS::DBProxyTargetGroup"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "TargetGroupArn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "TargetGroupArn":
            return self.arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CloudFormationDBProxyTargetGroup:
        properties = cloudformation_json["Properties"]
        backend = rds_backends[account_id][region_name]
        proxy_name = properties["DBProxyName"]
        target_group_name = properties["TargetGroupName"]
        backend.register_db_proxy_targets(
            db_proxy_name=proxy_name,
            target_group_name=target_group_name,
            db_cluster_identifiers=properties.get("DBClusterIdentifiers", []),
            db_instance_identifiers=properties.get("DBInstanceIdentifiers", []),
        )
        pool = properties.get("ConnectionPoolConfigurationInfo")
        if pool:
            backend.modify_db_proxy_target_group(
                proxy_name,
                {key: int(value) if key != "SessionPinningFilters" else value for key, value in pool.items()},
            )
        target_group = backend.db_proxies[proxy_name].proxy_target_groups[target_group_name]
        return cls(target_group.arn)


def _keep_instance_on_update(
    cls: type,
    original_resource: Any,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Any:
    return original_resource


def install_database_shims() -> None:
    from moto.cloudformation import parsing
    from moto.rds.models import DBInstance

    original_update = parsing.ResourceMap.update

    def update(
        self: parsing.ResourceMap, template: dict[str, Any], parameters: dict[str, Any] | None = None
    ) -> None:
        original_update(self, template, parameters)
        for logical_id in self._resource_json_map:
            self[logical_id]  # creates it unless its Condition is false
        for logical_id, resource_json in self._resource_json_map.items():
            if resource_json["Type"] == "AWS::SSM::Parameter" and self[logical_id] is not None:
                self._parsed_resources[logical_id] = parsing.parse_and_update_resource(
                    logical_id,
                    resource_json,
                    self,
                    account_id=self._account_id,
                    region_name=self._region_name,
                )

    parsing.ResourceMap.update = update  # type: ignore[method-assign]

    DBInstance.update_from_cloudformation_json = classmethod(_keep_instance_on_update)  # type: ignore[method-assign,assignment]

    # moto collects the CloudFormation types from CloudFormationModel's subclasses
    # once and caches them; the classes above are subclasses now.
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    known = parsing.get_model_map()
    for model in (CloudFormationDBProxy, CloudFormationDBProxyTargetGroup):
        assert known[model.cloudformation_type()] is model, model
