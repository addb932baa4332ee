import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.privacy import BANDS, band, secondary_suppress, suppress, suppress_series


@pytest.mark.parametrize("n,text", [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (9, "9"), (1234, "1,234")])
def test_suppress_by_hand(n, text):
    assert suppress(n) == text


def test_suppress_rejects_nonsense():
    with pytest.raises(ValueError):
        suppress(-1)
    with pytest.raises(ValueError):
        suppress(3, threshold=0)


def test_bands_by_hand():
    assert list(band([0, 1, 4, 5, 9, 10, 250])) == ["none", "<5", "<5", "5–9", "5–9", "10+", "10+"]


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=50))
def test_no_small_number_survives(counts):
    texts = suppress_series(pd.Series(counts))
    for n, t in zip(counts, texts):
        if 0 < n < 5:
            assert t == "<5"
        else:
            assert t.replace(",", "") == str(n)
    assert set(band(np.array(counts, dtype="int64"))) <= set(BANDS)


def test_secondary_suppression_by_hand():
    #            A   B   C          row totals shown
    # North      3  10  20   -> 3 is primary; the row would give it away: 10 (smallest other) hidden
    # South     12  15   0
    t = pd.DataFrame({"A": [3, 12], "B": [10, 15], "C": [20, 0]}, index=["North", "South"])
    out = secondary_suppress(t)
    assert out.loc["North"].tolist() == ["<5", "*", "20", "33"]
    # column A now has one hidden cell (3) over a shown total 15, so 12 is hidden too; column B
    # has one hidden cell (10) so 15 is hidden; then row South has 12 and 15 hidden: fine.
    assert out.loc["South"].tolist() == ["*", "*", "0", "27"]
    assert out.loc["Total"].tolist() == ["15", "25", "20", "60"]


def test_secondary_suppression_nothing_small():
    t = pd.DataFrame({"A": [6, 7], "B": [0, 9]})
    out = secondary_suppress(t)
    assert out.iloc[:2, :2].to_numpy().tolist() == [["6", "0"], ["7", "9"]]


@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=1, max_size=6))
def test_no_line_with_a_single_hidden_cell(rows):
    t = pd.DataFrame(rows, columns=["a", "b", "c"])
    out = secondary_suppress(t).iloc[:-1, :-1]
    hidden = out.isin(["<5", "*"]).to_numpy()
    # every small cell is hidden, and no line has exactly one hidden cell beside other non-zero ones
    vals = t.to_numpy()
    assert (hidden[(vals > 0) & (vals < 5)]).all()
    for i in range(vals.shape[0]):
        others = (~hidden[i]) & (vals[i] > 0)
        assert hidden[i].sum() != 1 or not others.any()
    for j in range(vals.shape[1]):
        others = (~hidden[:, j]) & (vals[:, j] > 0)
        assert hidden[:, j].sum() != 1 or not others.any()
