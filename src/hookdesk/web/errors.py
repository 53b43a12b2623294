"""The pages' own refusals, beside the services': the API never answers these. Like every
failure they reach the one error handler, which shows them as pages (web/error_pages.py)."""

from hookdesk.errors import HookdeskError
from hookdesk.shared.catalogs import N_

# Titles and messages the portal shows in the client's language (web/portal/language.py).

TITLES = {
    400: N_("That did not work"),
    401: N_("Not signed in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    413: N_("Too large"),
    429: N_("Too many attempts"),
    503: N_("Not available right now"),
}
ROUTE_NOT_FOUND = N_("There is no page at this address.")


def title_of(error: HookdeskError) -> str:
    return TITLES.get(error.status, N_("Something went wrong"))


class SignInRequired(HookdeskError):
    """No agent session: the browser is sent to the sign-in page, and back afterwards."""

    status = 401

    def __init__(self) -> None:
        super().__init__("Sign in to open this page.")


class AdminRequired(HookdeskError):
    """A signed-in agent on a page for the account's admins."""

    status = 403

    def __init__(self) -> None:
        super().__init__(
            "Only the account's admins can open this page. Ask one of them to make you an admin."
        )


class PortalLinkRequired(HookdeskError):
    """No client session: the portal asks for a new link from the agency."""

    status = 401

    def __init__(self) -> None:
        super().__init__(
            N_(
                "Your portal session has ended or this page is not yours. "
                "Ask for a new link to your support portal."
            )
        )


class FormExpired(HookdeskError):
    """A form post without its CSRF token, or with another one."""

    status = 403

    def __init__(self) -> None:
        super().__init__(N_("This form has expired. Go back, reload the page and try again."))
