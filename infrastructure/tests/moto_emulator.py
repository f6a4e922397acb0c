"""Start moto's server with the shims the Maticko deploy test needs.

Usage: python moto_emulator.py PORT

moto emulates CloudFormation well enough to run deploy-layered.sh end to end, but
a few gaps would stop the layered deploy. They are closed here, in the test
harness, never in the real templates (infrastructure/README.md, "Emulator gaps"):

1. A stack created or updated through a change set (what `aws cloudformation
   deploy` does) gets no outputs and registers no exports, and its template
   cannot use Fn::ImportValue. After each change set is executed the shim
   rebuilds the stack's outputs, registers its exports region-wide and resolves
   imports against the exports of the stacks deployed before.
2. AWS::RDS::DBInstance ignores ManageMasterUserPassword and does not know the
   attribute MasterUserSecret.SecretArn. The shim passes the property on (moto then
   creates the RDS-managed secret in its Secrets Manager) and answers the attribute.
3. CreateChangeSet for an unchanged stack raises "No updates are to be performed."
   instead of creating a FAILED change set ("The submitted information didn't
   contain changes."), which `deploy --no-fail-on-empty-changeset` tolerates. The
   shim lets moto's backend create the FAILED change set as CloudFormation does.
4. AWS::RDS::DBInstance passes a Ref to an AWS::RDS::DBParameterGroup on as an
   object instead of its name; the shim passes the name.
5. The short form `!GetAtt DBInstance.Endpoint.Address` is split at every dot, so
   moto asks the database for the attribute "Endpoint" and fails; CloudFormation
   splits at the first dot only (attribute "Endpoint.Address"). The shim parses
   it as CloudFormation does.
6. For a parameter of type AWS::SSM::Parameter::Value<...> that keeps its previous
   value, moto looks up the resolved value (an AMI id) as if it were a parameter
   path and fails; CloudFormation keeps the path and resolves it again. The shim
   treats a value that is no parameter path as already resolved.
7. On a stack update moto "modifies" resources whose Condition is false (never
   created, so it crashes) and does not create those whose Condition became true.
   The shim skips the former and creates the latter, as CloudFormation does (the
   Auto Scaling group appears once ImageTag is set).
8. AWS::KMS::Key expects its Tags as TagKey/TagValue (the KMS API's spelling)
   instead of CloudFormation's Key/Value; the shim translates them.
9. moto's WAFv2 has an API but no CloudFormation resources: AWS::WAFv2::WebACL,
   AWS::WAFv2::WebACLAssociation and AWS::WAFv2::LoggingConfiguration would be
   skipped. The shim creates (and deletes) them through moto's WAFv2 backend, so the
   web ACL, its association with the load balancer and its logging are visible
   through the WAFv2 API. Only the attribute Arn is answered; a web ACL's physical
   id is its ARN (CloudFormation's Ref gives name|id|scope, which the templates do
   not use). An update keeps the resources as created (moto would otherwise drop
   them from the stack on every update).
10. moto has no AWS::SecretsManager::Secret in CloudFormation: generated secrets
   (the SECRET_KEY, the deploy-check account, the database's app user) would be
   skipped, and outputs and exports of their ARNs would silently vanish. The shim
   creates them in moto's Secrets Manager, generating GenerateSecretString as
   CloudFormation does (a random password under GenerateStringKey in the
   SecretStringTemplate JSON); Ref gives the ARN. An update keeps the secret and its
   value, as CloudFormation does.
11. moto has no AWS::CloudWatch::Alarm in CloudFormation: alarms were skipped, and
   an output of an alarm's Arn (the rollback triggers) failed the whole stack
   operation. The shim puts them through moto's CloudWatch backend (Ref gives the
   name, the attribute Arn the ARN), so they are visible through the CloudWatch API.
   An alarm's dimension !GetAtt TargetGroup.TargetGroupFullName needs that attribute,
   which moto's target group lacks; the shim answers it from the ARN.
12.-16. The database layer's gaps (RDS Proxy, its target group, DB instance updates,
   resources whose Condition turns true on an update): moto_emulator_database.py.
17. UpdateTerminationProtection is not implemented; the shim sets the flag that
   DescribeStacks reports (EnableTerminationProtection).
18. A change set whose execution fails raises the error to the caller and leaves the
   stack half-made; CloudFormation rolls a failed creation back and leaves the stack
   in ROLLBACK_COMPLETE. The shim deletes what was created and sets that status.
19. A change set compares its parameters with the stack's after moto converted the
   Number ones (2 is not "2"), so an unchanged Number parameter passed again makes a
   change; CloudFormation compares the strings. The shim compares them as strings.
"""

