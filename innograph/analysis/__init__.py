"""Pure, store-free analysis helpers for the studies' pipelines (issue 16).

- :mod:`innograph.analysis.applicants` — the type of an applicant from its name
  (enterprise, university, research institute, individual, other) and the cooperation
  type of a patent (I–U, I–R, U–R, I–U–R).
- :mod:`innograph.analysis.regions` — Chinese provincial-level divisions, US states and
  countries from an address, a region column or an affiliation string.

Nothing here imports the store or the models: strings in, strings out.
"""
