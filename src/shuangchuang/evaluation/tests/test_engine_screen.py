import numpy as np

from shuangchuang.evaluation.engine.screen import ScreenSettings, screen_units


def test_units_below_the_availability_threshold_are_screened_out():
    nan = np.nan
    values = np.array([[1, 2, 3, 4], [1, nan, 3, 4], [nan, nan, 3, 4], [nan, nan, nan, 4.0]])
    kept, share = screen_units(values, ScreenSettings(min_availability=0.75))
    # availability: 4/4, 3/4, 2/4, 1/4; exactly 0.75 stays (COINr keeps >= threshold)
    assert share.tolist() == [1.0, 0.75, 0.5, 0.25]
    assert kept.tolist() == [True, True, False, False]


def test_no_threshold_keeps_everyone():
    kept, _ = screen_units(np.full((2, 2), np.nan), ScreenSettings())
    assert kept.all()
