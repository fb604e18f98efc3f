"""Organisation context: group → region → store → showroom / warehouse → bin."""
