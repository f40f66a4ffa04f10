"""Form helpers shared by the desk's edit forms."""


def parse_version(value) -> int | None:
    """The version an edit form was loaded at (a hidden field), or None if missing or bad."""
    try:
        version = int(value)
    except (TypeError, ValueError):
        return None
    return version if version > 0 else None
