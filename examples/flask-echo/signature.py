"""Checking that a request comes from the bridge, shared by both echo bots (XML and JSON)."""

import base64
import hashlib
import hmac
import os
import time

from flask import Response

TOLERANCE = 5 * 60  # seconds; Standard Webhooks' replay window
SECRET = os.environ.get("WEBHOOK_SECRET", "")  # XMPP_REST_CALLBACK_SECRET
TOKEN = os.environ.get("WEBHOOK_TOKEN", "")  # XMPP_REST_CALLBACK_TOKEN


def signature_ok(secret: str, headers, body: bytes) -> bool:
    """True when webhook-signature = v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))
    for the raw body, with a timestamp at most five minutes away from now."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not msg_id or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    if secret.startswith("whsec_"):
        key = base64.b64decode(secret[len("whsec_"):])
    else:
        key = secret.encode()
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, given) for given in signatures.split(" "))


def refusal(headers, body: bytes):
    """A 401 for a caller that is not the bridge (wrong token or signature), else None.
    `body` must be the raw bytes: the signature covers them exactly as sent."""
    if TOKEN and headers.get("Authorization") != f"Bearer {TOKEN}":
        return Response("unknown caller", status=401, mimetype="text/plain")
    if SECRET and not signature_ok(SECRET, headers, body):
        return Response("bad signature", status=401, mimetype="text/plain")
    return None
