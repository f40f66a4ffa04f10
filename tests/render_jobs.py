"""Work for ``casework.desk.renderers.RenderPool`` in its tests. A renderer imports this by
name, so it imports nothing of Django's."""

import os
import resource
import time


def pid() -> tuple[str, int]:
    return ("ok", os.getpid())


def address_space_limit() -> tuple[str, int]:
    return ("ok", resource.getrlimit(resource.RLIMIT_AS)[0])


def allocate(megabytes: int) -> tuple[str, int]:
    block = bytearray(megabytes * 1024 * 1024)
    return ("ok", len(block))


def sleep(seconds: float) -> tuple[str, int]:
    time.sleep(seconds)
    return ("ok", os.getpid())


def fail() -> tuple[str, str]:
    return ("error", "the work said no")


def run(name: str, *args: object) -> tuple[str, object]:
    """Any of the above by name, so one renderer can be asked for several in turn."""
    return globals()[name](*args)