from __future__ import annotations

import contextlib
import sys
import warnings


def install_shims() -> None:
    from moto.cloudformation import models as cfn_models
    from moto.cloudformation import responses as cfn_responses
    from moto.cloudformation import utils as cfn_utils
    from moto.cloudformation.parsing import OutputMap
    from moto.core.responses import ActionResult
    from moto.kms import models as kms_models
    from moto.rds import models as rds_models

    def yaml_tag_constructor(loader, tag, node):
        if tag == "!GetAtt" and not isinstance(node.value, list):
            return {"Fn::GetAtt": node.value.split(".", 1)}
        return original_tag_constructor(loader, tag, node)

    original_tag_constructor = cfn_utils.yaml_tag_constructor
    cfn_utils.yaml_tag_constructor = yaml_tag_constructor
    cfn_models.yaml_tag_constructor = yaml_tag_constructor

    from moto.cloudformation import parsing as cfn_parsing

    original_parse_ssm = cfn_parsing.ResourceMap.parse_ssm_parameter

    def parse_ssm_parameter(self, value, value_type):
        if isinstance(value, str) and not value.startswith("/"):
            return value
        return original_parse_ssm(self, value, value_type)

    cfn_parsing.ResourceMap.parse_ssm_parameter = parse_ssm_parameter

    original_update_resource = cfn_parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id, resource_json, resources_map, **kwargs):
        condition = resource_json.get("Condition")
        if condition and not resources_map.lazy_condition_map[condition]:
            return None
        if resources_map._parsed_resources.get(logical_id) is None:
            resources_map._parsed_resources.pop(logical_id, None)
            return resources_map[logical_id]
        return original_update_resource(logical_id, resource_json, resources_map, **kwargs)

    cfn_parsing.parse_and_update_resource = parse_and_update_resource

    backend_cls = cfn_models.CloudFormationBackend
    original_execute = backend_cls.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.change_sets.get(change_set_name)
        if change_set is None:
            for candidate in self.change_sets.values():
                if candidate.change_set_name == change_set_name:
                    change_set = candidate
        if change_set is not None:
            stack = change_set.stack
            # Imports resolve against the exports of the other stacks.
            stack.cross_stack_resources = self.exports
            stack.resource_map.cross_stack_resources = self.exports
        try:
            original_execute(self, change_set_name, stack_name)
        except Exception as error:
            if change_set is None or change_set.change_set_type != "CREATE":
                raise
            stack = change_set.stack
            # Best effort, as far as the half-made stack allows.
            with contextlib.suppress(Exception):
                stack.resource_map.delete()
            stack.status = "ROLLBACK_COMPLETE"
            stack._add_stack_event("CREATE_FAILED", resource_status_reason=str(error))
            stack._add_stack_event("ROLLBACK_COMPLETE")
            change_set.execution_status = "EXECUTE_FAILED"
            return
        if change_set is None:
            return
        stack = change_set.stack
        stack._parse_template()
        stack.output_map = OutputMap(stack.resource_map, stack.template_dict, stack.stack_id)
        for name in [
            name for name, export in self.exports.items() if export.exporting_stack_id == stack.stack_id
        ]:
            del self.exports[name]
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export
        # Later change sets compare their parameters with these (empty change sets).
        stack.parameters = dict(stack.resource_map.resolved_parameters)

    backend_cls.execute_change_set = execute_change_set

    def has_parameters(self, other_parameters):
        def as_strings(parameters):
            return {key: str(value) for key, value in parameters.items()}

        return as_strings(self.parameters) == as_strings(other_parameters)

    cfn_models.Stack.has_parameters = has_parameters

    response_cls = cfn_responses.CloudFormationResponse
    original_validate = response_cls._validate_different_update
    original_create_change_set = response_cls.create_change_set

    def _validate_different_update(self, incoming_params, stack_body, old_stack):
        if getattr(self, "_maticko_in_change_set", False):
            return None
        return original_validate(self, incoming_params, stack_body, old_stack)

    def create_change_set(self):
        self._maticko_in_change_set = True
        try:
            return original_create_change_set(self)
        finally:
            self._maticko_in_change_set = False

    response_cls._validate_different_update = _validate_different_update
    response_cls.create_change_set = create_change_set

    def update_termination_protection(self):
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection")
        return ActionResult({"StackId": stack.stack_id})

    response_cls.update_termination_protection = update_termination_protection

    db_cls = rds_models.DBInstance
    original_create = db_cls.create_from_cloudformation_json.__func__
    original_get_attr = db_cls.get_cfn_attribute

    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        parameter_group = cloudformation_json["Properties"].get("DBParameterGroupName")
        if parameter_group is not None and not isinstance(parameter_group, str):
            cloudformation_json["Properties"]["DBParameterGroupName"] = parameter_group.name
        database = original_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json.get("Properties", {})
        if str(properties.get("ManageMasterUserPassword", "")).lower() == "true":
            kms_key = (properties.get("MasterUserSecret") or {}).get("KmsKeyId")
            database.manage_master_user_password = True
            database.master_user_secret = rds_models.MasterUserSecret(database, kms_key)
        return database

    def has_cfn_attr(cls, attr):
        return attr in ("Endpoint.Address", "Endpoint.Port", "MasterUserSecret.SecretArn")

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "MasterUserSecret.SecretArn":
            return self.master_user_secret.secret_arn
        return original_get_attr(self, attribute_name)

    db_cls.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    db_cls.has_cfn_attr = classmethod(has_cfn_attr)
    db_cls.get_cfn_attribute = get_cfn_attribute

    key_cls = kms_models.Key
    original_key_create = key_cls.create_from_cloudformation_json.__func__

    def create_key_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = cloudformation_json.get("Properties", {})
        properties["Tags"] = [
            {"TagKey": tag["Key"], "TagValue": tag["Value"]} if "Key" in tag else tag
            for tag in properties.get("Tags", [])
        ]
        return original_key_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    key_cls.create_from_cloudformation_json = classmethod(create_key_from_cloudformation_json)

    from moto_emulator_database import install_database_shims

    install_database_shims()


