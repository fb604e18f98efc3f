"""Prices, quotes and discount approvals (价格控制 / 报价 / 价格特批)."""
