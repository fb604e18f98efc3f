"""fours domain core: the pure model of a 4S dealer group.

Nothing in this package performs I/O, reads the clock or the environment, or
draws random numbers: time and identifiers come in as arguments or through the
ports — :class:`fours_domain.shared.time.Clock`,
:class:`fours_domain.shared.ids.IdSource`, :class:`fours_domain.shared.uow.UnitOfWork`
and each context's ``ports`` module. Import-linter contracts and ruff's banned-api
enforce it (docs/adr/0009-purity-gates.md).
"""
