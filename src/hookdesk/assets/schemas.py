"""The asset object: the receiver SDK's model, so API and webhooks document one shape."""

from hookdesk.receiver.events import Asset as AssetRead

__all__ = ["AssetRead"]
