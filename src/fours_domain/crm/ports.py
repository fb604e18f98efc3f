"""Ports of the CRM context towards the outside world."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Protocol

import attrs

from fours_domain.shared.identifiers import MobileNumber


class SmsPurpose(enum.Enum):
    """What a message is for: it decides rate limits and quiet hours."""

    VERIFICATION = "verification"
    NOTIFICATION = "notification"
    MARKETING = "marketing"
    """Only 08:00–22:00 store-local time, never to an opted-out customer."""


@attrs.frozen
class SmsMessage:
    """A templated text message; providers render the template themselves."""

    to: MobileNumber
    template: str
    params: Mapping[str, str]
    purpose: SmsPurpose
    idempotency_key: str


class SmsOutcome(enum.Enum):
    SENT = "sent"
    REJECTED = "rejected"
    """Number, template or signature refused: retrying will not help."""
    RETRYABLE = "retryable"
    """Throttled or provider error: try again later."""
    UNKNOWN = "unknown"
    """Timed out: the provider may have sent it; never resend blindly."""


@attrs.frozen
class SmsReceipt:
    outcome: SmsOutcome
    provider_message_id: str | None = None
    detail: str = ""


class SmsGateway(Protocol):
    """Port: send one message through a provider (Aliyun, Tencent Cloud, Twilio…)."""

    name: str

    def send(self, message: SmsMessage) -> SmsReceipt: ...
