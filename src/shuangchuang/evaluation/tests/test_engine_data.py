"""The hierarchy is validated and compiled once; errors name the rows at fault."""

import numpy as np
import pytest

from shuangchuang.evaluation.engine.data import DataError, Dataset, Framework, FrameworkError, Node


def test_indicators_come_first_then_aggregates_by_height():
    framework = Framework.build(
        [
            Node("index"),
            Node("jobs", "index", 2),
            Node("j1", "jobs", 1),
            Node("innovation", "index", 1),
            Node("i1", "innovation", 1),
            Node("i2", "innovation", 1),
            Node("direct", "index", 1),  # an indicator directly under the index: uneven depth
        ]
    )
    assert framework.codes == ("j1", "i1", "i2", "direct", "jobs", "innovation", "index")
    assert framework.height.tolist() == [0, 0, 0, 0, 1, 1, 2]
    assert framework.level.tolist() == [1, 1, 1, 1, 2, 2, 3]
    first, second = framework.steps
    assert first.parents.tolist() == [4, 5]
    assert first.children.tolist() == [0, 1, 2]
    assert first.segment.tolist() == [0, 1, 1]
    assert second.children.tolist() == [3, 4, 5]
    assert framework.children_of("index") == ("direct", "jobs", "innovation")


def test_unknown_parent_names_the_row():
    with pytest.raises(FrameworkError, match="parent 'nowhere'") as caught:
        Framework.build([Node("index"), Node("a", "nowhere")])
    assert caught.value.codes == ("a",)
    assert caught.value.field == "parent"


def test_two_rows_without_parent():
    with pytest.raises(FrameworkError, match="2 rows have no parent") as caught:
        Framework.build([Node("index"), Node("other"), Node("a", "index")])
    assert caught.value.codes == ("index", "other")


def test_cycle_is_reported_with_its_members():
    with pytest.raises(FrameworkError, match="cycle: a → b → a") as caught:
        Framework.build([Node("index"), Node("x", "index"), Node("a", "b"), Node("b", "a")])
    assert set(caught.value.codes) == {"a", "b"}


def test_duplicate_code_negative_weight_and_bad_polarity():
    with pytest.raises(FrameworkError, match="appears twice"):
        Framework.build([Node("index"), Node("a", "index"), Node("a", "index")])
    with pytest.raises(FrameworkError, match="weight") as caught:
        Framework.build([Node("index"), Node("a", "index", -1.0)])
    assert caught.value.field == "weight"
    with pytest.raises(FrameworkError, match="polarity"):
        Framework.build([Node("index"), Node("a", "index", polarity=0)])


def test_an_index_without_indicators_is_refused():
    with pytest.raises(FrameworkError, match="no indicators"):
        Framework.build([Node("index")])


def test_dataset_refuses_duplicate_units_and_picks_columns_by_name():
    with pytest.raises(DataError, match="appears twice"):
        Dataset(("a", "a"), ("x",), np.zeros((2, 1)))
    data = Dataset(("a", "b"), ("x", "y"), np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert data.column_matrix(["y", None]).tolist() == [
        [2.0, pytest.approx(np.nan, nan_ok=True)],
        [4.0, pytest.approx(np.nan, nan_ok=True)],
    ]
    with pytest.raises(DataError, match="no column 'z'"):
        data.column_matrix(["z"])
