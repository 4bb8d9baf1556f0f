#!/bin/sh
# Sends a chat message through xmpp-rest.
# Usage: XMPP_REST_TOKEN=... ./send-message.sh user@example.org "Hello"
set -eu
: "${XMPP_REST_URL:=http://127.0.0.1:5281}"
: "${XMPP_REST_TOKEN:?set XMPP_REST_TOKEN to one of the bridge's XMPP_REST_TOKENS}"
to=${1:?usage: $0 TO TEXT}
text=${2:?usage: $0 TO TEXT}
# Plain text and the path form: POST /rest/message/{type}/{to}; curl sends the text as is.
curl --silent --show-error --fail-with-body \
  -H "Authorization: Bearer $XMPP_REST_TOKEN" \
  -H "Content-Type: text/plain" \
  --data-binary "$text" \
  "$XMPP_REST_URL/rest/message/chat/$to"
echo "sent"
