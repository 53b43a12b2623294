"""Flask: a decorator that verifies, parses, and answers 400 on a bad webhook.

from hookdesk.receiver.frameworks.flask import verified_webhook

@app.post("/hooks")
@verified_webhook(os.environ["HOOKDESK_SECRET"])
def receive(event):
    ...
    return "", 204
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import jsonify, request
from pydantic import ValidationError

from hookdesk.receiver.errors import WebhookVerificationError
from hookdesk.receiver.events import parse_event
from hookdesk.receiver.verify import DEFAULT_TOLERANCE, verify

View = Callable[..., Any]


def verified_webhook(secret: str, tolerance: float = DEFAULT_TOLERANCE) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            body = request.get_data(cache=True)
            try:
                verify(body, request.headers.items(), secret, tolerance)
                event = parse_event(body)
            except WebhookVerificationError as error:
                return jsonify(error=f"invalid webhook: {error}"), 400
            except ValidationError:
                return jsonify(error="invalid webhook: not a hookdesk event"), 400
            return view(event, *args, **kwargs)

        return wrapper

    return decorate
