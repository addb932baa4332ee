"""Commissioning lots: groups of wards (any boundary year) or LSOAs, their need and an editable value model.

A lot is a set of *units* (wards or LSOAs) that one provider delivers in. Everything about a lot is
built from the LSOAs inside its units (each LSOA belongs to the unit holding its representative point,
the best-fit rule ONS uses):

- need: population, working-age population, IMD profile (LSOAs per decile), the share of residents in
  England's most deprived 10% and 20% of LSOAs, and estimated workless residents: employment-domain
  score x working-age population where a score exists, else the typical score of the LSOA's decile
  (an estimate, labelled as such);
- value: expected participants at an engagement rate, participants active at once (enrolments per
  month x months on the programme), advisors needed (active / caseload), delivery cost (advisors,
  venues, management, a set-up period) and payment-by-results income per cohort, from the editable
  `geo.assumptions.LotValueModel`.

Only two payment rates have a source (job outcome £889 Hardest to Help, £400 Rapid Progression); the
other defaults are assumptions, and `value.assumption_table` says which is which. Counts here are
residents or model estimates, never participants, except `profile.enrolled_per_lot`, whose result must
be shown through `geo.privacy.suppress`.

The modules, in the order data flows through them:

- `need`: LSOA need (workless residents and how they were estimated), best-fit LSOAs per unit;
- (adjacency: `geo.analyse.adjacency`, the one rook/queen function every plan uses);
- `units`: `LotUnits`, the units of one layer with their need and adjacency (`prepare_units`);
- `scenario`: `Scenario`, a checked set of lots, and its saved form (geo.io plans, kind "lots");
- `value`: the value model's arithmetic and its table of assumptions with their basis;
- `profile`: one row per lot (need, value, flags), extension to adjacent units, participants enrolled;
- `tables`: profiles and comparisons as display text;
- `draft`: `LotDraft`, the lots being edited on the page (add, remove, rename, toggle units, ...);
- `suggest`: suggested lots (k high-need clusters, or an area divided into k lots).

Maps and exports of lots live in `geo.out.lots_map` and `geo.out.lots_exports`. Nothing here reads a file.
"""
