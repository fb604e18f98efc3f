"""An SMS gateway that appends each message to a JSON-lines file instead of a provider.

For development, demos and staging, where no message may reach a customer
(compare Django's file-based e-mail backend). Production selects a provider
gateway in configuration.
"""

from __future__ import annotations

import json
from pathlib import Path

from fours_domain.crm.ports import SmsMessage, SmsOutcome, SmsReceipt


class FileSmsGateway:
    name = "file"

    def __init__(self, path: Path) -> None:
        self._path = path

    def send(self, message: SmsMessage) -> SmsReceipt:
        record = {
            "to": message.to.e164,
            "template": message.template,
            "params": dict(message.params),
            "purpose": message.purpose.value,
            "idempotency_key": message.idempotency_key,
        }
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
        return SmsReceipt(SmsOutcome.SENT, provider_message_id=message.idempotency_key)
