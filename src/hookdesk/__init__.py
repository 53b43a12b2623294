"""hookdesk: a self-hostable whitelabel helpdesk with first-class webhooks."""

__all__ = ["__version__"]

__version__: str  # read from the installed package's metadata when first asked for (below)


def __getattr__(name: str) -> str:
    """`hookdesk.__version__`, looked up once: importlib.metadata would cost every `hookdesk`
    command and every receiver SDK user tens of milliseconds at start."""
    if name != "__version__":
        raise AttributeError(f"module 'hookdesk' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        found = version("hookdesk")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
