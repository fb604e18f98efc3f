"""Manufacturer business policy and rebates (厂家商务政策 / 返利): policies, sales facts,
estimates, confirmation, settlement with netting, reconciliation and what-if."""
