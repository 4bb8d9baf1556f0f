"""An xmpp-rest webhook in Flask: answers every chat message with the same text.

Run it (Debian: apt install python3-flask):
    PORT=5000 WEBHOOK_SECRET=whsec_... WEBHOOK_TOKEN=... python3 app.py
and point the bridge at it with XMPP_REST_CALLBACK_URL=http://127.0.0.1:5000/webhook.
"""

import os
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from flask import Flask, Response, request

from signature import refusal

app = Flask(__name__)


@app.route("/webhook", methods=["OPTIONS"])
def probe():
    # The bridge's start-up probe: say which format we want stanzas in.
    return Response(status=200, headers={"Accept": "application/xmpp+xml"})


@app.route("/webhook", methods=["POST"])
def webhook():
    body = request.get_data()
    refused = refusal(request.headers, body)
    if refused is not None:
        return refused

    # The bridge posts one stanza without a namespace on the root: <message>, <presence> or <iq>.
    stanza = ET.fromstring(body)
    text = stanza.findtext("body")
    if stanza.tag == "message" and stanza.get("type") == "chat" and text:
        # The bridge fills in from, to and type (chat, like the message we answer).
        reply = f"<message><body>{escape(text)}</body></message>"
        return Response(reply, status=200, mimetype="application/xmpp+xml")
    # Anything else: delivered, nothing to say (an iq gets an empty result).
    return Response(status=204)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
