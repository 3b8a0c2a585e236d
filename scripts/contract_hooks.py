"""schemathesis hooks of the contract gate (scripts/contract.sh sets SCHEMATHESIS_HOOKS).

Every POST of a signed-in caller declares `Idempotency-Key`. A client sends a new key for each
operation it means; the fuzzer would send the same generated key (`0`, the example, …) with many
different bodies, and the server rightly answers 422 `idempotency_key_reused` or replays the first
answer. So a well-formed key is replaced with a fresh one before each call, as a client would do;
a malformed key (the fuzzer's invalid data) is sent as generated and must still be refused. What
keys do is tested by tests/tests/http/idempotency.rs.
"""

import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and WELL_FORMED.match(headers[name]):
            headers[name] = f"contract-{uuid.uuid4()}"
