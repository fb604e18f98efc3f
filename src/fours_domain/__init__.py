"""fours domain core: the pure model of a 4S dealer group.

Nothing in this package performs I/O, reads the clock or the environment, or
draws random numbers: time and identifiers come in as arguments or through the
ports in :mod:`fours_domain.shared.ports`. Import-linter contracts enforce it.
"""
