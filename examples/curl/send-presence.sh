#!/bin/sh
# Sends a directed presence with a status through xmpp-rest.
# Usage: XMPP_REST_TOKEN=... ./send-presence.sh user@example.org "Around"
set -eu
: "${XMPP_REST_URL:=http://127.0.0.1:5281}"
: "${XMPP_REST_TOKEN:?set XMPP_REST_TOKEN to one of the bridge's XMPP_REST_TOKENS}"
to=${1:?usage: $0 TO STATUS}
status=${2:-available}
# The XML payload format: one stanza, no xmlns on the root. Escape & < > in the status.
status=$(printf '%s' "$status" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')
curl --silent --show-error --fail-with-body \
  -H "Authorization: Bearer $XMPP_REST_TOKEN" \
  -H "Content-Type: application/xmpp+xml" \
  --data-binary "<presence to=\"$to\"><status>$status</status></presence>" \
  "$XMPP_REST_URL/rest"
echo "sent"
