"""What can be wrong with a received webhook. Every error says what, in plain words."""


class WebhookVerificationError(Exception):
    """The body cannot be trusted: answer 400 and do not act on it."""


class MissingHeader(WebhookVerificationError):
    pass


class StaleTimestamp(WebhookVerificationError):
    pass


class NoMatchingSignature(WebhookVerificationError):
    pass


class InvalidSecret(WebhookVerificationError, ValueError):
    """The secret given to `verify` is not `whsec_` followed by base64."""
