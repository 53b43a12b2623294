"""hookdesk: a self-hostable whitelabel helpdesk with first-class webhooks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hookdesk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
