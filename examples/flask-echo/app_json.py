"""An xmpp-rest webhook in Flask, speaking JSON: answers every chat message with the same text.

Run it (Debian: apt install python3-flask):
    PORT=5000 WEBHOOK_SECRET=whsec_... WEBHOOK_TOKEN=... python3 app_json.py
and point the bridge at it with XMPP_REST_CALLBACK_URL=http://127.0.0.1:5000/webhook.
The bridge's start-up OPTIONS probe gets `Accept: application/json`, so it posts JSON
(XMPP_REST_CALLBACK_CONTENT_TYPE=json says the same without the probe).
"""

import os

from flask import Flask, Response, jsonify, request

from signature import refusal

app = Flask(__name__)


@app.route("/webhook", methods=["OPTIONS"])
def probe():
    # The bridge's start-up probe: ask for stanzas as JSON.
    return Response(status=200, headers={"Accept": "application/json"})


@app.route("/webhook", methods=["POST"])
def webhook():
    # The signature covers the raw bytes: read them (Flask keeps them for get_json) and
    # check them before parsing anything.
    body = request.get_data()
    refused = refusal(request.headers, body)
    if refused is not None:
        return refused
    if not request.is_json:
        # The bridge posts XML unless the probe or XMPP_REST_CALLBACK_CONTENT_TYPE says JSON.
        return Response("send JSON", status=415, mimetype="text/plain")

    # One stanza in the JSON mapping, e.g.
    # {"kind": "message", "type": "chat", "from": "alice@example.org/phone",
    #  "to": "echo@rest.example.org", "id": "a1", "body": "Hi"}
    stanza = request.get_json(silent=True)
    if not isinstance(stanza, dict):
        return Response("not a JSON object", status=400, mimetype="text/plain")
    text = stanza.get("body")
    if stanza.get("kind") == "message" and stanza.get("type") == "chat" and isinstance(text, str) and text:
        # A full reply: the bridge fills in from, to and type (chat, like the message we answer).
        return jsonify({"body": text})
    # Anything else: delivered, nothing to say (an iq gets an empty result).
    return Response(status=204)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
