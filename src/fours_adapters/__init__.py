"""Adapters binding the fours domain to storage, manufacturer DMS feeds and SMS gateways."""
