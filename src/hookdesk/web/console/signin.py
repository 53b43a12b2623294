"""Accepting an invite, signing in and out."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hookdesk.access import links, passwords, sessions, signin
from hookdesk.db.dependencies import Db
from hookdesk.errors import TooManyRequests
from hookdesk.web import cookies
from hookdesk.web.auth import AgentForm, AnonymousForm
from hookdesk.web.pages import Errors, redirect, render, text

router = APIRouter(prefix="/console")
AGENT_COOKIE_AGE = sessions.LIFETIME[sessions.Kind.AGENT]


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/console") -> Response:
    return _sign_in_form(request, next_page=next, email="", errors={})


@router.post("/sign-in")
def sign_in(request: Request, form: AnonymousForm, db: Db) -> Response:
    email, password = text(form, "email"), form.get("password")
    next_page = text(form, "next")
    if not email or not isinstance(password, str) or not password:
        errors = {"email": "Enter your email."} if not email else {}
        errors |= {} if password else {"password": "Enter your password."}
        return _sign_in_form(request, next_page=next_page, email=email, errors=errors, status=400)
    try:
        signed_in = signin.sign_in(db, email, password)
    except TooManyRequests as throttled:
        minutes = -(-throttled.retry_after // 60)
        errors = {"_form": f"Too many failed attempts. Try again in {minutes} minutes."}
        response = _sign_in_form(request, next_page, email, errors, status=429)
        response.headers.update(throttled.headers)
        return response
    if signed_in is None:
        errors = {"_form": "That email and password do not match an agent's."}
        return _sign_in_form(request, next_page, email, errors, status=400)
    return _signed_in(request, signed_in, next_page)


@router.post("/sign-out")
def sign_out(request: Request, _form: AgentForm, db: Db) -> Response:
    with db.write() as session:
        sessions.end(session, request.cookies.get(cookies.AGENT, ""))
    response = redirect("/console/sign-in")
    cookies.drop(request, response, cookies.AGENT)
    return response


@router.get("/invite/{token}")
def invite_page(request: Request, token: str, db: Db) -> Response:
    with db.read() as session:
        teammate = links.invited(session, token)
        if teammate is None:
            return _invite_unusable(request)
        return _invite_form(request, teammate, errors={})


@router.post("/invite/{token}")
def accept_invite(request: Request, token: str, form: AnonymousForm, db: Db) -> Response:
    password, confirmation = form.get("password"), form.get("password_confirmation")
    password = password if isinstance(password, str) else ""
    errors: Errors = {}
    if problem := passwords.problem_with(password):
        errors["password"] = problem
    elif confirmation != password:
        errors["password_confirmation"] = "The two passwords differ."
    if errors:
        with db.read() as session:
            teammate = links.invited(session, token)
            if teammate is None:
                return _invite_unusable(request)
            return _invite_form(request, teammate, errors=errors, status=400)
    try:
        signed_in = signin.accept_invite(db, token, password)
    except signin.LinkUnusable:
        return _invite_unusable(request)
    return _signed_in(request, signed_in, "/console")


def _signed_in(request: Request, signed_in: signin.SignedIn, next_page: str) -> Response:
    response = redirect(_safe_next(next_page))
    cookies.put(request, response, cookies.AGENT, signed_in.started.token, AGENT_COOKIE_AGE)
    return response


def _safe_next(next_page: str) -> str:
    """Only a console page: never another site (`//evil.example`) after signing in."""
    if next_page.startswith("/console") and not next_page.startswith("/console/sign-"):
        return next_page
    return "/console"


def _sign_in_form(
    request: Request, next_page: str, email: str, errors: Errors, status: int = 200
) -> Response:
    context = {
        "title": "Sign in",
        "csrf": cookies.form_token(request),
        "next": _safe_next(next_page),
        "email": email,
        "errors": errors,
    }
    return render(request, "console/sign_in.html", context, status=status)


def _invite_form(request: Request, teammate: object, errors: Errors, status: int = 200) -> Response:
    context = {
        "title": "Set your password",
        "csrf": cookies.form_token(request),
        "teammate": teammate,
        "errors": errors,
        "min_length": passwords.MIN_LENGTH,
    }
    return render(request, "console/invite.html", context, status=status)


def _invite_unusable(request: Request) -> Response:
    context = {
        "title": "This invite cannot be used",
        "message": "The invite link has expired or was used already. Ask for a new invite.",
    }
    return render(request, "error.html", context, status=400)
