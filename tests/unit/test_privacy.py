import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from geo.privacy import BANDS, band, suppress, suppress_series


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
