"""What the portal's forms ask for when a field was left empty (or a topic not chosen); shown
in the client's language (web/portal/language.py)."""

from hookdesk.web.forms import EMPTY, Messages
from hookdesk.web.portal.language import N_

_ASK = {
    "title": N_("Enter a title."),
    "topic": N_("Choose a topic."),
    "description": N_("Describe what you need help with."),
    "reply": N_("Write your reply."),
}
MESSAGES: Messages = {(field, problem): ask for field, ask in _ASK.items() for problem in EMPTY}
