"""Column types of the organisation tables."""

from __future__ import annotations

from sqlalchemy import Dialect, String, TypeDecorator

from fours_domain.shared.identifiers import SocialCreditCode


class SocialCreditCodeType(TypeDecorator[SocialCreditCode]):
    """A unified social credit code (统一社会信用代码) as its 18 characters."""

    impl = String(18)
    cache_ok = True

    def process_bind_param(self, value: SocialCreditCode | None, dialect: Dialect) -> str | None:
        return None if value is None else value.value

    def process_result_value(self, value: str | None, dialect: Dialect) -> SocialCreditCode | None:
        return None if value is None else SocialCreditCode(value)
