"""Storage of domain events waiting to be published: the transactional outbox (``evt_outbox``)."""
