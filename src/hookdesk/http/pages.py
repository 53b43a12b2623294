"""Which paths are the server-rendered pages' (web/): they answer HTML, errors included."""

PAGE_PREFIXES = ("/console", "/portal")


def is_page(path: str) -> bool:
    return path.startswith(PAGE_PREFIXES)
