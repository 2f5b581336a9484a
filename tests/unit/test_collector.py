"""The garbage collector as `fedi serve` and `fedi serve --role worker` tune it."""

from __future__ import annotations

import gc

from fedi.app import GC_YOUNG_THRESHOLD, tune_collector


def test_tuning_keeps_what_exists_out_of_collections_and_collects_young_objects_less_often():
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_freeze_count() > 0  # the loaded code and the app are no longer walked
        young, middle, old = gc.get_threshold()
        assert (young, middle, old) == (GC_YOUNG_THRESHOLD, before[1], before[2])
        assert young > before[0]
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # garbage made afterwards is still collected
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
