"""The plan of one demo borough: its names and codes, its outline, the town, villages and estates.

These are the first random draws for a borough copy; every later step (streets, wards, LSOAs,
places, people) builds on a `Layout`. Coordinates are local metres around the borough's centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.demo.names import VILLAGE_NAMES
from geo.demo.shapes import TAU, Radial, radial

DEMO_NAME = "Kelderby"
BOROUGH_R_MAX_M = 15_500.0


@dataclass(frozen=True)
class BoroughCopy:
    """Who copy `index` of the tiled demo is: LAD name and code, and the suffix on every id."""

    index: int
    lad_name: str
    lad_code: str
    suffix: str

    @classmethod
    def of(cls, index: int) -> BoroughCopy:
        return cls(
            index=index,
            lad_name=DEMO_NAME if index == 0 else f"{DEMO_NAME} {index + 1}",
            lad_code=f"E069{index:02d}001",
            suffix="" if index == 0 else f"-{index + 1}",
        )


@dataclass(frozen=True)
class Layout:
    """Outline of the borough and the town; where the villages and the estates are."""

    borough_r: Radial
    town_r: Radial
    borough: shapely.Polygon
    town_area: shapely.Polygon
    vil_theta: np.ndarray  # bearing of each village from the centre
    vil_dist: np.ndarray  # its distance from the centre (m)
    vil_xy: np.ndarray
    vil_names: list[str]
    pocket_village: int  # the deprived rural pocket nobody reaches
    est_r: np.ndarray  # radius of each estate (m)
    est_xy: np.ndarray
    poor_estate: int  # the estate with no bus and a corner nobody reaches

    @property
    def n_vil(self) -> int:
        return len(self.vil_xy)

    @property
    def n_est(self) -> int:
        return len(self.est_xy)


def draw_layout(rng: np.random.Generator) -> Layout:
    """Borough and town outlines, four to six villages around the town, two or three estates in it."""
    borough_r = radial(rng, 13_800.0, 0.07, 12_000.0, BOROUGH_R_MAX_M)
    town_r = radial(rng, 2_900.0, 0.10, 2_400.0, 3_300.0)
    borough = borough_r.polygon(n=360)
    town_area = town_r.polygon(n=240, pad_m=350.0)

    n_vil = int(rng.integers(4, 7))
    base = rng.uniform(0.0, TAU)
    vil_theta = (base + TAU * np.arange(n_vil) / n_vil
                 + rng.uniform(-0.2, 0.2, n_vil) * TAU / n_vil) % TAU
    vil_dist = np.minimum(rng.uniform(6_500.0, 10_500.0, n_vil), borough_r(vil_theta) - 2_500.0)
    vil_xy = np.c_[vil_dist * np.cos(vil_theta), vil_dist * np.sin(vil_theta)]
    vil_names = [VILLAGE_NAMES[i] for i in rng.choice(len(VILLAGE_NAMES), n_vil, replace=False)]
    pocket_village = int(rng.integers(n_vil))

    n_est = int(rng.integers(2, 4))
    est_theta = (rng.uniform(0.0, TAU) + TAU * np.arange(n_est) / n_est
                 + rng.uniform(-0.15, 0.15, n_est)) % TAU
    est_r = rng.uniform(550.0, 700.0, n_est)
    est_dist = np.minimum(rng.uniform(1_500.0, 2_100.0, n_est), town_r(est_theta) - est_r - 150.0)
    est_xy = np.c_[est_dist * np.cos(est_theta), est_dist * np.sin(est_theta)]
    return Layout(
        borough_r=borough_r, town_r=town_r, borough=borough, town_area=town_area,
        vil_theta=vil_theta, vil_dist=vil_dist, vil_xy=vil_xy, vil_names=vil_names,
        pocket_village=pocket_village, est_r=est_r, est_xy=est_xy, poor_estate=n_est - 1,
    )
