"""A signing secret shown once after a redirect (post/redirect/get): the post that makes or
reveals it seals it into a short-lived cookie, and the endpoint page that follows shows it and
drops the cookie, so a reload shows it no more and creates or rotates nothing again."""

import json
import time
from dataclasses import dataclass

from fastapi import Request, Response

from hookdesk.shared.secretbox import SecretBox, UnreadableSecret
from hookdesk.web import cookies
from hookdesk.web.auth import Agent

LIFETIME = 300  # seconds: the redirect follows at once; a stale cookie shows nothing


@dataclass(frozen=True)
class Shown:
    secret: str
    notice: str


def hold(
    response: Response,
    request: Request,
    box: SecretBox,
    agent: Agent,
    *,
    endpoint_id: str,
    secret: str,
    notice: str,
) -> Response:
    """Keep the secret for the next page of this endpoint, for this teammate only."""
    held = {
        "teammate_id": agent.teammate_id,
        "endpoint_id": endpoint_id,
        "secret": secret,
        "notice": notice,
        "until": time.time() + LIFETIME,
    }
    cookies.put(request, response, cookies.ONCE, box.seal(json.dumps(held)), max_age=LIFETIME)
    return response


def take(request: Request, box: SecretBox, agent: Agent, endpoint_id: str) -> Shown | None:
    """What was held for this endpoint's page and teammate, if anything; the page that shows it
    drops it (`drop`)."""
    sealed = request.cookies.get(cookies.ONCE)
    if not sealed:
        return None
    try:
        held = json.loads(box.open(sealed))
    except (UnreadableSecret, ValueError):
        return None
    mine = held.get("teammate_id") == agent.teammate_id and held.get("endpoint_id") == endpoint_id
    if not mine or held.get("until", 0) < time.time():
        return None
    return Shown(str(held["secret"]), str(held["notice"]))


def drop(request: Request, response: Response) -> None:
    cookies.drop(request, response, cookies.ONCE)
