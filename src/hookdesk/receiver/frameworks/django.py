"""Django: a view decorator that verifies, parses, and answers 400 on a bad webhook.

    from hookdesk.receiver.frameworks.django import verified_webhook

    @verified_webhook(settings.HOOKDESK_SECRET)
    def receive(request, event):
        ...
        return HttpResponse(status=204)

The view is exempt from CSRF checks: the signature is what proves the sender.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from hookdesk.receiver.errors import WebhookVerificationError
from hookdesk.receiver.events import parse_event
from hookdesk.receiver.verify import DEFAULT_TOLERANCE, verify

View = Callable[..., HttpResponse]


def verified_webhook(secret: str, tolerance: float = DEFAULT_TOLERANCE) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @csrf_exempt
        @require_POST
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                verify(request.body, request.headers.items(), secret, tolerance)
                event = parse_event(request.body)
            except WebhookVerificationError as error:
                return JsonResponse({"error": f"invalid webhook: {error}"}, status=400)
            except ValidationError:
                return JsonResponse({"error": "invalid webhook: not a hookdesk event"}, status=400)
            return view(request, event, *args, **kwargs)

        return wrapper

    return decorate