def install_waf_shims() -> None:
    """Gap 9: WAFv2 resources in CloudFormation, through moto's WAFv2 backend."""
    from moto.core.common_models import CloudFormationModel
    from moto.wafv2.models import wafv2_backends

    # moto files every model under the service named by its module (moto.<service>...).
    module = "moto.wafv2.maticko_shim"

    class CfnWebAcl(CloudFormationModel):
        __module__ = module

        def __init__(self, backend, acl) -> None:
            self.backend, self.acl = backend, acl

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::WAFv2::WebACL"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @property
        def physical_resource_id(self) -> str:
            return self.acl.arn

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.acl.arn

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            backend = wafv2_backends[account_id][region_name]
            acl = backend.create_web_acl(
                name=properties.get("Name", resource_name),
                visibility_config=properties["VisibilityConfig"],
                default_action=properties["DefaultAction"],
                scope=properties["Scope"],
                description=properties.get("Description", ""),
                tags=properties.get("Tags", []),
                rules=properties.get("Rules", []),
                association_config=None,
                captcha_config=None,
                challenge_config=None,
                custom_response_bodies=properties.get("CustomResponseBodies"),
                token_domains=None,
            )
            return cls(backend, acl)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            self.backend.wacls.pop(self.acl.arn, None)

    class CfnWebAclAssociation(CloudFormationModel):
        __module__ = module

        def __init__(self, backend, resource_arn: str) -> None:
            self.backend, self.resource_arn = backend, resource_arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::WAFv2::WebACLAssociation"

        @property
        def physical_resource_id(self) -> str:
            return self.resource_arn

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            backend = wafv2_backends[account_id][region_name]
            backend.associate_web_acl(properties["WebACLArn"], properties["ResourceArn"])
            return cls(backend, properties["ResourceArn"])

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            self.backend.disassociate_web_acl(self.resource_arn)

    class CfnLoggingConfiguration(CloudFormationModel):
        __module__ = module

        def __init__(self, backend, acl_arn: str) -> None:
            self.backend, self.acl_arn = backend, acl_arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::WAFv2::LoggingConfiguration"

        @property
        def physical_resource_id(self) -> str:
            return self.acl_arn

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            backend = wafv2_backends[account_id][region_name]
            backend.put_logging_configuration(
                properties["ResourceArn"],
                properties["LogDestinationConfigs"],
                properties.get("RedactedFields"),
                False,
                properties.get("LoggingFilter"),
            )
            return cls(backend, properties["ResourceArn"])

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            self.backend.logging_configurations.pop(self.acl_arn, None)


