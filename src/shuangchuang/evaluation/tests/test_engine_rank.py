import numpy as np

from shuangchuang.evaluation.engine.rank import competition_ranks


def test_ties_share_the_better_rank_and_the_next_is_skipped():
    # 90 is first; the two 80s share rank 2; 70 is fourth (1, 2, 2, 4)
    assert competition_ranks(np.array([80.0, 90.0, 70.0, 80.0])).tolist() == [2.0, 1.0, 4.0, 2.0]


def test_missing_scores_get_no_rank_and_do_not_count():
    ranks = competition_ranks(np.array([np.nan, 5.0, 7.0]))
    assert np.isnan(ranks[0]) and ranks[1:].tolist() == [2.0, 1.0]


def test_floating_point_noise_does_not_split_a_tie():
    assert competition_ranks(np.array([0.1 + 0.2, 0.3, 0.2])).tolist() == [1.0, 1.0, 3.0]


def test_rows_are_ranked_independently_along_the_axis():
    scores = np.array([[1.0, 2.0, 3.0], [3.0, 3.0, 1.0]])
    assert competition_ranks(scores, axis=1).tolist() == [[3.0, 2.0, 1.0], [1.0, 1.0, 3.0]]
    assert competition_ranks(scores, axis=0).tolist() == [[2.0, 2.0, 1.0], [1.0, 1.0, 2.0]]


def test_ascending_ranks_for_rank_normalisation():
    assert competition_ranks(np.array([5.0, 1.0, 5.0]), descending=False).tolist() == [2.0, 1.0, 2.0]
