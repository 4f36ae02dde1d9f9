"""What the plan tier needs from moto beyond what it emulates out of the box.

- Groups and roles: the golden patterns add users to groups and attach policies to roles
  they do not declare ("developers", "auditor"), as real code does with what is managed
  elsewhere; here the account has every group and role the code names.
- Policy documents: the patterns' policies are sketches (no ``Version``, no statements),
  which IAM would refuse; what is judged here is what a plan destroys, not the policies.
- Service-specific credentials: moto answers HTTP 500; here they are kept per user, as the
  AWS provider creates, lists and deletes them.
- AWS managed policies (``arn:aws:iam::aws:policy/ReadOnlyAccess``) are loaded, so that
  attaching one succeeds as it does in AWS.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import IAMBackend
from moto.iam.policy_validation import IAMPolicyDocumentValidator
from moto.iam.responses import IamResponse

_NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"'
_META = (
    "<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>"
    "</ResponseMetadata>"
)


def _credential_xml(entry: dict[str, str], secret: bool) -> str:
    fields = ["UserName", "ServiceName", "ServiceUserName", "ServiceSpecificCredentialId"]
    fields += ["Status", "CreateDate"] + (["ServicePassword"] if secret else [])
    return "".join(f"<{name}>{entry[name]}</{name}>" for name in fields)


@contextmanager
def completed_moto() -> Iterator[None]:
    """moto with the additions above, for the duration of the block."""
    credentials: dict[tuple[str, str], list[dict[str, str]]] = {}
    original_add = IAMBackend.add_user_to_group
    original_attach = IAMBackend.attach_role_policy
    original_validate = IAMPolicyDocumentValidator.validate
    original_list = getattr(IamResponse, "list_service_specific_credentials", None)
    before = os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES")

    def add_user_to_group(self: IAMBackend, group_name: str, user_name: str) -> None:
        try:
            self.get_group(group_name)
        except NotFoundException:
            self.create_group(group_name, "/")
        original_add(self, group_name, user_name)

    def attach_role_policy(self: IAMBackend, policy_arn: str, role_name: str) -> None:
        try:
            self.get_role(role_name)
        except NotFoundException:
            self.create_role(role_name, "{}", "/", None, "", [], None)
        original_attach(self, policy_arn, role_name)

    def create(self: Any) -> str:
        user = self._get_param("UserName")
        self.backend.get_user(user)
        entry = {
            "UserName": user,
            "ServiceName": self._get_param("ServiceName"),
            "ServiceUserName": f"{user}-at-{self.current_account}",
            "ServiceSpecificCredentialId": "ACCA" + uuid.uuid4().hex[:17].upper(),
            "Status": "Active",
            "CreateDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ServicePassword": uuid.uuid4().hex,
        }
        credentials.setdefault((self.current_account, user), []).append(entry)
        return (
            f"<CreateServiceSpecificCredentialResponse {_NS}>"
            "<CreateServiceSpecificCredentialResult><ServiceSpecificCredential>"
            f"{_credential_xml(entry, True)}"
            "</ServiceSpecificCredential></CreateServiceSpecificCredentialResult>"
            f"{_META}</CreateServiceSpecificCredentialResponse>"
        )

    def listed(self: Any) -> str:
        user = self._get_param("UserName")
        service = self._get_param("ServiceName")
        members = "".join(
            f"<member>{_credential_xml(entry, False)}</member>"
            for entry in credentials.get((self.current_account, user), [])
            if service in (None, entry["ServiceName"])
        )
        return (
            f"<ListServiceSpecificCredentialsResponse {_NS}><ListServiceSpecificCredentialsResult>"
            f"<ServiceSpecificCredentials>{members}</ServiceSpecificCredentials>"
            f"</ListServiceSpecificCredentialsResult>{_META}</ListServiceSpecificCredentialsResponse>"
        )

    def delete(self: Any) -> str:
        user = self._get_param("UserName")
        wanted = self._get_param("ServiceSpecificCredentialId")
        kept = credentials.get((self.current_account, user), [])
        credentials[(self.current_account, user)] = [
            e for e in kept if e["ServiceSpecificCredentialId"] != wanted
        ]
        return (
            f"<DeleteServiceSpecificCredentialResponse {_NS}>{_META}"
            "</DeleteServiceSpecificCredentialResponse>"
        )

    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    IAMBackend.add_user_to_group = add_user_to_group  # type: ignore[method-assign]
    IAMBackend.attach_role_policy = attach_role_policy  # type: ignore[method-assign]
    IAMPolicyDocumentValidator.validate = lambda self: None  # type: ignore[method-assign]
    IamResponse.create_service_specific_credential = create  # type: ignore[attr-defined]
    IamResponse.list_service_specific_credentials = listed  # type: ignore[attr-defined]
    IamResponse.delete_service_specific_credential = delete  # type: ignore[attr-defined]
    try:
        yield
    finally:
        IAMBackend.add_user_to_group = original_add  # type: ignore[method-assign]
        IAMBackend.attach_role_policy = original_attach  # type: ignore[method-assign]
        IAMPolicyDocumentValidator.validate = original_validate  # type: ignore[method-assign]
        IamResponse.list_service_specific_credentials = original_list  # type: ignore[attr-defined]
        del IamResponse.create_service_specific_credential  # type: ignore[attr-defined]
        del IamResponse.delete_service_specific_credential  # type: ignore[attr-defined]
        if before is None:
            del os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"]
        else:
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = before
