import uuid


def new_id() -> str:
    return str(uuid.uuid4())


def parse_uuid(value: str) -> str | None:
    """The canonical form of a UUID string, or None when `value` is not one."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
