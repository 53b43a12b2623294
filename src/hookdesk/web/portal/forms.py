"""What the portal's forms ask for when a field was left empty (or a topic not chosen)."""

from hookdesk.web.forms import EMPTY, Messages

_ASK = {
    "title": "Enter a title.",
    "topic": "Choose a topic.",
    "description": "Describe what you need help with.",
    "reply": "Write your reply.",
}
MESSAGES: Messages = {(field, problem): ask for field, ask in _ASK.items() for problem in EMPTY}
