"""`CurrentAccount`: the account whose API key signed the request, or a 401."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hookdesk.accounts import service
from hookdesk.db.dependencies import Db
from hookdesk.errors import ErrorCode, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer hk_...`")


def current_account(
    db: Db, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    if credentials is None:
        raise Unauthorized(
            "Missing API key: send it as 'Authorization: Bearer <api key>'.",
            code=ErrorCode.API_KEY_MISSING,
        )
    with db.read() as session:
        account_id = service.authenticate(session, plaintext=credentials.credentials)
    if account_id is None:
        raise Unauthorized("Invalid API key.", code=ErrorCode.API_KEY_INVALID)
    return account_id


CurrentAccount = Annotated[str, Depends(current_account)]
