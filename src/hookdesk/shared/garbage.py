"""The garbage collector, tuned for a long-running server process.

CPython's collector walks every tracked object of a generation when it collects it. After start-up
most of them (modules, compiled SQL, the ORM's registries, the HTTP client) live as long as the
process, yet each full collection walks them all again: in a dispatcher busy sending, those walks
showed up as a tenth of its CPU time (bench/dispatch.py --profile, under `create_task`).
"""

import gc

# Young objects (a request's dicts, a send's futures) are collected every this many allocations
# net of frees, instead of CPython's 700: fewer short walks, at the cost of a few MB at most.
YOUNG_GENERATION_THRESHOLD = 10_000


def settle_after_start_up() -> None:
    """Call once set-up is done: what is alive now is moved out of the collector's sight for good
    (`gc.freeze`), and young objects are collected less often."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
