"""Testing support shipped with fours, for your own property suites.

* :mod:`fours_domain.testing.strategies` — hypothesis strategies for VINs,
  plates, mobile numbers, money, time zones and whole organisation trees.
* :mod:`fours_domain.testing.fakes` — in-memory repositories and unit of work
  for fast service tests (no database).

Needs the ``testing`` extra: ``pip install 'fours[testing]'``. The guide, with a
runnable example suite, is docs/testing.md.
"""