def install_secret_shims() -> None:
    """Gap 10: AWS::SecretsManager::Secret, through moto's Secrets Manager backend."""
    import json

    from moto.core.common_models import CloudFormationModel
    from moto.secretsmanager.models import secretsmanager_backends

    class CfnSecret(CloudFormationModel):
        __module__ = "moto.secretsmanager.maticko_shim"

        def __init__(self, backend, arn: str) -> None:
            self.backend, self.arn = backend, arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::Secret"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            backend = secretsmanager_backends[account_id][region_name]
            secret_string = properties.get("SecretString")
            generate = properties.get("GenerateSecretString")
            if generate is not None:
                password = json.loads(
                    backend.get_random_password(
                        password_length=int(generate.get("PasswordLength", 32)),
                        exclude_characters=generate.get("ExcludeCharacters", ""),
                        exclude_numbers=str(generate.get("ExcludeNumbers", False)).lower() == "true",
                        exclude_punctuation=str(generate.get("ExcludePunctuation", False)).lower() == "true",
                        exclude_uppercase=str(generate.get("ExcludeUppercase", False)).lower() == "true",
                        exclude_lowercase=str(generate.get("ExcludeLowercase", False)).lower() == "true",
                        include_space=str(generate.get("IncludeSpace", False)).lower() == "true",
                        require_each_included_type=True,
                    )
                )["RandomPassword"]
                if "GenerateStringKey" in generate:
                    value = json.loads(generate.get("SecretStringTemplate", "{}"))
                    value[generate["GenerateStringKey"]] = password
                    secret_string = json.dumps(value)
                else:
                    secret_string = password
            created = backend.create_secret(
                name=properties.get("Name", resource_name),
                secret_string=secret_string,
                secret_binary=None,
                description=properties.get("Description"),
                tags=properties.get("Tags"),
                kms_key_id=properties.get("KmsKeyId"),
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
            return cls(backend, json.loads(created)["ARN"])

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            self.backend.delete_secret(self.arn, None, True)


def install_alarm_shims() -> None:
    """Gap 11: AWS::CloudWatch::Alarm, through moto's CloudWatch backend."""
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel
    from moto.elbv2.models import FakeTargetGroup

    def target_group_attribute(self, attribute_name: str) -> str:
        if attribute_name == "TargetGroupFullName":
            return self.arn.split(":")[-1]
        raise UnformattedGetAttTemplateException()

    FakeTargetGroup.has_cfn_attr = classmethod(lambda cls, attr: attr == "TargetGroupFullName")
    FakeTargetGroup.get_cfn_attribute = target_group_attribute

    class CfnAlarm(CloudFormationModel):
        __module__ = "moto.cloudwatch.maticko_shim"

        def __init__(self, backend, alarm) -> None:
            self.backend, self.alarm = backend, alarm

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @property
        def physical_resource_id(self) -> str:
            return self.alarm.name

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.alarm.alarm_arn

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = cloudformation_json["Properties"]
            backend = cloudwatch_backends[account_id][region_name]
            alarm = backend.put_metric_alarm(
                name=properties.get("AlarmName", resource_name),
                namespace=properties.get("Namespace"),
                metric_name=properties.get("MetricName"),
                comparison_operator=properties["ComparisonOperator"],
                evaluation_periods=int(properties["EvaluationPeriods"]),
                period=int(properties.get("Period", 60)),
                threshold=float(properties["Threshold"]),
                statistic=properties.get("Statistic"),
                extended_statistic=properties.get("ExtendedStatistic"),
                description=properties.get("AlarmDescription", ""),
                dimensions=properties.get("Dimensions", []),
                alarm_actions=properties.get("AlarmActions", []),
                ok_actions=properties.get("OKActions", []),
                treat_missing_data=properties.get("TreatMissingData"),
            )
            return cls(backend, alarm)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            return cls.create_from_cloudformation_json(
                original_resource.alarm.name, cloudformation_json, account_id, region_name
            )

        def delete(self, account_id: str, region_name: str) -> None:
            self.backend.delete_alarms([self.alarm.name])


def main(argv: list[str]) -> int:
    port = argv[1] if len(argv) > 1 else "5000"
    # Resource types moto does not emulate (NACLs, alarms, scaling policies, ...) are
    # skipped with a warning each; they are covered by the template tests instead.
    warnings.simplefilter("ignore")
    install_shims()
    install_waf_shims()
    install_secret_shims()
    install_alarm_shims()
    # moto caches the CloudFormation types it knows on first use (the database shims
    # look them up): forget that, so the secret and alarm types installed after count.
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", port])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
