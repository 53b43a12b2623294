import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # starts processes of its own

# In a child process: freezing is for good, and the test process's own collector stays untouched.
CHILD = textwrap.dedent(
    """
    import gc, weakref
    import hookdesk.app
    from hookdesk.shared.garbage import YOUNG_GENERATION_THRESHOLD, settle_after_start_up

    class Node:
        pass

    settle_after_start_up()
    assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD

    # A cycle made after start-up is still collected.
    node = Node()
    node.me = node
    alive = weakref.ref(node)
    del node
    gc.collect()
    assert alive() is None
    print("ok")
    """
)


def test_start_up_objects_are_frozen_and_later_cycles_still_collected() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
