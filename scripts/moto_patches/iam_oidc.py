"""IAM: moto 5.2.5 has no AddClientIDToOpenIDConnectProvider or
RemoveClientIDFromOpenIDConnectProvider, and DeleteOpenIDConnectProvider of an unknown ARN
succeeds. This gives them AWS's semantics:

* AddClientIDToOpenIDConnectProvider appends the client id unless the provider already lists it
  (AWS: "If the client ID already exists, the action completes successfully"); at most 100.
* RemoveClientIDFromOpenIDConnectProvider removes the client id; one the provider does not list
  is not an error (AWS: "This operation is idempotent").
* All three answer NoSuchEntity for a provider that does not exist."""

from __future__ import annotations

import sys


def apply() -> None:
    try:
        from moto.core.responses import EmptyResult
        from moto.iam.exceptions import NotFoundException
        from moto.iam.models import IAMBackend, LimitExceededException
        from moto.iam.responses import IamResponse
    except ImportError as e:  # moto's layout moved: fail loudly
        sys.exit(f"moto_patches/iam_oidc.py: {e}")
    for name in ("add_client_id_to_open_id_connect_provider", "remove_client_id_from_open_id_connect_provider"):
        if hasattr(IamResponse, name):
            sys.exit(f"moto_patches/iam_oidc.py: moto now has IamResponse.{name}; remove this patch")
    for name in ("get_open_id_connect_provider", "delete_open_id_connect_provider"):
        if not hasattr(IAMBackend, name):
            sys.exit(f"moto_patches/iam_oidc.py: IAMBackend.{name} is gone; update this patch")

    def add_client_id(self: IamResponse) -> EmptyResult:
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        client_id = self._get_param("ClientID")
        if client_id not in provider.client_id_list:
            if len(provider.client_id_list) >= 100:
                raise LimitExceededException("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
            provider.client_id_list.append(client_id)
        return EmptyResult()

    def remove_client_id(self: IamResponse) -> EmptyResult:
        provider = self.backend.get_open_id_connect_provider(self._get_param("OpenIDConnectProviderArn"))
        client_id = self._get_param("ClientID")
        provider.client_id_list = [c for c in provider.client_id_list if c != client_id]
        return EmptyResult()

    original_delete = IAMBackend.delete_open_id_connect_provider

    def delete_provider(self: IAMBackend, arn: str) -> None:
        if arn not in self.open_id_providers:
            raise NotFoundException(f"OpenIDConnect Provider not found for arn {arn}")
        original_delete(self, arn)

    IamResponse.add_client_id_to_open_id_connect_provider = add_client_id
    IamResponse.remove_client_id_from_open_id_connect_provider = remove_client_id
    IAMBackend.delete_open_id_connect_provider = delete_provider
