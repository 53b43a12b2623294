"""Who acts in tests that call the services directly: an API key of the account."""

from hookdesk.accounts.acting import Acting, ApiKey
from hookdesk.shared.secretbox import SecretBox


def api_key_acting(
    account_id: str, box: SecretBox, public_url: str = "http://testserver"
) -> Acting:
    return Acting(account_id, ApiKey("test key"), public_url=public_url, dev=True, box=box)
