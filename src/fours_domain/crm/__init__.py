"""Customers and leads (客户关系管理): customers, intent grades, follow-ups, reminders."""
